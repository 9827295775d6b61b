import FedSurvLedger
import Foundation
import Testing

@testable import FedSurvAudit

@Suite struct CrossCheckTests {
    func siteReleases(_ site: String = "hospital-b") -> [FixtureRelease] {
        fixtureReleases().filter { $0.site == site }
    }

    func check(site: [FixtureRelease], coordinator: [FixtureRelease]) throws -> CrossCheckResult {
        try crossCheck(
            siteLedger: AuditedLedger(path: writeLedger(site)),
            coordinatorLedger: AuditedLedger(path: writeLedger(coordinator)))
    }

    @Test("agreeing ledgers pass")
    func agreeing() throws {
        let result = try check(site: siteReleases(), coordinator: fixtureReleases())
        #expect(result.site == "hospital-b")
        #expect(result.matchedReleases == 5)
        #expect(result.mismatches.isEmpty)
    }

    @Test("release missing at the coordinator")
    func missingAtCoordinator() throws {
        let result = try check(
            site: siteReleases(), coordinator: fixtureReleases().filter { $0.releaseID != "hospital-b/round-3" })
        #expect(
            result.mismatches == [.missingAtCoordinator(releaseID: "hospital-b/round-3", siteSequence: 3, round: 3)])
    }

    @Test("changed parameters at the coordinator")
    func changedParameters() throws {
        // The coordinator recorded round 5 of hospital-b as a Gaussian release: mechanism,
        // parameters, pure epsilon and epsilon all differ, each reported.
        let coordinator = fixtureReleases().map { release in
            var copy = release
            if release.releaseID == "hospital-b/round-5" { copy.mechanism = "gaussian" }
            return copy
        }
        let result = try check(site: siteReleases(), coordinator: coordinator)
        let fields = result.mismatches.compactMap { mismatch -> String? in
            if case .fieldDiffers(let releaseID, let field, _, _) = mismatch, releaseID == "hospital-b/round-5" {
                return field
            }
            return nil
        }
        #expect(fields == ["mechanism", "parameters", "pure epsilon", "epsilon"])
        #expect(result.mismatches.count == 4)
    }

    @Test("different update hash")
    func differentUpdate() throws {
        let coordinatorPath = try writeLedger(fixtureReleases().filter { $0.releaseID != "hospital-b/round-6" })
        let ledger = try Ledger(path: coordinatorPath, delta: testDelta, accountant: TestAccountant())
        let release = FixtureRelease(site: "hospital-b", round: 6)
        try ledger.append(
            site: release.site, round: 6, releaseID: release.releaseID, mechanism: "laplace",
            parameters: release.parameters, updateSHA256: SHA256.hex("another update"), cap: nil)
        let result = try crossCheck(
            siteLedger: AuditedLedger(path: writeLedger(siteReleases())),
            coordinatorLedger: AuditedLedger(path: coordinatorPath))
        #expect(
            result.mismatches == [
                .fieldDiffers(
                    releaseID: "hospital-b/round-6", field: "update SHA-256", site: release.updateSHA256,
                    coordinator: SHA256.hex("another update"))
            ])
    }

    @Test("parameters compare as JSON")
    func jsonComparison() throws {
        let sitePath = try writeLedger([FixtureRelease(site: "s", round: 1)])
        let coordinatorPath = temporaryPath(".sqlite")
        let ledger = try Ledger(path: coordinatorPath, delta: testDelta, accountant: TestAccountant())
        let release = FixtureRelease(site: "s", round: 1)
        // The same object with keys in another order and other spacing.
        let reordered = """
            {"groups":[{"clip":1.0,"epsilon":0.022,"name":"mrna.T1"},{"clip":1,"epsilon":0.015,"name":"mirna.T1"},\
            {"clip":1.0,"epsilon":0.011,"name":"cnv.T1"},{"clip":1.0,"epsilon":0.01,"name":"rest"}],\
            "steps":50,"sampling_rate":0.02}
            """
        try ledger.append(
            site: "s", round: 1, releaseID: release.releaseID, mechanism: "laplace", parameters: reordered,
            updateSHA256: release.updateSHA256, cap: nil)
        let result = try crossCheck(
            siteLedger: AuditedLedger(path: sitePath), coordinatorLedger: AuditedLedger(path: coordinatorPath))
        #expect(result.mismatches.isEmpty)
    }

    @Test("order of releases")
    func order() throws {
        var coordinator = siteReleases()
        coordinator.swapAt(1, 2)
        let result = try check(site: siteReleases(), coordinator: coordinator)
        #expect(
            result.mismatches == [
                .orderDiffers(releaseID: "hospital-b/round-2", sitePosition: 2, coordinatorPosition: 3)
            ])
    }

    @Test("local runs are listed apart")
    func localRuns() throws {
        let site = [FixtureRelease(site: "hospital-b", round: nil)] + siteReleases()
        let result = try check(site: site, coordinator: fixtureReleases())
        #expect(result.localOnly.map(\.releaseID) == ["hospital-b/round-local"])
        #expect(result.passed)
    }

    @Test("site ledger with two sites needs --site")
    func ambiguousSite() throws {
        let path = try writeLedger(fixtureReleases())
        #expect(throws: AuditError.self) {
            try crossCheck(siteLedger: AuditedLedger(path: path), coordinatorLedger: AuditedLedger(path: path))
        }
        let result = try crossCheck(
            siteLedger: AuditedLedger(path: path), coordinatorLedger: AuditedLedger(path: path), site: "hospital-c")
        #expect(result.matchedReleases == 4)
    }

    @Test("different deltas are reported")
    func differentDelta() throws {
        let sitePath = temporaryPath(".sqlite")
        let ledger = try Ledger(path: sitePath, delta: 1e-6, accountant: TestAccountant())
        for release in siteReleases() {
            try ledger.append(
                site: release.site, round: release.round, releaseID: release.releaseID, mechanism: release.mechanism,
                parameters: release.parameters, updateSHA256: release.updateSHA256, cap: nil)
        }
        let result = try crossCheck(
            siteLedger: AuditedLedger(path: sitePath),
            coordinatorLedger: AuditedLedger(path: writeLedger(fixtureReleases())))
        #expect(result.mismatches == [.deltaDiffers(site: 1e-6, coordinator: testDelta)])
    }
}

