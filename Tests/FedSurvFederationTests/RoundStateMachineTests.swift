import Foundation
import Testing

@testable import FedSurvFederation

@Suite struct RoundOpeningTests {
    @Test("open announces selected sites")
    func openAnnounces() {
        var machine = RoundStateMachine(configuration: makeConfiguration())
        let actions = machine.handle(
            .open(round: 1, at: openedAt, eligibleSites: candidates("c", "a", "b"), epsilonCost: 1.0))
        #expect(actions == [.announceRound(round: 1, sites: ["a", "b", "c"], deadline: at(60))])
        #expect(machine.phase == .open)
    }

    @Test("budget skip with reason")
    func budgetSkip() {
        var machine = RoundStateMachine(configuration: makeConfiguration())
        let sites = [
            SiteCandidate(site: "a", spentEpsilon: 0, epsilonCap: 10),
            SiteCandidate(site: "b", spentEpsilon: 9.5, epsilonCap: 10),
            SiteCandidate(site: "c", spentEpsilon: 9, epsilonCap: 10),
        ]
        let actions = machine.handle(.open(round: 1, at: openedAt, eligibleSites: sites, epsilonCost: 1.0))
        #expect(
            actions == [
                .skipSite(site: "b", reason: .budgetExhausted(spentEpsilon: 9.5, epsilonCap: 10, epsilonCost: 1.0)),
                .announceRound(round: 1, sites: ["a", "c"], deadline: at(60)),
            ])
    }

    @Test("invalid and duplicate candidates skipped")
    func invalidCandidates() {
        var machine = RoundStateMachine(configuration: makeConfiguration())
        let sites = [
            SiteCandidate(site: "a", spentEpsilon: 0, epsilonCap: 10),
            SiteCandidate(site: "a", spentEpsilon: 0, epsilonCap: 10),
            SiteCandidate(site: "b", spentEpsilon: .nan, epsilonCap: 10),
            SiteCandidate(site: "c", spentEpsilon: 0, epsilonCap: 10),
        ]
        let actions = machine.handle(.open(round: 1, at: openedAt, eligibleSites: sites, epsilonCost: 1.0))
        #expect(
            actions == [
                .skipSite(site: "a", reason: .duplicateCandidate),
                .skipSite(site: "b", reason: .invalidBudget),
                .announceRound(round: 1, sites: ["a", "c"], deadline: at(60)),
            ])
    }

    @Test("maxSites keeps least recently selected")
    func maxSitesLimit() {
        var machine = RoundStateMachine(configuration: makeConfiguration(maxSites: 2))
        let sites = [
            SiteCandidate(site: "a", spentEpsilon: 0, epsilonCap: 10, lastSelectedRound: 3),
            SiteCandidate(site: "b", spentEpsilon: 0, epsilonCap: 10, lastSelectedRound: nil),
            SiteCandidate(site: "c", spentEpsilon: 0, epsilonCap: 10, lastSelectedRound: 1),
            SiteCandidate(site: "d", spentEpsilon: 0, epsilonCap: 10, lastSelectedRound: nil),
        ]
        let actions = machine.handle(.open(round: 4, at: openedAt, eligibleSites: sites, epsilonCost: 1.0))
        #expect(
            actions == [
                .skipSite(site: "c", reason: .maxSitesReached(maxSites: 2)),
                .skipSite(site: "a", reason: .maxSitesReached(maxSites: 2)),
                .announceRound(round: 4, sites: ["b", "d"], deadline: at(60)),
            ])
    }

    @Test("maxSites ties broken by name")
    func maxSitesTies() {
        var machine = RoundStateMachine(configuration: makeConfiguration(maxSites: 2))
        let sites = ["d", "b", "c", "a"].map {
            SiteCandidate(site: $0, spentEpsilon: 0, epsilonCap: 10, lastSelectedRound: 2)
        }
        let actions = machine.handle(.open(round: 3, at: openedAt, eligibleSites: sites, epsilonCost: 1.0))
        #expect(actions.last == .announceRound(round: 3, sites: ["a", "b"], deadline: at(60)))
    }

    @Test("too few eligible sites fails round")
    func tooFewEligible() {
        var machine = RoundStateMachine(configuration: makeConfiguration())
        let sites = [
            SiteCandidate(site: "a", spentEpsilon: 0, epsilonCap: 10),
            SiteCandidate(site: "b", spentEpsilon: 10, epsilonCap: 10),
        ]
        let actions = machine.handle(.open(round: 1, at: openedAt, eligibleSites: sites, epsilonCost: 0.5))
        let failure = RoundFailure.notEnoughEligibleSites(eligible: 1, minimum: 2)
        #expect(
            actions == [
                .skipSite(site: "b", reason: .budgetExhausted(spentEpsilon: 10, epsilonCap: 10, epsilonCost: 0.5)),
                .failRound(round: 1, reason: failure),
            ])
        #expect(machine.phase == .failed)
        #expect(failure.isRetryable == false)
    }

    @Test("open during a round ignored")
    func openDuringRound() {
        var machine = openMachine()
        let actions = machine.handle(.open(round: 2, at: at(5), eligibleSites: candidates("a", "b"), epsilonCost: 1))
        #expect(actions == [.ignoreEvent(.roundInProgress(round: 1, phase: .open))])
        #expect(machine.progress?.round == 1)
    }

    @Test("open with invalid epsilon cost ignored")
    func openInvalidCost() {
        var machine = RoundStateMachine(configuration: makeConfiguration())
        let actions = machine.handle(.open(round: 1, at: openedAt, eligibleSites: candidates("a", "b"), epsilonCost: 0))
        #expect(actions == [.ignoreEvent(.invalidEpsilonCost(0))])
        #expect(machine.phase == .idle)
    }
}

