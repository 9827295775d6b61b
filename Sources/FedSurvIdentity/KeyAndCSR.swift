import COpenSSL
import Foundation

/// The files `makeKeyAndCSR` wrote.
public struct KeyAndCSR: Sendable, Equatable {
    /// `DIRECTORY/key.pem`, mode 0600; it never leaves the site.
    public let keyPath: String
    /// `DIRECTORY/request.csr.pem`, to send to the consortium operator.
    public let csrPath: String
    public let csrPEM: String
}

/// Generates an ECDSA P-256 key and a certificate signing request for `commonName`.
///
/// The key is written to `directory/key.pem` with mode 0600, set when the file
/// is created, and the request (subject `CN=commonName`, signed with SHA-256)
/// to `directory/request.csr.pem`. The CA takes the role from its operator,
/// not from the request, so the request carries none.
///
/// - Throws: `IdentityError.invalidCommonName`; `.fileSystem` when `key.pem`
///   already exists, because overwriting it would lose the key of an issued certificate.
@discardableResult
public func makeKeyAndCSR(commonName: String, directory: String) throws(IdentityError) -> KeyAndCSR {
    try validateCommonName(commonName)
    do {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
        throw IdentityError.fileSystem(path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
    }
    let keyPath = "\(directory)/key.pem"
    let csrPath = "\(directory)/request.csr.pem"

    let key = try generateP256Key()
    defer { EVP_PKEY_free(key) }
    let csrPEM = try makeCSR(commonName: commonName, key: key)
    try createFile(keyPath, Data(try privateKeyPEM(key).utf8), mode: 0o600, exclusive: true)
    try writeFileAtomically(csrPath, Data(csrPEM.utf8), mode: 0o644)
    return KeyAndCSR(keyPath: keyPath, csrPath: csrPath, csrPEM: csrPEM)
}

/// Builds a PKCS #10 request with subject `CN=commonName`, signed by `key`.
func makeCSR(commonName: String, key: OpaquePointer) throws(IdentityError) -> String {
    guard let request = X509_REQ_new() else { throw openSSLError("allocate a certificate signing request") }
    defer { X509_REQ_free(request) }
    guard let subject = X509_NAME_new() else { throw openSSLError("allocate a name") }
    defer { X509_NAME_free(subject) }
    try addNameEntry(subject, "CN", commonName)
    guard X509_REQ_set_version(request, Int(X509_REQ_VERSION_1)) == 1,
        X509_REQ_set_subject_name(request, subject) == 1,
        X509_REQ_set_pubkey(request, key) == 1
    else { throw openSSLError("fill in the certificate signing request") }
    guard X509_REQ_sign(request, key, EVP_sha256()) > 0 else { throw openSSLError("sign the certificate signing request") }
    return try writePEM("encode the certificate signing request") { PEM_write_bio_X509_REQ($0, request) }
}
