/// What a certificate holder may do in the consortium.
///
/// The CA writes the role into two places that a TLS peer can read back: the
/// subject's organizational unit (`OU=site`), which distinguishes the roles, and
/// the extended key usage, which OpenSSL's TLS stack checks by itself:
/// `clientAuth` for site, operator and auditor, `serverAuth` for server.
/// `PeerIdentity` accepts a role only when the two agree.
public enum Role: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// A hospital's site agent, which uploads noised updates.
    case site
    /// A consortium operator, who manages rounds and enrolment.
    case `operator`
    /// An auditor, who reads privacy-budget ledgers.
    case auditor
    /// The coordinator's HTTPS server.
    case server

    public var description: String { rawValue }

    /// True when the certificate authenticates a TLS server; otherwise it authenticates a client.
    public var isServer: Bool { self == .server }
}

/// A subject alternative name; the CA decides between DNS name and IP address by syntax.
public enum SubjectAlternativeName: Sendable, Hashable, CustomStringConvertible {
    case dns(String)
    /// An IPv4 or IPv6 address in its canonical text form.
    case ipAddress(String)

    public var description: String {
        switch self {
        case let .dns(name): "DNS:\(name)"
        case let .ipAddress(address): "IP:\(address)"
        }
    }
}
