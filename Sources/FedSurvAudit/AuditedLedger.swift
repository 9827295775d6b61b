import FedSurvLedger
import Foundation

/// A ledger file read once, read-only, for auditing.
///
/// The audit reads the file through `SQLiteDatabase(readOnlyPath:)`, so no
/// command can change it, and works on this snapshot afterwards.
public struct AuditedLedger: Sendable {
    public let path: String
    /// The delta at which the ledger states every epsilon.
    public let delta: Double
    /// Every entry of every site, in chain order.
    public let entries: [LedgerEntry]
    /// Rows of the coordinator's `round_metrics` table, by round; nil when the file has no such table.
    public let roundMetrics: [RoundMetric]?

    public init(path: String, delta: Double, entries: [LedgerEntry], roundMetrics: [RoundMetric]?) {
        self.path = path
        self.delta = delta
        self.entries = entries
        self.roundMetrics = roundMetrics
    }

    /// Reads the ledger at `path` read-only.
    ///
    /// - Throws: `AuditError.unreadableLedger` when the file is missing or is not a FedSurv ledger.
    public init(path: String) throws(AuditError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .unreadableLedger(path: path, reason: "no such file")
        }
        do {
            let ledger = try Ledger(readingPath: path, accountant: UnusedAccountant())
            let entries = try ledger.entries()
            let metrics = try Self.readRoundMetrics(ledger.database)
            self.init(path: path, delta: ledger.delta, entries: entries, roundMetrics: metrics)
        } catch {
            throw .unreadableLedger(path: path, reason: "\(error)")
        }
    }

    /// The distinct sites, in order of their first entry.
    public var sites: [String] {
        var seen: Set<String> = []
        return entries.map(\.site).filter { seen.insert($0).inserted }
    }

    /// Returns the entries of `site`, in chain order.
    public func entries(site: String) -> [LedgerEntry] {
        entries.filter { $0.site == site }
    }

    /// Returns the entry with sequence number `sequence`, if there is one.
    public func entry(sequence: Int) -> LedgerEntry? {
        entries.first { $0.sequence == sequence }
    }

    private static func readRoundMetrics(_ database: SQLiteDatabase) throws -> [RoundMetric]? {
        let tables = try database.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'round_metrics'")
        guard !tables.isEmpty else { return nil }
        let rows = try database.query("SELECT round, c_index, sites, recorded_at FROM round_metrics ORDER BY round")
        return rows.compactMap { row in
            guard let round = row[0].int else { return nil }
            return RoundMetric(
                round: Int(round), cIndex: row[1].double, sites: row[2].int.map { Int($0) }, recordedAt: row[3].string)
        }
    }
}

/// One row of the coordinator's `round_metrics` table.
public struct RoundMetric: Equatable, Sendable {
    public var round: Int
    /// Harrell's C-index of the global model after the round, when the coordinator measured one.
    public var cIndex: Double?
    /// Number of sites whose updates the round aggregated.
    public var sites: Int?
    public var recordedAt: String?

    public init(round: Int, cIndex: Double?, sites: Int?, recordedAt: String?) {
        self.round = round
        self.cIndex = cIndex
        self.sites = sites
        self.recordedAt = recordedAt
    }
}

/// Fills `Ledger.accountant` when a ledger is only read; reading never derives an epsilon.
private struct UnusedAccountant: LedgerAccountant {
    struct Unused: Error, CustomStringConvertible {
        var description: String { "the audit reads ledgers without an accountant; this is a bug in FedSurvAudit" }
    }

    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon { throw Unused() }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        throw Unused()
    }
}
