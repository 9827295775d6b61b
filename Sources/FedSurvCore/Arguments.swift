/// A small command-line parser for `tool subcommand --option value --flag`.
///
/// The toolchain's swift-argument-parser is an outside package that this
/// project cannot fetch, so the executables share this parser. Options take
/// the next word as their value (`--data DIR`) or an inline one
/// (`--data=DIR`); every option must be consumed, so a misspelt option is an
/// error rather than silently ignored.
public struct Arguments {
    public private(set) var positionals: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []
    private var consumed: Set<String> = []

    /// Parses `words`; `flagNames` lists the options that take no value.
    public init(_ words: [String], flagNames: Set<String> = []) throws(UsageError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                positionals.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flagNames.contains(name) {
                guard inlineValue == nil else {
                    throw UsageError("option --\(name) takes no value; remove '=\(inlineValue!)'")
                }
                flags.insert(name)
                continue
            }
            if let inlineValue {
                options[name, default: []].append(inlineValue)
                continue
            }
            guard index < words.count else {
                throw UsageError("option --\(name) needs a value")
            }
            options[name, default: []].append(words[index])
            index += 1
        }
    }

    /// Returns the last value given for `--name`, or nil.
    public mutating func string(_ name: String) -> String? {
        consumed.insert(name)
        return options[name]?.last
    }

    /// Returns every value given for a repeatable option such as `--san A --san B`, in order.
    public mutating func strings(_ name: String) -> [String] {
        consumed.insert(name)
        return options[name] ?? []
    }

    /// Returns the value of `--name`, or throws a usage error naming it.
    public mutating func required(_ name: String) throws(UsageError) -> String {
        guard let value = string(name) else { throw UsageError("missing required option --\(name)") }
        return value
    }

    public mutating func int(_ name: String) throws(UsageError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw UsageError("option --\(name) expects an integer, got '\(text)'") }
        return value
    }

    public mutating func double(_ name: String) throws(UsageError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw UsageError("option --\(name) expects a finite number, got '\(text)'")
        }
        return value
    }

    public mutating func flag(_ name: String) -> Bool {
        consumed.insert(name)
        return flags.contains(name)
    }

    /// Throws when an option was given that no caller read.
    public func rejectUnknown() throws(UsageError) {
        let unknown = Set(options.keys).union(flags).subtracting(consumed).sorted()
        if let first = unknown.first {
            throw UsageError("unknown option --\(first); run with --help to list the options")
        }
    }
}

/// A command-line mistake; executables print it and exit with status 64 (EX_USAGE).
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
