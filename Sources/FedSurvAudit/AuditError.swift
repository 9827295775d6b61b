/// An error from reading or auditing a ledger.
public enum AuditError: Error, CustomStringConvertible {
    case unreadableLedger(path: String, reason: String)
    case verificationFailed(path: String, finding: String)
    case crossCheckFailed(siteLedger: String, coordinatorLedger: String, mismatches: Int)
    case ambiguousSite(path: String, sites: [String])
    case unknownSite(path: String, site: String, sites: [String])
    case invalidAnchor(String)
    case invalidCap(site: String, value: Double)
    case unwritableOutput(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableLedger(path, reason):
            return "cannot read ledger \(path): \(reason)"
        case let .verificationFailed(path, finding):
            return "ledger \(path) failed verification: \(finding)"
        case let .crossCheckFailed(siteLedger, coordinatorLedger, mismatches):
            return "\(mismatches) mismatch\(mismatches == 1 ? "" : "es") between site ledger \(siteLedger) "
                + "and coordinator ledger \(coordinatorLedger); each is listed above"
        case let .ambiguousSite(path, sites):
            let listed = sites.isEmpty ? "no entries" : "entries of \(sites.joined(separator: ", "))"
            return "ledger \(path) has \(listed), so its site is not known; pass --site with the site's name"
        case let .unknownSite(path, site, sites):
            let known = sites.isEmpty ? "it has no entries" : "its sites are \(sites.joined(separator: ", "))"
            return "ledger \(path) has no entries of site '\(site)'; \(known)"
        case let .invalidAnchor(text):
            return "invalid anchor '\(text)': expected SEQUENCE:HASH, a positive entry number and the "
                + "64 hexadecimal digits of its entry hash as a previous verify printed them"
        case let .invalidCap(site, value):
            return "invalid epsilon cap \(value) for site '\(site)': a cap must be a finite number of at least 0"
        case let .unwritableOutput(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