@Suite struct RoundCollectingTests {
    @Test("selected site join sends round")
    func joinSendsRound() {
        var machine = openMachine()
        #expect(machine.handle(.siteJoined(site: "a", at: at(1))) == [.sendRound(round: 1, site: "a")])
        #expect(machine.phase == .collecting)
        #expect(machine.handle(.siteJoined(site: "a", at: at(2))) == [.sendRound(round: 1, site: "a")])
    }

    @Test("join rejections")
    func joinRejections() {
        var idle = RoundStateMachine(configuration: makeConfiguration())
        #expect(idle.handle(.siteJoined(site: "a", at: openedAt)) == [.rejectJoin(site: "a", reason: .noRoundOpen)])

        var machine = openMachine()
        #expect(
            machine.handle(.siteJoined(site: "x", at: at(1))) == [
                .rejectJoin(site: "x", reason: .notSelected(round: 1))
            ])
        #expect(machine.handle(.siteDropped(site: "c")) == [])
        #expect(
            machine.handle(.siteJoined(site: "c", at: at(2))) == [.rejectJoin(site: "c", reason: .droppedOut(round: 1))]
        )
    }

    @Test("quorum of all sites aggregates early")
    func allSubmittedAggregatesEarly() {
        var machine = openMachine()
        #expect(machine.handle(upload("b")) == [.acceptUpdate(round: 1, site: "b", updateHash: "hash-b")])
        #expect(machine.handle(upload("a")) == [.acceptUpdate(round: 1, site: "a", updateHash: "hash-a")])
        #expect(
            machine.handle(upload("c", time: 20)) == [
                .acceptUpdate(round: 1, site: "c", updateHash: "hash-c"),
                .startAggregation(round: 1, updates: [accepted("a"), accepted("b"), accepted("c")]),
            ])
        #expect(machine.phase == .aggregating)
    }

    @Test("timeout with quorum aggregates")
    func timeoutWithQuorum() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        _ = machine.handle(upload("b"))
        #expect(machine.handle(.tick(now: at(59.999))) == [])
        #expect(machine.phase == .collecting)
        #expect(
            machine.handle(.tick(now: at(60))) == [
                .startAggregation(round: 1, updates: [accepted("a"), accepted("b")])
            ])
        #expect(machine.handle(.tick(now: at(61))) == [])
    }

    @Test("timeout without quorum fails")
    func timeoutWithoutQuorum() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        let failure = RoundFailure.quorumNotReached(submitted: 1, minimum: 2)
        #expect(machine.handle(.tick(now: at(75))) == [.failRound(round: 1, reason: failure)])
        #expect(machine.phase == .failed)
        #expect(failure.description == "quorum not reached: 1 of min 2")
        #expect(failure.isRetryable)
    }

    @Test("timeout with no join fails from open")
    func timeoutFromOpen() {
        var machine = openMachine()
        let failure = RoundFailure.quorumNotReached(submitted: 0, minimum: 2)
        #expect(machine.handle(.tick(now: at(60))) == [.failRound(round: 1, reason: failure)])
    }

    @Test("late submission rejected")
    func lateSubmission() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        _ = machine.handle(upload("b"))
        _ = machine.handle(.tick(now: at(60)))
        #expect(machine.handle(upload("c", time: 61)) == [.rejectUpdate(site: "c", reason: .late(round: 1))])
        #expect(machine.progress?.accepted.count == 2)
    }

    @Test("late timestamp applies timeout first")
    func lateTimestamp() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        _ = machine.handle(upload("b"))
        #expect(
            machine.handle(upload("c", time: 90)) == [
                .startAggregation(round: 1, updates: [accepted("a"), accepted("b")]),
                .rejectUpdate(site: "c", reason: .late(round: 1)),
            ])
    }

    @Test("late join after timeout rejected")
    func lateJoin() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        let failure = RoundFailure.quorumNotReached(submitted: 1, minimum: 2)
        #expect(
            machine.handle(.siteJoined(site: "b", at: at(60))) == [
                .failRound(round: 1, reason: failure),
                .rejectJoin(site: "b", reason: .roundClosed(round: 1)),
            ])
    }

    @Test("duplicate update acknowledged once")
    func duplicateIdempotent() {
        var machine = openMachine()
        #expect(machine.handle(upload("a", hash: "h1")) == [.acceptUpdate(round: 1, site: "a", updateHash: "h1")])
        #expect(
            machine.handle(upload("a", hash: "h1", time: 11)) == [
                .acknowledgeDuplicate(round: 1, site: "a", updateHash: "h1")
            ])
        #expect(machine.progress?.accepted.count == 1)

        _ = machine.handle(upload("b"))
        _ = machine.handle(.tick(now: at(60)))
        #expect(
            machine.handle(upload("a", hash: "h1", time: 61)) == [
                .acknowledgeDuplicate(round: 1, site: "a", updateHash: "h1")
            ])
    }

    @Test("conflicting resubmission rejected")
    func conflictingResubmission() {
        var machine = openMachine()
        _ = machine.handle(upload("a", hash: "h1"))
        let reason = UpdateRejection.conflictingUpdate(storedHash: "h1", receivedHash: "h2")
        #expect(machine.handle(upload("a", hash: "h2", time: 12)) == [.rejectUpdate(site: "a", reason: reason)])
        #expect(machine.progress?.accepted["a"]?.updateHash == "h1")
    }

    @Test("dropout left out and aggregates early")
    func dropoutLeftOut() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        _ = machine.handle(upload("b"))
        #expect(
            machine.handle(.siteDropped(site: "c")) == [
                .startAggregation(round: 1, updates: [accepted("a"), accepted("b")])
            ])
    }

    @Test("dropped site update rejected")
    func droppedSiteUpdate() {
        var machine = openMachine(sites: ["a", "b", "c", "d"], configuration: makeConfiguration(maxSites: 4))
        #expect(machine.handle(.siteDropped(site: "d")) == [])
        #expect(machine.handle(upload("d")) == [.rejectUpdate(site: "d", reason: .droppedOut(round: 1))])
        #expect(machine.progress?.outstandingSites == ["a", "b", "c"])
    }

    @Test("dropout after submitting keeps update")
    func dropoutAfterSubmit() {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        #expect(machine.handle(.siteDropped(site: "a")) == [])
        #expect(machine.progress?.accepted["a"] == accepted("a"))
        #expect(machine.progress?.dropped.isEmpty == true)
    }

    @Test("dropouts making quorum unreachable fail")
    func dropoutQuorumUnreachable() {
        var machine = openMachine(configuration: makeConfiguration(minSites: 3))
        _ = machine.handle(upload("a"))
        let failure = RoundFailure.quorumNotReached(submitted: 1, minimum: 3)
        #expect(machine.handle(.siteDropped(site: "b")) == [.failRound(round: 1, reason: failure)])
    }

    @Test("update from unselected site rejected")
    func unselectedUpdate() {
        var machine = openMachine()
        #expect(machine.handle(upload("x")) == [.rejectUpdate(site: "x", reason: .notSelected(round: 1))])
    }

    @Test("update for wrong round rejected")
    func wrongRound() {
        var machine = openMachine()
        #expect(
            machine.handle(upload("a", round: 2)) == [
                .rejectUpdate(site: "a", reason: .wrongRound(current: 1, received: 2))
            ])
        var idle = RoundStateMachine(configuration: makeConfiguration())
        #expect(idle.handle(upload("a")) == [.rejectUpdate(site: "a", reason: .noRoundOpen)])
    }

    struct RejectionCase: Sendable, CustomStringConvertible {
        var description: String
        var count: Int = 50
        var epsilon: Double = 1.0
        var hash: String = "hash-a"
        var expected: UpdateRejection
    }

    @Test(
        "update field rejections",
        arguments: [
            RejectionCase(
                description: "count off grid", count: 49,
                expected: .invalidSampleCount(reported: 49, policy: .rounded(to: 50))),
            RejectionCase(
                description: "count zero", count: 0,
                expected: .invalidSampleCount(reported: 0, policy: .rounded(to: 50))),
            RejectionCase(description: "epsilon NaN", epsilon: .nan, expected: .invalidEpsilon(.nan)),
            RejectionCase(description: "epsilon zero", epsilon: 0, expected: .invalidEpsilon(0)),
            RejectionCase(
                description: "epsilon above cost", epsilon: 1.5,
                expected: .epsilonAboveRoundCost(requested: 1.5, cost: 1.0)),
            RejectionCase(description: "empty hash", hash: "", expected: .emptyUpdateHash),
        ])
    func fieldRejections(_ testCase: RejectionCase) {
        var machine = openMachine()
        let actions = machine.handle(upload("a", hash: testCase.hash, count: testCase.count, epsilon: testCase.epsilon))
        guard case .rejectUpdate(let site, let reason) = actions.first, actions.count == 1 else {
            Issue.record("expected one rejection, got \(actions)")
            return
        }
        #expect(site == "a")
        // NaN never equals itself, so compare the invalid-epsilon case by its class.
        if case .invalidEpsilon(let value) = testCase.expected, value.isNaN {
            guard case .invalidEpsilon(let received) = reason else {
                Issue.record("expected invalidEpsilon, got \(reason)")
                return
            }
            #expect(received.isNaN)
        } else {
            #expect(reason == testCase.expected)
        }
        #expect(machine.progress?.accepted.isEmpty == true)
    }

    @Test("cap check exact despite tolerance")
    func capCheckExact() {
        var machine = RoundStateMachine(configuration: makeConfiguration(epsilonTolerance: 1e-6))
        let sites = [
            SiteCandidate(site: "a", spentEpsilon: 9, epsilonCap: 10),
            SiteCandidate(site: "b", spentEpsilon: 0, epsilonCap: 10),
        ]
        _ = machine.handle(.open(round: 1, at: openedAt, eligibleSites: sites, epsilonCost: 1.0))
        let epsilon = 1.0 + 5e-7
        let reason = UpdateRejection.budgetExceeded(spentEpsilon: 9, requested: epsilon, epsilonCap: 10)
        #expect(machine.handle(upload("a", epsilon: epsilon)) == [.rejectUpdate(site: "a", reason: reason)])
        #expect(
            machine.handle(upload("b", epsilon: epsilon)) == [.acceptUpdate(round: 1, site: "b", updateHash: "hash-b")])
    }
}

