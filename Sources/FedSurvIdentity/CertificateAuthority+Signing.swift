import COpenSSL
import Foundation

/// A certificate the CA just issued: its PEM text and its index record.
public struct IssuedCertificate: Sendable, Equatable {
    public let pem: String
    public let record: IssuedCertificateRecord
}

extension CertificateAuthority {
    /// Issues a certificate for the key and common name in a CSR.
    ///
    /// 1. Verify the CSR's signature with the key it carries, so that a request altered in transit is rejected.
    /// 2. Check that the common name has no live certificate.
    /// 3. Build a v3 certificate with subject `CN=<csr CN>, OU=<role>`, `basicConstraints` CA:FALSE,
    ///    `keyUsage` digitalSignature, `extendedKeyUsage` clientAuth (site, operator, auditor) or
    ///    serverAuth (server), key identifiers and the subject alternative names.
    /// 4. Sign it with SHA-256 and record it in the index.
    ///
    /// - Parameters:
    ///   - csrPEM: the PEM request from `makeKeyAndCSR`. Only its subject CN and public key are used.
    ///   - role: the role the certificate grants.
    ///   - validityDays: lifetime from now; the certificate must expire no later than the CA certificate.
    ///   - subjectAlternativeNames: DNS names or IPv4/IPv6 addresses, told apart by syntax.
    ///   - renew: when a live certificate exists for the CN, issue anyway and revoke the old one,
    ///     so that each common name has at most one live certificate.
    /// - Throws: `IdentityError.badCSRSignature`, `.commonNameInUse`, `.invalidSubjectAlternativeName`,
    ///   `.invalidValidity`, `.invalidCommonName`, `.unsupportedKey`, or file and OpenSSL errors.
    public func sign(
        csrPEM: String, role: Role, validityDays: Int, subjectAlternativeNames: [String] = [], renew: Bool = false
    ) throws(IdentityError) -> IssuedCertificate {
        // 1) Check the request and the names before touching the CA's state.
        let request = try parseCSR(csrPEM, source: "the certificate signing request")
        defer { X509_REQ_free(request) }
        guard let commonName = nameEntry(X509_REQ_get_subject_name(request), nid: NID_commonName) else {
            throw IdentityError.invalidCommonName("", reason: "the request has no subject CN; create it with `site-agent csr --name CN`")
        }
        try validateCommonName(commonName)
        guard let publicKey = X509_REQ_get0_pubkey(request) else { throw openSSLError("read the request's public key") }
        guard X509_REQ_verify(request, publicKey) == 1 else {
            _ = openSSLErrors()
            throw IdentityError.badCSRSignature(commonName: commonName)
        }
        try requireP256(publicKey, commonName: commonName)
        let alternativeNames = try subjectAlternativeNames.map { name throws(IdentityError) in
            try SubjectAlternativeName(parsing: name)
        }
        guard validityDays > 0 else {
            throw IdentityError.invalidValidity(days: validityDays, reason: "a certificate must be valid for at least 1 day")
        }

        // 2) Under the lock: check the common name, take a serial, sign.
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }
        var index = try CertificateIndex.load(from: indexPath)
        let (caKey, caCertificate) = try loadKeyAndCertificate()
        defer {
            EVP_PKEY_free(caKey)
            X509_free(caCertificate)
        }
        let now = clock()
        let notAfter = now.addingTimeInterval(TimeInterval(validityDays) * 86400)
        let caNotAfter = try date(from: X509_get0_notAfter(caCertificate))
        guard notAfter <= caNotAfter else {
            let maximum = Int(caNotAfter.timeIntervalSince(now) / 86400)
            throw IdentityError.invalidValidity(
                days: validityDays, reason: "the CA certificate expires at \(timestamp(caNotAfter)), so use at most \(maximum) days")
        }
        let superseded = index.certificates.filter { $0.commonName == commonName && $0.isLive(at: now) }
        if let existing = superseded.first, !renew {
            throw IdentityError.commonNameInUse(commonName: commonName, serial: existing.serial, notAfter: existing.notAfter)
        }

        let serial = index.nextSerial
        let certificate = try makeLeafCertificate(
            serial: serial, commonName: commonName, role: role, publicKey: publicKey,
            notBefore: now.addingTimeInterval(-Self.clockSkewAllowance), notAfter: notAfter,
            alternativeNames: alternativeNames, caKey: caKey, caCertificate: caCertificate)
        defer { X509_free(certificate) }
        let pem = try certificatePEM(certificate)