@Suite struct ExportTests {
    /// The exported fields of one entry. JSONDecoder reads doubles exactly; Linux
    /// JSONSerialization can lose the last bit, so it would not do for rehashing.
    struct ExportedEntry: Decodable {
        var sequence: Int
        var site: String
        var round: Int?
        var release_id: String
        var recorded_at: String
        var mechanism: String
        var parameters: String
        var epsilon_pure: Double?
        var epsilon: Double
        var delta: Double
        var total_epsilon_pure: Double?
        var total_epsilon: Double
        var update_sha256: String
        var previous_hash: String
        var entry_hash: String
    }

    struct Exported: Decodable {
        var delta: Double
        var entries: [ExportedEntry]
    }

    @Test("JSON export recomputes every entry hash")
    func jsonHashes() throws {
        let ledger = try AuditedLedger(path: writeCoordinatorLedger())
        let text = LedgerExport.json(ledger)
        let exported = try JSONDecoder().decode(Exported.self, from: Data(text.utf8))
        #expect(exported.entries.count == 15)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((object?["round_metrics"] as? [Any])?.count == 6)
        // Rebuild each entry from the exported fields alone, starting from an unrelated entry.
        for (entry, original) in zip(exported.entries, ledger.entries) {
            var rebuilt = ledger.entries[0]
            rebuilt.sequence = entry.sequence
            rebuilt.site = entry.site
            rebuilt.round = entry.round
            rebuilt.releaseID = entry.release_id
            rebuilt.recordedAt = entry.recorded_at
            rebuilt.mechanism = entry.mechanism
            rebuilt.parameters = entry.parameters
            rebuilt.epsilonPure = entry.epsilon_pure
            rebuilt.epsilon = entry.epsilon
            rebuilt.delta = entry.delta
            rebuilt.totalEpsilonPure = entry.total_epsilon_pure
            rebuilt.totalEpsilon = entry.total_epsilon
            rebuilt.updateSHA256 = entry.update_sha256
            rebuilt.previousHash = entry.previous_hash
            #expect(rebuilt.computedHash == entry.entry_hash)
            #expect(entry.entry_hash == original.entryHash)
        }
    }

