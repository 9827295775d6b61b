/// A place in a configuration file: 1-based line and column (in Unicode scalars).
public struct TOMLPosition: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// An error from reading a configuration file or from a typed accessor.
///
/// Every case that concerns a place in the file prints as `file:line:column: message`,
/// and every message ends with what to change.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The text is not valid TOML; `message` states what was expected.
    case syntax(file: String, at: TOMLPosition, message: String)
    /// Valid TOML that this reader does not accept in configuration files.
    case unsupported(file: String, at: TOMLPosition, feature: String, hint: String)
    /// A key assigned twice in one table.
    case duplicateKey(file: String, at: TOMLPosition, key: String, firstLine: Int)
    /// A table defined twice, or extended in a way TOML forbids.
    case redefinedTable(file: String, at: TOMLPosition, table: String, firstLine: Int, reason: String)
    /// A value of another type than the one the key takes.
    case wrongType(file: String, at: TOMLPosition, key: String, expected: String, found: String)
    /// A required key is absent from its table.
    case missingKey(file: String, table: String, key: String)
    /// A key that the table does not take, usually a misspelling.
    case unknownKey(file: String, at: TOMLPosition, table: String, key: String, allowed: [String], suggestion: String?)
    /// A value of the right type that a loader rejected, for example a negative count.
    case invalidValue(file: String, at: TOMLPosition, key: String, message: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the configuration file: \(reason); check the path and its permissions"
        case let .syntax(file, at, message):
            return "\(file):\(at): \(message)"
        case let .unsupported(file, at, feature, hint):
            return "\(file):\(at): \(feature) are not supported in FedSurv configuration files; \(hint)"
        case let .duplicateKey(file, at, key, firstLine):
            return "\(file):\(at): duplicate key '\(key)', first defined on line \(firstLine); remove one of the two"
        case let .redefinedTable(file, at, table, firstLine, reason):
            return "\(file):\(at): table [\(table)] was already defined on line \(firstLine); \(reason)"
        case let .wrongType(file, at, key, expected, found):
            return "\(file):\(at): key '\(key)' must be \(expected), found \(found); change the value's type"
        case let .missingKey(file, table, key):
            let place = table.isEmpty ? "at the top level" : "in table [\(table)]"
            return "\(file): missing required key '\(key)' \(place); add it"
        case let .unknownKey(file, at, table, key, allowed, suggestion):
            let place = table.isEmpty ? "at the top level" : "in table [\(table)]"
            var text = "\(file):\(at): unknown key '\(key)' \(place)"
            if let suggestion {
                text += "; did you mean '\(suggestion)'?"
            } else {
                text += "; remove it"
            }
            if !allowed.isEmpty {
                text += " (accepted keys: \(allowed.joined(separator: ", ")))"
            }
            return text
        case let .invalidValue(file, at, key, message):
            return "\(file):\(at): invalid value for '\(key)': \(message)"
        }
    }
}