@Suite struct RoundCompletionTests {
    func aggregatingMachine() -> RoundStateMachine {
        var machine = openMachine()
        _ = machine.handle(upload("a"))
        _ = machine.handle(upload("b"))
        _ = machine.handle(upload("c"))
        return machine
    }

    @Test("aggregation then commit opens next round")
    func commitOpensNext() {
        var machine = aggregatingMachine()
        let all = [accepted("a"), accepted("b"), accepted("c")]
        #expect(
            machine.handle(.aggregationFinished(round: 1, modelHash: "model-1")) == [
                .commit(round: 1, updates: all, modelHash: "model-1")
            ])
        #expect(machine.phase == .committing)
        #expect(machine.handle(.commitFinished(round: 1)) == [.openNextRound(round: 2)])
        #expect(machine.phase == .committed)

        let reopened = machine.handle(.open(round: 2, at: at(100), eligibleSites: candidates("a", "b"), epsilonCost: 1))
        #expect(reopened == [.announceRound(round: 2, sites: ["a", "b"], deadline: at(160))])
    }

    @Test("round numbers must increase")
    func roundNumbersIncrease() {
        var machine = aggregatingMachine()
        _ = machine.handle(.aggregationFinished(round: 1, modelHash: "m"))
        _ = machine.handle(.commitFinished(round: 1))
        let actions = machine.handle(.open(round: 1, at: at(100), eligibleSites: candidates("a", "b"), epsilonCost: 1))
        #expect(actions == [.ignoreEvent(.roundNumberNotIncreasing(previous: 1, requested: 1))])
    }

    @Test("aggregation failure fails round")
    func aggregationFailure() {
        var machine = aggregatingMachine()
        #expect(
            machine.handle(.aggregationFailed(round: 1, reason: "no memory")) == [
                .failRound(round: 1, reason: .aggregationFailed("no memory"))
            ])
        #expect(machine.phase == .failed)
    }

    @Test("commit failure fails round")
    func commitFailure() {
        var machine = aggregatingMachine()
        _ = machine.handle(.aggregationFinished(round: 1, modelHash: "m"))
        #expect(
            machine.handle(.commitFailed(round: 1, reason: "disk full")) == [
                .failRound(round: 1, reason: .commitFailed("disk full"))
            ])
    }

    @Test("out-of-order reports ignored")
    func outOfOrderReports() {
        var machine = openMachine()
        #expect(
            machine.handle(.aggregationFinished(round: 1, modelHash: "m")) == [
                .ignoreEvent(.unexpected(event: "aggregationFinished", round: 1, currentRound: 1, phase: .open))
            ])
        var aggregating = aggregatingMachine()
        #expect(
            aggregating.handle(.aggregationFinished(round: 7, modelHash: "m")) == [
                .ignoreEvent(.unexpected(event: "aggregationFinished", round: 7, currentRound: 1, phase: .aggregating))
            ])
        #expect(
            aggregating.handle(.commitFinished(round: 1)) == [
                .ignoreEvent(.unexpected(event: "commitFinished", round: 1, currentRound: 1, phase: .aggregating))
            ])
        #expect(aggregating.phase == .aggregating)
    }
}
