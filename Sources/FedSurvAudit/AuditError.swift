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
        case .unreadableLedger(let path, let reason):
            return "cannot read ledger \(path): \(reason)"
        case .verificationFailed(let path, let finding):
            return "ledger \(path) failed verification: \(finding)"
        case .crossCheckFailed(let siteLedger, let coordinatorLedger, let mismatches):
            return "\(mismatches) mismatch\(mismatches == 1 ? "" : "es") between site ledger \(siteLedger) "
                + "and coordinator ledger \(coordinatorLedger); each is listed above"
        case .ambiguousSite(let path, let sites):
            let listed = sites.isEmpty ? "no entries" : "entries of \(sites.joined(separator: ", "))"
            return "ledger \(path) has \(listed), so its site is not known; pass --site with the site's name"
        case .unknownSite(let path, let site, let sites):
            let known = sites.isEmpty ? "it has no entries" : "its sites are \(sites.joined(separator: ", "))"
            return "ledger \(path) has no entries of site '\(site)'; \(known)"
        case .invalidAnchor(let text):
            return "invalid anchor '\(text)': expected SEQUENCE:HASH, a positive entry number and the "
                + "64 hexadecimal digits of its entry hash as a previous verify printed them"
        case .invalidCap(let site, let value):
            return "invalid epsilon cap \(value) for site '\(site)': a cap must be a finite number of at least 0"
        case .unwritableOutput(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
