import Foundation

@testable import FedSurvFederation

/// Fixed times, so that no test reads the clock.
let openedAt = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: TimeInterval) -> Date {
    openedAt.addingTimeInterval(seconds)
}

/// Quorum 2 of at most 3 sites, 60 s timeout, counts in multiples of 50.
func makeConfiguration(
    minSites: Int = 2, maxSites: Int = 3, timeout: TimeInterval = 60, epsilonTolerance: Double = 1e-9
) -> RoundConfiguration {
    try! RoundConfiguration(
        minSites: minSites, maxSites: maxSites, roundTimeout: timeout, sampleCountPolicy: .rounded(to: 50),
        epsilonTolerance: epsilonTolerance)
}

/// Candidates with spent epsilon 0 and cap 10.
func candidates(_ names: String...) -> [SiteCandidate] {
    names.map { SiteCandidate(site: $0, spentEpsilon: 0, epsilonCap: 10) }
}

/// Creates a machine whose round 1 (cost 1.0) is open for `sites`.
func openMachine(
    sites: [String] = ["a", "b", "c"], configuration: RoundConfiguration = makeConfiguration()
) -> RoundStateMachine {
    var machine = RoundStateMachine(configuration: configuration)
    let candidates = sites.map { SiteCandidate(site: $0, spentEpsilon: 0, epsilonCap: 10) }
    let actions = machine.handle(.open(round: 1, at: openedAt, eligibleSites: candidates, epsilonCost: 1.0))
    precondition(actions.count == 1, "the fixture round should open without skips: \(actions)")
    return machine
}

func upload(
    _ site: String, hash: String? = nil, round: Int = 1, count: Int = 50, epsilon: Double = 1.0, time: TimeInterval = 10
) -> RoundStateMachine.Event {
    .updateReceived(
        round: round, site: site, updateHash: hash ?? "hash-\(site)", sampleCount: count, epsilonRequest: epsilon,
        at: at(time))
}

func accepted(_ site: String, hash: String? = nil, count: Int = 50, epsilon: Double = 1.0) -> AcceptedUpdate {
    AcceptedUpdate(site: site, updateHash: hash ?? "hash-\(site)", sampleCount: count, epsilon: epsilon)
}
