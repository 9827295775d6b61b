import FedSurvLedger
import Foundation

/// The plain-text output of the `privacy-audit` commands.
public enum AuditText {
    /// Renders the `summary` command's output: the verification status, then one row per site.
    public static func summary(_ ledger: AuditedLedger, sites: [SiteSummary], verification: VerificationResult)
        -> String
    {
        var lines = [
            "ledger: \(ledger.path)",
            "delta: \(ledger.delta)",
            "entries: \(ledger.entries.count) from \(sites.count) site\(sites.count == 1 ? "" : "s")",
            verification.passed
                ? "verified: yes (hash chain intact, every epsilon re-derived)"
                : "verified: NO, so the figures below are as recorded: \(verification.firstFailure ?? "")",
            "",
        ]
        var table = TextTable(
            header: ["site", "entries", "rounds", "mechanisms", "pure eps", "eps (delta)", "cap", "left"],
            rightAligned: [1, 2, 4, 5, 6, 7])
        for site in sites {
            table.add([
                site.site, String(site.entryCount),
                String(site.roundsJoined) + (site.localEntries > 0 ? " +\(site.localEntries) local" : ""),
                site.mechanisms.joined(separator: ","), number(site.totalEpsilonPure), number(site.totalEpsilon),
                number(site.cap), leftText(site.left),
            ])
        }
        lines.append(table.rendered)
        if sites.contains(where: { $0.cap == nil }) {
            lines.append("")
            lines.append("A site without a cap has none given; pass --cap E or --caps FILE.toml.")
        }
        return lines.joined(separator: "\n")
    }

    /// Renders the `entries` command's output: one block per entry with its parameter groups.
    public static func entries(_ entries: [LedgerEntry], ledger: AuditedLedger) -> String {
        var blocks: [String] = []
        for entry in entries {
            var lines = [
                "entry \(entry.sequence)  site \(entry.site)  round \(entry.round.map(String.init) ?? "none (local)")"
                    + "  release \(entry.releaseID)",
                "  recorded at:    \(entry.recordedAt)",
                "  mechanism:      \(entry.mechanism)",
                "  epsilon:        \(number(entry.epsilon)) at delta \(entry.delta)"
                    + (entry.epsilonPure.map { ", pure \(number($0))" } ?? ", no pure epsilon"),
                "  site total:     \(number(entry.totalEpsilon))"
                    + (entry.totalEpsilonPure.map { ", pure \(number($0))" } ?? ""),
                "  update SHA-256: \(entry.updateSHA256)",
            ]
            do {
                let parameters = try ReleaseParameters(json: entry.parameters)
                lines.append("  sampling rate:  \(parameters.samplingRate), steps: \(parameters.steps)")
                for field in parameters.otherFields { lines.append("  \(field.key): \(field.value)") }
                var table = TextTable(
                    header: ["group", "clip", "epsilon", "noise mult.", "share"], rightAligned: [1, 2, 3, 4])
                let shares = parameters.groupShares
                for (index, group) in parameters.groups.enumerated() {
                    table.add([
                        group.name, number(group.clip), number(group.epsilon), number(group.noiseMultiplier),
                        shares.map { String(format: "%.1f%%", 100 * $0[index]) } ?? "-",
                    ])
                }
                lines += table.rendered.split(separator: "\n").map { "    " + $0 }
            } catch {
                lines.append("  parameters:     \(entry.parameters)")
                lines.append("  (not in the documented format: \(error))")
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        if blocks.isEmpty { return "no entries match in \(ledger.path)" }
        return blocks.joined(separator: "\n\n")
    }

    /// Renders the `verify` command's report.
    public static func verification(_ ledger: AuditedLedger, _ result: VerificationResult) -> String {
        var lines = [
            "ledger: \(ledger.path)",
            "delta: \(ledger.delta)",
            "entries: \(result.entryCount) from \(result.siteCount) site\(result.siteCount == 1 ? "" : "s")",
        ]
        if let violation = result.violation {
            let passed = violation.sequence - 1
            lines.append("checked: entries 1-\(passed) passed every check" + (passed == 0 ? " (none)" : ""))
            lines.append("FAILED: \(result.firstFailure ?? violation.description)")
        } else {
            lines.append("hash chain: intact, sequence 1-\(result.entryCount) without gaps")
            lines.append("epsilons: every release epsilon and per-site running total re-derived from its parameters")
        }
        for anchor in result.anchorResults {
            lines.append((anchor.matched ? "anchor: " : "ANCHOR FAILED: ") + anchor.description)
        }
        // A failing ledger's head is no anchor worth keeping.
        if let head = result.head, result.passed {
            lines.append("head: \(head.sequence):\(head.entryHash)")
            lines.append("  (keep this line; pass it to a later verify as --anchor to detect rewritten history)")
        }
        lines.append("result: " + (result.passed ? "PASS" : "FAIL"))
        return lines.joined(separator: "\n")
    }

    /// Renders the `cross-check` command's report.
    public static func crossCheck(
        siteLedger: AuditedLedger, coordinatorLedger: AuditedLedger, _ result: CrossCheckResult
    )
        -> String
    {
        var lines = [
            "site: \(result.site)",
            "site ledger: \(siteLedger.path) (\(siteLedger.entries(site: result.site).count) entries)",
            "coordinator ledger: \(coordinatorLedger.path) (\(coordinatorLedger.entries(site: result.site).count) "
                + "entries of this site)",
            "releases on both sides: \(result.matchedReleases)",
        ]
        for entry in result.localOnly {
            lines.append(
                "local: release \(entry.releaseID) (site entry \(entry.sequence)) has no round; "
                    + "it is a local run, so the coordinator does not hold it")
        }
        for mismatch in result.mismatches { lines.append("MISMATCH: \(mismatch)") }
        lines.append("result: " + (result.passed ? "PASS" : "FAIL (\(result.mismatches.count) mismatches)"))
        return lines.joined(separator: "\n")
    }

    // MARK: - Numbers

    /// Four significant digits, enough to compare epsilons by eye; exports keep every digit.
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.4g", value)
    }

    static func leftText(_ left: Double?) -> String {
        guard let left else { return "-" }
        return left < 0 ? "over by \(number(-left))" : number(left)
    }
}

/// A text table with columns padded to their widest cell.
struct TextTable {
    let header: [String]
    /// Indexes of the columns aligned right, typically numbers.
    let rightAligned: Set<Int>
    private(set) var rows: [[String]] = []

    init(header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == header.count, "row has \(row.count) cells for \(header.count) columns")
        rows.append(row)
    }

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
