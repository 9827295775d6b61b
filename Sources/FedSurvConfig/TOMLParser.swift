/// A reader for the subset of TOML 1.0 that FedSurv configuration files use.
///
/// Accepted: comments, bare and quoted keys, dotted keys, `[table]` and
/// `[table.sub]` headers, and `[[array.of.tables]]`. Values are basic strings
/// with escapes, literal strings, integers (decimal with `_` separators, or
/// `0x`, `0o`, `0b`), finite floats with fraction and exponent, booleans,
/// arrays (over several lines, with a trailing comma) and one-line inline tables.
///
/// Rejected with an error naming the file, line and column: multi-line
/// strings, dates and times, `inf` and `nan`, duplicate keys and tables that
/// are defined twice or extended against TOML's rules. Dotted keys may only
/// extend tables that dotted keys created; a table that a `[header]` created,
/// even implicitly as a parent such as `a` for `[a.b.c]`, is not extended by
/// dotted keys. TOML 1.0 leaves the implied-parent case open, and the stricter
/// reading keeps every key's home unambiguous.
struct TOMLParser {
    let file: String
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0

    init(text: String, file: String) {
        self.file = file
        self.bytes = Array(text.utf8)
    }

    // MARK: - Document

    /// Parses the whole text into its root table.
    mutating func parseDocument() throws(ConfigError) -> TOMLTable {
        let root = TableBuilder(origin: .root, name: "", position: TOMLPosition(line: 1, column: 1))
        var current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            lineStart = 3
        }

        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                index += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try consumeNewline()
            case UInt8(ascii: "#"):
                try skipComment()
            case UInt8(ascii: "["):
                current = try parseHeader(root: root)
                try finishLine()
            default:
                try parseKeyValue(into: current)
                try finishLine()
            }
        }
        return root.build()
    }

    // MARK: - Tables

    /// Parses `[a.b]` or `[[a.b]]` and returns the table that the following keys go into.
    private mutating func parseHeader(root: TableBuilder) throws(ConfigError) -> TableBuilder {
        let start = position()
        index += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { index += 1 }
        skipWhitespace()
        let parts = try parseKey()
        skipWhitespace()
        let closing = isArray ? "]]" : "]"
        for _ in 0..<(isArray ? 2 : 1) {
            guard peek() == UInt8(ascii: "]") else {
                throw syntax("expected '\(closing)' to close the table header")
            }
            index += 1
        }

        // 1) Walk to the parent table, creating implied tables on the way.
        var parent = root
        for part in parts.dropLast() {
            guard let slot = parent[part.name] else {
                let table = TableBuilder(origin: .implied, name: parent.childName(part.name), position: start)
                parent.insert(part.name, .table(table), at: part.position)
                parent = table
                continue
            }
            switch slot.content {
            case let .table(table):
                parent = table
            case let .tableArray(elements):
                parent = elements[elements.count - 1]
            case .value(.table):
                throw inlineExtension(parent.childName(part.name), firstLine: slot.position.line, at: start)
            case let .value(value):
                throw ConfigError.redefinedTable(
                    file: file, at: start, table: parent.childName(part.name), firstLine: slot.position.line,
                    reason: "it is \(value.typeName) there, so a header cannot make it a table; rename one of them")
            }
        }

        // 2) Define the last part as a table or add an element to an array of tables.
        let last = parts[parts.count - 1]
        let name = parent.childName(last.name)
        guard let slot = parent[last.name] else {
            let table = TableBuilder(origin: isArray ? .arrayElement : .header, name: name, position: start)
            parent.insert(last.name, isArray ? .tableArray([table]) : .table(table), at: start)
            return table
        }
        let firstLine = slot.position.line
        switch (slot.content, isArray) {
        case (.tableArray, true):
            let table = TableBuilder(origin: .arrayElement, name: name, position: start)
            parent.appendElement(table, to: last.name)
            return table
        case let (.table(table), false) where table.origin == .implied:
            table.origin = .header
            table.position = start
            return table
        case let (.table(table), false) where table.origin == .dotted:
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: firstLine,
                reason: "dotted keys created it, so a header cannot reopen it; "
                    + "move these keys next to the dotted ones, or define sub-tables as [\(name).child]")
        case (.table, false):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: definitionLine(of: slot),
                reason: "a table is defined once, so merge the two sections")
        case (.tableArray, false):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: firstLine,
                reason: "it is an array of tables, so add an element with [[\(name)]]")
        case (.table, true):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: definitionLine(of: slot),
                reason: "it is a plain table, so it cannot become an array of tables; use [\(name)] or rename it")
        case (.value(.table), _):
            throw inlineExtension(name, firstLine: firstLine, at: start)
        case let (.value(value), _):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: firstLine,
                reason: "it is \(value.typeName) there, so a header cannot make it a table; rename one of them")
        }
    }

    private func definitionLine(of slot: TableBuilder.Slot) -> Int {
        if case let .table(table) = slot.content { return table.position.line }
        return slot.position.line
    }

    private func inlineExtension(_ name: String, firstLine: Int, at position: TOMLPosition) -> ConfigError {
        .redefinedTable(
            file: file, at: position, table: name, firstLine: firstLine,
            reason: "it is an inline table, which is complete once its braces close; "
                + "put every key inside the braces or write it as a [\(name)] section")
    }

    // MARK: - Keys

    struct KeyPart {
        let name: String
        let position: TOMLPosition
    }

    /// Parses `key = value` and stores the value in `table`, creating tables for dotted keys.
    mutating func parseKeyValue(into table: TableBuilder) throws(ConfigError) {
        let start = position()
        let parts = try parseKey()
        skipWhitespace()
        guard peek() == UInt8(ascii: "=") else {
            let key = parts.map { displayKey($0.name) }.joined(separator: ".")
            throw syntax("expected '=' after the key '\(key)'; write key = value, one per line")
        }
        index += 1
        skipWhitespace()

        var target = table
        for part in parts.dropLast() {
            target = try dottedTable(part, in: target, at: start)
        }
        let last = parts[parts.count - 1]
        let value = try parseValue(context: target.childName(last.name))
        if let existing = target[last.name] {
            throw ConfigError.duplicateKey(
                file: file, at: start, key: target.childName(last.name), firstLine: existing.position.line)
        }
        target.insert(last.name, .value(value), at: start)
    }

    /// Returns the table that the dotted-key part `part` names inside `table`, creating it when new.
    private func dottedTable(_ part: KeyPart, in table: TableBuilder, at start: TOMLPosition) throws(ConfigError)
        -> TableBuilder
    {
        let name = table.childName(part.name)
        guard let slot = table[part.name] else {
            let child = TableBuilder(origin: .dotted, name: name, position: part.position)
            table.insert(part.name, .table(child), at: part.position)
            return child
        }
        switch slot.content {
        case let .table(child) where child.origin == .dotted:
            return child
        case let .table(child):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: child.position.line,
                reason: "a [header] created it, so dotted keys from outside cannot add to it; "
                    + "move this key into the [\(name)] section")
        case .tableArray:
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: slot.position.line,
                reason: "it is an array of tables, so dotted keys cannot add to it; "
                    + "put the key under the [[\(name)]] element it belongs to")
        case .value(.table):
            throw inlineExtension(name, firstLine: slot.position.line, at: start)
        case let .value(value):
            throw ConfigError.redefinedTable(
                file: file, at: start, table: name, firstLine: slot.position.line,
                reason: "it is \(value.typeName) there, so it cannot also be a table; rename one of them")
        }
    }

    /// Parses a possibly dotted key: `a`, `"quoted key"`, `'literal'`, `a.b."c"`.
    mutating func parseKey() throws(ConfigError) -> [KeyPart] {
        var parts = [try parseSimpleKey()]
        while true {
            let save = index
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else {
                index = save
                return parts
            }
            index += 1
            skipWhitespace()
            parts.append(try parseSimpleKey())
        }
    }

    private mutating func parseSimpleKey() throws(ConfigError) -> KeyPart {
        let start = position()
        switch peek() {
        case UInt8(ascii: "\""):
            if starts(with: "\"\"\"") { throw multilineString() }
            return KeyPart(name: try parseBasicString(), position: start)
        case UInt8(ascii: "'"):
            if starts(with: "'''") { throw multilineString() }
            return KeyPart(name: try parseLiteralString(), position: start)
        default:
            let first = index
            while let byte = peek(), isBareKeyScalar(Unicode.Scalar(byte)) {
                index += 1
            }
            guard index > first else {
                throw syntax(
                    "expected a key: letters, digits, '_' and '-', or a quoted string; "
                        + "check for a stray character or a missing '='")
            }
            return KeyPart(name: String(decoding: bytes[first..<index], as: UTF8.self), position: start)
        }
    }

    // MARK: - Whitespace, comments and lines

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    func starts(with prefix: String) -> Bool {
        bytes[index...].starts(with: prefix.utf8)
    }

    /// Returns the line and column of the current index.
    func position() -> TOMLPosition {
        var column = 1
        for offset in lineStart..<min(index, bytes.count) where bytes[offset] & 0xC0 != 0x80 {
            column += 1
        }
        return TOMLPosition(line: line, column: column)
    }

    func syntax(_ message: String) -> ConfigError {
        .syntax(file: file, at: position(), message: message)
    }

    func multilineString() -> ConfigError {
        .unsupported(
            file: file, at: position(), feature: "multi-line strings",
            hint: "write the string on one line, using \\n for line breaks")
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            index += 1
        }
    }

    /// Skips blanks, comments and line breaks, as allowed between array elements.
    mutating func skipWhitespaceCommentsAndNewlines() throws(ConfigError) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"): index += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try consumeNewline()
            case UInt8(ascii: "#"): try skipComment()
            default: return
            }
        }
    }

    mutating func consumeNewline() throws(ConfigError) {
        if peek() == UInt8(ascii: "\r") {
            guard peek(1) == UInt8(ascii: "\n") else {
                throw syntax("a carriage return must be followed by a line feed; save the file with LF or CRLF line ends")
            }
            index += 1
        }
        index += 1
        line += 1
        lineStart = index
    }

    /// Skips from `#` to the end of the line, rejecting control characters as TOML does.
    mutating func skipComment() throws(ConfigError) {
        index += 1
        while let byte = peek() {
            if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
                return
            }
            if isControl(byte) {
                throw syntax("control character U+\(hex(byte)) in a comment; delete it")
            }
            index += 1
        }
    }

    /// Requires the end of the line (or file) after a key-value pair or header, allowing a comment.
    mutating func finishLine() throws(ConfigError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let byte = peek() else { return }
        guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
            throw syntax("expected the end of the line; put each key = value or [table] on its own line, and start comments with '#'")
        }
        try consumeNewline()
    }
}

/// True for the control characters TOML forbids in strings and comments: all below U+0020 except tab, and U+007F.
func isControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
}

func hex(_ byte: UInt8) -> String {
    let text = String(byte, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - text.count) + text
}
