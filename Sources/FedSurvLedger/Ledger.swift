import Foundation

/// An error from opening, reading or appending to a ledger.
public enum LedgerError: Error, CustomStringConvertible {
    case capExceeded(site: String, cap: Double, spent: Double, requested: Double)
    case conflictingRelease(releaseID: String, storedSHA256: String, newSHA256: String)
    case invalidDelta(Double)
    case deltaMismatch(path: String, ledgerDelta: Double, requested: Double)
    case accountant(message: String)
    case siteRequired(path: String, sites: [String])

    public var description: String {
        switch self {
        case let .capExceeded(site, cap, spent, requested):
            let left = max(0, cap - spent)
            return "release rejected: site '\(site)' has spent epsilon \(format(spent)) of its cap \(format(cap)), "
                + "so \(format(left)) is left, and this release would bring the total to \(format(requested)); "
                + "lower the epsilon of the run or raise the cap in the site's configuration"
        case let .conflictingRelease(releaseID, stored, new):
            return "release '\(releaseID)' is already recorded with update SHA-256 \(stored.prefix(16))…, "
                + "but this append has \(new.prefix(16))…; a release ID may be recorded once, so use a new ID"
        case let .invalidDelta(delta):
            return "delta must be in (0, 1), got \(delta)"
        case let .deltaMismatch(path, ledgerDelta, requested):
            return "ledger \(path) accounts at delta \(ledgerDelta), but \(requested) was requested; "
                + "one ledger uses one delta so that its totals compose"
        case let .accountant(message):
            return "the accountant could not derive epsilon: \(message)"
        case let .siteRequired(path, sites):
            return "ledger \(path) holds entries of \(sites.count) sites (\(sites.joined(separator: ", "))), "
                + "and its totals are kept per site; name the site whose total is needed"
        }
    }
}

private func format(_ value: Double) -> String {
    String(format: "%.4g", value)
}

/// An append-only privacy-budget ledger in SQLite, chained by SHA-256.
///
/// Each entry stores the hash of the one before it, and SQLite triggers reject
/// `UPDATE` and `DELETE` on the entries table. The triggers stop mistakes
/// made through this API or the `sqlite3` shell. They do not stop someone who
/// drops them, so `verifyLedger` recomputes every hash and every epsilon.
///
/// One file may hold entries of several sites, as the coordinator's does.
/// Sequence numbers and the hash chain run over the whole file, but running
/// totals and caps are per site: an entry's totals compose only the entries
/// of its own site, because each site's patients are a different data set
/// and a site's epsilon says nothing about another's. A site's own ledger
/// holds one site, so there the totals run over the whole file.
public final class Ledger {
    public let database: SQLiteDatabase
    public let accountant: any LedgerAccountant
    /// The delta at which every epsilon in this ledger is stated.
    public let delta: Double

    /// Opens or creates the ledger at `path`, accounting at `delta`.
    ///
    /// - Throws: `LedgerError.deltaMismatch` when the file was created with another delta.
    public init(path: String, delta: Double, accountant: any LedgerAccountant) throws {
        guard delta > 0, delta < 1, delta.isFinite else { throw LedgerError.invalidDelta(delta) }
        self.database = try SQLiteDatabase(path: path)
        self.accountant = accountant
        self.delta = delta
        try database.execute(Self.schema)
        let stored = try database.query("SELECT value FROM ledger_meta WHERE key = 'delta'")
        if let text = stored.first?.first?.string, let storedDelta = Double(text) {
            guard storedDelta == delta else {
                throw LedgerError.deltaMismatch(path: path, ledgerDelta: storedDelta, requested: delta)
            }
        } else {
            try database.query("INSERT INTO ledger_meta (key, value) VALUES ('delta', ?)", [.text("\(delta)")])
        }
    }

    /// Opens or creates the ledger tables on a connection the caller owns, accounting at `delta`.
    ///
    /// The coordinator keeps its ledger in its state database, so that
    /// `append` called inside the caller's open transaction runs in a
    /// savepoint and commits or rolls back with it (see `SQLiteDatabase.transaction`).
    ///
    /// - Throws: `LedgerError.deltaMismatch` when the tables were created with another delta.
    public init(database: SQLiteDatabase, delta: Double, accountant: any LedgerAccountant) throws {
        guard delta > 0, delta < 1, delta.isFinite else { throw LedgerError.invalidDelta(delta) }
        self.database = database
        self.accountant = accountant
        self.delta = delta
        try database.execute(Self.schema)
        let stored = try database.query("SELECT value FROM ledger_meta WHERE key = 'delta'")
        if let text = stored.first?.first?.string, let storedDelta = Double(text) {
            guard storedDelta == delta else {
                throw LedgerError.deltaMismatch(path: database.path, ledgerDelta: storedDelta, requested: delta)
            }
        } else {
            try database.query("INSERT INTO ledger_meta (key, value) VALUES ('delta', ?)", [.text("\(delta)")])
        }
    }

