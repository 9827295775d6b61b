import Foundation

/// An error from the consortium CA, from key and CSR generation, or from parsing a certificate.
///
/// Messages name the file, common name or serial involved and never contain key material.
public enum IdentityError: Error, CustomStringConvertible, Equatable {
    /// An OpenSSL call failed; `detail` is OpenSSL's error queue.
    case openSSL(operation: String, detail: String)
    /// Text that should be a PEM object of kind `kind` is not one.
    case invalidPEM(kind: String, source: String)
    /// The CSR's signature does not verify with the public key it carries.
    case badCSRSignature(commonName: String)
    case invalidCommonName(String, reason: String)
    /// The CSR's key is not ECDSA P-256, the one key type the consortium uses.
    case unsupportedKey(commonName: String)
    case invalidSubjectAlternativeName(String)
    case invalidValidity(days: Int, reason: String)
    /// An unrevoked, unexpired certificate already exists for this common name.
    case commonNameInUse(commonName: String, serial: UInt64, notAfter: Date)
    case notInitialized(directory: String)
    case alreadyInitialized(directory: String)
    case unknownSerial(UInt64, directory: String)
    case unknownCommonName(String, directory: String)
    case alreadyRevoked(serial: UInt64, revokedAt: Date)
    /// A certificate that carries no FedSurv role, or a role its extended key usage contradicts.
    case missingRole(commonName: String, reason: String)
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case let .openSSL(operation, detail):
            return "OpenSSL failed to \(operation): \(detail.isEmpty ? "no error detail" : detail)"
        case let .invalidPEM(kind, source):
            return "\(source) is not a valid PEM \(kind); check that the right file was given"
        case let .badCSRSignature(commonName):
            return "the certificate signing request for '\(commonName)' has an invalid signature, "
                + "so it was altered or corrupted; ask the site to create a new one with `site-agent csr`"
        case let .invalidCommonName(name, reason):
            return "invalid common name '\(name)': \(reason)"
        case let .unsupportedKey(commonName):
            return "the certificate signing request for '\(commonName)' has a key other than ECDSA P-256; "
                + "create the request with `site-agent csr`"
        case let .invalidSubjectAlternativeName(name):
            return "invalid subject alternative name '\(name)'; give a DNS name (letters, digits, '-', '.') "
                + "or an IPv4 or IPv6 address"
        case let .invalidValidity(days, reason):
            return "invalid validity of \(days) days: \(reason)"
        case let .commonNameInUse(commonName, serial, notAfter):
            return "'\(commonName)' already has certificate serial \(serial), valid until \(timestamp(notAfter)); "
                + "revoke it first, or pass --renew to replace it"
        case let .notInitialized(directory):
            return "\(directory) is not a FedSurv CA directory; create one with `coordinator ca init --dir \(directory) --name NAME`"
        case let .alreadyInitialized(directory):
            return "\(directory) already contains a CA key; use another directory, since re-initializing would orphan every issued certificate"
        case let .unknownSerial(serial, directory):
            return "no certificate with serial \(serial) in \(directory); list them with `coordinator ca list --dir \(directory)`"
        case let .unknownCommonName(name, directory):
            return "no unrevoked certificate for '\(name)' in \(directory); list them with `coordinator ca list --dir \(directory)`"
        case let .alreadyRevoked(serial, revokedAt):
            return "certificate serial \(serial) was already revoked at \(timestamp(revokedAt))"
        case let .missingRole(commonName, reason):
            return "certificate '\(commonName)' has no usable FedSurv role: \(reason)"
        case let .fileSystem(path, reason):
            return "\(path): \(reason)"
        }
    }
}

/// Formats a date as ISO 8601 in UTC, as index files and messages show it.
func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}
