import FedSurvLedger

/// The outcome of `verify`: the first failing entry, if any, and the anchors checked.
public struct VerificationResult: Sendable {
    public let entryCount: Int
    public let siteCount: Int
    /// Sequence number and hash of the last entry, for the auditor to keep as an anchor.
    public let head: (sequence: Int, entryHash: String)?
    /// The first entry in chain order that fails a check, as `verifyLedger` reports it.
    public let violation: LedgerViolation?
    /// The entry `violation` names, for its site and release ID.
    public let violatingEntry: LedgerEntry?
    public let anchorResults: [AnchorResult]

    public var passed: Bool { violation == nil && anchorResults.allSatisfy(\.matched) }

    /// One line naming the first failure, or nil when everything passed.
    public var firstFailure: String? {
        if let violation {
            guard let entry = violatingEntry else { return violation.description }
            return
                "\(violation) (site \(entry.site), release \(entry.releaseID), round \(entry.round.map(String.init) ?? "none"))"
        }
        return anchorResults.first { !$0.matched }.map(\.description)
    }
}

/// A position in a ledger that an auditor recorded earlier: entry `sequence` had hash `entryHash`.
///
/// A ledger that still has the same entry there still has the same entries
/// 1...sequence, because each entry's hash covers the previous one's.
public struct LedgerAnchor: Equatable, Sendable {
    public let sequence: Int
    public let entryHash: String

    public init(sequence: Int, entryHash: String) {
        self.sequence = sequence
        self.entryHash = entryHash
    }

    /// Parses `SEQUENCE:HASH`, as `verify` prints the head.
    ///
    /// - Throws: `AuditError.invalidAnchor` for any other text.
    public init(parsing text: String) throws(AuditError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int(parts[0]), sequence >= 1 else { throw .invalidAnchor(text) }
        let hash = parts[1].lowercased()
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { throw .invalidAnchor(text) }
        self.init(sequence: sequence, entryHash: hash)
    }
}

/// Whether the ledger still has an anchored entry.
public struct AnchorResult: Equatable, Sendable, CustomStringConvertible {
    public let anchor: LedgerAnchor
    /// The hash the ledger has at the anchor's sequence number, or nil when it has fewer entries.
    public let foundHash: String?

    public var matched: Bool { foundHash == anchor.entryHash }

    public var description: String {
        guard let foundHash else {
            return "anchor entry \(anchor.sequence) is missing: the ledger ends before it, so entries were removed"
        }
        if matched { return "anchor entry \(anchor.sequence) matches \(anchor.entryHash.prefix(16))…" }
        return "anchor entry \(anchor.sequence) has hash \(foundHash.prefix(16))… but "
            + "\(anchor.entryHash.prefix(16))… was recorded: entries up to \(anchor.sequence) were rewritten"
    }
}

/// Verifies a ledger: sequence numbers, hash chain, every epsilon and per-site total re-derived, and anchors.
///
/// - Parameters:
///   - ledger: the ledger as read from its file.
///   - accountant: re-derives each epsilon from the recorded parameters.
///   - anchors: entries recorded at an earlier audit, or from the ledger's other party.
public func verify(
    _ ledger: AuditedLedger, accountant: any LedgerAccountant, anchors: [LedgerAnchor] = []
) -> VerificationResult {
    let violation = verifyLedger(ledger.entries, delta: ledger.delta, accountant: accountant)
    let anchorResults = anchors.map { anchor in
        AnchorResult(anchor: anchor, foundHash: ledger.entries.first { $0.sequence == anchor.sequence }?.entryHash)
    }
    return VerificationResult(
        entryCount: ledger.entries.count, siteCount: ledger.sites.count,
        head: ledger.entries.last.map { (sequence: $0.sequence, entryHash: $0.entryHash) },
        violation: violation, violatingEntry: violation.flatMap { ledger.entry(sequence: $0.sequence) },
        anchorResults: anchorResults)
}

extension LedgerViolation {
    /// The sequence number of the entry the violation names.
    public var sequence: Int {
        switch self {
        case .sequenceGap(_, let found): found
        case .brokenLink(let sequence), .hashMismatch(let sequence): sequence
        case .deltaMismatch(let sequence, _, _), .epsilonMismatch(let sequence, _, _, _): sequence
        case .underivable(let sequence, _): sequence
        }
    }
}

// MARK: - Summary

/// Epsilon caps per site, at the ledger's delta; the ledger itself does not store caps.
public struct EpsilonCaps: Equatable, Sendable {
    public var perSite: [String: Double]
    /// The cap of every site not in `perSite`.
    public var defaultCap: Double?

    public init(perSite: [String: Double] = [:], defaultCap: Double? = nil) throws(AuditError) {
        for (site, cap) in perSite where !(cap.isFinite && cap >= 0) { throw .invalidCap(site: site, value: cap) }
        if let defaultCap, !(defaultCap.isFinite && defaultCap >= 0) {
            throw .invalidCap(site: "(default)", value: defaultCap)
        }
        self.perSite = perSite
        self.defaultCap = defaultCap
    }

    public func cap(for site: String) -> Double? { perSite[site] ?? defaultCap }
}

/// One site's spending, as its last entry records it.
public struct SiteSummary: Equatable, Sendable {
    public var site: String
    public var entryCount: Int
    /// Distinct federated rounds with at least one entry of the site.
    public var roundsJoined: Int
    /// Entries with no round: local runs recorded by the site itself.
    public var localEntries: Int
    public var mechanisms: [String]
    /// Sum of pure epsilons, or nil when one of the site's entries has none (a Gaussian release).
    public var totalEpsilonPure: Double?
    /// Epsilon at the ledger's delta of all the site's entries composed.
    public var totalEpsilon: Double
    public var cap: Double?

    /// Cap minus `totalEpsilon`; negative when the site is over its cap.
    public var left: Double? { cap.map { $0 - totalEpsilon } }
}

/// Returns one summary per site, in order of each site's first entry.
///
/// The totals are the ones recorded in each site's last entry; `verify`
/// proves that they re-derive from the parameters.
public func summarize(_ ledger: AuditedLedger, caps: EpsilonCaps) -> [SiteSummary] {
    ledger.sites.map { site in
        let entries = ledger.entries(site: site)
        var mechanisms: [String] = []
        for entry in entries where !mechanisms.contains(entry.mechanism) { mechanisms.append(entry.mechanism) }
        return SiteSummary(
            site: site, entryCount: entries.count, roundsJoined: Set(entries.compactMap(\.round)).count,
            localEntries: entries.filter { $0.round == nil }.count, mechanisms: mechanisms,
            totalEpsilonPure: entries.last?.totalEpsilonPure, totalEpsilon: entries.last?.totalEpsilon ?? 0,
            cap: caps.cap(for: site))
    }
}
