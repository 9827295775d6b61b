import COpenSSL
import Foundation

/// The outcome of checking a peer certificate against the consortium CA and its CRL.
public enum PeerVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The certificate chains to the CA, is unrevoked, within its validity, and has an allowed role.
    case valid(PeerIdentity)
    /// The certificate was not issued by this CA (no issuer found, or its signature does not verify).
    case unknownCA
    case revoked
    case expired
    case notYetValid
    /// A valid certificate whose role is not among those allowed; `role` is nil when it carries none.
    case wrongRole(commonName: String, role: Role?)
    /// Any other failure, such as a CRL not signed by the CA; `reason` is OpenSSL's text.
    case invalid(reason: String)

    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .valid(identity): "valid (\(identity.commonName), role \(identity.role), serial \(identity.serial))"
        case .unknownCA: "not issued by the consortium CA"
        case .revoked: "revoked"
        case .expired: "expired"
        case .notYetValid: "not yet valid"
        case let .wrongRole(commonName, role): "'\(commonName)' has role \(role.map(\.rawValue) ?? "none"), which is not allowed here"
        case let .invalid(reason): "invalid: \(reason)"
        }
    }
}

/// The CA certificate and its CRL in an OpenSSL `X509_STORE` with CRL checking on.
///
/// A TLS server can install `store` in its `SSL_CTX` with `SSL_CTX_set1_cert_store`,
/// which takes its own reference, and read each peer with `PeerIdentity(certificate:)`
/// or call `verify` on it. The CRL is read once, so after a revocation build a
/// new `TrustStore` from the reissued `crl.pem`.
public final class TrustStore: @unchecked Sendable {
    /// The `X509_STORE *`, owned by this object; X509_V_FLAG_CRL_CHECK is set.
    public let store: OpaquePointer

    /// - Throws: `IdentityError.invalidPEM` when either text does not parse, or `.openSSL`.
    public init(caPEM: String, crlPEM: String) throws(IdentityError) {
        let certificate = try parseCertificate(caPEM, source: "the CA certificate")
        defer { X509_free(certificate) }
        let crl = try parseCRL(crlPEM, source: "the CA's revocation list")
        defer { X509_CRL_free(crl) }
        guard let store = X509_STORE_new() else { throw openSSLError("allocate a certificate store") }
        guard X509_STORE_add_cert(store, certificate) == 1, X509_STORE_add_crl(store, crl) == 1,
            X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1
        else {
            X509_STORE_free(store)
            throw openSSLError("fill the certificate store")
        }
        self.store = store
    }

    /// Loads `ca.cert.pem` and `crl.pem` from a CA directory.
    public convenience init(authority: CertificateAuthority) throws(IdentityError) {
        try self.init(caPEM: try authority.certificatePEMText(), crlPEM: try authority.crlPEMText())
    }

    deinit {
        X509_STORE_free(store)
    }

    /// Verifies an OpenSSL `X509 *` (kept by the caller) at `date`, allowing `allowedRoles`.
    ///
    /// OpenSSL's `X509_verify_cert` alone decides whether the certificate is
    /// accepted. When it rejects, a second pass that records every error picks
    /// the verdict, in the order unknown CA, revoked, expired, not yet valid,
    /// so that a revoked certificate reads as revoked even when the CRL's own
    /// time check failed first.
    public func verify(certificate: OpaquePointer, at date: Date, allowedRoles: Set<Role> = Set(Role.allCases))
        -> PeerVerdict
    {
        let firstPass = runVerification(certificate: certificate, at: date, collectAll: false)
        guard firstPass.accepted else {
            let errors = runVerification(certificate: certificate, at: date, collectAll: true).errors
            return verdict(for: errors.isEmpty ? firstPass.errors : errors)
        }
        let identity: PeerIdentity
        do {
            identity = try PeerIdentity(certificate: certificate)
        } catch {
            let name = nameEntry(X509_get_subject_name(certificate), nid: NID_commonName) ?? ""
            return .wrongRole(commonName: name, role: nil)
        }
        guard allowedRoles.contains(identity.role) else {
            return .wrongRole(commonName: identity.commonName, role: identity.role)
        }
        return .valid(identity)
    }

