import FedSurvLedger

/// Export formats of `privacy-audit export`.
public enum ExportFormat: String, CaseIterable, Sendable {
    case json
    case csv
}

/// Writes a ledger's entries as JSON or CSV.
///
/// Both formats keep `parameters` as the exact recorded text and write
/// doubles in Swift's shortest round-trip form, the form the entry hash
/// covers, so a reader can recompute every `entry_hash` from an export.
public enum LedgerExport {
    static let columns = [
        "sequence", "site", "round", "release_id", "recorded_at", "mechanism", "parameters", "epsilon_pure",
        "epsilon", "delta", "total_epsilon_pure", "total_epsilon", "update_sha256", "previous_hash", "entry_hash",
    ]

    public static func render(_ ledger: AuditedLedger, format: ExportFormat) -> String {
        switch format {
        case .json: json(ledger)
        case .csv: csv(ledger)
        }
    }

    /// Renders one JSON object: `ledger`, `delta`, `entries` (objects with the ledger's column names) and
    /// `round_metrics` (null when the file has no such table).
    public static func json(_ ledger: AuditedLedger) -> String {
        var lines = ["{", "  \"ledger\": \(jsonString(ledger.path)),", "  \"delta\": \(jsonNumber(ledger.delta)),"]
        lines.append("  \"entries\": [")
        for (index, entry) in ledger.entries.enumerated() {
            let fields = zip(columns, values(entry, json: true)).map { "\"\($0)\": \($1)" }
            lines.append("    {" + fields.joined(separator: ", ") + "}" + (index < ledger.entries.count - 1 ? "," : ""))
        }
        lines.append("  ],")
        if let metrics = ledger.roundMetrics {
            lines.append("  \"round_metrics\": [")
            for (index, metric) in metrics.enumerated() {
                let fields = [
                    "\"round\": \(metric.round)", "\"c_index\": \(metric.cIndex.map(jsonNumber) ?? "null")",
                    "\"sites\": \(metric.sites.map(String.init) ?? "null")",
                    "\"recorded_at\": \(metric.recordedAt.map(jsonString) ?? "null")",
                ]
                lines.append("    {" + fields.joined(separator: ", ") + "}" + (index < metrics.count - 1 ? "," : ""))
            }
            lines.append("  ]")
        } else {
            lines.append("  \"round_metrics\": null")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Renders a header row with the ledger's column names, then one row per entry (RFC 4180 quoting, lines ending in LF).
    public static func csv(_ ledger: AuditedLedger) -> String {
        var lines = [columns.joined(separator: ",")]
        for entry in ledger.entries {
            lines.append(values(entry, json: false).map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Private

    private static func values(_ entry: LedgerEntry, json: Bool) -> [String] {
        func string(_ text: String) -> String { json ? jsonString(text) : text }
        func number(_ value: Double?) -> String {
            guard let value else { return json ? "null" : "" }
            return json ? jsonNumber(value) : "\(value)"
        }
        let round = entry.round.map { String($0) } ?? (json ? "null" : "")
        return [
            String(entry.sequence), string(entry.site), round, string(entry.releaseID), string(entry.recordedAt),
            string(entry.mechanism), string(entry.parameters), number(entry.epsilonPure), number(entry.epsilon),
            number(entry.delta), number(entry.totalEpsilonPure), number(entry.totalEpsilon),
            string(entry.updateSHA256), string(entry.previousHash), string(entry.entryHash),
        ]
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Formats a JSON number, or null for a value JSON cannot represent (NaN, infinity).
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}

/// Quotes `text` as a JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ text: String) -> String {
    var output = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case let control where control.value < 0x20:
            let hex = String(control.value, radix: 16)
            output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: output.unicodeScalars.append(scalar)
        }
    }
    return output + "\""
}
