import FedSurvAgent
import FedSurvCoordinator
import FedSurvFederation
import FedSurvLedger
import FedSurvNN
import FedSurvTransport
import Foundation
import Testing

/// A trainer whose delta holds one NaN.
struct NaNTrainer: LocalTrainer {
    func plan(round: RoundAssignment) throws -> ReleaseRecord {
        CoordinatorService.referenceRecord(round.settings)
    }

    func train(round: RoundAssignment, global: SafeTensors) throws -> LocalUpdate {
        var delta = global.tensors.mapValues { SafeTensor(shape: $0.shape, values: [Float](repeating: 0.1, count: $0.values.count)) }
        delta["w"]!.values[4] = .nan
        return LocalUpdate(delta: delta, record: try plan(round: round), sampleCount: 40)
    }
}

/// Returns the HTTP status of a request that the client reports as failed, or nil when it succeeded.
func httpStatus(of body: () throws -> Any) -> Int? {
    do {
        _ = try body()
        return nil
    } catch let error as TransportError {
        if case .httpStatus(_, let status, _) = error { return status }
        return -1
    } catch {
        return -2
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; returns whether it became true.
func waitUntil(seconds: Double = 3, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

@Suite("Federation faults and rejections", .serialized)
struct FederationFaultTests {
    @Test("certificate of another CA rejected")
    func foreignCertificateRejected() throws {
        let harness = try FederationHarness()
        try harness.startCoordinator()
        let client = try harness.client("foreign")
        #expect(throws: TransportError.self) { try client.get("/v1/round") }
        #expect(waitUntil { !harness.server!.http.recentHandshakeFailures.isEmpty })
    }

    @Test("revoked site rejected")
    func revokedSiteRejected() throws {
        let harness = try FederationHarness()
        try harness.startCoordinator()
        let client = try harness.client("site-d")
        #expect(throws: TransportError.self) { try client.get("/v1/round") }
        // The server records the failed handshake on its loop thread, possibly after the client returned.
        let recorded = waitUntil { harness.server!.http.recentHandshakeFailures.contains { $0.verifyError == "certificate revoked" } }
        #expect(recorded)
    }

    @Test("auditor gets 403 on site endpoints")
    func auditorForbiddenOnSiteEndpoint() throws {
        let harness = try FederationHarness()
        try harness.startCoordinator()
        let auditor = try harness.client("auditor-1")
        #expect(try auditor.send(method: .get, path: "/v1/round").status == 403)
        #expect(try auditor.send(method: .post, path: "/v1/rounds/1/update", body: [1, 2, 3]).status == 403)
        #expect(try auditor.send(method: .get, path: "/v1/ledger?site=site-a").status == 200)
        #expect(try auditor.send(method: .get, path: "/v1/status").status == 403)
        let operatorClient = try harness.client("operator-1")
        #expect(try operatorClient.send(method: .get, path: "/v1/status").status == 200)
    }

    @Test("oversized update rejected")
    func oversizedUpdateRejected() throws {
        let harness = try FederationHarness(maxBodyMB: 0.01)
        try harness.startCoordinator()
        let site = try harness.client("site-a")
        let body = [UInt8](repeating: 7, count: 20_000)
        let response = try site.send(method: .post, path: "/v1/rounds/1/update", body: body, contentType: "application/octet-stream")
        #expect(response.status == 413)
        #expect(try harness.service.ledgerEntries(site: nil).isEmpty)
    }

    @Test("NaN update rejected")
    func nanUpdateRejected() throws {
        let harness = try FederationHarness()
        try harness.startCoordinator()
        let agent = try harness.agent("site-a", trainer: NaNTrainer())
        #expect(httpStatus { try agent.step() } == 422)
        #expect(try harness.service.ledgerEntries(site: "site-a").isEmpty)
        // The NaN update left the site, so the site's own ledger keeps its charge.
        #expect(try agent.ledger.entries().count == 1)
        #expect(try agent.step() == .waiting("the update for round 1 was rejected by the coordinator"))
    }

    @Test("dropout with quorum commits")
    func dropoutWithQuorumCommits() throws {
        let harness = try FederationHarness(count: 1, minSites: 2, timeout: 4)
        try harness.startCoordinator()
        let a = try harness.agent("site-a", trainer: ConstantDeltaTrainer(value: 0.1))
        let b = try harness.agent("site-b", trainer: ConstantDeltaTrainer(value: 0.3))
        #expect(try a.step() == .submitted(round: 1, duplicate: false))
        #expect(try b.step() == .submitted(round: 1, duplicate: false))
        let status = try harness.service.status()
        #expect(status.phase == "collecting")
        let deadline = try #require(status.deadline.flatMap { ISO8601DateFormatter().date(from: $0) })
        Thread.sleep(forTimeInterval: max(0, deadline.timeIntervalSinceNow + 1.1))
        harness.service.tick()

        let after = try harness.service.status()
        #expect(after.rounds.map(\.phase) == ["committed"])
        #expect(after.rounds.first?.sites == 2)
        #expect(after.sites.first { $0.site == "site-c" }!.releases == 0)
        let model = try SafeTensors(data: Data(try #require(try harness.service.globalModel(producedBy: 1))))
        #expect(abs(model.tensors["w"]!.values[0] - 0.2) < 1e-6)
    }

    @Test("dropout without quorum fails cleanly")
    func dropoutWithoutQuorumFails() throws {
        let harness = try FederationHarness(count: 1, minSites: 3, timeout: 3)
        try harness.startCoordinator()
        let a = try harness.agent("site-a", trainer: ConstantDeltaTrainer(value: 0.1))
        #expect(try a.step() == .submitted(round: 1, duplicate: false))
        let deadline = try #require(try harness.service.status().deadline.flatMap { ISO8601DateFormatter().date(from: $0) })
        Thread.sleep(forTimeInterval: max(0, deadline.timeIntervalSinceNow + 1.1))
        harness.service.tick()

        let status = try harness.service.status()
        #expect(status.rounds.map(\.phase) == ["failed"])
        #expect(try harness.service.ledgerEntries(site: nil).isEmpty)
        #expect(try a.step() == .finished("all 1 rounds are closed"))
    }

    @Test("restart mid-round resumes without double charge")
    func restartMidRound() throws {
        let harness = try FederationHarness(count: 1, minSites: 3)
        try harness.startCoordinator()
        let a = try harness.agent("site-a", trainer: ConstantDeltaTrainer(value: 0.1))
        let b = try harness.agent("site-b", trainer: ConstantDeltaTrainer(value: 0.2))
        #expect(try a.step() == .submitted(round: 1, duplicate: false))
        #expect(try b.step() == .submitted(round: 1, duplicate: false))

        // Stop the server object and reopen the service from the same database on the same port.
        harness.stopCoordinator()
        try harness.startCoordinator()
        #expect(try harness.service.status().phase == "collecting")

        // site-a resends its stored update, as after a lost reply: acknowledged, not charged.
        let sent = harness.siteConfig("site-a").stateFolder + "/updates/round-1.sent.safetensors"
        let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sent)))
        let receipt = try harness.service.submitUpdate(site: "site-a", round: 1, body: body)
        #expect(receipt.duplicate)

        let c = try harness.agent("site-c", trainer: ConstantDeltaTrainer(value: 0.3))
        #expect(try c.step() == .submitted(round: 1, duplicate: false))
        let again = try harness.service.submitUpdate(site: "site-a", round: 1, body: body)
        #expect(again.duplicate)

        let entries = try harness.service.ledgerEntries(site: nil)
        #expect(entries.map(\.releaseID) == ["site-a/round-1", "site-b/round-1", "site-c/round-1"])
        #expect(try harness.service.status().rounds.map(\.phase) == ["committed"])
    }
}