    /// Verifies a PEM certificate; a text that does not parse is `.invalid`.
    public func verify(certificatePEM: String, at date: Date, allowedRoles: Set<Role> = Set(Role.allCases))
        -> PeerVerdict
    {
        let certificate: OpaquePointer
        do {
            certificate = try parseCertificate(certificatePEM, source: "the peer certificate")
        } catch {
            return .invalid(reason: error.description)
        }
        defer { X509_free(certificate) }
        return verify(certificate: certificate, at: date, allowedRoles: allowedRoles)
    }

    private func runVerification(certificate: OpaquePointer, at date: Date, collectAll: Bool)
        -> (accepted: Bool, errors: [Int32])
    {
        guard let context = X509_STORE_CTX_new() else { return (false, [X509_V_ERR_OUT_OF_MEM]) }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, certificate, nil) == 1 else {
            _ = openSSLErrors()
            return (false, [X509_V_ERR_UNSPECIFIED])
        }
        X509_STORE_CTX_set_time(context, 0, time_t(date.timeIntervalSince1970.rounded(.down)))

        let collector = ErrorCollector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        if collectAll {
            X509_STORE_CTX_set_ex_data(context, 0, unmanaged.toOpaque())
            X509_STORE_CTX_set_verify_cb(context, collectingCallback)
        }
        let accepted = X509_verify_cert(context) == 1
        _ = openSSLErrors()
        if !collectAll {
            let error = X509_STORE_CTX_get_error(context)
            return (accepted, accepted ? [] : [error])
        }
        return (accepted, collector.errors)
    }

    private func verdict(for errors: [Int32]) -> PeerVerdict {
        let unknownIssuer: Set<Int32> = [
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_CERT_UNTRUSTED,
        ]
        if errors.contains(where: unknownIssuer.contains) { return .unknownCA }
        if errors.contains(X509_V_ERR_CERT_REVOKED) { return .revoked }
        if errors.contains(X509_V_ERR_CERT_HAS_EXPIRED) { return .expired }
        if errors.contains(X509_V_ERR_CERT_NOT_YET_VALID) { return .notYetValid }
        let code = errors.first ?? X509_V_ERR_UNSPECIFIED
        return .invalid(reason: String(cString: X509_verify_cert_error_string(Int(code))))
    }
}

extension PeerIdentity {
    /// Verifies a PEM certificate against the CA certificate and CRL at `date`, with the clock injected.
    ///
    /// Returns a verdict instead of throwing; text that does not parse is `.invalid`.
    public static func verify(
        certificatePEM: String, caPEM: String, crlPEM: String, at date: Date,
        allowedRoles: Set<Role> = Set(Role.allCases)
    ) -> PeerVerdict {
        let store: TrustStore
        do {
            store = try TrustStore(caPEM: caPEM, crlPEM: crlPEM)
        } catch {
            return .invalid(reason: error.description)
        }
        return store.verify(certificatePEM: certificatePEM, at: date, allowedRoles: allowedRoles)
    }
}

/// The verification errors of one `X509_verify_cert` call, filled by `collectingCallback`.
private final class ErrorCollector {
    var errors: [Int32] = []
}

/// Records each error and returns 1 so that OpenSSL continues and one pass sees every error.
///
/// Used only in the classification pass, after a strict pass has already rejected the certificate.
private let collectingCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, context in
    guard ok == 0, let context, let raw = X509_STORE_CTX_get_ex_data(context, 0) else { return ok }
    let collector = Unmanaged<ErrorCollector>.fromOpaque(raw).takeUnretainedValue()
    collector.errors.append(X509_STORE_CTX_get_error(context))
    return 1
}
