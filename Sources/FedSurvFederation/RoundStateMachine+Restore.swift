import Foundation

/// The persisted facts of the latest round, from which a restarted coordinator resumes.
///
/// The shell writes `machine.record` after every event whose actions change
/// durable state, in the same transaction as those actions (for example with
/// the stored update for `acceptUpdate`).
public struct RoundRecord: Equatable, Sendable {
    public var round: Int
    /// The persisted phase. `committing` is restored as `aggregating`, because
    /// a commit that the shell did not confirm must not count as done.
    public var phase: RoundPhase
    public var openedAt: Date
    public var epsilonCost: Double
    public var selected: [SiteCandidate]
    public var accepted: [AcceptedUpdate]
    public var dropped: [String]
    public var joined: [String]
    /// The failure reason; present exactly when `phase` is `failed`.
    public var failure: RoundFailure?

    public init(
        round: Int, phase: RoundPhase, openedAt: Date, epsilonCost: Double, selected: [SiteCandidate],
        accepted: [AcceptedUpdate] = [], dropped: [String] = [], joined: [String] = [], failure: RoundFailure? = nil
    ) {
        self.round = round
        self.phase = phase
        self.openedAt = openedAt
        self.epsilonCost = epsilonCost
        self.selected = selected
        self.accepted = accepted
        self.dropped = dropped
        self.joined = joined
        self.failure = failure
    }
}

extension RoundStateMachine {
    /// The facts to persist, or nil before the first round. Sets are written sorted.
    public var record: RoundRecord? {
        guard let progress else { return nil }
        var failure: RoundFailure?
        if case .failed(_, let reason) = state { failure = reason }
        return RoundRecord(
            round: progress.round, phase: phase, openedAt: progress.openedAt, epsilonCost: progress.epsilonCost,
            selected: progress.selected, accepted: progress.acceptedUpdates, dropped: progress.dropped.sorted(),
            joined: progress.joined.sorted(), failure: failure)
    }

    /// Rebuilds a machine from the latest persisted round and returns the actions that resume it.
    ///
    /// 1) The record is checked for consistency.
    /// 2) The deadline is recomputed from `openedAt` and the current `roundTimeout`.
    /// 3) The resuming actions depend on the phase:
    ///    - `open` or `collecting` applies the deadline at `now`.
    ///    - `aggregating` or `committing` starts aggregation again with the stored updates.
    ///    - `committed` opens the next round.
    ///    - `failed` returns nothing, so the shell decides as after a live failure.
    ///
    /// - Parameters:
    ///   - configuration: the configuration to run with from now on.
    ///   - record: the latest persisted round, or nil when no round was ever opened.
    ///   - now: the current time.
    /// - Throws: `FederationError.invalidRecord` when the record contradicts itself.
    public static func restore(
        configuration: RoundConfiguration, record: RoundRecord?, now: Date
    ) throws -> (machine: RoundStateMachine, actions: [RoundAction]) {
        guard let record else {
            return (RoundStateMachine(configuration: configuration), [])
        }

        // 1) Consistency.
        try check(record)

        // 2) Rebuild the round's facts.
        var accepted: [String: AcceptedUpdate] = [:]
        for update in record.accepted { accepted[update.site] = update }
        let progress = RoundProgress(
            round: record.round, openedAt: record.openedAt,
            deadline: record.openedAt.addingTimeInterval(configuration.roundTimeout),
            epsilonCost: record.epsilonCost, selected: record.selected,
            joined: Set(record.joined), dropped: Set(record.dropped), accepted: accepted)

        // 3) Resume.
        switch record.phase {
        case .idle:
            throw FederationError.invalidRecord(round: record.round, problem: "a record cannot have phase idle")
        case .open, .collecting:
            var machine = RoundStateMachine(
                configuration: configuration, state: record.phase == .open ? .open(progress) : .collecting(progress))
            let actions = machine.handle(.tick(now: now))
            return (machine, actions)
        case .aggregating, .committing:
            let machine = RoundStateMachine(configuration: configuration, state: .aggregating(progress))
            return (machine, [.startAggregation(round: record.round, updates: progress.acceptedUpdates)])
        case .committed:
            let machine = RoundStateMachine(configuration: configuration, state: .committed(progress))
            return (machine, [.openNextRound(round: record.round + 1)])
        case .failed:
            let machine = RoundStateMachine(configuration: configuration, state: .failed(progress, record.failure!))
            return (machine, [])
        }
    }

    private static func check(_ record: RoundRecord) throws {
        func invalid(_ problem: String) -> FederationError {
            FederationError.invalidRecord(round: record.round, problem: problem)
        }
        guard record.round >= 1 else { throw invalid("the round number must be at least 1") }
        guard record.epsilonCost.isFinite, record.epsilonCost > 0 else {
            throw invalid("the epsilon cost \(record.epsilonCost) is not positive and finite")
        }

        let selected = record.selected.map(\.site)
        guard Set(selected).count == selected.count else { throw invalid("a site is selected twice") }
        let acceptedSites = record.accepted.map(\.site)
        guard Set(acceptedSites).count == acceptedSites.count else {
            throw invalid("a site has two accepted updates")
        }
        for site in acceptedSites + record.dropped + record.joined where !selected.contains(site) {
            throw invalid("site '\(site)' has an update, dropout or join but was not selected")
        }
        if let site = record.dropped.first(where: acceptedSites.contains) {
            throw invalid("site '\(site)' is both dropped and has an accepted update")
        }

        switch (record.phase, record.failure) {
        case (.failed, nil):
            throw invalid("the phase is failed but no failure reason is stored")
        case (.failed, _), (_, nil):
            break
        case (_, .some):
            throw invalid("a failure reason is stored but the phase is \(record.phase.rawValue)")
        }
    }
}
