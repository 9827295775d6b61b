import Foundation

/// The coordinator's round logic as a value type: events in, actions out.
///
/// The machine does no I/O and reads no clock. A shell owns sockets, storage
/// and time: it feeds events stamped with the current time, carries out the
/// returned `RoundAction`s in order, and persists `record` so that
/// `restore(configuration:record:now:)` can resume after a restart.
///
/// A round moves through
///
///     idle → open → collecting → aggregating → committing → committed
///                          ↘ failed ↙ (quorum, aggregation or commit failure)
///
/// `open` means selected but no site has fetched or submitted yet, and
/// `collecting` means at least one has. Both accept updates until the
/// deadline. `committing` waits for the shell's commit transaction. After
/// `committed` or `failed` the next `open` starts a new round.
///
/// Rules:
/// - Selection skips sites whose budget the round's cost would exceed and
///   keeps at most `maxSites` (see `SiteCandidate` and `SiteSkipReason`).
///   With fewer than `minSites` selected the round fails at once.
/// - An update from a selected site is accepted once. The same hash again is
///   acknowledged without counting twice, even after collecting ended, and
///   a different hash is rejected as conflicting.
/// - When every selected site that has not dropped out has submitted,
///   aggregation starts early. At the deadline it starts when at least
///   `minSites` updates arrived, else the round fails with
///   "quorum not reached: k of min m". The round also fails before the
///   deadline once dropouts leave too few sites to reach the quorum.
/// - A timestamped event at or after the deadline first applies the timeout,
///   so an update that arrives late is rejected even before the next `tick`.
public struct RoundStateMachine: Equatable, Sendable {
    /// The current phase with the facts of the current round.
    public enum State: Equatable, Sendable {
        case idle
        case open(RoundProgress)
        case collecting(RoundProgress)
        case aggregating(RoundProgress)
        case committing(RoundProgress, modelHash: String)
        case committed(RoundProgress)
        case failed(RoundProgress, RoundFailure)
    }

    /// Inputs from sites (join, update, dropout) and from the shell (open, tick, results).
    public enum Event: Equatable, Sendable {
        /// Open a round: select from `eligibleSites`, whose updates may each cost `epsilonCost`.
        case open(round: Int, at: Date, eligibleSites: [SiteCandidate], epsilonCost: Double)
        /// A site fetched the round.
        case siteJoined(site: String, at: Date)
        /// A site uploaded an update that passed `UpdateValidator`; `epsilonRequest`
        /// is the epsilon the coordinator re-derived from its mechanism parameters.
        case updateReceived(
            round: Int, site: String, updateHash: String, sampleCount: Int, epsilonRequest: Double, at: Date)
        /// The current time, sent periodically so that deadlines fire.
        case tick(now: Date)
        case aggregationFinished(round: Int, modelHash: String)
        case aggregationFailed(round: Int, reason: String)
        case commitFinished(round: Int)
        case commitFailed(round: Int, reason: String)
        /// A site lost its connection or declined the round (for example at its own epsilon cap).
        case siteDropped(site: String)
    }

    public let configuration: RoundConfiguration
    public private(set) var state: State

    /// Creates a machine with no round yet.
    public init(configuration: RoundConfiguration) {
        self.configuration = configuration
        self.state = .idle
    }

    init(configuration: RoundConfiguration, state: State) {
        self.configuration = configuration
        self.state = state
    }

    /// The phase of the current round.
    public var phase: RoundPhase {
        switch state {
        case .idle: .idle
        case .open: .open
        case .collecting: .collecting
        case .aggregating: .aggregating
        case .committing: .committing
        case .committed: .committed
        case .failed: .failed
        }
    }

    /// The facts of the current round, or nil before the first round.
    public var progress: RoundProgress? {
        switch state {
        case .idle: nil
        case .open(let progress), .collecting(let progress), .aggregating(let progress),
            .committing(let progress, _), .committed(let progress), .failed(let progress, _):
            progress
        }
    }

    /// Applies one event and returns what the shell must do, in order.
    public mutating func handle(_ event: Event) -> [RoundAction] {
        switch event {
        case .open(let round, let at, let eligibleSites, let epsilonCost):
            return open(round: round, at: at, sites: eligibleSites, epsilonCost: epsilonCost)
        case .siteJoined(let site, let at):
            let timeout = applyDeadline(now: at)
            return timeout + siteJoined(site)
        case .updateReceived(let round, let site, let updateHash, let sampleCount, let epsilonRequest, let at):
            let timeout = applyDeadline(now: at)
            let update = AcceptedUpdate(
                site: site, updateHash: updateHash, sampleCount: sampleCount, epsilon: epsilonRequest)
            return timeout + updateReceived(round: round, update: update)
        case .tick(let now):
            return applyDeadline(now: now)
        case .aggregationFinished(let round, let modelHash):
            return aggregationFinished(round: round, modelHash: modelHash)
        case .aggregationFailed(let round, let reason):
            return aggregationFailed(round: round, reason: reason)
        case .commitFinished(let round):
            return commitFinished(round: round)
        case .commitFailed(let round, let reason):
            return commitFailed(round: round, reason: reason)
        case .siteDropped(let site):
            return siteDropped(site)
        }
    }

