import Foundation
import Testing

@testable import FedSurvFederation

@Suite struct RoundRestoreTests {
    @Test("restore mid-round resumes collecting")
    func restoreMidRound() throws {
        var live = openMachine()
        _ = live.handle(.siteJoined(site: "b", at: at(2)))
        _ = live.handle(upload("a", hash: "h-a"))
        _ = live.handle(.siteDropped(site: "c"))
        let record = try #require(live.record)
        #expect(record.phase == .collecting)
        #expect(record.accepted == [accepted("a", hash: "h-a")])

        var (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: record, now: at(30))
        #expect(actions == [])
        #expect(restored == live)

        // The restored machine keeps the stored hash and the dropout.
        #expect(
            restored.handle(upload("a", hash: "h-a", time: 31)) == [
                .acknowledgeDuplicate(round: 1, site: "a", updateHash: "h-a")
            ])
        #expect(restored.handle(upload("c", time: 32)) == [.rejectUpdate(site: "c", reason: .droppedOut(round: 1))])
        #expect(
            restored.handle(upload("b", time: 33)) == [
                .acceptUpdate(round: 1, site: "b", updateHash: "hash-b"),
                .startAggregation(round: 1, updates: [accepted("a", hash: "h-a"), accepted("b")]),
            ])
    }

    @Test("restore past deadline applies timeout")
    func restorePastDeadline() throws {
        var live = openMachine()
        _ = live.handle(upload("a"))
        let record = try #require(live.record)
        let (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: record, now: at(600))
        #expect(actions == [.failRound(round: 1, reason: .quorumNotReached(submitted: 1, minimum: 2))])
        #expect(restored.phase == .failed)
    }

    @Test("restore while committing aggregates again")
    func restoreCommitting() throws {
        var live = openMachine()
        _ = live.handle(upload("a"))
        _ = live.handle(upload("b"))
        _ = live.handle(upload("c"))
        _ = live.handle(.aggregationFinished(round: 1, modelHash: "m"))
        let record = try #require(live.record)
        #expect(record.phase == .committing)

        let (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: record, now: at(61))
        #expect(actions == [.startAggregation(round: 1, updates: [accepted("a"), accepted("b"), accepted("c")])])
        #expect(restored.phase == .aggregating)
    }

    @Test("restore committed opens next round")
    func restoreCommitted() throws {
        let record = RoundRecord(
            round: 4, phase: .committed, openedAt: openedAt, epsilonCost: 1, selected: candidates("a", "b"),
            accepted: [accepted("a"), accepted("b")])
        let (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: record, now: at(999))
        #expect(actions == [.openNextRound(round: 5)])
        #expect(restored.phase == .committed)
    }

    @Test("restore failed waits for shell")
    func restoreFailed() throws {
        let failure = RoundFailure.quorumNotReached(submitted: 0, minimum: 2)
        let record = RoundRecord(
            round: 2, phase: .failed, openedAt: openedAt, epsilonCost: 1, selected: candidates("a", "b"),
            failure: failure)
        var (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: record, now: at(999))
        #expect(actions == [])
        #expect(restored.state == .failed(restored.progress!, failure))
        let reopened = restored.handle(
            .open(round: 3, at: at(1000), eligibleSites: candidates("a", "b"), epsilonCost: 1))
        #expect(reopened == [.announceRound(round: 3, sites: ["a", "b"], deadline: at(1060))])
    }

    @Test("restore without record is idle")
    func restoreNothing() throws {
        let (restored, actions) = try RoundStateMachine.restore(
            configuration: makeConfiguration(), record: nil, now: openedAt)
        #expect(actions == [])
        #expect(restored.phase == .idle)
    }

    @Test(
        "inconsistent records rejected",
        arguments: [
            RoundRecord(round: 0, phase: .collecting, openedAt: openedAt, epsilonCost: 1, selected: candidates("a")),
            RoundRecord(round: 1, phase: .collecting, openedAt: openedAt, epsilonCost: .nan, selected: candidates("a")),
            RoundRecord(
                round: 1, phase: .collecting, openedAt: openedAt, epsilonCost: 1, selected: candidates("a"),
                accepted: [accepted("x")]),
            RoundRecord(
                round: 1, phase: .collecting, openedAt: openedAt, epsilonCost: 1, selected: candidates("a"),
                accepted: [accepted("a")], dropped: ["a"]),
            RoundRecord(round: 1, phase: .failed, openedAt: openedAt, epsilonCost: 1, selected: candidates("a")),
            RoundRecord(
                round: 1, phase: .open, openedAt: openedAt, epsilonCost: 1, selected: candidates("a"),
                failure: .commitFailed("x")),
            RoundRecord(round: 1, phase: .idle, openedAt: openedAt, epsilonCost: 1, selected: candidates("a")),
        ])
    func inconsistentRecords(_ record: RoundRecord) {
        #expect(throws: FederationError.self) {
            try RoundStateMachine.restore(configuration: makeConfiguration(), record: record, now: openedAt)
        }
    }
}

@Suite struct RoundConfigurationTests {
    @Test("invalid configurations rejected")
    func invalidConfigurations() {
        #expect(throws: FederationError.self) { try RoundConfiguration(minSites: 0, maxSites: 3, roundTimeout: 60) }
        #expect(throws: FederationError.self) { try RoundConfiguration(minSites: 3, maxSites: 2, roundTimeout: 60) }
        #expect(throws: FederationError.self) { try RoundConfiguration(minSites: 1, maxSites: 2, roundTimeout: 0) }
        #expect(throws: FederationError.self) {
            try RoundConfiguration(minSites: 1, maxSites: 2, roundTimeout: .infinity)
        }
        #expect(throws: FederationError.self) {
            try RoundConfiguration(minSites: 1, maxSites: 2, roundTimeout: 60, sampleCountPolicy: .rounded(to: 0))
        }
    }

    @Test("error message names field")
    func errorMessage() {
        let error = FederationError.invalidConfiguration(field: "minSites", value: "0", requirement: "at least 1")
        #expect(error.description.contains("minSites is 0"))
    }
}
