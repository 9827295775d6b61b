import Foundation
import Testing

@testable import FedSurvLedger
import FedSurvPrivacy

/// A test accountant: parameters are `{"epsilon": x}`, releases compose by summation,
/// and the (epsilon, delta) figure is the pure one. Enough to test the ledger without
/// depending on the real accountant.
struct SummingAccountant: LedgerAccountant {
    struct Parameters: Decodable { var epsilon: Double }

    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        let value = try JSONDecoder().decode(Parameters.self, from: Data(parameters.utf8)).epsilon
        return ReleaseEpsilon(pure: value, epsilon: value)
    }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        try releases.reduce(0) { sum, release in
            sum + (try epsilon(mechanism: release.mechanism, parameters: release.parameters, delta: delta).epsilon)
        }
    }
}

func temporaryLedgerPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path
}

func makeLedger(path: String = temporaryLedgerPath(), releases: [Double] = [0.5, 0.25, 1.0]) throws -> Ledger {
    let ledger = try Ledger(path: path, delta: 1e-5, accountant: SummingAccountant())
    for (index, epsilon) in releases.enumerated() {
        try ledger.append(
            site: "site-a", round: index + 1, releaseID: "r\(index + 1)", mechanism: "laplace",
            parameters: "{\"epsilon\": \(epsilon)}", updateSHA256: SHA256.hex("update \(index)"), cap: 10)
    }
    return ledger
}

@Suite struct LedgerTests {
    @Test("SHA-256 of a known string")
    func sha256KnownAnswer() {
        // FIPS 180-2 appendix B.1 test vector.
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("append chains entries and sums totals")
    func appendChains() throws {
        let ledger = try makeLedger()
        let entries = try ledger.entries()
        #expect(entries.count == 3)
        #expect(entries[0].previousHash == LedgerEntry.genesisHash)
        #expect(entries[1].previousHash == entries[0].entryHash)
        #expect(entries[2].totalEpsilon == 1.75)
        #expect(entries[2].totalEpsilonPure == 1.75)
        #expect(verifyLedger(entries, delta: 1e-5, accountant: SummingAccountant()) == nil)
    }

    @Test("retried release is not charged twice")
    func idempotentRetry() throws {
        let ledger = try makeLedger()
        let again = try ledger.append(
            site: "site-a", round: 2, releaseID: "r2", mechanism: "laplace",
            parameters: "{\"epsilon\": 0.25}", updateSHA256: SHA256.hex("update 1"), cap: 10)
        #expect(again.sequence == 2)
        #expect(try ledger.entries().count == 3)
        #expect(try ledger.totalEpsilon() == 1.75)
    }

    @Test("same release ID with another update is rejected")
    func conflictingRelease() throws {
        let ledger = try makeLedger()
        #expect(throws: LedgerError.self) {
            try ledger.append(
                site: "site-a", round: 2, releaseID: "r2", mechanism: "laplace",
                parameters: "{\"epsilon\": 0.25}", updateSHA256: SHA256.hex("other"), cap: 10)
        }
    }

    @Test("cap rejection states the amount left and stores nothing")
    func capRejection() throws {
        let ledger = try makeLedger()
        var message = ""
        do {
            try ledger.append(
                site: "site-a", round: 4, releaseID: "r4", mechanism: "laplace",
                parameters: "{\"epsilon\": 0.5}", updateSHA256: SHA256.hex("update 4"), cap: 2)
        } catch let error as LedgerError {
            message = error.description
        }
        #expect(message.contains("0.25 is left"))
        #expect(try ledger.entries().count == 3)
    }

    @Test("triggers reject update and delete")
    func appendOnlyTriggers() throws {
        let ledger = try makeLedger()
        #expect(throws: SQLiteError.self) {
            try ledger.database.execute("UPDATE ledger_entries SET epsilon = 0 WHERE sequence = 1")
        }
        #expect(throws: SQLiteError.self) {
            try ledger.database.execute("DELETE FROM ledger_entries WHERE sequence = 1")
        }
        #expect(try ledger.entries().count == 3)
    }

    @Test("reopening with another delta is rejected")
    func deltaMismatch() throws {
        let path = temporaryLedgerPath()
        _ = try makeLedger(path: path)
        #expect(throws: LedgerError.self) { try Ledger(path: path, delta: 1e-6, accountant: SummingAccountant()) }
    }
}

@Suite struct LedgerTamperTests {
    /// Drops the append-only triggers, as someone with write access to the file could.
    func tamper(_ ledger: Ledger, _ sql: String) throws -> LedgerViolation? {
        try ledger.database.execute("DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;")
        try ledger.database.execute(sql)
        return verifyLedger(try ledger.entries(), delta: 1e-5, accountant: SummingAccountant())
    }

