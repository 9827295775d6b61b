import FedSurvAudit
import FedSurvLedger
import Foundation

/// The test accountant: the Laplace formula written out again, independently of the
/// executable's, and a made-up Gaussian figure so that fixtures can hold entries with
/// no pure epsilon.
///
/// Laplace: epsilon = T ln(1 + q (e^(sum_k epsilon_k) - 1)), pure and at delta alike.
/// Gaussian: epsilon = T q sum_k sigma_k^-2, no pure epsilon. That Gaussian figure is
/// not a privacy bound; it only has to be a deterministic function of the parameters.
struct TestAccountant: LedgerAccountant {
    struct Unsupported: Error {}

    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        let release = try ReleaseParameters(json: parameters)
        let steps = Double(release.steps)
        switch mechanism {
        case "laplace":
            let step = release.groups.reduce(0) { $0 + ($1.epsilon ?? .nan) }
            let value = steps * log(1 + release.samplingRate * (exp(step) - 1))
            return ReleaseEpsilon(pure: value, epsilon: value)
        case "gaussian":
            let precision = release.groups.reduce(0) { $0 + 1 / pow($1.noiseMultiplier ?? .nan, 2) }
            return ReleaseEpsilon(pure: nil, epsilon: steps * release.samplingRate * precision)
        default:
            throw Unsupported()
        }
    }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        try releases.reduce(0) {
            $0 + (try epsilon(mechanism: $1.mechanism, parameters: $1.parameters, delta: delta).epsilon)
        }
    }
}

let testDelta = 1e-5

func temporaryPath(_ suffix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)\(suffix)").path
}

/// Parameters of one Laplace release: the groups' epsilons move a little each round,
/// as relevance-guided allocation would move them.
func laplaceParameters(round: Int) -> String {
    let shift = 0.002 * Double(round % 4)
    return """
        {"sampling_rate": 0.02, "steps": 50, "groups": [\
        {"name": "mrna.T1", "clip": 1.0, "epsilon": \(0.02 + shift)}, \
        {"name": "mirna.T1", "clip": 1.0, "epsilon": 0.015}, \
        {"name": "cnv.T1", "clip": 1.0, "epsilon": \(0.012 - shift / 2)}, \
        {"name": "rest", "clip": 1.0, "epsilon": 0.01}]}
        """
}

func gaussianParameters(round: Int) -> String {
    """
    {"sampling_rate": 0.02, "steps": 50, "groups": [\
    {"name": "mrna.T1", "clip": 1.0, "noise_multiplier": 1.1}, \
    {"name": "rest", "clip": 1.0, "noise_multiplier": \(1.5 + 0.1 * Double(round % 3))}]}
    """
}

/// One release as both the site and the coordinator record it.
struct FixtureRelease {
    var site: String
    var round: Int?
    var mechanism = "laplace"
    var releaseID: String { "\(site)/round-\(round.map(String.init) ?? "local")" }
    var parameters: String {
        mechanism == "laplace" ? laplaceParameters(round: round ?? 0) : gaussianParameters(round: round ?? 0)
    }
    var updateSHA256: String { SHA256.hex("update of \(releaseID)") }
}

/// Rounds 1...rounds: hospital-a joins every round, hospital-b every round but 4,
/// hospital-c from round 3 on; all Laplace unless `gaussianSite` names one.
func fixtureReleases(rounds: Int = 6, gaussianSite: String? = nil) -> [FixtureRelease] {
    var releases: [FixtureRelease] = []
    for round in 1...rounds {
        for site in ["hospital-a", "hospital-b", "hospital-c"] {
            if site == "hospital-b" && round == 4 { continue }
            if site == "hospital-c" && round < 3 { continue }
            releases.append(
                FixtureRelease(site: site, round: round, mechanism: site == gaussianSite ? "gaussian" : "laplace"))
        }
    }
    return releases
}

/// Writes a ledger of `releases` at `path` with fixed timestamps, and the coordinator's
/// `round_metrics` table when `cIndices` is given.
@discardableResult
func writeLedger(
    _ releases: [FixtureRelease], path: String = temporaryPath(".sqlite"), cIndices: [Double]? = nil,
    accountant: any LedgerAccountant = TestAccountant()
) throws -> String {
    let ledger = try Ledger(path: path, delta: testDelta, accountant: accountant)
    for (index, release) in releases.enumerated() {
        try ledger.append(
            site: release.site, round: release.round, releaseID: release.releaseID, mechanism: release.mechanism,
            parameters: release.parameters, updateSHA256: release.updateSHA256, cap: nil,
            now: Date(timeIntervalSince1970: 1_790_000_000 + 60 * Double(index)))
    }
    if let cIndices {
        try ledger.database.execute(
            "CREATE TABLE round_metrics (round INTEGER PRIMARY KEY, c_index REAL, sites INTEGER, recorded_at TEXT)")
        for (offset, cIndex) in cIndices.enumerated() {
            let round = offset + 1
            let sites = releases.filter { $0.round == round }.count
            try ledger.database.query(
                "INSERT INTO round_metrics VALUES (?, ?, ?, ?)",
                [
                    .integer(Int64(round)), .real(cIndex), .integer(Int64(sites)),
                    .text("2026-09-21T12:0\(offset % 10):00Z"),
                ])
        }
    }
    return path
}

/// Writes a coordinator ledger of `fixtureReleases()` with a C-index for every round.
func writeCoordinatorLedger(
    rounds: Int = 6, gaussianSite: String? = nil, accountant: any LedgerAccountant = TestAccountant()
) throws -> String {
    let cIndices = (0..<rounds).map { 0.60 + 0.16 * (1 - exp(-Double($0) / 3)) }
    return try writeLedger(
        fixtureReleases(rounds: rounds, gaussianSite: gaussianSite), cIndices: cIndices, accountant: accountant)
}

/// Runs SQL on a ledger file after dropping the append-only triggers, as someone with write access could.
func tamper(_ path: String, _ sql: String) throws {
    let database = try SQLiteDatabase(path: path)
    try database.execute(
        "DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_entries_no_delete;")
    try database.execute(sql)
}

/// Inserts `entry` as it is, bypassing `Ledger.append`, as a forger writing the file directly would.
func insertRaw(_ entry: LedgerEntry, into path: String) throws {
    let database = try SQLiteDatabase(path: path)
    try database.query(
        """
        INSERT INTO ledger_entries (sequence, site, round, release_id, recorded_at, mechanism, parameters,
            epsilon_pure, epsilon, delta, total_epsilon_pure, total_epsilon, update_sha256, previous_hash, entry_hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            .integer(Int64(entry.sequence)), .text(entry.site), entry.round.map { .integer(Int64($0)) } ?? .null,
            .text(entry.releaseID), .text(entry.recordedAt), .text(entry.mechanism), .text(entry.parameters),
            entry.epsilonPure.map { .real($0) } ?? .null, .real(entry.epsilon), .real(entry.delta),
            entry.totalEpsilonPure.map { .real($0) } ?? .null, .real(entry.totalEpsilon), .text(entry.updateSHA256),
            .text(entry.previousHash), .text(entry.entryHash),
        ])
}

func verifyFile(_ path: String, anchors: [LedgerAnchor] = []) throws -> VerificationResult {
    verify(try AuditedLedger(path: path), accountant: TestAccountant(), anchors: anchors)
}
