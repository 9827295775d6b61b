import FedSurvAudit
import FedSurvLedger
import Foundation
import Testing

/// Each tampering of a coordinator ledger (three sites, interleaved) and what `verify` reports.
@Suite struct VerifyTamperTests {
    @Test("untouched ledger passes")
    func untouched() throws {
        let result = try verifyFile(writeCoordinatorLedger())
        #expect(result.passed)
        #expect(result.entryCount == 15)
        #expect(result.siteCount == 3)
        #expect(result.head?.sequence == 15)
    }

    @Test("changed epsilon is detected")
    func changedEpsilon() throws {
        let path = try writeCoordinatorLedger()
        try tamper(path, "UPDATE ledger_entries SET epsilon = epsilon / 2 WHERE sequence = 5")
        let result = try verifyFile(path)
        #expect(result.violation == .hashMismatch(sequence: 5))
        #expect(result.firstFailure?.contains("site hospital-a, release hospital-a/round-3, round 3") == true)
    }

    @Test("changed parameter is detected")
    func changedParameter() throws {
        let path = try writeCoordinatorLedger()
        try tamper(
            path,
            "UPDATE ledger_entries SET parameters = replace(parameters, '\"steps\": 50', '\"steps\": 5') WHERE sequence = 7"
        )
        let result = try verifyFile(path)
        #expect(result.violation == .hashMismatch(sequence: 7))
    }

    @Test("deleted entry is detected")
    func deletedEntry() throws {
        let path = try writeCoordinatorLedger()
        try tamper(path, "DELETE FROM ledger_entries WHERE sequence = 4")
        #expect(try verifyFile(path).violation == .sequenceGap(expected: 4, found: 5))
    }

    @Test("deleted and renumbered entry is detected")
    func deletedAndRenumbered() throws {
        let path = try writeCoordinatorLedger()
        try tamper(
            path,
            "DELETE FROM ledger_entries WHERE sequence = 4; UPDATE ledger_entries SET sequence = sequence - 1 WHERE sequence > 4"
        )
        // Entry 5 now sits at 4 and still names the deleted entry's hash as its predecessor.
        #expect(try verifyFile(path).violation == .brokenLink(sequence: 4))
    }

    @Test("reordered pair is detected")
    func reorderedPair() throws {
        let path = try writeCoordinatorLedger()
        try tamper(
            path,
            """
            UPDATE ledger_entries SET sequence = 100 WHERE sequence = 8;
            UPDATE ledger_entries SET sequence = 8 WHERE sequence = 9;
            UPDATE ledger_entries SET sequence = 9 WHERE sequence = 100;
            """)
        #expect(try verifyFile(path).violation == .brokenLink(sequence: 8))
    }

    @Test("appended copy with a stale hash is detected")
    func appendedStaleHash() throws {
        let path = try writeCoordinatorLedger()
        var forged = try #require(try AuditedLedger(path: path).entries.last)
        let head = forged.entryHash
        forged.sequence += 1
        forged.releaseID = "hospital-a/round-7"
        forged.previousHash = head
        try insertRaw(forged, into: path)
        #expect(try verifyFile(path).violation == .hashMismatch(sequence: 16))
    }

    @Test("appended entry without its cost is detected")
    func appendedFreeEntry() throws {
        // The forger chains and hashes correctly but records a release at no cost to the site's total.
        let path = try writeCoordinatorLedger()
        let ledger = try AuditedLedger(path: path)
        let last = try #require(ledger.entries.last)
        let siteTotal = try #require(ledger.entries(site: "hospital-a").last?.totalEpsilon)
        var forged = last
        forged.sequence = last.sequence + 1
        forged.site = "hospital-a"
        forged.round = 7
        forged.releaseID = "hospital-a/round-7"
        forged.parameters = laplaceParameters(round: 7)
        forged.epsilonPure = 0
        forged.epsilon = 0
        forged.totalEpsilonPure = siteTotal
        forged.totalEpsilon = siteTotal
        forged.updateSHA256 = SHA256.hex("forged")
        forged.previousHash = last.entryHash
        forged.entryHash = forged.computedHash
        try insertRaw(forged, into: path)
        let violation = try #require(try verifyFile(path).violation)
        #expect(violation.sequence == 16)
        guard case .epsilonMismatch(_, let field, let recorded, _) = violation else {
            Issue.record("expected an epsilon mismatch, got \(violation)")
            return
        }
        #expect(field == "epsilon")
        #expect(recorded == 0)
    }

