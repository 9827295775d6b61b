import FedSurvFederation
import FedSurvLedger
import Foundation

/// The reply to `GET /v1/status` and the output of `coordinator status --json`.
public struct CoordinatorStatus: Codable, Sendable {
    public struct Round: Codable, Sendable {
        public var round: Int
        public var phase: String
        /// Harrell's C-index of the round's global model on the evaluation data, when configured.
        public var cIndex: Double?
        /// Updates aggregated in the round.
        public var sites: Int?

        enum CodingKeys: String, CodingKey {
            case round, phase, sites
            case cIndex = "c_index"
        }
    }

    public struct Site: Codable, Sendable {
        public var site: String
        public var epsilonCap: Double
        /// Epsilon at `delta` of the site's ledger entries composed.
        public var epsilonSpent: Double
        public var epsilonLeft: Double
        public var releases: Int
        public var lastContact: String?

        enum CodingKeys: String, CodingKey {
            case site, releases
            case epsilonCap = "epsilon_cap"
            case epsilonSpent = "epsilon_spent"
            case epsilonLeft = "epsilon_left"
            case lastContact = "last_contact"
        }
    }

    public var currentRound: Int?
    public var phase: String
    /// The current round's deadline, ISO 8601 in UTC, while the service runs it.
    public var deadline: String?
    public var finished: String?
    public var delta: Double
    public var epsilonCostPerRound: Double
    public var rounds: [Round]
    public var sites: [Site]

    enum CodingKeys: String, CodingKey {
        case phase, finished, delta, rounds, sites, deadline
        case currentRound = "current_round"
        case epsilonCostPerRound = "epsilon_cost_per_round"
    }

    /// The status as aligned text columns.
    public var text: String {
        var lines: [String] = []
        let current = currentRound.map(String.init) ?? "none"
        lines.append("round \(current) (\(phase))" + (finished.map { "; finished: \($0)" } ?? ""))
        lines.append("epsilon per round \(format(epsilonCostPerRound)) at delta \(delta)")
        lines.append("")
        lines.append(row(["ROUND", "PHASE", "SITES", "C-INDEX"]))
        for round in rounds {
            lines.append(
                row([String(round.round), round.phase, round.sites.map(String.init) ?? "-", round.cIndex.map(format) ?? "-"]))
        }
        lines.append("")
        lines.append(row(["SITE", "RELEASES", "EPSILON SPENT", "CAP", "LEFT", "LAST CONTACT"]))
        for site in sites {
            lines.append(
                row([
                    site.site, String(site.releases), format(site.epsilonSpent), format(site.epsilonCap),
                    format(site.epsilonLeft), site.lastContact ?? "never",
                ]))
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ cells: [String]) -> String {
        cells.map { $0.padding(toLength: max(14, $0.count + 2), withPad: " ", startingAt: 0) }.joined()
    }

    private func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}

extension CoordinatorService {
    /// The rounds, the phase of the current one and every enrolled site's budget.
    public func status() throws -> CoordinatorStatus {
        try lock.withLock {
            let metrics = Dictionary(uniqueKeysWithValues: try store.metrics().map { ($0.round, $0) })
            let rounds = try store.roundPhases().map { number, phase in
                CoordinatorStatus.Round(
                    round: number, phase: phase, cIndex: metrics[number]?.cIndex, sites: metrics[number]?.sites)
            }
            let contacts = try store.lastContacts()
            var sites: [CoordinatorStatus.Site] = []
            for site in config.rounds.sites {
                let spent = try siteTotal(site)
                let cap = config.privacy.cap(of: site)
                sites.append(
                    CoordinatorStatus.Site(
                        site: site, epsilonCap: cap, epsilonSpent: spent, epsilonLeft: max(0, cap - spent),
                        releases: try ledger.entries(site: site).count, lastContact: contacts[site]))
            }
            // A service that was not started (`coordinator status`) reports the stored round.
            let stored = machine.progress == nil ? try store.latestRecord()?.record : nil
            return CoordinatorStatus(
                currentRound: machine.progress?.round ?? stored?.round,
                phase: stored?.phase.rawValue ?? machine.phase.rawValue,
                deadline: machine.progress.map { timestamp($0.deadline) }, finished: finishedReason,
                delta: config.privacy.delta, epsilonCostPerRound: epsilonCost, rounds: rounds, sites: sites)
        }
    }

    /// The coordinator ledger's entries, optionally of one site, in chain order.
    public func ledgerEntries(site: String?) throws -> [LedgerEntry] {
        try lock.withLock {
            try ledger.entries(site: site)
        }
    }
}
