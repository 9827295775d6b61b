import FedSurvLedger
import Foundation

/// One way a site's ledger and the coordinator's ledger disagree about the site's releases.
public enum CrossCheckMismatch: Equatable, Sendable, CustomStringConvertible {
    case deltaDiffers(site: Double, coordinator: Double)
    case missingAtCoordinator(releaseID: String, siteSequence: Int, round: Int?)
    case missingAtSite(releaseID: String, coordinatorSequence: Int, round: Int?)
    case fieldDiffers(releaseID: String, field: String, site: String, coordinator: String)
    case orderDiffers(releaseID: String, sitePosition: Int, coordinatorPosition: Int)

    public var description: String {
        switch self {
        case .deltaDiffers(let site, let coordinator):
            "the site ledger accounts at delta \(site) and the coordinator ledger at \(coordinator); "
                + "epsilons at delta are not comparable, so only pure epsilons were compared"
        case .missingAtCoordinator(let releaseID, let sequence, let round):
            "release \(releaseID) (site entry \(sequence), round \(round.map(String.init) ?? "none")) "
                + "is in the site ledger but not in the coordinator ledger"
        case .missingAtSite(let releaseID, let sequence, let round):
            "release \(releaseID) (coordinator entry \(sequence), round \(round.map(String.init) ?? "none")) "
                + "is in the coordinator ledger but not in the site ledger"
        case .fieldDiffers(let releaseID, let field, let site, let coordinator):
            "release \(releaseID): \(field) is \(site) at the site but \(coordinator) at the coordinator"
        case .orderDiffers(let releaseID, let sitePosition, let coordinatorPosition):
            "release \(releaseID) is release \(sitePosition) of the site at the site "
                + "but release \(coordinatorPosition) of the site at the coordinator"
        }
    }
}

/// The result of comparing one site's entries in its own ledger and in the coordinator's.
public struct CrossCheckResult: Sendable {
    public let site: String
    /// Releases present on both sides.
    public let matchedReleases: Int
    /// Site entries without a round: local runs the coordinator is not expected to hold.
    public let localOnly: [LedgerEntry]
    public let mismatches: [CrossCheckMismatch]

    public var passed: Bool { mismatches.isEmpty }
}

/// Compares the entries of `site` in the site's ledger and in the coordinator's, matched by release ID.
///
/// Steps: (1) pair entries by release ID and report a release present on
/// one side only. A site entry without a round is a local run, listed apart
/// rather than as missing. (2) Compare round, mechanism, parameters (as
/// parsed JSON, so key order and spacing do not matter), update SHA-256,
/// pure epsilon and, when both ledgers use one delta, epsilon. (3) Compare
/// the order of the shared releases.
///
/// - Throws: `AuditError.ambiguousSite` when `site` is nil and the site ledger
///   does not hold exactly one site, `AuditError.unknownSite` when neither holds it.
public func crossCheck(
    siteLedger: AuditedLedger, coordinatorLedger: AuditedLedger, site: String? = nil
) throws(AuditError) -> CrossCheckResult {
    let siteName: String
    if let site {
        siteName = site
    } else {
        guard siteLedger.sites.count == 1 else {
            throw .ambiguousSite(path: siteLedger.path, sites: siteLedger.sites)
        }
        siteName = siteLedger.sites[0]
    }
    let ours = siteLedger.entries(site: siteName)
    let theirs = coordinatorLedger.entries(site: siteName)
    if ours.isEmpty && theirs.isEmpty {
        throw .unknownSite(path: coordinatorLedger.path, site: siteName, sites: coordinatorLedger.sites)
    }

    var mismatches: [CrossCheckMismatch] = []
    let sameDelta = siteLedger.delta == coordinatorLedger.delta
    if !sameDelta {
        mismatches.append(.deltaDiffers(site: siteLedger.delta, coordinator: coordinatorLedger.delta))
    }

    // 1) Pair by release ID.
    let theirsByID = Dictionary(theirs.map { ($0.releaseID, $0) }, uniquingKeysWith: { first, _ in first })
    let ourIDs = Set(ours.map(\.releaseID))
    var localOnly: [LedgerEntry] = []
    var pairs: [(site: LedgerEntry, coordinator: LedgerEntry)] = []
    for entry in ours {
        if let other = theirsByID[entry.releaseID] {
            pairs.append((entry, other))
        } else if entry.round == nil {
            localOnly.append(entry)
        } else {
            mismatches.append(
                .missingAtCoordinator(releaseID: entry.releaseID, siteSequence: entry.sequence, round: entry.round))
        }
    }
    for entry in theirs where !ourIDs.contains(entry.releaseID) {
        mismatches.append(
            .missingAtSite(releaseID: entry.releaseID, coordinatorSequence: entry.sequence, round: entry.round))
    }

    // 2) Compare fields.
    for (mine, other) in pairs {
        mismatches += fieldMismatches(mine, other, compareEpsilon: sameDelta)
    }

    // 3) Compare order: the first shared release whose position differs.
    let siteOrder = pairs.map(\.site.releaseID)
    let coordinatorOrder = theirs.map(\.releaseID).filter { id in pairs.contains { $0.site.releaseID == id } }
    if let position = zip(siteOrder, coordinatorOrder).enumerated().first(where: { $0.element.0 != $0.element.1 })?
        .offset
    {
        let releaseID = siteOrder[position]
        let coordinatorPosition = (coordinatorOrder.firstIndex(of: releaseID) ?? position) + 1
        mismatches.append(
            .orderDiffers(releaseID: releaseID, sitePosition: position + 1, coordinatorPosition: coordinatorPosition))
    }

    return CrossCheckResult(site: siteName, matchedReleases: pairs.count, localOnly: localOnly, mismatches: mismatches)
}