    // MARK: - Opening

    private mutating func open(round: Int, at: Date, sites: [SiteCandidate], epsilonCost: Double) -> [RoundAction] {
        switch state {
        case .open, .collecting, .aggregating, .committing:
            return [.ignoreEvent(.roundInProgress(round: progress!.round, phase: phase))]
        case .idle, .committed, .failed:
            break
        }
        let previous = progress?.round ?? 0
        guard round > previous else {
            return [.ignoreEvent(.roundNumberNotIncreasing(previous: previous, requested: round))]
        }
        guard epsilonCost.isFinite, epsilonCost > 0 else {
            return [.ignoreEvent(.invalidEpsilonCost(epsilonCost))]
        }

        let selection = SiteSelection(
            candidates: sites, epsilonCost: epsilonCost, maxSites: configuration.maxSites)
        var actions = selection.skipped.map { RoundAction.skipSite(site: $0.site, reason: $0.reason) }
        let progress = RoundProgress(
            round: round, openedAt: at, deadline: at.addingTimeInterval(configuration.roundTimeout),
            epsilonCost: epsilonCost, selected: selection.selected)

        guard selection.selected.count >= configuration.minSites else {
            let failure = RoundFailure.notEnoughEligibleSites(
                eligible: selection.selected.count, minimum: configuration.minSites)
            state = .failed(progress, failure)
            actions.append(.failRound(round: round, reason: failure))
            return actions
        }
        state = .open(progress)
        actions.append(.announceRound(round: round, sites: selection.selected.map(\.site), deadline: progress.deadline))
        return actions
    }

    // MARK: - Collecting

    private mutating func siteJoined(_ site: String) -> [RoundAction] {
        switch state {
        case .idle:
            return [.rejectJoin(site: site, reason: .noRoundOpen)]
        case .aggregating(let progress), .committing(let progress, _), .committed(let progress),
            .failed(let progress, _):
            return [.rejectJoin(site: site, reason: .roundClosed(round: progress.round))]
        case .open(var progress), .collecting(var progress):
            guard progress.candidate(site) != nil else {
                return [.rejectJoin(site: site, reason: .notSelected(round: progress.round))]
            }
            guard !progress.dropped.contains(site) else {
                return [.rejectJoin(site: site, reason: .droppedOut(round: progress.round))]
            }
            progress.joined.insert(site)
            state = .collecting(progress)
            return [.sendRound(round: progress.round, site: site)]
        }
    }

    private mutating func updateReceived(round: Int, update: AcceptedUpdate) -> [RoundAction] {
        let site = update.site
        guard var progress else {
            return [.rejectUpdate(site: site, reason: .noRoundOpen)]
        }
        guard round == progress.round else {
            return [.rejectUpdate(site: site, reason: .wrongRound(current: progress.round, received: round))]
        }

        // 1) A stored update decides duplicates and conflicts in every phase of its round.
        if let stored = progress.accepted[site] {
            guard stored.updateHash == update.updateHash else {
                let conflict = UpdateRejection.conflictingUpdate(
                    storedHash: stored.updateHash, receivedHash: update.updateHash)
                return [.rejectUpdate(site: site, reason: conflict)]
            }
            return [.acknowledgeDuplicate(round: round, site: site, updateHash: update.updateHash)]
        }

        // 2) Only a collecting round takes new updates.
        switch state {
        case .open, .collecting:
            break
        case .idle, .aggregating, .committing, .committed, .failed:
            return [.rejectUpdate(site: site, reason: .late(round: round))]
        }

        // 3) The site must be selected and present, and its update well-formed and within budget.
        if let rejection = rejection(of: update, in: progress) {
            return [.rejectUpdate(site: site, reason: rejection)]
        }

        // 4) Accept, then aggregate early when no selected site is outstanding.
        progress.accepted[site] = update
        progress.joined.insert(site)
        state = .collecting(progress)
        var actions: [RoundAction] = [.acceptUpdate(round: round, site: site, updateHash: update.updateHash)]
        if progress.outstandingSites.isEmpty {
            actions += closeCollecting(progress)
        }
        return actions
    }

