/// A TOML value of the kinds FedSurv configuration files use.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    /// Always finite: the reader rejects `inf` and `nan`.
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The TOML name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML table: keys in the order the file defines them, each with its value and position.
///
/// An array of tables (`[[sites]]`) is stored as `.array` of `.table` values.
public struct TOMLTable: Sendable, Equatable {
    struct Entry: Sendable {
        var value: TOMLValue
        var position: TOMLPosition
    }

    /// The keys in order of definition.
    public private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]
    /// The start of the table's header or inline table; nil for the document root.
    public let position: TOMLPosition?

    public init(position: TOMLPosition? = nil) {
        self.position = position
    }

    public subscript(key: String) -> TOMLValue? {
        entries[key]?.value
    }

    /// Returns where `key`'s definition starts in the file.
    public func position(of key: String) -> TOMLPosition? {
        entries[key]?.position
    }

    /// Adds `key`; the caller has checked that it is new.
    mutating func append(_ key: String, _ value: TOMLValue, at position: TOMLPosition) {
        precondition(entries[key] == nil, "key '\(key)' appended twice")
        keys.append(key)
        entries[key] = Entry(value: value, position: position)
    }

    /// Compares keys and values; positions are ignored.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.keys == rhs.keys && lhs.keys.allSatisfy { lhs[$0] == rhs[$0] }
    }
}
