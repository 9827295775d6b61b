import COpenSSL
import Foundation

/// The consortium's certificate authority: one ECDSA P-256 key that signs
/// every site, operator, auditor and server certificate, and the revocation list.
///
/// Directory layout (the directory itself is created with mode 0700):
///
/// | file | content |
/// |---|---|
/// | `ca.key.pem` | the CA's private key, PKCS #8 PEM, mode 0600 |
/// | `ca.cert.pem` | the self-signed CA certificate, distributed to every party |
/// | `crl.pem` | the current certificate revocation list, signed by the CA |
/// | `index.json` | the next serial number and every issued certificate: serial, CN, role, validity, SANs, fingerprint, revocation time |
/// | `issued/SERIAL.cert.pem` | a copy of each issued certificate |
/// | `.lock` | an flock(2) lock that serializes commands on the directory |
///
/// Serial numbers count up from 1, which the CA certificate takes. Times come
/// from `clock`, so tests can issue certificates in the past.
public struct CertificateAuthority: Sendable {
    public let directory: String
    public let clock: @Sendable () -> Date

    /// How far before the issue time a certificate becomes valid, so that a
    /// peer whose clock is a little behind still accepts a new certificate.
    public static let clockSkewAllowance: TimeInterval = 300

    var keyPath: String { "\(directory)/ca.key.pem" }
    public var certificatePath: String { "\(directory)/ca.cert.pem" }
    public var crlPath: String { "\(directory)/crl.pem" }
    var indexPath: String { "\(directory)/index.json" }
    var issuedDirectory: String { "\(directory)/issued" }
    var lockPath: String { "\(directory)/.lock" }

