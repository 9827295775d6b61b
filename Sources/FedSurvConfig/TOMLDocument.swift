import Foundation

/// A parsed configuration file with typed, position-aware accessors.
///
/// ```swift
/// let document = try TOMLDocument(contentsOfFile: "coordinator.toml")
/// let server = try document.requiredTable("server")
/// try server.rejectUnknownKeys(allowed: ["host", "port"])
/// let port = try server.int("port", default: 8443)
/// ```
///
/// Accessors return nil (or the default) for a missing key and throw
/// `ConfigError.wrongType`, naming the file, line and column, for a value of
/// another type.
public struct TOMLDocument: TOMLTableReader {
    public let file: String
    public let table: TOMLTable
    public var tablePath: String { "" }

    /// Parses `text`; `file` names the source in error messages.
    ///
    /// - Throws: `ConfigError` for text that is not valid TOML or uses a feature this reader rejects.
    public init(parsing text: String, file: String) throws(ConfigError) {
        self.file = file
        var parser = TOMLParser(text: text, file: file)
        self.table = try parser.parseDocument()
    }

    /// Reads and parses the UTF-8 file at `path`.
    ///
    /// - Throws: `ConfigError.unreadable` when the file cannot be read or is not UTF-8, else as `init(parsing:file:)`.
    public init(contentsOfFile path: String) throws(ConfigError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError.unreadable(file: path, reason: "\(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError.unreadable(file: path, reason: "the file is not valid UTF-8")
        }
        try self.init(parsing: text, file: path)
    }
}

/// A table inside a document, with the file name and dotted path that errors quote.
public struct TOMLSection: TOMLTableReader {
    public let file: String
    /// The dotted path from the root, with an index for an element of an array of tables: `sites[1].tls`.
    public let tablePath: String
    public let table: TOMLTable
}

/// The typed accessors shared by a document (its root table) and its sections.
///
/// Keys are single keys of this table. Reach nested tables with `table(_:)`,
/// which takes a dotted path of bare keys.
public protocol TOMLTableReader: Sendable {
    var file: String { get }
    var tablePath: String { get }
    var table: TOMLTable { get }
}

extension TOMLTableReader {
    // MARK: - Tables

