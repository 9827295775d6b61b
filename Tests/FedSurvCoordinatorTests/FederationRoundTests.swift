import FedSurvAgent
import FedSurvCoordinator
import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import FedSurvTransport
import Foundation
import Testing

@Suite("Federated rounds over mutual TLS", .serialized)
struct FederationRoundTests {
    @Test("three rounds complete")
    func threeRoundsComplete() throws {
        let harness = try FederationHarness(count: 3)
        try harness.startCoordinator()
        let values: [String: Float] = ["site-a": 0.1, "site-b": 0.2, "site-c": 0.3]
        let agents = try values.keys.sorted().map { try harness.agent($0, trainer: ConstantDeltaTrainer(value: values[$0]!)) }

        let steps = try harness.runUntilFinished(agents)
        #expect(steps < 60)

        let status = try harness.service.status()
        #expect(status.rounds.map(\.phase) == ["committed", "committed", "committed"])
        #expect(status.rounds.map { $0.sites ?? 0 } == [3, 3, 3])
        for site in status.sites {
            #expect(site.releases == 3, "site \(site.site)")
        }

        // FedAvg with equal weights adds the mean delta, 0.2, in each of 3 rounds: w = 0 + 0.6, b = 1 + 0.6.
        let model = try SafeTensors(data: Data(try #require(try harness.service.globalModel(producedBy: 3))))
        for value in model.tensors["w"]!.values {
            #expect(abs(value - 0.6) < 1e-5)
        }
        for value in model.tensors["b"]!.values {
            #expect(abs(value - 1.6) < 1e-5)
        }
    }

    @Test("FedAdam state survives a restart")
    func fedAdamStateSurvivesRestart() throws {
        let values: [String: Float] = ["site-a": 0.1, "site-b": -0.2, "site-c": 0.4]

        // Two rounds without a restart.
        let straight = try FederationHarness(count: 2, strategy: "fedadam")
        try straight.startCoordinator()
        let straightAgents = try values.keys.sorted().map {
            try straight.agent($0, trainer: ConstantDeltaTrainer(value: values[$0]!))
        }
        _ = try straight.runUntilFinished(straightAgents)
        let expected = try SafeTensors(data: Data(try #require(try straight.service.globalModel(producedBy: 2))))

        // The same two rounds with a restart after round 1.
        let restarted = try FederationHarness(count: 2, strategy: "fedadam")
        try restarted.startCoordinator()
        let agents = try values.keys.sorted().map {
            try restarted.agent($0, trainer: ConstantDeltaTrainer(value: values[$0]!))
        }
        for agent in agents {
            #expect(try agent.step() == .submitted(round: 1, duplicate: false))
        }
        restarted.stopCoordinator()
        try restarted.startCoordinator()
        _ = try restarted.runUntilFinished(agents)
        let actual = try SafeTensors(data: Data(try #require(try restarted.service.globalModel(producedBy: 2))))

        // The moments of round 1 are restored, so round 2 takes the same server step: equal bit for bit.
        #expect(actual.tensors == expected.tensors)
        let round1 = try SafeTensors(data: Data(try #require(try restarted.service.globalModel(producedBy: 1))))
        #expect(actual.tensors != round1.tensors)
    }

    @Test("site and coordinator ledgers agree")
    func ledgersAgree() throws {
        let harness = try FederationHarness(count: 2)
        try harness.startCoordinator()
        let agents = try ["site-a", "site-b", "site-c"].map { try harness.agent($0, trainer: ConstantDeltaTrainer(value: 0.1)) }
        _ = try harness.runUntilFinished(agents)

        let coordinatorEntries = try harness.service.ledgerEntries(site: nil)
        #expect(coordinatorEntries.count == 6)
        #expect(verifyLedger(coordinatorEntries, delta: 1e-5, accountant: PLDLedgerAccountant()) == nil)
        let status = try harness.service.status()
        for agent in agents {
            let local = try agent.ledger.entries()
            let remote = coordinatorEntries.filter { $0.site == agent.config.name }
            #expect(local.map(\.releaseID) == remote.map(\.releaseID))
            #expect(local.map(\.updateSHA256) == remote.map(\.updateSHA256))
            let spent = status.sites.first { $0.site == agent.config.name }!.epsilonSpent
            // Both ends compose the same two records with the same accountant: equal to 1e-9 relative.
            #expect(abs(try agent.ledger.totalEpsilon() - spent) <= 1e-9 * spent)
        }
    }

    @Test("site refuses past its own cap")
    func siteRefusesPastOwnCap() throws {
        let harness = try FederationHarness(count: 3)
        try harness.startCoordinator()
        // site-c's own cap admits one release but not a second one.
        let capC = try capBetweenOneAndTwoReleases(harness.config)
        let agents = [
            try harness.agent("site-a", trainer: ConstantDeltaTrainer(value: 0.1)),
            try harness.agent("site-b", trainer: ConstantDeltaTrainer(value: 0.1)),
            try harness.agent("site-c", trainer: ConstantDeltaTrainer(value: 0.1), cap: capC),
        ]
        _ = try harness.runUntilFinished(agents)

        #expect(try agents[2].ledger.entries().count == 1)
        #expect(try agents[2].ledger.totalEpsilon() <= capC)
        let status = try harness.service.status()
        #expect(status.rounds.map(\.phase) == ["committed", "committed", "committed"])
        #expect(status.sites.first { $0.site == "site-c" }!.releases == 1)
        #expect(status.sites.first { $0.site == "site-a" }!.releases == 3)
    }

    @Test("coordinator skips a site at its cap")
    func coordinatorSkipsSiteAtCap() throws {
        let harness = try FederationHarness(count: 2)
        // The coordinator's cap for site-c admits one release.
        let cap = try capBetweenOneAndTwoReleases(harness.config)
        harness.config.privacy.siteCaps["site-c"] = cap
        try harness.startCoordinator()
        let agents = try ["site-a", "site-b", "site-c"].map { try harness.agent($0, trainer: ConstantDeltaTrainer(value: 0.1)) }
        _ = try harness.runUntilFinished(agents)

        let status = try harness.service.status()
        #expect(status.sites.first { $0.site == "site-c" }!.releases == 1)
        #expect(status.sites.first { $0.site == "site-c" }!.epsilonSpent <= cap)
        #expect(status.rounds.map { $0.sites ?? 0 } == [3, 2])
    }
}

/// Returns the midpoint between the epsilon of one release under the configured settings and of two composed.
///
/// Gaussian releases compose sub-additively under PLD accounting, so a cap of 1.5 releases may admit two.
func capBetweenOneAndTwoReleases(_ config: CoordinatorConfig) throws -> Double {
    let record = try CoordinatorService.referenceRecord(config.privacy.settings).canonicalJSON()
    let accountant = PLDLedgerAccountant()
    let one = try accountant.totalEpsilon(of: [("gaussian", record)], delta: config.privacy.delta)
    let two = try accountant.totalEpsilon(of: [("gaussian", record), ("gaussian", record)], delta: config.privacy.delta)
    return (one + two) / 2
}
