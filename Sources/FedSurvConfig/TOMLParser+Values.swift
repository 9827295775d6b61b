// Values: strings, numbers, booleans, arrays and inline tables.
extension TOMLParser {
    /// Parses the value after `=`; `context` names the key for messages.
    mutating func parseValue(context: String) throws(ConfigError) -> TOMLValue {
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
            throw syntax("missing value for '\(context)'; write a string in quotes, a number, true, false, [...] or {...}")
        }
        switch byte {
        case UInt8(ascii: "\""):
            if starts(with: "\"\"\"") { throw multilineString() }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if starts(with: "'''") { throw multilineString() }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray(context: context)
        case UInt8(ascii: "{"):
            return try parseInlineTable(context: context)
        default:
            return try parseBareValue(context: context)
        }
    }

    // MARK: - Strings

    /// Parses `"..."` with the escapes `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`.
    mutating func parseBasicString() throws(ConfigError) -> String {
        index += 1
        var output: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
                throw syntax("unterminated string; close it with '\"' on the same line")
            }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: output, as: UTF8.self)
            case UInt8(ascii: "\\"):
                output.append(contentsOf: try parseEscape())
            default:
                if isControl(byte) {
                    throw syntax("control character U+\(hex(byte)) in a string; write it as an escape such as \\t or \\u0009")
                }
                output.append(byte)
                index += 1
            }
        }
    }

    /// Parses one escape sequence at `\` and returns its UTF-8 bytes.
    private mutating func parseEscape() throws(ConfigError) -> [UInt8] {
        let escapeStart = position()
        index += 1
        guard let letter = peek() else { throw syntax("unterminated string; close it with '\"' on the same line") }
        index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
        ]
        if let replacement = simple[letter] { return [replacement] }

        let digitCount: Int
        switch letter {
        case UInt8(ascii: "u"): digitCount = 4
        case UInt8(ascii: "U"): digitCount = 8
        default:
            throw ConfigError.syntax(
                file: file, at: escapeStart,
                message: "invalid escape '\\\(Character(Unicode.Scalar(letter)))'; "
                    + "use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX, or a literal string in single quotes")
        }
        guard index + digitCount <= bytes.count,
            let code = UInt32(String(decoding: bytes[index..<index + digitCount], as: UTF8.self), radix: 16),
            bytes[index..<index + digitCount].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }),
            let scalar = Unicode.Scalar(code)
        else {
            throw ConfigError.syntax(
                file: file, at: escapeStart,
                message: "invalid Unicode escape; \\u takes 4 and \\U takes 8 hexadecimal digits of a Unicode scalar value")
        }
        index += digitCount
        return Array(String(Character(scalar)).utf8)
    }

    /// Parses `'...'`, which has no escapes.
    mutating func parseLiteralString() throws(ConfigError) -> String {
        index += 1
        let first = index
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else {
                throw syntax("unterminated literal string; close it with \"'\" on the same line")
            }
            if byte == UInt8(ascii: "'") { break }
            if isControl(byte) {
                throw syntax("control character U+\(hex(byte)) in a string; use a basic string with an escape such as \\t")
            }
            index += 1
        }
        let text = String(decoding: bytes[first..<index], as: UTF8.self)
        index += 1
        return text
    }

    // MARK: - Arrays and inline tables

    /// Parses `[a, b, ...]`, which may span lines, hold comments and end with a comma.
    private mutating func parseArray(context: String) throws(ConfigError) -> TOMLValue {
        let start = position()
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard peek() != nil else { throw unterminatedArray(start) }
            elements.append(try parseValue(context: "\(context)[\(elements.count)]"))
            try skipWhitespaceCommentsAndNewlines()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            case nil:
                throw unterminatedArray(start)
            default:
                throw syntax("expected ',' or ']' in the array that starts at \(start); separate elements with commas")
            }
        }
    }

    private func unterminatedArray(_ start: TOMLPosition) -> ConfigError {
        .syntax(file: file, at: start, message: "unterminated array; close it with ']'")
    }

    /// Parses `{ key = value, ... }` on one line, as TOML 1.0 requires.
    private mutating func parseInlineTable(context: String) throws(ConfigError) -> TOMLValue {
        let start = position()
        index += 1
        let table = TableBuilder(origin: .inline, name: context, position: start)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .table(table.build())
        }
        while true {
            skipWhitespace()
            try requireSameLine(start)
            try parseKeyValue(into: table)
            skipWhitespace()
            try requireSameLine(start)
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    throw syntax("trailing comma in an inline table; remove it (TOML allows one only in arrays)")
                }
            case UInt8(ascii: "}"):
                index += 1
                return .table(table.build())
            default:
                throw syntax("expected ',' or '}' in the inline table that starts at \(start)")
            }
        }
    }

    private func requireSameLine(_ start: TOMLPosition) throws(ConfigError) {
        guard let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r"), byte != UInt8(ascii: "#")
        else {
            throw ConfigError.syntax(
                file: file, at: start,
                message: "an inline table must close on the line where it opens; use a [table] section for a longer one")
        }
    }

    // MARK: - Booleans and numbers

    /// Parses `true`, `false`, an integer or a float; rejects dates, `inf`, `nan` and unquoted words.
    private mutating func parseBareValue(context: String) throws(ConfigError) -> TOMLValue {
        let start = position()
        let first = index
        while let byte = peek(), isBareValueByte(byte) {
            index += 1
        }
        let token = String(decoding: bytes[first..<index], as: UTF8.self)
        guard !token.isEmpty else {
            throw syntax("expected a value for '\(context)': a string in quotes, a number, true, false, [...] or {...}")
        }
        if token == "true" { return .boolean(true) }
        if token == "false" { return .boolean(false) }

        if looksLikeDateOrTime(token) {
            throw ConfigError.unsupported(
                file: file, at: start, feature: "dates and times",
                hint: "write the value as a string, for example \"2026-12-04\"")
        }
        let unsigned = token.first == "+" || token.first == "-" ? String(token.dropFirst()) : token
        if unsigned == "inf" || unsigned == "nan" {
            throw ConfigError.unsupported(
                file: file, at: start, feature: "inf and nan",
                hint: "write a finite number")
        }
        if let value = try number(token, at: start) { return value }

        if let firstScalar = token.unicodeScalars.first, firstScalar.properties.isAlphabetic {
            throw ConfigError.syntax(
                file: file, at: start,
                message: "'\(token)' is not a value; put strings in double quotes, and write booleans as true or false")
        }
        throw ConfigError.syntax(
            file: file, at: start,
            message: "invalid number '\(token)'; write an integer such as 1_000 or a float such as 0.5 or 1e-5")
    }

    private func isBareValueByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default: false
        }
    }

    /// True for a TOML date (`1979-05-27`) or time (`07:32:00`), the starts of every date-time form.
    private func looksLikeDateOrTime(_ token: String) -> Bool {
        let characters = Array(token)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= characters.count && characters[range].allSatisfy(\.isASCIIDigit)
        }
        let isDate = digits(0..<4) && characters.count > 4 && characters[4] == "-" && digits(5..<7)
        let isTime = digits(0..<2) && characters.count > 2 && characters[2] == ":"
        return isDate || isTime
    }

    /// Returns the integer or float that `token` spells, nil when it is not a number,
    /// and throws when it is a number out of range.
    private func number(_ token: String, at start: TOMLPosition) throws(ConfigError) -> TOMLValue? {
        var body = Substring(token)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }

        // Hexadecimal, octal and binary integers: no sign allowed.
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            let digits = body.dropFirst(2)
            guard token.first != "+", token.first != "-", separatedDigits(digits, radix: radix) else { return nil }
            guard let value = Int(digits.replacingOccurrences(of: "_", with: ""), radix: radix) else {
                throw outOfRange(token, at: start)
            }
            return .integer(value)
        }

        // Decimal: integer part, optional fraction, optional exponent.
        var mantissa = body
        var exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        var integerPart = mantissa
        var fraction: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        guard separatedDigits(integerPart, radix: 10) else { return nil }
        guard integerPart == "0" || !integerPart.hasPrefix("0") else { return nil }
        if let fraction, !separatedDigits(fraction, radix: 10) { return nil }
        if var exponentDigits = exponent {
            if let first = exponentDigits.first, first == "+" || first == "-" { exponentDigits = exponentDigits.dropFirst() }
            guard separatedDigits(exponentDigits, radix: 10) else { return nil }
        }

        let plain = sign + body.replacingOccurrences(of: "_", with: "")
        if fraction == nil && exponent == nil {
            guard let value = Int(plain) else { throw outOfRange(token, at: start) }
            return .integer(value)
        }
        guard let value = Double(plain), value.isFinite else { throw outOfRange(token, at: start) }
        return .float(value)
    }

    /// True when `text` is digits of `radix`, with single underscores only between digits.
    private func separatedDigits(_ text: Substring, radix: Int) -> Bool {
        guard let first = text.first, let last = text.last, first != "_", last != "_" else { return false }
        var previousWasUnderscore = false
        for character in text {
            if character == "_" {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
                continue
            }
            guard let digit = character.hexDigitValue, digit < radix, character.isASCII else { return false }
            previousWasUnderscore = false
        }
        return true
    }

    private func outOfRange(_ token: String, at start: TOMLPosition) -> ConfigError {
        .syntax(
            file: file, at: start,
            message: "number '\(token)' is out of range; integers are 64-bit and floats must be finite doubles")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