    /// Returns the table at the dotted `path` (bare keys only), or nil when absent.
    ///
    /// - Throws: `ConfigError.wrongType` when a part of the path is not a table.
    public func table(_ path: String) throws(ConfigError) -> TOMLSection? {
        var section = TOMLSection(file: file, tablePath: tablePath, table: table)
        for key in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            guard let value = section.table[key] else { return nil }
            guard case let .table(child) = value else {
                throw section.wrongType(key, expected: "a table", found: value)
            }
            section = TOMLSection(file: file, tablePath: section.childPath(key), table: child)
        }
        return section
    }

    /// Returns the table at `path`, or throws `ConfigError.missingKey` when absent.
    public func requiredTable(_ path: String) throws(ConfigError) -> TOMLSection {
        guard let section = try table(path) else {
            throw ConfigError.missingKey(file: file, table: tablePath, key: path)
        }
        return section
    }

    /// Returns the elements of the array of tables `key` (`[[key]]`, or an array of inline tables); empty when absent.
    public func tables(_ key: String) throws(ConfigError) -> [TOMLSection] {
        guard let value = table[key] else { return [] }
        guard case let .array(elements) = value else { throw wrongType(key, expected: "an array of tables", found: value) }
        var sections: [TOMLSection] = []
        for (offset, element) in elements.enumerated() {
            guard case let .table(child) = element else {
                throw wrongType(key, expected: "an array of tables", found: element)
            }
            sections.append(TOMLSection(file: file, tablePath: "\(childPath(key))[\(offset)]", table: child))
        }
        return sections
    }

    // MARK: - Scalars

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard case let .string(text) = value else { throw wrongType(key, expected: "a string", found: value) }
        return text
    }

    public func string(_ key: String, default defaultValue: String) throws(ConfigError) -> String {
        try string(key) ?? defaultValue
    }

    public func int(_ key: String) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard case let .integer(number) = value else { throw wrongType(key, expected: "an integer", found: value) }
        return number
    }

    public func int(_ key: String, default defaultValue: Int) throws(ConfigError) -> Int {
        try int(key) ?? defaultValue
    }

    /// Returns a float; an integer such as `1` is accepted and converted, because
    /// writing `epsilon_cap = 1` for 1.0 is a common and harmless habit.
    public func double(_ key: String) throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        switch value {
        case let .float(number): return number
        case let .integer(number): return Double(number)
        default: throw wrongType(key, expected: "a number", found: value)
        }
    }

    public func double(_ key: String, default defaultValue: Double) throws(ConfigError) -> Double {
        try double(key) ?? defaultValue
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard case let .boolean(flag) = value else { throw wrongType(key, expected: "true or false", found: value) }
        return flag
    }

    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        try bool(key) ?? defaultValue
    }

    public func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard case let .array(elements) = value else {
            throw wrongType(key, expected: "an array of strings", found: value)
        }
        var strings: [String] = []
        for element in elements {
            guard case let .string(text) = element else {
                throw wrongType(key, expected: "an array of strings", found: element)
            }
            strings.append(text)
        }
        return strings
    }

    public func stringArray(_ key: String, default defaultValue: [String]) throws(ConfigError) -> [String] {
        try stringArray(key) ?? defaultValue
    }

    /// Returns the value that `read` finds for `key`, or throws `ConfigError.missingKey`.
    ///
    /// For example `try server.required("port", server.int)`.
    public func required<Value>(_ key: String, _ read: (String) throws(ConfigError) -> Value?) throws(ConfigError)
        -> Value
    {
        guard let value = try read(key) else { throw ConfigError.missingKey(file: file, table: tablePath, key: key) }
        return value
    }

    // MARK: - Validation

    /// Returns the keys of this table that are not in `allowed`, with their positions, in file order.
    public func unknownKeys(allowed: Set<String>) -> [(key: String, position: TOMLPosition)] {
        table.keys.filter { !allowed.contains($0) }.map { key in (key, table.position(of: key)!) }
    }

    /// Throws for the first key of this table that is not in `allowed`, so that a
    /// misspelt key fails loudly instead of leaving a default in force.
    ///
    /// Sub-tables and arrays of tables are keys of their parent, so list their names in `allowed` too.
    ///
    /// - Throws: `ConfigError.unknownKey` with the key's line and column, the
    ///   closest allowed key when one is within two edits, and the allowed keys.
    public func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        guard let (key, position) = unknownKeys(allowed: allowed).first else { return }
        let suggestion = allowed
            .map { (candidate: $0, distance: editDistance(key, $0)) }
            .filter { $0.distance <= 2 }
            .min { ($0.distance, $0.candidate) < ($1.distance, $1.candidate) }?
            .candidate
        throw ConfigError.unknownKey(
            file: file, at: position, table: tablePath, key: key, allowed: allowed.sorted(), suggestion: suggestion)
    }

    /// Returns an `invalidValue` error at `key`'s position, for loaders that check ranges.
    public func invalidValue(_ key: String, _ message: String) -> ConfigError {
        .invalidValue(
            file: file, at: table.position(of: key) ?? table.position ?? TOMLPosition(line: 1, column: 1),
            key: childPath(key), message: message)
    }

    // MARK: - Helpers

    func childPath(_ key: String) -> String {
        tablePath.isEmpty ? displayKey(key) : "\(tablePath).\(displayKey(key))"
    }

    func wrongType(_ key: String, expected: String, found: TOMLValue) -> ConfigError {
        .wrongType(
            file: file, at: table.position(of: key) ?? TOMLPosition(line: 1, column: 1), key: childPath(key),
            expected: expected, found: found.typeName)
    }
}

/// Computes the Levenshtein distance between two keys, for "did you mean" suggestions.
func editDistance(_ first: String, _ second: String) -> Int {
    let a = Array(first)
    let b = Array(second)
    guard !a.isEmpty else { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        previous = current
    }
    return previous[b.count]
}
