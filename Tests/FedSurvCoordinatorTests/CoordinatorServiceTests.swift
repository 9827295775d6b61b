import FedSurvAgent
import FedSurvCoordinator
import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import Foundation
import Testing

/// Builds an update body over the test model's tensors with every value `value`.
func updateBody(
    value: Float, round: Int, record: ReleaseRecord, sampleCount: Int = 1, extraTensor: Bool = false
) throws -> [UInt8] {
    var tensors: [String: SafeTensor] = [
        "w": SafeTensor(shape: [2, 3], values: [Float](repeating: value, count: 6)),
        "b": SafeTensor(shape: [3], values: [Float](repeating: value, count: 3)),
    ]
    if extraTensor { tensors["extra"] = SafeTensor(shape: [1], values: [0]) }
    let file = SafeTensors(
        tensors: tensors,
        metadata: [
            FederationMetadataKey.releaseRecord: try record.canonicalJSON(),
            FederationMetadataKey.sampleCount: String(sampleCount),
            FederationMetadataKey.round: String(round),
        ])
    return [UInt8](file.encoded())
}

/// The coordinator service driven directly, with no sockets.
@Suite("Coordinator service without sockets", .serialized)
struct CoordinatorServiceTests {
    /// A started service over a harness's configuration, and the round's reference record.
    ///
    /// The harness deletes its folder when released, so the fixture keeps it as long as the service.
    final class Fixture {
        let harness: FederationHarness
        let service: CoordinatorService
        let record: ReleaseRecord

        init() throws {
            harness = try FederationHarness(count: 2)
            service = try CoordinatorService(config: harness.config, logger: .init(label: "test", level: .error))
            try service.start()
            record = CoordinatorService.referenceRecord(harness.config.privacy.settings)
        }
    }

    func status(of body: () throws -> Any) -> Int? {
        do {
            _ = try body()
            return nil
        } catch let error as CoordinatorError {
            return error.httpStatus
        } catch {
            return -1
        }
    }

    @Test("unenrolled site gets 403")
    func unenrolledSiteForbidden() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        let body = try updateBody(value: 0.1, round: 1, record: record)
        #expect(status { try service.roundAssignment(site: "site-z", serial: "1") } == 403)
        #expect(status { try service.submitUpdate(site: "site-z", round: 1, body: body) } == 403)
    }

    @Test("malformed uploads get 400")
    func malformedUploads() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: [1, 2, 3]) } == 400)
        let otherRound = try updateBody(value: 0.1, round: 2, record: record)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: otherRound) } == 400)
        let noRecord = [UInt8](SafeTensors(tensors: ["b": SafeTensor(shape: [1], values: [0])]).encoded())
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: noRecord) } == 400)
    }

    @Test("shape and record problems get 422")
    func invalidUpdates() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        let extra = try updateBody(value: 0.1, round: 1, record: record, extraTensor: true)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: extra) } == 422)
        let large = try updateBody(value: 50, round: 1, record: record)
        // |update| = 50 * sqrt(9) = 150, above max_update_norm = 100.
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: large) } == 422)
        var invalid = record
        invalid.groups[0].noiseMultiplier = -1
        let badRecord = try updateBody(value: 0.1, round: 1, record: invalid)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: badRecord) } == 422)
        #expect(try service.ledgerEntries(site: nil).isEmpty)
    }

    @Test("costlier release gets 409")
    func costlierReleaseRejected() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        var costlier = record
        costlier.steps *= 4
        let body = try updateBody(value: 0.1, round: 1, record: costlier)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: body) } == 409)
    }

    @Test("conflicting resubmission gets 409")
    func conflictingResubmission() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        let first = try updateBody(value: 0.1, round: 1, record: record)
        let receipt = try service.submitUpdate(site: "site-a", round: 1, body: first)
        #expect(!receipt.duplicate)
        #expect(receipt.epsilon == service.epsilonCost)
        let second = try updateBody(value: 0.2, round: 1, record: record)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: second) } == 409)
        #expect(try service.submitUpdate(site: "site-a", round: 1, body: first).duplicate)
    }

    @Test("sample count outside policy gets 409")
    func sampleCountOutsidePolicy() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (service, record) = (fixture.service, fixture.record)
        // Equal weights admit only a reported count of 1, so an exact count is rejected.
        let body = try updateBody(value: 0.1, round: 1, record: record, sampleCount: 37)
        #expect(status { try service.submitUpdate(site: "site-a", round: 1, body: body) } == 409)
    }

    @Test("round record survives the database")
    func roundRecordPersisted() throws {
        let fixture = try Fixture()
        defer { withExtendedLifetime(fixture) {} }
        let (harness, service, record) = (fixture.harness, fixture.service, fixture.record)
        _ = try service.roundAssignment(site: "site-b", serial: "5")
        _ = try service.submitUpdate(site: "site-a", round: 1, body: try updateBody(value: 0.1, round: 1, record: record))
        try service.decline(site: "site-c", round: 1)

        let reopened = try CoordinatorService(config: harness.config, logger: .init(label: "test", level: .error))
        let status = try reopened.status()
        #expect(status.currentRound == 1)
        #expect(status.phase == "collecting")
        let contacts = status.sites.filter { $0.lastContact != nil }.map(\.site)
        #expect(contacts == ["site-b"])
    }
}

@Suite("Site agent restart", .serialized)
struct SiteAgentRestartTests {
    /// A trainer that runs `onTrain` before returning its constant delta.
    struct InterruptingTrainer: LocalTrainer {
        var onTrain: () -> Void

        func plan(round: RoundAssignment) throws -> ReleaseRecord {
            CoordinatorService.referenceRecord(round.settings)
        }

        func train(round: RoundAssignment, global: SafeTensors) throws -> LocalUpdate {
            onTrain()
            return try ConstantDeltaTrainer(value: 0.1).train(round: round, global: global)
        }
    }

    @Test("charged update resent after restart")
    func chargedUpdateResent() throws {
        let harness = try FederationHarness(count: 1)
        try harness.startCoordinator()

        // The coordinator goes away after the model download, so the upload fails after the charge.
        let trainer = InterruptingTrainer { harness.stopCoordinator() }
        let config = harness.siteConfig("site-a")
        let first = try SiteAgent(
            config: config, trainer: trainer, client: try CoordinatorClient(config: config, logger: .init(label: "t", level: .error)),
            logger: .init(label: "t", level: .error))
        #expect(throws: (any Error).self) { try first.step() }
        #expect(try first.ledger.entries().count == 1)

        // A new agent on the same state folder sends the stored update without training or charging again.
        try harness.startCoordinator()
        let second = try SiteAgent(
            config: config, trainer: InterruptingTrainer { Issue.record("the agent trained a second time") },
            client: try CoordinatorClient(config: config, logger: .init(label: "t", level: .error)),
            logger: .init(label: "t", level: .error))
        #expect(try second.step() == .submitted(round: 1, duplicate: false))
        #expect(try second.ledger.entries().count == 1)
        let stored = try second.ledger.entries()[0].updateSHA256
        #expect(try harness.service.submitUpdate(
            site: "site-a", round: 1,
            body: [UInt8](try Data(contentsOf: URL(fileURLWithPath: config.stateFolder + "/updates/round-1.sent.safetensors")))
        ).updateSHA256 == stored)
    }
}