private func fieldMismatches(_ mine: LedgerEntry, _ other: LedgerEntry, compareEpsilon: Bool) -> [CrossCheckMismatch] {
    var found: [CrossCheckMismatch] = []
    func differ(_ field: String, _ site: String, _ coordinator: String) {
        found.append(.fieldDiffers(releaseID: mine.releaseID, field: field, site: site, coordinator: coordinator))
    }

    if mine.round != other.round {
        differ("round", mine.round.map(String.init) ?? "none", other.round.map(String.init) ?? "none")
    }
    if mine.mechanism != other.mechanism { differ("mechanism", mine.mechanism, other.mechanism) }
    if !sameJSON(mine.parameters, other.parameters) { differ("parameters", mine.parameters, other.parameters) }
    if mine.updateSHA256 != other.updateSHA256 { differ("update SHA-256", mine.updateSHA256, other.updateSHA256) }
    if !agree(mine.epsilonPure, other.epsilonPure) {
        differ("pure epsilon", text(mine.epsilonPure), text(other.epsilonPure))
    }
    if compareEpsilon && !agree(mine.epsilon, other.epsilon) {
        differ("epsilon", text(mine.epsilon), text(other.epsilon))
    }
    return found
}

/// True when both texts parse to equal JSON values, or, when either does not parse, are equal as text.
func sameJSON(_ first: String, _ second: String) -> Bool {
    if first == second { return true }
    guard let a = try? JSONSerialization.jsonObject(with: Data(first.utf8), options: [.fragmentsAllowed]),
        let b = try? JSONSerialization.jsonObject(with: Data(second.utf8), options: [.fragmentsAllowed])
    else { return false }
    return jsonEqual(a, b)
}

/// Structural equality of two values from `JSONSerialization`; numbers compare by value.
private func jsonEqual(_ first: Any, _ second: Any) -> Bool {
    switch (first, second) {
    case (let a as [String: Any], let b as [String: Any]):
        return a.count == b.count && a.allSatisfy { key, value in b[key].map { jsonEqual(value, $0) } ?? false }
    case (let a as [Any], let b as [Any]):
        return a.count == b.count && zip(a, b).allSatisfy { jsonEqual($0, $1) }
    case (let a as String, let b as String):
        return a == b
    case (let a as NSNumber, let b as NSNumber):
        return a.doubleValue == b.doubleValue
    case (is NSNull, is NSNull):
        return true
    default:
        return false
    }
}

/// Equal to a relative tolerance of 1e-9, the tolerance `verifyLedger` uses, or both nil.
private func agree(_ first: Double?, _ second: Double?) -> Bool {
    switch (first, second) {
    case (nil, nil): true
    case (let first?, let second?): abs(first - second) <= 1e-9 * max(1, abs(second))
    default: false
    }
}

private func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "none" }