    /// Opens an existing CA directory.
    ///
    /// - Throws: `IdentityError.notInitialized` when the key, certificate or index is missing.
    public init(directory: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(IdentityError) {
        self.directory = directory
        self.clock = clock
        for path in [keyPath, certificatePath, indexPath] where !FileManager.default.fileExists(atPath: path) {
            throw IdentityError.notInitialized(directory: directory)
        }
    }

    /// Creates the CA key, the self-signed CA certificate, the index and an empty CRL in `directory`.
    ///
    /// The certificate has `basicConstraints` CA:TRUE (critical), `keyUsage`
    /// keyCertSign and cRLSign (critical), and subject and authority key identifiers.
    ///
    /// - Parameters:
    ///   - directory: created when missing; must not already hold a CA key.
    ///   - commonName: the CA's subject CN, such as the consortium's name.
    ///   - validityDays: the CA certificate's lifetime; every issued certificate must expire before it.
    /// - Throws: `IdentityError.alreadyInitialized`, `.invalidCommonName`, `.invalidValidity`, or file and OpenSSL errors.
    @discardableResult
    public static func initialize(
        directory: String, commonName: String, validityDays: Int = 3650,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws(IdentityError) -> CertificateAuthority {
        try validateCommonName(commonName, allowSpaces: true)
        guard validityDays > 0, validityDays <= 36500 else {
            throw IdentityError.invalidValidity(days: validityDays, reason: "the CA's validity must be 1 to 36500 days")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: "\(directory)/issued", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw IdentityError.fileSystem(path: directory, reason: "cannot create the CA directory: \(error.localizedDescription)")
        }
        chmod(directory, 0o700)
        let lock = try FileLock(path: "\(directory)/.lock")
        defer { lock.unlock() }
        guard !FileManager.default.fileExists(atPath: "\(directory)/ca.key.pem") else {
            throw IdentityError.alreadyInitialized(directory: directory)
        }

        // 1) Key, written first with O_EXCL so that two initializations cannot both succeed.
        let key = try generateP256Key()
        defer { EVP_PKEY_free(key) }
        try createFile("\(directory)/ca.key.pem", Data(try privateKeyPEM(key).utf8), mode: 0o600, exclusive: true)

        // 2) Self-signed certificate, serial 1.
        let now = clock()
        let certificate = try makeCACertificate(key: key, commonName: commonName, now: now, validityDays: validityDays)
        defer { X509_free(certificate) }
        try writeFileAtomically("\(directory)/ca.cert.pem", Data(try certificatePEM(certificate).utf8), mode: 0o644)

        // 3) Index and an empty CRL.
        let authority = CertificateAuthority(unchecked: directory, clock: clock)
        let index = CertificateIndex(nextSerial: 2, certificates: [])
        try index.save(to: authority.indexPath)
        try authority.writeCRL(index: index, caKey: key, caCertificate: certificate, now: now)
        return authority
    }

    init(unchecked directory: String, clock: @escaping @Sendable () -> Date) {
        self.directory = directory
        self.clock = clock
    }

    /// Reads the CA certificate as PEM.
    public func certificatePEMText() throws(IdentityError) -> String {
        try readTextFile(certificatePath)
    }

    /// Reads the current revocation list as PEM.
    public func crlPEMText() throws(IdentityError) -> String {
        try readTextFile(crlPath)
    }

    /// Reads every certificate issued so far from the index, in serial order.
    public func issuedCertificates() throws(IdentityError) -> [IssuedCertificateRecord] {
        try CertificateIndex.load(from: indexPath).certificates
    }

    // MARK: - Loading the CA's own key and certificate

    func loadKeyAndCertificate() throws(IdentityError) -> (key: OpaquePointer, certificate: OpaquePointer) {
        let key = try parsePrivateKey(try readTextFile(keyPath), source: keyPath)
        do throws(IdentityError) {
            let certificate = try parseCertificate(try readTextFile(certificatePath), source: certificatePath)
            return (key, certificate)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
    }

    private static func makeCACertificate(key: OpaquePointer, commonName: String, now: Date, validityDays: Int)
        throws(IdentityError) -> OpaquePointer
    {
        guard let certificate = X509_new() else { throw openSSLError("allocate a certificate") }
        do throws(IdentityError) {
            guard X509_set_version(certificate, Int(X509_VERSION_3)) == 1,
                ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), 1) == 1
            else { throw openSSLError("set the CA certificate's version and serial") }
            try setTime(X509_getm_notBefore(certificate), now.addingTimeInterval(-clockSkewAllowance))
            try setTime(X509_getm_notAfter(certificate), now.addingTimeInterval(TimeInterval(validityDays) * 86400))

            guard let name = X509_NAME_new() else { throw openSSLError("allocate a name") }
            defer { X509_NAME_free(name) }
            try addNameEntry(name, "CN", commonName)
            guard X509_set_subject_name(certificate, name) == 1, X509_set_issuer_name(certificate, name) == 1,
                X509_set_pubkey(certificate, key) == 1
            else { throw openSSLError("set the CA certificate's names and key") }

            var context = X509V3_CTX()
            X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
            try addExtension(to: certificate, nid: NID_basic_constraints, value: "critical,CA:TRUE", context: &context)
            try addExtension(to: certificate, nid: NID_key_usage, value: "critical,keyCertSign,cRLSign", context: &context)
            try addExtension(to: certificate, nid: NID_subject_key_identifier, value: "hash", context: &context)
            try addExtension(to: certificate, nid: NID_authority_key_identifier, value: "keyid:always", context: &context)

            guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw openSSLError("sign the CA certificate") }
            return certificate
        } catch {
            X509_free(certificate)
            throw error
        }
    }
}

/// Checks that a common name is 1 to 64 characters (the X.520 upper bound) of
/// letters, digits, `-`, `_`, `.` and `@`, and spaces when `allowSpaces`.
///
/// Site and person names double as index keys and command arguments, so the set is kept small.
func validateCommonName(_ name: String, allowSpaces: Bool = false) throws(IdentityError) {
    guard !name.isEmpty, name.count <= 64 else {
        throw IdentityError.invalidCommonName(name, reason: "it must be 1 to 64 characters long")
    }
    let allowed = name.unicodeScalars.allSatisfy { scalar in
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_", ".", "@": true
        case " ": allowSpaces
        default: false
        }
    }
    guard allowed else {
        let spaces = allowSpaces ? ", spaces" : ""
        throw IdentityError.invalidCommonName(name, reason: "use only letters, digits, '-', '_', '.', '@'\(spaces)")
    }
}
