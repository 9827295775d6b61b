import FedSurvFederation
import FedSurvLedger
import Foundation

/// The coordinator's durable state in one SQLite file: rounds, accepted
/// updates, global models, server optimiser state, the site registry, round
/// metrics and (through `Ledger(database:)`) the coordinator ledger.
///
/// One connection, used under the service's lock, so that the round commit
/// and its ledger entries share one transaction.
final class CoordinatorStore {
    let database: SQLiteDatabase

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute(Self.schema)
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS rounds (
            round INTEGER PRIMARY KEY,
            phase TEXT NOT NULL,
            base_model_round INTEGER NOT NULL,
            record TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS updates (
            round INTEGER NOT NULL,
            site TEXT NOT NULL,
            update_sha256 TEXT NOT NULL,
            sample_count INTEGER NOT NULL,
            epsilon REAL NOT NULL,
            release_record TEXT NOT NULL,
            body BLOB NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (round, site)
        );
        CREATE TABLE IF NOT EXISTS global_models (
            round INTEGER PRIMARY KEY,
            model_sha256 TEXT NOT NULL,
            strategy TEXT NOT NULL,
            body BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS server_state (
            round INTEGER PRIMARY KEY,
            strategy TEXT NOT NULL,
            body BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sites (
            site TEXT PRIMARY KEY,
            last_contact TEXT NOT NULL,
            certificate_serial TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS round_metrics (
            round INTEGER PRIMARY KEY,
            c_index REAL,
            sites INTEGER,
            recorded_at TEXT
        );
        """

    // MARK: - Rounds

    /// Writes the round's record, replacing the previous version of the same round.
    func saveRecord(_ record: RoundRecord, baseModelRound: Int, now: Date) throws {
        let json = try StoredRoundRecord(record).json()
        try database.query(
            """
            INSERT INTO rounds (round, phase, base_model_round, record, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(round) DO UPDATE SET phase = excluded.phase, record = excluded.record,
                updated_at = excluded.updated_at
            """,
            [
                .integer(Int64(record.round)), .text(record.phase.rawValue), .integer(Int64(baseModelRound)),
                .text(json), .text(timestamp(now)),
            ])
    }

    /// The record of the highest round, or nil before the first round.
    func latestRecord() throws -> (record: RoundRecord, baseModelRound: Int)? {
        let rows = try database.query("SELECT record, base_model_round FROM rounds ORDER BY round DESC LIMIT 1")
        guard let row = rows.first, let json = row[0].string, let base = row[1].int else { return nil }
        return (try StoredRoundRecord.parse(json).record(), Int(base))
    }

    /// Every round's record, oldest first.
    func allRecords() throws -> [RoundRecord] {
        try database.query("SELECT record FROM rounds ORDER BY round").map {
            try StoredRoundRecord.parse($0[0].string ?? "").record()
        }
    }

    func baseModelRound(of round: Int) throws -> Int? {
        try database.query("SELECT base_model_round FROM rounds WHERE round = ?", [.integer(Int64(round))])
            .first?.first?.int.map { Int($0) }
    }

    /// Rounds with their phases, oldest first, for status reports.
    func roundPhases() throws -> [(round: Int, phase: String)] {
        try database.query("SELECT round, phase FROM rounds ORDER BY round").map {
            (Int($0[0].int ?? 0), $0[1].string ?? "")
        }
    }

    // MARK: - Updates

    struct StoredUpdate {
        var site: String
        var sha256: String
        var sampleCount: Int
        var epsilon: Double
        var releaseRecord: String
        var body: [UInt8]
    }

    func saveUpdate(round: Int, update: StoredUpdate, now: Date) throws {
        try database.query(
            """
            INSERT INTO updates (round, site, update_sha256, sample_count, epsilon, release_record, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(Int64(round)), .text(update.site), .text(update.sha256), .integer(Int64(update.sampleCount)),
                .real(update.epsilon), .text(update.releaseRecord), .blob(update.body), .text(timestamp(now)),
            ])
    }

    /// The hash and epsilon of `site`'s stored update in `round`, without its body.
    func storedHash(round: Int, site: String) throws -> (sha256: String, epsilon: Double)? {
        let rows = try database.query(
            "SELECT update_sha256, epsilon FROM updates WHERE round = ? AND site = ?",
            [.integer(Int64(round)), .text(site)])
        guard let row = rows.first else { return nil }
        return (row[0].string ?? "", row[1].double ?? .nan)
    }

    func updates(round: Int) throws -> [StoredUpdate] {
        try database.query(
            """
            SELECT site, update_sha256, sample_count, epsilon, release_record, body FROM updates
            WHERE round = ? ORDER BY site
            """, [.integer(Int64(round))]
        ).map { row in
            StoredUpdate(
                site: row[0].string ?? "", sha256: row[1].string ?? "", sampleCount: Int(row[2].int ?? 0),
                epsilon: row[3].double ?? .nan, releaseRecord: row[4].string ?? "",
                body: { if case .blob(let bytes) = row[5] { bytes } else { [] } }())
        }
    }

    // MARK: - Models and server state

    func saveModel(round: Int, body: [UInt8], sha256: String, strategy: String, now: Date) throws {
        try database.query(
            "INSERT INTO global_models (round, model_sha256, strategy, body, created_at) VALUES (?, ?, ?, ?, ?)",
            [.integer(Int64(round)), .text(sha256), .text(strategy), .blob(body), .text(timestamp(now))])
    }

    /// The latest global model produced before `round` (round 0 is the initial model).
    func latestModel(before round: Int) throws -> (round: Int, body: [UInt8], sha256: String)? {
        let rows = try database.query(
            "SELECT round, body, model_sha256 FROM global_models WHERE round < ? ORDER BY round DESC LIMIT 1",
            [.integer(Int64(round))])
        guard let row = rows.first, case .blob(let body) = row[1] else { return nil }
        return (Int(row[0].int ?? 0), body, row[2].string ?? "")
    }

    func model(round: Int) throws -> [UInt8]? {
        let rows = try database.query("SELECT body FROM global_models WHERE round = ?", [.integer(Int64(round))])
        guard let row = rows.first, case .blob(let body) = row[0] else { return nil }
        return body
    }

    func saveServerState(round: Int, strategy: String, body: [UInt8]) throws {
        try database.query(
            "INSERT INTO server_state (round, strategy, body) VALUES (?, ?, ?)",
            [.integer(Int64(round)), .text(strategy), .blob(body)])
    }

    func latestServerState() throws -> (strategy: String, body: [UInt8])? {
        let rows = try database.query("SELECT strategy, body FROM server_state ORDER BY round DESC LIMIT 1")
        guard let row = rows.first, case .blob(let body) = row[1] else { return nil }
        return (row[0].string ?? "", body)
    }

    // MARK: - Sites and metrics

    func recordContact(site: String, serial: String, now: Date) throws {
        try database.query(
            """
            INSERT INTO sites (site, last_contact, certificate_serial) VALUES (?, ?, ?)
            ON CONFLICT(site) DO UPDATE SET last_contact = excluded.last_contact,
                certificate_serial = excluded.certificate_serial
            """, [.text(site), .text(timestamp(now)), .text(serial)])
    }

    func lastContacts() throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try database.query("SELECT site, last_contact FROM sites") {
            result[row[0].string ?? ""] = row[1].string
        }
        return result
    }

    func saveMetrics(round: Int, cIndex: Double?, sites: Int, now: Date) throws {
        try database.query(
            "INSERT OR REPLACE INTO round_metrics (round, c_index, sites, recorded_at) VALUES (?, ?, ?, ?)",
            [.integer(Int64(round)), cIndex.map { .real($0) } ?? .null, .integer(Int64(sites)), .text(timestamp(now))])
    }

    func metrics() throws -> [(round: Int, cIndex: Double?, sites: Int)] {
        try database.query("SELECT round, c_index, sites FROM round_metrics ORDER BY round").map {
            (Int($0[0].int ?? 0), $0[1].double, Int($0[2].int ?? 0))
        }
    }
}

/// Returns an ISO 8601 UTC timestamp in whole seconds.
func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

// MARK: - Round record as JSON

/// The JSON form of a `RoundRecord`; dates are seconds since 1970 so that they round-trip exactly.
struct StoredRoundRecord: Codable {
    struct Candidate: Codable {
        var site: String
        var spentEpsilon: Double
        var epsilonCap: Double
        var lastSelectedRound: Int?
    }

    struct Update: Codable {
        var site: String
        var updateHash: String
        var sampleCount: Int
        var epsilon: Double
    }

    struct Failure: Codable {
        var kind: String
        var first: Int?
        var second: Int?
        var message: String?
    }

    var round: Int
    var phase: String
    var openedAt: Double
    var epsilonCost: Double
    var selected: [Candidate]
    var accepted: [Update]
    var dropped: [String]
    var joined: [String]
    var failure: Failure?

    init(_ record: RoundRecord) {
        round = record.round
        phase = record.phase.rawValue
        openedAt = record.openedAt.timeIntervalSince1970
        epsilonCost = record.epsilonCost
        selected = record.selected.map {
            Candidate(
                site: $0.site, spentEpsilon: $0.spentEpsilon, epsilonCap: $0.epsilonCap,
                lastSelectedRound: $0.lastSelectedRound)
        }
        accepted = record.accepted.map {
            Update(site: $0.site, updateHash: $0.updateHash, sampleCount: $0.sampleCount, epsilon: $0.epsilon)
        }
        dropped = record.dropped
        joined = record.joined
        failure = record.failure.map { failure in
            switch failure {
            case .notEnoughEligibleSites(let eligible, let minimum):
                Failure(kind: "not_enough_eligible_sites", first: eligible, second: minimum)
            case .quorumNotReached(let submitted, let minimum):
                Failure(kind: "quorum_not_reached", first: submitted, second: minimum)
            case .aggregationFailed(let message):
                Failure(kind: "aggregation_failed", message: message)
            case .commitFailed(let message):
                Failure(kind: "commit_failed", message: message)
            }
        }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func parse(_ json: String) throws -> StoredRoundRecord {
        try JSONDecoder().decode(StoredRoundRecord.self, from: Data(json.utf8))
    }

    func record() throws -> RoundRecord {
        guard let phase = RoundPhase(rawValue: phase) else {
            throw CoordinatorError.corruptState("round \(round) has unknown phase '\(self.phase)'")
        }
        var reason: RoundFailure?
        if let failure {
            switch failure.kind {
            case "not_enough_eligible_sites":
                reason = .notEnoughEligibleSites(eligible: failure.first ?? 0, minimum: failure.second ?? 0)
            case "quorum_not_reached":
                reason = .quorumNotReached(submitted: failure.first ?? 0, minimum: failure.second ?? 0)
            case "aggregation_failed":
                reason = .aggregationFailed(failure.message ?? "")
            case "commit_failed":
                reason = .commitFailed(failure.message ?? "")
            default:
                throw CoordinatorError.corruptState("round \(round) has unknown failure kind '\(failure.kind)'")
            }
        }
        return RoundRecord(
            round: round, phase: phase, openedAt: Date(timeIntervalSince1970: openedAt), epsilonCost: epsilonCost,
            selected: selected.map {
                SiteCandidate(
                    site: $0.site, spentEpsilon: $0.spentEpsilon, epsilonCap: $0.epsilonCap,
                    lastSelectedRound: $0.lastSelectedRound)
            },
            accepted: accepted.map {
                AcceptedUpdate(site: $0.site, updateHash: $0.updateHash, sampleCount: $0.sampleCount, epsilon: $0.epsilon)
            },
            dropped: dropped, joined: joined, failure: reason)
    }
}