    @Test("CSV export has a row per entry")
    func csvRows() throws {
        let ledger = try AuditedLedger(path: writeCoordinatorLedger())
        let lines = LedgerExport.csv(ledger).split(separator: "\n")
        #expect(lines.count == 16)
        #expect(lines[0].hasPrefix("sequence,site,round,release_id,recorded_at,mechanism,parameters,"))
        // The parameters contain commas and quotes, so they are quoted with doubled quotes.
        #expect(lines[1].contains(#","{""sampling_rate"": 0.02, ""steps"": 50,"#))
    }

    @Test("JSON string escapes")
    func escapes() throws {
        let ledger = AuditedLedger(path: "a\"b\\c\nd", delta: 1e-5, entries: [], roundMetrics: nil)
        let object = try JSONSerialization.jsonObject(with: Data(LedgerExport.json(ledger).utf8)) as? [String: Any]
        #expect(object?["ledger"] as? String == "a\"b\\c\nd")
        #expect(object?["round_metrics"] is NSNull)
    }
}

@Suite struct ReportTests {
    func page(_ path: String, caps: EpsilonCaps? = nil) throws -> String {
        let ledger = try AuditedLedger(path: path)
        return HTMLReport.render(
            ledger, sites: summarize(ledger, caps: try caps ?? EpsilonCaps(defaultCap: 1)),
            verification: verify(ledger, accountant: TestAccountant()), generatedAt: "2026-12-04T00:00:00Z")
    }

    @Test("page is self-contained")
    func selfContained() throws {
        let html = try page(writeCoordinatorLedger())
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("href="))
        #expect(!html.contains("@import"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
    }

    @Test("page shows verification, sites and groups")
    func content() throws {
        let html = try page(writeCoordinatorLedger())
        #expect(html.contains("Verification: passed"))
        #expect(html.contains("hospital-c"))
        #expect(html.contains("mirna.T1"))
        #expect(html.contains("Harrell&#39;s C-index"))
        #expect(html.contains("cap 1: every site"))
    }

    @Test("failed verification is shown")
    func failed() throws {
        let path = try writeCoordinatorLedger()
        try tamper(path, "DELETE FROM ledger_entries WHERE sequence = 2")
        let html = try page(path)
        #expect(html.contains("Verification: FAILED"))
        #expect(html.contains("entry 3: expected sequence 2"))
    }

    @Test("site ledger notes the missing C-index")
    func noRoundMetrics() throws {
        let html = try page(writeLedger(fixtureReleases().filter { $0.site == "hospital-a" }))
        #expect(html.contains("no <code>round_metrics</code> table"))
    }

    @Test("site names are escaped")
    func escaping() throws {
        let html = try page(writeLedger([FixtureRelease(site: "<b>&site", round: 1)]))
        #expect(html.contains("&lt;b&gt;&amp;site"))
        #expect(!html.contains("<b>&site"))
    }

    @Test("nice ticks cover the maximum")
    func ticks() {
        #expect(niceTicks(maximum: 0.87) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(niceTicks(minimum: 0.5, maximum: 0.78) == [0.5, 0.6, 0.7, 0.8])
    }
}