    private func rejection(of update: AcceptedUpdate, in progress: RoundProgress) -> UpdateRejection? {
        guard let candidate = progress.candidate(update.site) else {
            return .notSelected(round: progress.round)
        }
        guard !progress.dropped.contains(update.site) else {
            return .droppedOut(round: progress.round)
        }
        guard !update.updateHash.isEmpty else {
            return .emptyUpdateHash
        }
        let policy = configuration.sampleCountPolicy
        guard policy.accepts(reportedCount: update.sampleCount) else {
            return .invalidSampleCount(reported: update.sampleCount, policy: policy)
        }
        let epsilon = update.epsilon
        guard epsilon.isFinite, epsilon > 0 else {
            return .invalidEpsilon(epsilon)
        }
        guard epsilon <= progress.epsilonCost * (1 + configuration.epsilonTolerance) else {
            return .epsilonAboveRoundCost(requested: epsilon, cost: progress.epsilonCost)
        }
        guard candidate.spentEpsilon + epsilon <= candidate.epsilonCap else {
            return .budgetExceeded(
                spentEpsilon: candidate.spentEpsilon, requested: epsilon, epsilonCap: candidate.epsilonCap)
        }
        return nil
    }

    private mutating func siteDropped(_ site: String) -> [RoundAction] {
        switch state {
        case .open(var progress), .collecting(var progress):
            // A site that already submitted keeps its update: the upload was complete.
            guard progress.candidate(site) != nil, progress.accepted[site] == nil,
                !progress.dropped.contains(site)
            else { return [] }
            progress.dropped.insert(site)
            if case .open = state {
                state = .open(progress)
            } else {
                state = .collecting(progress)
            }

            let reachable = progress.accepted.count + progress.outstandingSites.count
            if reachable < configuration.minSites {
                return fail(
                    progress, .quorumNotReached(submitted: progress.accepted.count, minimum: configuration.minSites))
            }
            if progress.outstandingSites.isEmpty {
                return closeCollecting(progress)
            }
            return []
        case .idle, .aggregating, .committing, .committed, .failed:
            return []
        }
    }

    /// Applies the timeout when `now` is at or after the deadline of a collecting round.
    private mutating func applyDeadline(now: Date) -> [RoundAction] {
        switch state {
        case .open(let progress), .collecting(let progress):
            guard now >= progress.deadline else { return [] }
            return closeCollecting(progress)
        case .idle, .aggregating, .committing, .committed, .failed:
            return []
        }
    }

    /// Ends collecting: aggregate with a quorum, else fail.
    private mutating func closeCollecting(_ progress: RoundProgress) -> [RoundAction] {
        guard progress.accepted.count >= configuration.minSites else {
            return fail(
                progress, .quorumNotReached(submitted: progress.accepted.count, minimum: configuration.minSites))
        }
        state = .aggregating(progress)
        return [.startAggregation(round: progress.round, updates: progress.acceptedUpdates)]
    }

    private mutating func fail(_ progress: RoundProgress, _ failure: RoundFailure) -> [RoundAction] {
        state = .failed(progress, failure)
        return [.failRound(round: progress.round, reason: failure)]
    }

    // MARK: - Aggregation and commit

    private mutating func aggregationFinished(round: Int, modelHash: String) -> [RoundAction] {
        guard case .aggregating(let progress) = state, progress.round == round else {
            return [unexpected("aggregationFinished", round: round)]
        }
        state = .committing(progress, modelHash: modelHash)
        return [.commit(round: round, updates: progress.acceptedUpdates, modelHash: modelHash)]
    }

    private mutating func aggregationFailed(round: Int, reason: String) -> [RoundAction] {
        guard case .aggregating(let progress) = state, progress.round == round else {
            return [unexpected("aggregationFailed", round: round)]
        }
        return fail(progress, .aggregationFailed(reason))
    }

    private mutating func commitFinished(round: Int) -> [RoundAction] {
        guard case .committing(let progress, _) = state, progress.round == round else {
            return [unexpected("commitFinished", round: round)]
        }
        state = .committed(progress)
        return [.openNextRound(round: round + 1)]
    }

    private mutating func commitFailed(round: Int, reason: String) -> [RoundAction] {
        guard case .committing(let progress, _) = state, progress.round == round else {
            return [unexpected("commitFailed", round: round)]
        }
        return fail(progress, .commitFailed(reason))
    }

    private func unexpected(_ event: String, round: Int) -> RoundAction {
        .ignoreEvent(.unexpected(event: event, round: round, currentRound: progress?.round, phase: phase))
    }
}
