import COpenSSL
import Foundation
import Testing

@testable import FedSurvIdentity

@Suite struct CertificateAuthorityTests {
    @Test("CA certificate is a signing CA")
    func caCertificate() throws {
        let authority = try makeAuthority()
        let certificate = try parseCertificate(try authority.certificatePEMText(), source: "test")
        defer { X509_free(certificate) }
        #expect(X509_check_ca(certificate) == 1)
        let usage = X509_get_key_usage(certificate)
        #expect(usage & UInt32(KU_KEY_CERT_SIGN) != 0)
        #expect(usage & UInt32(KU_CRL_SIGN) != 0)
        #expect(usage & UInt32(KU_DIGITAL_SIGNATURE) == 0)
        #expect(X509_get_extension_flags(certificate) & UInt32(EXFLAG_CRITICAL) == 0)
        #expect(uint64(X509_get0_serialNumber(certificate)) == 1)
        #expect(nameEntry(X509_get_subject_name(certificate), nid: NID_commonName) == "FedSurv Test Consortium")
        // basicConstraints is marked critical.
        let position = X509_get_ext_by_NID(certificate, NID_basic_constraints, -1)
        #expect(position >= 0)
        #expect(X509_EXTENSION_get_critical(X509_get_ext(certificate, position)) == 1)
    }

    @Test("CA key and directory modes")
    func caFileModes() throws {
        let authority = try makeAuthority()
        #expect(try fileMode("\(authority.directory)/ca.key.pem") == 0o600)
        #expect(try fileMode(authority.directory) == 0o700)
        #expect(try fileMode(authority.certificatePath) == 0o644)
    }

    @Test("site key has mode 0600")
    func siteKeyMode() throws {
        let request = try makeRequest("site-a")
        #expect(try fileMode(request.keyPath) == 0o600)
        #expect(request.csrPEM.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        #expect(try String(contentsOfFile: request.csrPath, encoding: .utf8) == request.csrPEM)
    }

    @Test("site key is never overwritten")
    func siteKeyKept() throws {
        let directory = temporaryDirectory("site")
        try makeKeyAndCSR(commonName: "site-a", directory: directory)
        let before = try String(contentsOfFile: "\(directory)/key.pem", encoding: .utf8)
        #expect(throws: IdentityError.self) { try makeKeyAndCSR(commonName: "site-a", directory: directory) }
        #expect(try String(contentsOfFile: "\(directory)/key.pem", encoding: .utf8) == before)
    }

