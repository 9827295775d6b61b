import COpenSSL
import Foundation

extension CertificateAuthority {
    /// Revokes the certificate with `serial` and reissues the CRL.
    ///
    /// - Returns: the updated record.
    /// - Throws: `IdentityError.unknownSerial` or `.alreadyRevoked`.
    @discardableResult
    public func revoke(serial: UInt64) throws(IdentityError) -> IssuedCertificateRecord {
        try revoke { index throws(IdentityError) in
            guard let position = index.certificates.firstIndex(where: { $0.serial == serial }) else {
                throw IdentityError.unknownSerial(serial, directory: directory)
            }
            if let revokedAt = index.certificates[position].revokedAt {
                throw IdentityError.alreadyRevoked(serial: serial, revokedAt: revokedAt)
            }
            return [position]
        }[0]
    }

    /// Revokes every unrevoked certificate issued to `commonName`, expired or not, and reissues the CRL.
    ///
    /// - Returns: the updated records.
    /// - Throws: `IdentityError.unknownCommonName` when the name has no unrevoked certificate.
    @discardableResult
    public func revoke(commonName: String) throws(IdentityError) -> [IssuedCertificateRecord] {
        try revoke { index throws(IdentityError) in
            let positions = index.certificates.indices.filter {
                index.certificates[$0].commonName == commonName && index.certificates[$0].revokedAt == nil
            }
            guard !positions.isEmpty else { throw IdentityError.unknownCommonName(commonName, directory: directory) }
            return positions
        }
    }

    /// Rewrites the CRL from the index, for example to renew it before its nextUpdate.
    public func reissueCRL() throws(IdentityError) {
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }
        let index = try CertificateIndex.load(from: indexPath)
        let (caKey, caCertificate) = try loadKeyAndCertificate()
        defer {
            EVP_PKEY_free(caKey)
            X509_free(caCertificate)
        }
        try writeCRL(index: index, caKey: caKey, caCertificate: caCertificate, now: clock())
    }

    private func revoke(selecting select: (CertificateIndex) throws(IdentityError) -> [Int]) throws(IdentityError)
        -> [IssuedCertificateRecord]
    {
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }
        var index = try CertificateIndex.load(from: indexPath)
        let positions = try select(index)
        let (caKey, caCertificate) = try loadKeyAndCertificate()
        defer {
            EVP_PKEY_free(caKey)
            X509_free(caCertificate)
        }
        let now = clock()
        for position in positions {
            index.certificates[position].revokedAt = now
        }
        try index.save(to: indexPath)
        try writeCRL(index: index, caKey: caKey, caCertificate: caCertificate, now: now)
        return positions.map { index.certificates[$0] }
    }

    /// Signs a v2 CRL listing every revoked certificate in `index`, writes it to `crl.pem` and
    /// advances the CRL number in the index.
    ///
    /// thisUpdate is `now` less the clock-skew allowance. nextUpdate is the CA
    /// certificate's notAfter: the CRL is reissued on every revocation, and
    /// verifiers read `crl.pem` from this directory rather than caching it.
    func writeCRL(index: CertificateIndex, caKey: OpaquePointer, caCertificate: OpaquePointer, now: Date)
        throws(IdentityError)
    {
        guard let crl = X509_CRL_new() else { throw openSSLError("allocate a CRL") }
        defer { X509_CRL_free(crl) }
        guard X509_CRL_set_version(crl, Int(X509_CRL_VERSION_2)) == 1,
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(caCertificate)) == 1
        else { throw openSSLError("set the CRL's version and issuer") }

        // 1) Validity.
        let thisUpdate = now.addingTimeInterval(-Self.clockSkewAllowance)
        try withTime(thisUpdate) { time throws(IdentityError) in
            guard X509_CRL_set1_lastUpdate(crl, time) == 1 else { throw openSSLError("set the CRL's thisUpdate") }
        }
        guard X509_CRL_set1_nextUpdate(crl, X509_get0_notAfter(caCertificate)) == 1 else {
            throw openSSLError("set the CRL's nextUpdate")
        }

        // 2) Revoked entries.
        for record in index.certificates {
            guard let revokedAt = record.revokedAt else { continue }
            guard let entry = X509_REVOKED_new() else { throw openSSLError("allocate a CRL entry") }
            var added = false
            defer { if !added { X509_REVOKED_free(entry) } }
            try withInteger(record.serial) { serial throws(IdentityError) in
                guard X509_REVOKED_set_serialNumber(entry, serial) == 1 else { throw openSSLError("set a CRL entry's serial") }
            }
            try withTime(revokedAt) { time throws(IdentityError) in
                guard X509_REVOKED_set_revocationDate(entry, time) == 1 else {
                    throw openSSLError("set a CRL entry's revocation date")
                }
            }
            guard X509_CRL_add0_revoked(crl, entry) == 1 else { throw openSSLError("add a CRL entry") }
            added = true
        }
        guard X509_CRL_sort(crl) == 1 else { throw openSSLError("sort the CRL") }

        // 3) Extensions: the CRL number and the CA's key identifier.
        try withInteger(index.nextCRLNumber) { number throws(IdentityError) in
            guard X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) == 1 else {
                throw openSSLError("add the CRL number")
            }
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, caCertificate, nil, nil, crl, 0)
        guard let keyIdentifier = X509V3_EXT_conf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw openSSLError("build the CRL's authority key identifier")
        }
        defer { X509_EXTENSION_free(keyIdentifier) }
        guard X509_CRL_add_ext(crl, keyIdentifier, -1) == 1 else { throw openSSLError("add the CRL's authority key identifier") }

        // 4) Sign, write, and advance the CRL number.
        guard X509_CRL_sign(crl, caKey, EVP_sha256()) > 0 else { throw openSSLError("sign the CRL") }
        let pem = try writePEM("encode the CRL") { PEM_write_bio_X509_CRL($0, crl) }
        try writeFileAtomically(crlPath, Data(pem.utf8), mode: 0o644)
        var advanced = index
        advanced.nextCRLNumber += 1
        try advanced.save(to: indexPath)
    }
}

private func withTime(_ date: Date, _ body: (UnsafeMutablePointer<ASN1_TIME>) throws(IdentityError) -> Void)
    throws(IdentityError)
{
    guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))) else {
        throw openSSLError("encode a time")
    }
    defer { ASN1_TIME_free(time) }
    try body(time)
}

private func withInteger(_ value: UInt64, _ body: (UnsafeMutablePointer<ASN1_INTEGER>) throws(IdentityError) -> Void)
    throws(IdentityError)
{
    guard let integer = ASN1_INTEGER_new() else { throw openSSLError("allocate an integer") }
    defer { ASN1_INTEGER_free(integer) }
    guard ASN1_INTEGER_set_uint64(integer, value) == 1 else { throw openSSLError("encode an integer") }
    try body(integer)
}
