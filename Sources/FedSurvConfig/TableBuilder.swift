/// A mutable table used while parsing; `TOMLParser` turns the tree into `TOMLTable` values at the end.
///
/// The origin records how the table came to exist, because TOML's rules for
/// extending a table depend on it. A `[header]` may define a table that an
/// earlier header only implied. Dotted keys may extend only tables that dotted
/// keys created, and nothing may extend an inline table.
final class TableBuilder {
    enum Origin {
        case root
        /// Defined by a `[name]` header.
        case header
        /// Created as a parent of a later header, such as `a` for `[a.b]`.
        case implied
        /// Created by a dotted key such as `a.b = 1`.
        case dotted
        /// One element of an array of tables (`[[name]]`).
        case arrayElement
        /// The braces of an inline table, which is closed once parsed.
        case inline
    }

    enum Content {
        case value(TOMLValue)
        case table(TableBuilder)
        case tableArray([TableBuilder])
    }

    struct Slot {
        var content: Content
        let position: TOMLPosition
    }

    var origin: Origin
    /// The dotted name, for messages; empty for the root.
    let name: String
    /// The position of the table's definition. For an implied table that a
    /// header later defines, the header's position replaces the first use.
    var position: TOMLPosition
    private(set) var keys: [String] = []
    private(set) var slots: [String: Slot] = [:]

    init(origin: Origin, name: String, position: TOMLPosition) {
        self.origin = origin
        self.name = name
        self.position = position
    }

    subscript(key: String) -> Slot? {
        slots[key]
    }

    func insert(_ key: String, _ content: Content, at position: TOMLPosition) {
        precondition(slots[key] == nil, "key '\(key)' inserted twice")
        keys.append(key)
        slots[key] = Slot(content: content, position: position)
    }

    func appendElement(_ element: TableBuilder, to key: String) {
        guard case var .tableArray(elements) = slots[key]?.content else {
            preconditionFailure("'\(key)' is not an array of tables")
        }
        elements.append(element)
        slots[key]?.content = .tableArray(elements)
    }

    /// Returns the dotted name of `key` inside this table, with keys quoted where TOML needs it.
    func childName(_ key: String) -> String {
        let part = displayKey(key)
        return name.isEmpty ? part : "\(name).\(part)"
    }

    func build() -> TOMLTable {
        var table = TOMLTable(position: origin == .root ? nil : position)
        for key in keys {
            let slot = slots[key]!
            switch slot.content {
            case let .value(value):
                table.append(key, value, at: slot.position)
            case let .table(builder):
                table.append(key, .table(builder.build()), at: slot.position)
            case let .tableArray(builders):
                table.append(key, .array(builders.map { .table($0.build()) }), at: slot.position)
            }
        }
        return table
    }
}

/// Returns `key` as written in TOML: bare when it can be, else as a basic string.
func displayKey(_ key: String) -> String {
    let isBare = !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyScalar)
    if isBare { return key }
    let escaped = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(escaped)\""
}

func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
    default: false
    }
}
