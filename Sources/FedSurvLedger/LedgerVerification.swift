/// The first way a ledger's entries fail to prove themselves.
public enum LedgerViolation: Equatable, Sendable, CustomStringConvertible {
    case sequenceGap(expected: Int, found: Int)
    case brokenLink(sequence: Int)
    case hashMismatch(sequence: Int)
    case deltaMismatch(sequence: Int, recorded: Double, ledger: Double)
    case epsilonMismatch(sequence: Int, field: String, recorded: Double?, derived: Double?)
    case underivable(sequence: Int, message: String)

    public var description: String {
        switch self {
        case let .sequenceGap(expected, found):
            "entry \(found): expected sequence \(expected); an entry was deleted or inserted"
        case let .brokenLink(sequence):
            "entry \(sequence): previous-hash does not match the entry before it; entries were removed or reordered"
        case let .hashMismatch(sequence):
            "entry \(sequence): stored hash does not match its contents; the entry was edited"
        case let .deltaMismatch(sequence, recorded, ledger):
            "entry \(sequence): delta \(recorded) differs from the ledger's delta \(ledger)"
        case let .epsilonMismatch(sequence, field, recorded, derived):
            "entry \(sequence): \(field) is recorded as \(recorded.map { "\($0)" } ?? "none") "
                + "but re-derives to \(derived.map { "\($0)" } ?? "none") from the recorded parameters"
        case let .underivable(sequence, message):
            "entry \(sequence): epsilon cannot be re-derived from the recorded parameters: \(message)"
        }
    }
}

/// Checks a chain of entries: sequence, links, hashes, and every epsilon re-derived.
///
/// Returns nil when every entry passes, else the first violation in chain
/// order. Running totals are re-derived per site, over the entries with the
/// same `site` up to and including each entry, as `Ledger.append` records
/// them. Re-derived values must match the recorded ones to a relative
/// tolerance of 1e-9, which allows for the last bits of floating-point
/// summation but not for any edit a person would make.
///
/// `entries` must be the whole file in chain order (`Ledger.entries()` with
/// no site), because the chain links entries of all sites.
public func verifyLedger(
    _ entries: [LedgerEntry], delta: Double, accountant: any LedgerAccountant
) -> LedgerViolation? {
    var previousHash = LedgerEntry.genesisHash
    var sites: [String: SiteRunningTotal] = [:]

    for (offset, entry) in entries.enumerated() {
        let sequence = entry.sequence
        guard sequence == offset + 1 else { return .sequenceGap(expected: offset + 1, found: sequence) }
        guard entry.previousHash == previousHash else { return .brokenLink(sequence: sequence) }
        guard entry.computedHash == entry.entryHash else { return .hashMismatch(sequence: sequence) }
        guard entry.delta == delta else { return .deltaMismatch(sequence: sequence, recorded: entry.delta, ledger: delta) }

        var site = sites[entry.site] ?? SiteRunningTotal()
        site.history.append((mechanism: entry.mechanism, parameters: entry.parameters))
        let release: ReleaseEpsilon
        let total: Double
        do {
            release = try accountant.epsilon(mechanism: entry.mechanism, parameters: entry.parameters, delta: delta)
            total = try accountant.totalEpsilon(of: site.history, delta: delta)
        } catch {
            return .underivable(sequence: sequence, message: "\(error)")
        }
        site.pureTotal = site.pureTotal.flatMap { sum in release.pure.map { sum + $0 } }
        sites[entry.site] = site

        let checks: [(String, Double?, Double?)] = [
            ("epsilon", entry.epsilon, release.epsilon),
            ("pure epsilon", entry.epsilonPure, release.pure),
            ("total epsilon", entry.totalEpsilon, total),
            ("total pure epsilon", entry.totalEpsilonPure, site.pureTotal),
        ]
        for (field, recorded, derived) in checks where !agree(recorded, derived) {
            return .epsilonMismatch(sequence: sequence, field: field, recorded: recorded, derived: derived)
        }
        previousHash = entry.entryHash
    }
    return nil
}

/// The releases of one site so far, as `verifyLedger` walks the chain.
private struct SiteRunningTotal {
    var history: [(mechanism: String, parameters: String)] = []
    /// Sum of pure epsilons, or nil once one of the site's entries has none.
    var pureTotal: Double? = 0
}

private func agree(_ recorded: Double?, _ derived: Double?) -> Bool {
    switch (recorded, derived) {
    case (nil, nil): return true
    case let (recorded?, derived?):
        return abs(recorded - derived) <= 1e-9 * max(1, abs(derived))
    default: return false
    }
}