    @Test("initializing twice is rejected")
    func initializeTwice() throws {
        let authority = try makeAuthority()
        #expect(throws: IdentityError.alreadyInitialized(directory: authority.directory)) {
            try CertificateAuthority.initialize(directory: authority.directory, commonName: "Other")
        }
    }

    @Test("opening a missing CA is rejected")
    func openMissing() {
        let directory = temporaryDirectory()
        #expect(throws: IdentityError.notInitialized(directory: directory)) {
            try CertificateAuthority(directory: directory)
        }
    }

    @Test("empty CRL after initialization")
    func emptyCRL() throws {
        let authority = try makeAuthority()
        let crl = try parseCRL(try authority.crlPEMText(), source: "test")
        defer { X509_CRL_free(crl) }
        #expect(X509_CRL_get_REVOKED(crl) == nil || OPENSSL_sk_num(X509_CRL_get_REVOKED(crl)) == 0)
        let caCertificate = try parseCertificate(try authority.certificatePEMText(), source: "test")
        defer { X509_free(caCertificate) }
        #expect(X509_CRL_verify(crl, X509_get0_pubkey(caCertificate)) == 1)
    }

    @Test("issued certificate fields")
    func issuedFields() throws {
        let authority = try makeAuthority()
        let issued = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 365)
        #expect(issued.record.serial == 2)
        #expect(issued.record.commonName == "site-a")
        #expect(issued.record.role == .site)
        #expect(issued.record.notAfter == issueTime.addingTimeInterval(365 * day))
        #expect(issued.record.notBefore == issueTime.addingTimeInterval(-CertificateAuthority.clockSkewAllowance))
        #expect(issued.record.sha256Fingerprint.count == 64)

        let identity = try PeerIdentity(pem: issued.pem)
        #expect(identity.commonName == "site-a")
        #expect(identity.role == .site)
        #expect(identity.serial == 2)
        #expect(identity.notAfter == issueTime.addingTimeInterval(365 * day))
        #expect(identity.subjectAlternativeNames.isEmpty)

        let certificate = try parseCertificate(issued.pem, source: "test")
        defer { X509_free(certificate) }
        #expect(X509_check_ca(certificate) == 0)
        #expect(X509_get_extended_key_usage(certificate) == UInt32(XKU_SSL_CLIENT))
        #expect(X509_get_key_usage(certificate) == UInt32(KU_DIGITAL_SIGNATURE))
        #expect(nameEntry(X509_get_subject_name(certificate), nid: NID_organizationalUnitName) == "site")
    }

    @Test("server role gets serverAuth")
    func serverRole() throws {
        let authority = try makeAuthority()
        let issued = try authority.sign(
            csrPEM: try makeRequest("coordinator").csrPEM, role: .server, validityDays: 30,
            subjectAlternativeNames: ["localhost", "127.0.0.1"])
        let certificate = try parseCertificate(issued.pem, source: "test")
        defer { X509_free(certificate) }
        #expect(X509_get_extended_key_usage(certificate) == UInt32(XKU_SSL_SERVER))
        #expect(try PeerIdentity(pem: issued.pem).role == .server)
    }

    @Test("serials count up and the index persists")
    func indexPersists() throws {
        let authority = try makeAuthority()
        for name in ["site-a", "site-b", "auditor-1"] {
            _ = try authority.sign(
                csrPEM: try makeRequest(name).csrPEM, role: name.hasPrefix("site") ? .site : .auditor, validityDays: 90)
        }
        let reopened = try CertificateAuthority(directory: authority.directory)
        let records = try reopened.issuedCertificates()
        #expect(records.map(\.serial) == [2, 3, 4])
        #expect(records.map(\.commonName) == ["site-a", "site-b", "auditor-1"])
        #expect(records.map(\.role) == [.site, .site, .auditor])
        #expect(FileManager.default.fileExists(atPath: "\(authority.directory)/issued/4.cert.pem"))
    }

    @Test("live common name is rejected")
    func duplicateCommonName() throws {
        let authority = try makeAuthority()
        let first = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90)
        #expect(
            throws: IdentityError.commonNameInUse(commonName: "site-a", serial: 2, notAfter: first.record.notAfter)
        ) {
            try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90)
        }
    }

    @Test("renewal revokes the old certificate")
    func renewal() throws {
        let authority = try makeAuthority()
        let old = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90)
        let new = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90, renew: true)
        #expect(new.record.serial == 3)
        let records = try authority.issuedCertificates()
        #expect(records[0].revokedAt == issueTime)
        #expect(records[1].revokedAt == nil)
        let caPEM = try authority.certificatePEMText()
        let crlPEM = try authority.crlPEMText()
        let later = issueTime.addingTimeInterval(day)
        #expect(PeerIdentity.verify(certificatePEM: old.pem, caPEM: caPEM, crlPEM: crlPEM, at: later) == .revoked)
        #expect(PeerIdentity.verify(certificatePEM: new.pem, caPEM: caPEM, crlPEM: crlPEM, at: later).isValid)
    }

    @Test("common name free again after revocation")
    func reissueAfterRevocation() throws {
        let authority = try makeAuthority()
        _ = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90)
        try authority.revoke(commonName: "site-a")
        let again = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 90)
        #expect(again.record.serial == 3)
    }

    @Test("CSR with a bad signature is rejected")
    func badCSRSignature() throws {
        let authority = try makeAuthority()
        let tampered = corruptLastByte(ofPEM: try makeRequest("site-a").csrPEM)
        #expect(throws: IdentityError.badCSRSignature(commonName: "site-a")) {
            try authority.sign(csrPEM: tampered, role: .site, validityDays: 90)
        }
        #expect(try authority.issuedCertificates().isEmpty)
    }

    @Test("garbage CSR is rejected")
    func garbageCSR() throws {
        let authority = try makeAuthority()
        #expect(throws: IdentityError.self) {
            try authority.sign(csrPEM: "not a request", role: .site, validityDays: 90)
        }
    }

    @Test("validity past the CA's expiry is rejected")
    func validityBeyondCA() throws {
        let authority = try makeAuthority()
        let request = try makeRequest("site-a")
        #expect(throws: IdentityError.self) {
            try authority.sign(csrPEM: request.csrPEM, role: .site, validityDays: 3651)
        }
        #expect(throws: IdentityError.self) {
            try authority.sign(csrPEM: request.csrPEM, role: .site, validityDays: 0)
        }
    }

    @Test("invalid common names", arguments: ["", "site a", "site,OU=server", String(repeating: "x", count: 65)])
    func invalidCommonName(name: String) {
        #expect(throws: IdentityError.self) {
            try makeKeyAndCSR(commonName: name, directory: temporaryDirectory("site"))
        }
    }
}