    @Test("changed epsilon is detected")
    func changedEpsilon() throws {
        let violation = try tamper(makeLedger(), "UPDATE ledger_entries SET epsilon = 0.1 WHERE sequence = 2")
        #expect(violation == .hashMismatch(sequence: 2))
    }

    @Test("changed parameter is detected")
    func changedParameter() throws {
        let violation = try tamper(
            makeLedger(), "UPDATE ledger_entries SET parameters = '{\"epsilon\": 0.01}' WHERE sequence = 1")
        #expect(violation == .hashMismatch(sequence: 1))
    }

    @Test("deleted entry is detected")
    func deletedEntry() throws {
        let violation = try tamper(makeLedger(), "DELETE FROM ledger_entries WHERE sequence = 2")
        #expect(violation == .sequenceGap(expected: 2, found: 3))
    }

    @Test("reordered pair is detected")
    func reorderedPair() throws {
        let violation = try tamper(
            makeLedger(),
            """
            UPDATE ledger_entries SET sequence = 100 WHERE sequence = 2;
            UPDATE ledger_entries SET sequence = 2 WHERE sequence = 3;
            UPDATE ledger_entries SET sequence = 3 WHERE sequence = 100;
            """)
        #expect(violation == .brokenLink(sequence: 2))
    }

    @Test("rehashed entry with edited epsilon is detected by re-derivation")
    func rehashedEdit() throws {
        let ledger = try makeLedger(releases: [0.5])
        var entry = try ledger.entries()[0]
        entry.epsilon = 0.05
        entry.entryHash = entry.computedHash
        let violation = verifyLedger([entry], delta: 1e-5, accountant: SummingAccountant())
        #expect(violation == .epsilonMismatch(sequence: 1, field: "epsilon", recorded: 0.05, derived: 0.5))
    }
}

@Suite struct PLDLedgerAccountantTests {
    func laplaceRecord(epsilon: Double, steps: Int) throws -> String {
        try ReleaseRecord(
            samplingRate: 0.05, steps: steps,
            groups: [
                .init(name: "rest", parameters: .laplace(clipBound: 1, epsilon: epsilon, granularityExponent: 20))
            ]
        ).canonicalJSON()
    }

    @Test("pure epsilon is amplified and summed")
    func pureEpsilon() throws {
        let release = try PLDLedgerAccountant().epsilon(
            mechanism: "laplace", parameters: laplaceRecord(epsilon: 0.5, steps: 10), delta: 1e-5)
        // Balle, Barthe, Gaboardi 2018: ln(1 + q (e^eps - 1)) per step, 10 steps.
        let expected = 10 * log(1 + 0.05 * (exp(0.5) - 1))
        #expect(abs(release.pure! - expected) < 1e-12)
        #expect(release.epsilon <= release.pure!)
    }

    @Test("two releases compose like one twice as long")
    func composition() throws {
        let accountant = PLDLedgerAccountant()
        let half = try laplaceRecord(epsilon: 0.5, steps: 10)
        let whole = try laplaceRecord(epsilon: 0.5, steps: 20)
        let composed = try accountant.totalEpsilon(
            of: [("laplace", half), ("laplace", half)], delta: 1e-5)
        let single = try accountant.epsilon(mechanism: "laplace", parameters: whole, delta: 1e-5).epsilon
        #expect(abs(composed - single) / single < 0.01)
    }

    @Test("mechanism that contradicts the groups is rejected")
    func mechanismMismatch() throws {
        #expect(throws: PrivacyError.self) {
            try PLDLedgerAccountant().epsilon(
                mechanism: "gaussian", parameters: laplaceRecord(epsilon: 0.5, steps: 1), delta: 1e-5)
        }
    }
}

/// A coordinator-style ledger: entries of two sites interleaved in one chain.
@Suite struct MultiSiteLedgerTests {
    /// Appends site-a 0.5, site-b 1.0, site-a 0.25, site-b 2.0 in that order.
    func makeTwoSiteLedger() throws -> Ledger {
        let ledger = try Ledger(path: temporaryLedgerPath(), delta: 1e-5, accountant: SummingAccountant())
        let releases: [(site: String, epsilon: Double)] = [
            ("site-a", 0.5), ("site-b", 1.0), ("site-a", 0.25), ("site-b", 2.0),
        ]
        for (index, release) in releases.enumerated() {
            try ledger.append(
                site: release.site, round: index / 2 + 1, releaseID: "r\(index + 1)", mechanism: "laplace",
                parameters: "{\"epsilon\": \(release.epsilon)}", updateSHA256: SHA256.hex("update \(index)"), cap: 10)
        }
        return ledger
    }

