import Foundation

/// A structured logger: a label, a minimum level, constant messages and
/// dotted metadata keys (`site.id`, `round`, `dp.epsilon`).
///
/// Each record is one line on standard error in logfmt form, for example
/// `ts=2026-12-04T20:41:07Z level=info label=site-agent msg="round started" round=3`,
/// so that operators can grep it and log collectors can parse it. Library
/// code logs at `debug`; services log starts, stops, retries and every error
/// they handle. Never put patient values, keys or raw features in metadata.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CustomStringConvertible {
        case debug = 0, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        /// Parses `debug`, `info`, `warning` or `error`.
        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }
    }

    public let label: String
    public var minimumLevel: Level
    /// Metadata attached to every record of this logger.
    public var metadata: [String: String]

    /// Creates a logger whose level comes from `FEDSURV_LOG_LEVEL` when set, else `info`.
    public init(label: String, level: Level? = nil, metadata: [String: String] = [:]) {
        self.label = label
        let fromEnvironment = ProcessInfo.processInfo.environment["FEDSURV_LOG_LEVEL"].flatMap(Level.init(name:))
        self.minimumLevel = level ?? fromEnvironment ?? .info
        self.metadata = metadata
    }

    public func debug(_ message: StaticString, _ metadata: [String: CustomStringConvertible] = [:]) {
        log(.debug, message, metadata)
    }

    public func info(_ message: StaticString, _ metadata: [String: CustomStringConvertible] = [:]) {
        log(.info, message, metadata)
    }

    public func warning(_ message: StaticString, _ metadata: [String: CustomStringConvertible] = [:]) {
        log(.warning, message, metadata)
    }

    public func error(_ message: StaticString, _ metadata: [String: CustomStringConvertible] = [:]) {
        log(.error, message, metadata)
    }

    public func log(_ level: Level, _ message: StaticString, _ extra: [String: CustomStringConvertible]) {
        guard level >= minimumLevel else { return }
        var line = "ts=\(Self.timestamp()) level=\(level) label=\(Self.quote(label)) msg=\(Self.quote("\(message)"))"
        var merged = metadata
        for (key, value) in extra { merged[key] = value.description }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quote(merged[key]!))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// Quotes a logfmt value when it contains spaces, quotes or `=`.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }
        guard needsQuotes else { return value }
        let escaped = value
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}
