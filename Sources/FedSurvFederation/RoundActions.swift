import Foundation

/// An update the round accepted: who sent it, its hash, its weight input and its epsilon.
public struct AcceptedUpdate: Equatable, Sendable {
    public var site: String
    /// SHA-256 of the update as uploaded, hex-encoded; the shell computes it.
    public var updateHash: String
    /// The sample count the site reported, already checked against the sample count policy.
    public var sampleCount: Int
    /// Epsilon re-derived by the coordinator from the update's mechanism parameters.
    public var epsilon: Double

    public init(site: String, updateHash: String, sampleCount: Int, epsilon: Double) {
        self.site = site
        self.updateHash = updateHash
        self.sampleCount = sampleCount
        self.epsilon = epsilon
    }
}

/// An instruction to the shell around a `RoundStateMachine`, returned after an event.
///
/// The shell carries out the actions in order. Actions that change durable
/// state (`acceptUpdate`, `commit`, `failRound`) must be persisted before the
/// shell replies to the site or feeds the next event.
public enum RoundAction: Equatable, Sendable {
    /// Log that a candidate was not selected, with the reason.
    case skipSite(site: String, reason: SiteSkipReason)
    /// Record the new round with its selected sites and deadline, then let those sites fetch it.
    case announceRound(round: Int, sites: [String], deadline: Date)
    /// Send the round's global weights to a site that fetched the round.
    case sendRound(round: Int, site: String)
    /// Refuse a site's request for the round.
    case rejectJoin(site: String, reason: JoinRejection)
    /// Store the update as received for this round and confirm it to the site.
    case acceptUpdate(round: Int, site: String, updateHash: String)
    /// Confirm a resubmitted update that is already stored; nothing is stored or counted again.
    case acknowledgeDuplicate(round: Int, site: String, updateHash: String)
    /// Refuse a site's update; nothing is stored.
    case rejectUpdate(site: String, reason: UpdateRejection)
    /// Aggregate these updates (sorted by site) and report `aggregationFinished` or `aggregationFailed`.
    case startAggregation(round: Int, updates: [AcceptedUpdate])
    /// In one transaction, store the new model and charge each update's epsilon to the ledger,
    /// then report `commitFinished` or `commitFailed`.
    case commit(round: Int, updates: [AcceptedUpdate], modelHash: String)
    /// Record the round as failed; no update of the round is charged.
    case failRound(round: Int, reason: RoundFailure)
    /// Gather candidates and send `open` for this round number.
    case openNextRound(round: Int)
    /// The event does not fit the current state; log it, because it shows a bug in the shell.
    case ignoreEvent(IgnoredEvent)
}

/// The phase of the current round, or `idle` before the first round.
public enum RoundPhase: String, Equatable, Sendable {
    case idle, open, collecting, aggregating, committing, committed, failed
}

/// The reason a round failed.
public enum RoundFailure: Equatable, Sendable, CustomStringConvertible {
    /// Fewer sites than `minSites` could be selected within their budgets.
    case notEnoughEligibleSites(eligible: Int, minimum: Int)
    /// The round timed out, or dropouts made the quorum unreachable, with fewer than `minSites` updates.
    case quorumNotReached(submitted: Int, minimum: Int)
    /// The shell's aggregation failed, with its message.
    case aggregationFailed(String)
    /// The commit transaction failed and was rolled back, with its message.
    case commitFailed(String)

    /// Whether another round with the same candidates can succeed.
    ///
    /// Too few eligible sites stays so until budgets grow or sites enrol,
    /// so the shell should stop opening rounds after that failure.
    public var isRetryable: Bool {
        switch self {
        case .notEnoughEligibleSites: false
        case .quorumNotReached, .aggregationFailed, .commitFailed: true
        }
    }

    public var description: String {
        switch self {
        case .notEnoughEligibleSites(let eligible, let minimum):
            "not enough eligible sites: \(eligible) of min \(minimum)"
        case .quorumNotReached(let submitted, let minimum):
            "quorum not reached: \(submitted) of min \(minimum)"
        case .aggregationFailed(let message):
            "aggregation failed: \(message)"
        case .commitFailed(let message):
            "commit failed: \(message)"
        }
    }
}

