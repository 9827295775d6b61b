import Foundation

/// Limits of one federated round: quorum, size, timeout and the sample count policy.
public struct RoundConfiguration: Equatable, Sendable {
    /// Minimum number of accepted updates for a round to be aggregated (the quorum).
    public let minSites: Int
    /// Maximum number of sites selected for a round.
    public let maxSites: Int
    /// Seconds from opening a round until it stops collecting updates.
    public let roundTimeout: TimeInterval
    /// Rule for accepted sample counts and their aggregation weights.
    public let sampleCountPolicy: SampleCountPolicy
    /// Relative slack when comparing a site's re-derived epsilon with the round's epsilon cost.
    ///
    /// The coordinator derives both numbers from mechanism parameters, possibly
    /// along different floating-point paths, so an exact comparison could
    /// reject an honest update. The cap check stays exact.
    public let epsilonTolerance: Double

    /// Creates a configuration after checking every field.
    ///
    /// - Parameters:
    ///   - minSites: quorum, at least 1.
    ///   - maxSites: selection limit, at least `minSites`.
    ///   - roundTimeout: seconds, positive and finite.
    ///   - sampleCountPolicy: defaults to equal weights, which reveals no counts.
    ///   - epsilonTolerance: relative slack in [0, 1e-3], default 1e-9.
    /// - Throws: `FederationError.invalidConfiguration` naming the first invalid field.
    public init(
        minSites: Int, maxSites: Int, roundTimeout: TimeInterval,
        sampleCountPolicy: SampleCountPolicy = .equalWeights, epsilonTolerance: Double = 1e-9
    ) throws {
        guard minSites >= 1 else {
            throw FederationError.invalidConfiguration(
                field: "minSites", value: "\(minSites)", requirement: "at least 1")
        }
        guard maxSites >= minSites else {
            throw FederationError.invalidConfiguration(
                field: "maxSites", value: "\(maxSites)", requirement: "at least minSites (\(minSites))")
        }
        guard roundTimeout.isFinite, roundTimeout > 0 else {
            throw FederationError.invalidConfiguration(
                field: "roundTimeout", value: "\(roundTimeout)", requirement: "a positive number of seconds")
        }
        guard epsilonTolerance >= 0, epsilonTolerance <= 1e-3 else {
            throw FederationError.invalidConfiguration(
                field: "epsilonTolerance", value: "\(epsilonTolerance)", requirement: "between 0 and 1e-3")
        }
        try sampleCountPolicy.validate()

        self.minSites = minSites
        self.maxSites = maxSites
        self.roundTimeout = roundTimeout
        self.sampleCountPolicy = sampleCountPolicy
        self.epsilonTolerance = epsilonTolerance
    }
}

/// A site that may take part in the next round, with its privacy budget and selection history.
public struct SiteCandidate: Equatable, Sendable {
    /// The site's enrolled name.
    public var site: String
    /// Epsilon the site has spent so far, as the coordinator's ledger records it.
    public var spentEpsilon: Double
    /// The site's epsilon cap.
    public var epsilonCap: Double
    /// The last round the site was selected for, or nil when it never was.
    public var lastSelectedRound: Int?

    public init(site: String, spentEpsilon: Double, epsilonCap: Double, lastSelectedRound: Int? = nil) {
        self.site = site
        self.spentEpsilon = spentEpsilon
        self.epsilonCap = epsilonCap
        self.lastSelectedRound = lastSelectedRound
    }
}

/// The reason a candidate was not selected for a round.
public enum SiteSkipReason: Equatable, Sendable, CustomStringConvertible {
    /// The candidate list names the site more than once, so only its first entry counts.
    case duplicateCandidate
    /// The site's spent epsilon or cap is negative or not finite.
    case invalidBudget
    /// Spending the round's epsilon cost would take the site past its cap.
    case budgetExhausted(spentEpsilon: Double, epsilonCap: Double, epsilonCost: Double)
    /// The round already has `maxSites` sites that were waiting longer or sort first by name.
    case maxSitesReached(maxSites: Int)

    public var description: String {
        switch self {
        case .duplicateCandidate:
            return "the site is listed twice among the candidates, so the later entry is ignored"
        case .invalidBudget:
            return "the site's spent epsilon or cap is negative or not finite; check its ledger and configuration"
        case .budgetExhausted(let spent, let cap, let cost):
            return "the round costs epsilon \(cost), but the site has spent \(spent) of its cap \(cap), "
                + "so it would exceed its cap"
        case .maxSitesReached(let maxSites):
            return "the round is full at maxSites = \(maxSites); the site gets priority in a later round"
        }
    }
}

// MARK: - Selection

/// Selection of the sites for one round.
///
/// 1) Candidates are sorted by name so that the result does not depend on input order.
/// 2) A repeated name, a negative or non-finite budget, or a budget that the
///    round's cost would exceed (`spent + cost > cap`, basic composition, exact
///    comparison) skips the site.
/// 3) The rest are ordered least recently selected first (never selected
///    before all others), then by name, and the first `maxSites` are selected.
///
/// NOTE: one epsilon cost applies to every site. The coordinator passes each
/// candidate's spent epsilon as its PLD-projected total minus that cost, so the
/// sum check matches the ledger. A per-site cost would need a per-candidate total.
struct SiteSelection: Equatable {
    var selected: [SiteCandidate] = []
    var skipped: [(site: String, reason: SiteSkipReason)] = []

    static func == (lhs: SiteSelection, rhs: SiteSelection) -> Bool {
        lhs.selected == rhs.selected
            && lhs.skipped.elementsEqual(rhs.skipped) { $0.site == $1.site && $0.reason == $1.reason }
    }

    init(candidates: [SiteCandidate], epsilonCost: Double, maxSites: Int) {
        // 1) Deterministic input order.
        let byName = candidates.enumerated().sorted { ($0.element.site, $0.offset) < ($1.element.site, $1.offset) }

        // 2) Budget and duplicate filter.
        var seen: Set<String> = []
        var eligible: [SiteCandidate] = []
        for (_, candidate) in byName {
            guard seen.insert(candidate.site).inserted else {
                skipped.append((candidate.site, .duplicateCandidate))
                continue
            }
            let spent = candidate.spentEpsilon
            let cap = candidate.epsilonCap
            guard spent.isFinite, cap.isFinite, spent >= 0, cap >= 0 else {
                skipped.append((candidate.site, .invalidBudget))
                continue
            }
            guard spent + epsilonCost <= cap else {
                skipped.append(
                    (candidate.site, .budgetExhausted(spentEpsilon: spent, epsilonCap: cap, epsilonCost: epsilonCost)))
                continue
            }
            eligible.append(candidate)
        }

        // 3) Least recently selected first, then by name.
        let ordered = eligible.sorted { lhs, rhs in
            let left = lhs.lastSelectedRound ?? Int.min
            let right = rhs.lastSelectedRound ?? Int.min
            return left != right ? left < right : lhs.site < rhs.site
        }
        selected = Array(ordered.prefix(maxSites))
        for candidate in ordered.dropFirst(maxSites) {
            skipped.append((candidate.site, .maxSitesReached(maxSites: maxSites)))
        }
    }
}
