import FedSurvLedger
import Foundation
import Testing

@testable import FedSurvCoordinator

@Suite("Coordinator restore from the database", .serialized)
struct CoordinatorRestoreTests {
    @Test("restart during aggregation commits once")
    func restartDuringAggregation() throws {
        let harness = try FederationHarness(count: 1, minSites: 2)
        let record = CoordinatorService.referenceRecord(harness.config.privacy.settings)
        let first = try CoordinatorService(config: harness.config, logger: .init(label: "test", level: .error))
        try first.start()
        _ = try first.submitUpdate(site: "site-a", round: 1, body: try updateBody(value: 0.1, round: 1, record: record))
        _ = try first.submitUpdate(site: "site-b", round: 1, body: try updateBody(value: 0.3, round: 1, record: record))

        // Simulate a crash after aggregation began: the stored phase becomes `aggregating`.
        let stored = try #require(try first.store.database.query("SELECT record FROM rounds WHERE round = 1").first?.first?.string)
        let aggregating = stored.replacingOccurrences(of: "\"phase\":\"collecting\"", with: "\"phase\":\"aggregating\"")
        #expect(aggregating != stored)
        try first.store.database.query(
            "UPDATE rounds SET phase = 'aggregating', record = ? WHERE round = 1", [.text(aggregating)])

        // The restarted service aggregates the two stored updates and commits.
        let second = try CoordinatorService(config: harness.config, logger: .init(label: "test", level: .error))
        try second.start()
        let status = try second.status()
        #expect(status.rounds.map(\.phase) == ["committed"])
        #expect(status.rounds.first?.sites == 2)
        #expect(try second.ledgerEntries(site: nil).map(\.releaseID) == ["site-a/round-1", "site-b/round-1"])
        #expect(second.isFinished)

        // Another restart finds the run finished and charges nothing again.
        let third = try CoordinatorService(config: harness.config, logger: .init(label: "test", level: .error))
        try third.start()
        #expect(try third.ledgerEntries(site: nil).count == 2)
        #expect(third.isFinished)
        withExtendedLifetime(harness) {}
    }
}