        // 3) Record it; a renewal revokes what it replaces and reissues the CRL.
        let record = IssuedCertificateRecord(
            serial: serial, commonName: commonName, role: role,
            notBefore: try date(from: X509_get0_notBefore(certificate)), notAfter: try date(from: X509_get0_notAfter(certificate)),
            subjectAlternativeNames: alternativeNames.map(\.description),
            sha256Fingerprint: try fingerprint(certificate), revokedAt: nil)
        try writeFileAtomically("\(issuedDirectory)/\(serial).cert.pem", Data(pem.utf8), mode: 0o644)
        index.nextSerial += 1
        index.certificates.append(record)
        for old in superseded {
            if let position = index.certificates.firstIndex(where: { $0.serial == old.serial }) {
                index.certificates[position].revokedAt = now
            }
        }
        try index.save(to: indexPath)
        if !superseded.isEmpty {
            try writeCRL(index: index, caKey: caKey, caCertificate: caCertificate, now: now)
        }
        return IssuedCertificate(pem: pem, record: record)
    }

    private func makeLeafCertificate(
        serial: UInt64, commonName: String, role: Role, publicKey: OpaquePointer, notBefore: Date, notAfter: Date,
        alternativeNames: [SubjectAlternativeName], caKey: OpaquePointer, caCertificate: OpaquePointer
    ) throws(IdentityError) -> OpaquePointer {
        guard let certificate = X509_new() else { throw openSSLError("allocate a certificate") }
        do throws(IdentityError) {
            guard X509_set_version(certificate, Int(X509_VERSION_3)) == 1,
                ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial) == 1
            else { throw openSSLError("set the certificate's version and serial") }
            try setTime(X509_getm_notBefore(certificate), notBefore)
            try setTime(X509_getm_notAfter(certificate), notAfter)

            guard let subject = X509_NAME_new() else { throw openSSLError("allocate a name") }
            defer { X509_NAME_free(subject) }
            try addNameEntry(subject, "CN", commonName)
            try addNameEntry(subject, "OU", role.rawValue)
            guard X509_set_subject_name(certificate, subject) == 1,
                X509_set_issuer_name(certificate, X509_get_subject_name(caCertificate)) == 1,
                X509_set_pubkey(certificate, publicKey) == 1
            else { throw openSSLError("set the certificate's names and key") }

            var context = X509V3_CTX()
            X509V3_set_ctx(&context, caCertificate, certificate, nil, nil, 0)
            try addExtension(to: certificate, nid: NID_basic_constraints, value: "critical,CA:FALSE", context: &context)
            try addExtension(to: certificate, nid: NID_key_usage, value: "critical,digitalSignature", context: &context)
            let usage = role.isServer ? "serverAuth" : "clientAuth"
            try addExtension(to: certificate, nid: NID_ext_key_usage, value: usage, context: &context)
            try addExtension(to: certificate, nid: NID_subject_key_identifier, value: "hash", context: &context)
            try addExtension(to: certificate, nid: NID_authority_key_identifier, value: "keyid:always", context: &context)
            if !alternativeNames.isEmpty {
                // The names were validated, so none contains the ',' that separates entries here.
                let value = alternativeNames.map(\.description).joined(separator: ",")
                try addExtension(to: certificate, nid: NID_subject_alt_name, value: value, context: &context)
            }

            guard X509_sign(certificate, caKey, EVP_sha256()) > 0 else { throw openSSLError("sign the certificate") }
            return certificate
        } catch {
            X509_free(certificate)
            throw error
        }
    }

    /// Rejects keys other than ECDSA P-256, the one key type the consortium uses.
    private func requireP256(_ key: OpaquePointer, commonName: String) throws(IdentityError) {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = 0
        let isP256 =
            EVP_PKEY_is_a(key, "EC") == 1 && EVP_PKEY_get_group_name(key, &buffer, buffer.count, &length) == 1
            && String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1"
        guard isP256 else {
            _ = openSSLErrors()
            throw IdentityError.unsupportedKey(commonName: commonName)
        }
    }
}

/// SHA-256 of the certificate's DER encoding, lowercase hexadecimal.
func fingerprint(_ certificate: OpaquePointer) throws(IdentityError) -> String {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else {
        throw openSSLError("compute a certificate fingerprint")
    }
    return digest.prefix(Int(length)).map { byte in
        let text = String(byte, radix: 16)
        return byte < 16 ? "0" + text : text
    }.joined()
}

extension SubjectAlternativeName {
    /// Parses an IPv4 or IPv6 address, else a DNS name of labels of letters, digits and `-`
    /// whose last label is not all digits.
    ///
    /// - Throws: `IdentityError.invalidSubjectAlternativeName` for anything else.
    public init(parsing text: String) throws(IdentityError) {
        if let address = canonicalIPAddress(text) {
            self = .ipAddress(address)
            return
        }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let isDNSName =
            !text.isEmpty && text.utf8.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { scalar in
                        switch scalar {
                        case "A"..."Z", "a"..."z", "0"..."9", "-": true
                        default: false
                        }
                    }
            }
        // An all-digit last label is a mistyped IP address such as 1.2.3.256, not a host name.
        let lastIsNumeric = labels.last.map { !$0.isEmpty && $0.allSatisfy(\.isNumber) } ?? false
        guard isDNSName, !lastIsNumeric else { throw IdentityError.invalidSubjectAlternativeName(text) }
        self = .dns(text.lowercased())
    }
}

/// Returns the canonical text of an IPv4 or IPv6 address, or nil when `text` is neither.
func canonicalIPAddress(_ text: String) -> String? {
    var ipv4 = in_addr()
    if inet_pton(AF_INET, text, &ipv4) == 1 {
        return formatAddress(family: AF_INET, &ipv4, length: 4)
    }
    var ipv6 = in6_addr()
    if inet_pton(AF_INET6, text, &ipv6) == 1 {
        return formatAddress(family: AF_INET6, &ipv6, length: 16)
    }
    return nil
}

/// Formats raw address bytes with inet_ntop.
func formatAddress(family: Int32, _ address: UnsafeRawPointer, length: Int) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    guard inet_ntop(family, address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
