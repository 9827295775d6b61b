import Foundation

/// Facts about one round: when it opened, whom it selected, who joined, dropped out and submitted.
public struct RoundProgress: Equatable, Sendable {
    public let round: Int
    public let openedAt: Date
    /// `openedAt + roundTimeout`; at or after it the round stops collecting.
    public let deadline: Date
    /// Epsilon each selected site is expected to spend in this round.
    public let epsilonCost: Double
    /// The selected sites in selection order, with their budgets at opening.
    public let selected: [SiteCandidate]
    /// Sites that fetched the round.
    public internal(set) var joined: Set<String>
    /// Sites that dropped out before submitting; they are left out of the round.
    public internal(set) var dropped: Set<String>
    /// Accepted updates by site.
    public internal(set) var accepted: [String: AcceptedUpdate]

    init(
        round: Int, openedAt: Date, deadline: Date, epsilonCost: Double, selected: [SiteCandidate],
        joined: Set<String> = [], dropped: Set<String> = [], accepted: [String: AcceptedUpdate] = [:]
    ) {
        self.round = round
        self.openedAt = openedAt
        self.deadline = deadline
        self.epsilonCost = epsilonCost
        self.selected = selected
        self.joined = joined
        self.dropped = dropped
        self.accepted = accepted
    }

    /// The accepted updates sorted by site, the order aggregation and commit use.
    public var acceptedUpdates: [AcceptedUpdate] {
        accepted.values.sorted { $0.site < $1.site }
    }

    /// Selected sites that have neither submitted nor dropped out, in selection order.
    public var outstandingSites: [String] {
        selected.map(\.site).filter { accepted[$0] == nil && !dropped.contains($0) }
    }

    func candidate(_ site: String) -> SiteCandidate? {
        selected.first { $0.site == site }
    }
}