    /// Opens an existing ledger for reading and verification, taking delta from the file.
    public init(readingPath path: String, accountant: any LedgerAccountant) throws {
        self.database = try SQLiteDatabase(readOnlyPath: path)
        self.accountant = accountant
        let stored = try database.query("SELECT value FROM ledger_meta WHERE key = 'delta'")
        guard let text = stored.first?.first?.string, let storedDelta = Double(text) else {
            throw LedgerError.accountant(message: "\(path) has no recorded delta; is it a FedSurv ledger?")
        }
        self.delta = storedDelta
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS ledger_entries (
            sequence INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            round INTEGER,
            release_id TEXT NOT NULL UNIQUE,
            recorded_at TEXT NOT NULL,
            mechanism TEXT NOT NULL,
            parameters TEXT NOT NULL,
            epsilon_pure REAL,
            epsilon REAL NOT NULL,
            delta REAL NOT NULL,
            total_epsilon_pure REAL,
            total_epsilon REAL NOT NULL,
            update_sha256 TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
        """

    // MARK: - Reading

    /// Returns all entries in chain order, optionally only those of one site.
    public func entries(site: String? = nil) throws -> [LedgerEntry] {
        let columns = """
            sequence, site, round, release_id, recorded_at, mechanism, parameters, epsilon_pure,
            epsilon, delta, total_epsilon_pure, total_epsilon, update_sha256, previous_hash, entry_hash
            """
        let rows: [[SQLiteValue]]
        if let site {
            rows = try database.query(
                "SELECT \(columns) FROM ledger_entries WHERE site = ? ORDER BY sequence", [.text(site)])
        } else {
            rows = try database.query("SELECT \(columns) FROM ledger_entries ORDER BY sequence")
        }
        return rows.map(Self.entry(from:))
    }

    /// Returns the epsilon at `delta` spent so far by `site`, or 0 when it has no entries.
    ///
    /// With `site` nil the ledger must hold at most one site, as a site's own ledger does.
    ///
    /// - Throws: `LedgerError.siteRequired` when `site` is nil and the ledger holds several sites.
    public func totalEpsilon(site: String? = nil) throws -> Double {
        try siteEntries(site).last?.totalEpsilon ?? 0
    }

    /// Returns the distinct sites that have entries, in order of their first entry.
    public func sites() throws -> [String] {
        try database.query("SELECT site FROM ledger_entries GROUP BY site ORDER BY MIN(sequence)")
            .compactMap { $0.first?.string }
    }

    // MARK: - Appending

    /// Appends a release after checking the cap, in one SQLite transaction.
    ///
    /// Steps: (1) return the stored entry when `releaseID` is already recorded
    /// with the same update hash, so a retried upload is never charged twice;
    /// (2) derive the release's epsilon and the new composed total of `site`'s
    /// entries from the parameters; (3) reject the release when that total
    /// would pass `cap`, which is the site's cap; (4) chain the entry after the
    /// last entry of the file, whatever its site, and insert it.
    ///
    /// - Throws: `LedgerError.capExceeded` with the amount left, `.conflictingRelease`, or an SQLite error.
    @discardableResult
    public func append(
        site: String, round: Int?, releaseID: String, mechanism: String, parameters: String,
        updateSHA256: String, cap: Double?, now: Date = Date()
    ) throws -> LedgerEntry {
        try database.transaction {
            // 1) Idempotent retry.
            let existing = try database.query(
                "SELECT sequence, update_sha256 FROM ledger_entries WHERE release_id = ?", [.text(releaseID)])
            if let row = existing.first {
                let stored = row[1].string ?? ""
                guard stored == updateSHA256 else {
                    throw LedgerError.conflictingRelease(
                        releaseID: releaseID, storedSHA256: stored, newSHA256: updateSHA256)
                }
                let sequence = Int(row[0].int ?? 0)
                return try entries().first { $0.sequence == sequence }!
            }

            // 2) Re-derive epsilon from the parameters; totals compose this site's entries only.
            let previous = try entries()
            let sitePrevious = previous.filter { $0.site == site }
            let release = try derive { try accountant.epsilon(mechanism: mechanism, parameters: parameters, delta: delta) }
            let history = sitePrevious.map { (mechanism: $0.mechanism, parameters: $0.parameters) }
                + [(mechanism: mechanism, parameters: parameters)]
            let total = try derive { try accountant.totalEpsilon(of: history, delta: delta) }
            let totalPure: Double? =
                if let pure = release.pure, sitePrevious.allSatisfy({ $0.epsilonPure != nil }) {
                    (sitePrevious.last?.totalEpsilonPure ?? 0) + pure
                } else {
                    nil
                }

            // 3) Cap.
            if let cap, total > cap {
                throw LedgerError.capExceeded(
                    site: site, cap: cap, spent: sitePrevious.last?.totalEpsilon ?? 0, requested: total)
            }

            // 4) Chain and insert.
            var entry = LedgerEntry(
                sequence: (previous.last?.sequence ?? 0) + 1, site: site, round: round, releaseID: releaseID,
                recordedAt: Self.timestamp(now), mechanism: mechanism, parameters: parameters,
                epsilonPure: release.pure, epsilon: release.epsilon, delta: delta,
                totalEpsilonPure: totalPure, totalEpsilon: total, updateSHA256: updateSHA256,
                previousHash: previous.last?.entryHash ?? LedgerEntry.genesisHash, entryHash: "")
            entry.entryHash = entry.computedHash
            try insert(entry)
            return entry
        }
    }

    /// Returns the epsilon a release would bring `site`'s total to, without recording anything.
    ///
    /// With `site` nil the ledger must hold at most one site, as a site's own ledger does.
    ///
    /// - Throws: `LedgerError.siteRequired` when `site` is nil and the ledger holds several sites.
    public func projectedTotal(site: String? = nil, mechanism: String, parameters: String) throws -> Double {
        let history = try siteEntries(site).map { (mechanism: $0.mechanism, parameters: $0.parameters) }
        return try derive {
            try accountant.totalEpsilon(of: history + [(mechanism: mechanism, parameters: parameters)], delta: delta)
        }
    }

    // MARK: - Private

    /// Returns the entries of `site`, or of the only site when `site` is nil.
    private func siteEntries(_ site: String?) throws -> [LedgerEntry] {
        if let site { return try entries(site: site) }
        let sites = try sites()
        guard sites.count <= 1 else { throw LedgerError.siteRequired(path: database.path, sites: sites) }
        return try entries()
    }

    private func derive<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.accountant(message: "\(error)")
        }
    }

    private func insert(_ entry: LedgerEntry) throws {
        try database.query(
            """
            INSERT INTO ledger_entries (sequence, site, round, release_id, recorded_at, mechanism, parameters,
                epsilon_pure, epsilon, delta, total_epsilon_pure, total_epsilon, update_sha256, previous_hash,
                entry_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(Int64(entry.sequence)), .text(entry.site), entry.round.map { .integer(Int64($0)) } ?? .null,
                .text(entry.releaseID), .text(entry.recordedAt), .text(entry.mechanism), .text(entry.parameters),
                entry.epsilonPure.map { .real($0) } ?? .null, .real(entry.epsilon), .real(entry.delta),
                entry.totalEpsilonPure.map { .real($0) } ?? .null, .real(entry.totalEpsilon),
                .text(entry.updateSHA256), .text(entry.previousHash), .text(entry.entryHash),
            ])
    }

    private static func entry(from row: [SQLiteValue]) -> LedgerEntry {
        LedgerEntry(
            sequence: Int(row[0].int ?? 0), site: row[1].string ?? "", round: row[2].int.map { Int($0) },
            releaseID: row[3].string ?? "", recordedAt: row[4].string ?? "", mechanism: row[5].string ?? "",
            parameters: row[6].string ?? "", epsilonPure: row[7].double, epsilon: row[8].double ?? .nan,
            delta: row[9].double ?? .nan, totalEpsilonPure: row[10].double, totalEpsilon: row[11].double ?? .nan,
            updateSHA256: row[12].string ?? "", previousHash: row[13].string ?? "", entryHash: row[14].string ?? "")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