/// The reason a site may not fetch the current round.
public enum JoinRejection: Equatable, Sendable, CustomStringConvertible {
    case noRoundOpen
    case notSelected(round: Int)
    case droppedOut(round: Int)
    case roundClosed(round: Int)

    public var description: String {
        switch self {
        case .noRoundOpen: "no round is open; try again later"
        case .notSelected(let round): "the site is not selected for round \(round); wait for a later round"
        case .droppedOut(let round): "the site dropped out of round \(round) and is left out of it"
        case .roundClosed(let round): "round \(round) no longer collects updates; wait for the next round"
        }
    }
}

/// The reason an update was rejected.
public enum UpdateRejection: Equatable, Sendable, CustomStringConvertible {
    case noRoundOpen
    /// The update names another round than the current one.
    case wrongRound(current: Int, received: Int)
    case notSelected(round: Int)
    case droppedOut(round: Int)
    /// The round stopped collecting before the update arrived.
    case late(round: Int)
    /// The site already has another update stored for this round.
    case conflictingUpdate(storedHash: String, receivedHash: String)
    case emptyUpdateHash
    case invalidSampleCount(reported: Int, policy: SampleCountPolicy)
    /// The re-derived epsilon is not a positive finite number.
    case invalidEpsilon(Double)
    /// The re-derived epsilon is above what the round announced.
    case epsilonAboveRoundCost(requested: Double, cost: Double)
    /// Charging the epsilon would take the site past its cap.
    case budgetExceeded(spentEpsilon: Double, requested: Double, epsilonCap: Double)

    public var description: String {
        switch self {
        case .noRoundOpen:
            return "no round is open"
        case .wrongRound(let current, let received):
            return "the update is for round \(received), but the current round is \(current); fetch the current round"
        case .notSelected(let round):
            return "the site is not selected for round \(round)"
        case .droppedOut(let round):
            return "the site dropped out of round \(round) and is left out of it"
        case .late(let round):
            return "round \(round) stopped collecting updates before this one arrived"
        case .conflictingUpdate(let stored, let received):
            return "the site already submitted update \(stored.prefix(16))… in this round, "
                + "so update \(received.prefix(16))… is rejected; one update per site and round"
        case .emptyUpdateHash:
            return "the update hash is empty"
        case .invalidSampleCount(let reported, let policy):
            return "sample count \(reported) is not allowed under \(policy); align the site's sample count policy"
        case .invalidEpsilon(let epsilon):
            return "the re-derived epsilon \(epsilon) is not a positive finite number; check the mechanism parameters"
        case .epsilonAboveRoundCost(let requested, let cost):
            return "the update spends epsilon \(requested), more than the round's cost \(cost); "
                + "the site must use the round's mechanism parameters"
        case .budgetExceeded(let spent, let requested, let cap):
            return "the site has spent epsilon \(spent) of its cap \(cap), so \(requested) more would exceed it"
        }
    }
}

/// The reason an event was ignored. Each case points to a shell that fed events out of order.
public enum IgnoredEvent: Equatable, Sendable, CustomStringConvertible {
    /// `open` arrived while a round was still running.
    case roundInProgress(round: Int, phase: RoundPhase)
    /// `open` named a round number that is not after the last one.
    case roundNumberNotIncreasing(previous: Int, requested: Int)
    /// `open` named a round cost that is not a positive finite epsilon.
    case invalidEpsilonCost(Double)
    /// An aggregation or commit report arrived for a round or phase that does not expect it.
    case unexpected(event: String, round: Int, currentRound: Int?, phase: RoundPhase)

    public var description: String {
        switch self {
        case .roundInProgress(let round, let phase):
            return "cannot open a round while round \(round) is \(phase.rawValue)"
        case .roundNumberNotIncreasing(let previous, let requested):
            return "cannot open round \(requested) after round \(previous); round numbers must increase"
        case .invalidEpsilonCost(let cost):
            return "cannot open a round with epsilon cost \(cost); it must be positive and finite"
        case .unexpected(let event, let round, let currentRound, let phase):
            let current = currentRound.map { "round \($0)" } ?? "no round"
            return "ignored \(event) for round \(round) while \(current) is \(phase.rawValue)"
        }
    }
}