    @Test("totals run per site")
    func perSiteTotals() throws {
        let entries = try makeTwoSiteLedger().entries()
        #expect(entries.map(\.totalEpsilon) == [0.5, 1.0, 0.75, 3.0])
        #expect(entries.map(\.totalEpsilonPure) == [0.5, 1.0, 0.75, 3.0])
    }

    @Test("chain runs over all sites")
    func chainAcrossSites() throws {
        let entries = try makeTwoSiteLedger().entries()
        #expect(entries.map(\.sequence) == [1, 2, 3, 4])
        #expect(entries[1].previousHash == entries[0].entryHash)
        #expect(entries[2].previousHash == entries[1].entryHash)
        #expect(verifyLedger(entries, delta: 1e-5, accountant: SummingAccountant()) == nil)
    }

    @Test("total of one site")
    func siteTotal() throws {
        let ledger = try makeTwoSiteLedger()
        #expect(try ledger.totalEpsilon(site: "site-a") == 0.75)
        #expect(try ledger.totalEpsilon(site: "site-b") == 3.0)
        #expect(try ledger.totalEpsilon(site: "site-c") == 0)
        #expect(try ledger.sites() == ["site-a", "site-b"])
    }

    @Test("total without a site is rejected")
    func totalNeedsSite() throws {
        let ledger = try makeTwoSiteLedger()
        var message = ""
        do {
            _ = try ledger.totalEpsilon()
        } catch let error as LedgerError {
            message = error.description
        }
        #expect(message.contains("2 sites (site-a, site-b)"))
        #expect(throws: LedgerError.self) {
            try ledger.projectedTotal(mechanism: "laplace", parameters: "{\"epsilon\": 1}")
        }
    }

    @Test("projected total of one site")
    func projectedSiteTotal() throws {
        let ledger = try makeTwoSiteLedger()
        let projected = try ledger.projectedTotal(site: "site-a", mechanism: "laplace", parameters: "{\"epsilon\": 1}")
        #expect(projected == 1.75)
    }

    @Test("cap is checked against the site's own total")
    func perSiteCap() throws {
        let ledger = try makeTwoSiteLedger()
        // site-a has spent 0.75 and site-b 3.0, so a cap of 1 passes for site-a only.
        let entry = try ledger.append(
            site: "site-a", round: 3, releaseID: "r5", mechanism: "laplace", parameters: "{\"epsilon\": 0.25}",
            updateSHA256: SHA256.hex("update 5"), cap: 1)
        #expect(entry.totalEpsilon == 1.0)
        #expect(throws: LedgerError.self) {
            try ledger.append(
                site: "site-b", round: 3, releaseID: "r6", mechanism: "laplace", parameters: "{\"epsilon\": 0.25}",
                updateSHA256: SHA256.hex("update 6"), cap: 1)
        }
    }

    @Test("whole-file total in a site entry is detected")
    func wholeFileTotalDetected() throws {
        var entries = try makeTwoSiteLedger().entries()
        // An entry whose total composes every entry in the file instead of its site's.
        entries[3].totalEpsilon = 3.75
        entries[3].totalEpsilonPure = 3.75
        entries[3].entryHash = entries[3].computedHash
        let violation = verifyLedger(entries, delta: 1e-5, accountant: SummingAccountant())
        #expect(violation == .epsilonMismatch(sequence: 4, field: "total epsilon", recorded: 3.75, derived: 3.0))
    }

    @Test("pure total is per site")
    func pureTotalPerSite() throws {
        let ledger = try Ledger(path: temporaryLedgerPath(), delta: 1e-5, accountant: NoPureForGaussian())
        try ledger.append(
            site: "site-a", round: 1, releaseID: "r1", mechanism: "gaussian", parameters: "{\"epsilon\": 0.5}",
            updateSHA256: SHA256.hex("1"), cap: nil)
        let entry = try ledger.append(
            site: "site-b", round: 1, releaseID: "r2", mechanism: "laplace", parameters: "{\"epsilon\": 0.5}",
            updateSHA256: SHA256.hex("2"), cap: nil)
        // site-a's Gaussian entry has no pure epsilon; site-b's pure total must not inherit that.
        #expect(entry.totalEpsilonPure == 0.5)
        #expect(verifyLedger(try ledger.entries(), delta: 1e-5, accountant: NoPureForGaussian()) == nil)
    }
}

/// `SummingAccountant`, except that Gaussian releases have no pure epsilon.
struct NoPureForGaussian: LedgerAccountant {
    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        let release = try SummingAccountant().epsilon(mechanism: mechanism, parameters: parameters, delta: delta)
        return ReleaseEpsilon(pure: mechanism == "gaussian" ? nil : release.pure, epsilon: release.epsilon)
    }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        try SummingAccountant().totalEpsilon(of: releases, delta: delta)
    }
}