    @Test("consistent forged append passes verify alone")
    func consistentForgery() throws {
        // A forger who can write the file and run the accountant appends through the API.
        // Verify cannot tell this from a real release; cross-check and anchors exist for it.
        let path = try writeCoordinatorLedger()
        let ledger = try Ledger(path: path, delta: testDelta, accountant: TestAccountant())
        try ledger.append(
            site: "hospital-a", round: 7, releaseID: "hospital-a/round-7", mechanism: "laplace",
            parameters: laplaceParameters(round: 7), updateSHA256: SHA256.hex("forged"), cap: nil)
        #expect(try verifyFile(path).passed)
    }

    @Test("consistent forged append fails cross-check")
    func consistentForgeryCrossCheck() throws {
        let coordinatorPath = try writeCoordinatorLedger()
        let sitePath = try writeLedger(fixtureReleases().filter { $0.site == "hospital-a" })
        let ledger = try Ledger(path: coordinatorPath, delta: testDelta, accountant: TestAccountant())
        try ledger.append(
            site: "hospital-a", round: 7, releaseID: "hospital-a/round-7", mechanism: "laplace",
            parameters: laplaceParameters(round: 7), updateSHA256: SHA256.hex("forged"), cap: nil)
        let result = try crossCheck(
            siteLedger: AuditedLedger(path: sitePath), coordinatorLedger: AuditedLedger(path: coordinatorPath))
        #expect(
            result.mismatches == [.missingAtSite(releaseID: "hospital-a/round-7", coordinatorSequence: 16, round: 7)])
    }

    @Test("anchor detects a truncated tail")
    func truncatedTail() throws {
        let path = try writeCoordinatorLedger()
        let head = try #require(try verifyFile(path).head)
        try tamper(path, "DELETE FROM ledger_entries WHERE sequence >= 14")
        let result = try verifyFile(path, anchors: [LedgerAnchor(sequence: head.sequence, entryHash: head.entryHash)])
        // The shorter chain is intact in itself; only the anchor shows that entries were removed.
        #expect(result.violation == nil)
        #expect(result.anchorResults.map(\.foundHash) == [nil])
        #expect(!result.passed)
    }

    @Test("anchor detects rewritten history")
    func rewrittenHistory() throws {
        // The forger rebuilds the whole file without hospital-a's round-2 release and re-derives
        // every hash and total, so verify alone passes; the anchor does not match.
        let original = try AuditedLedger(path: writeCoordinatorLedger())
        let anchor = LedgerAnchor(sequence: 13, entryHash: original.entries[12].entryHash)
        let rewrittenPath = try writeLedger(fixtureReleases().filter { !($0.site == "hospital-a" && $0.round == 2) })
        let result = try verifyFile(rewrittenPath, anchors: [anchor])
        #expect(result.violation == nil)
        #expect(result.anchorResults.first?.matched == false)
        #expect(result.firstFailure?.contains("were rewritten") == true)
    }

    @Test("anchor text parses")
    func anchorParsing() throws {
        let hash = String(repeating: "ab", count: 32)
        #expect(try LedgerAnchor(parsing: "12:\(hash.uppercased())") == LedgerAnchor(sequence: 12, entryHash: hash))
        #expect(throws: AuditError.self) { try LedgerAnchor(parsing: "12") }
        #expect(throws: AuditError.self) { try LedgerAnchor(parsing: "0:\(hash)") }
        #expect(throws: AuditError.self) { try LedgerAnchor(parsing: "3:abc") }
    }

    @Test("Gaussian entry without an accountant is underivable")
    func underivable() throws {
        let path = try writeCoordinatorLedger(gaussianSite: "hospital-b")
        let result = verify(try AuditedLedger(path: path), accountant: LaplaceOnlyAccountant())
        #expect(result.violation?.sequence == 2)
        #expect(result.firstFailure?.contains("no gaussian") == true)
    }
}

/// Accounts Laplace as `TestAccountant` does and rejects everything else.
struct LaplaceOnlyAccountant: LedgerAccountant {
    struct NoGaussian: Error, CustomStringConvertible { var description: String { "no gaussian" } }

    func epsilon(mechanism: String, parameters: String, delta: Double) throws -> ReleaseEpsilon {
        guard mechanism == "laplace" else { throw NoGaussian() }
        return try TestAccountant().epsilon(mechanism: mechanism, parameters: parameters, delta: delta)
    }

    func totalEpsilon(of releases: [(mechanism: String, parameters: String)], delta: Double) throws -> Double {
        try releases.reduce(0) {
            $0 + (try epsilon(mechanism: $1.mechanism, parameters: $1.parameters, delta: delta).epsilon)
        }
    }
}
