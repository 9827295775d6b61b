import Foundation
import Testing

@testable import FedSurvIdentity

@Suite struct PeerVerificationTests {
    /// A CA with one site certificate issued at `issueTime` for 365 days.
    struct Fixture {
        let authority: CertificateAuthority
        let issued: IssuedCertificate
        var caPEM: String { get throws { try authority.certificatePEMText() } }
        var crlPEM: String { get throws { try authority.crlPEMText() } }

        init(role: Role = .site, alternativeNames: [String] = []) throws {
            authority = try makeAuthority()
            issued = try authority.sign(
                csrPEM: try makeRequest("site-a").csrPEM, role: role, validityDays: 365,
                subjectAlternativeNames: alternativeNames)
        }

        func verify(at date: Date, allowedRoles: Set<Role> = Set(Role.allCases)) throws -> PeerVerdict {
            PeerIdentity.verify(
                certificatePEM: issued.pem, caPEM: try caPEM, crlPEM: try crlPEM, at: date, allowedRoles: allowedRoles)
        }
    }

    @Test("signed certificate verifies")
    func valid() throws {
        let fixture = try Fixture()
        let verdict = try fixture.verify(at: issueTime.addingTimeInterval(day))
        guard case let .valid(identity) = verdict else {
            Issue.record("expected .valid, got \(verdict)")
            return
        }
        #expect(identity.commonName == "site-a")
        #expect(identity.role == .site)
        #expect(identity.serial == fixture.issued.record.serial)
    }

    @Test("certificate from another CA is unknownCA")
    func otherCA() throws {
        let fixture = try Fixture()
        let other = try makeAuthority(name: "Another Consortium")
        let foreign = try other.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 365)
        let verdict = PeerIdentity.verify(
            certificatePEM: foreign.pem, caPEM: try fixture.caPEM, crlPEM: try fixture.crlPEM,
            at: issueTime.addingTimeInterval(day))
        #expect(verdict == .unknownCA)
    }

    @Test("another CA with the same name is unknownCA")
    func sameNameOtherCA() throws {
        let fixture = try Fixture()
        let impostor = try makeAuthority()
        let forged = try impostor.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 365)
        let verdict = PeerIdentity.verify(
            certificatePEM: forged.pem, caPEM: try fixture.caPEM, crlPEM: try fixture.crlPEM,
            at: issueTime.addingTimeInterval(day))
        #expect(verdict == .unknownCA)
    }

    @Test("revoked by serial")
    func revokedBySerial() throws {
        let fixture = try Fixture()
        let record = try fixture.authority.revoke(serial: fixture.issued.record.serial)
        #expect(record.revokedAt == issueTime)
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(day)) == .revoked)
    }

    @Test("revoked by common name")
    func revokedByName() throws {
        let fixture = try Fixture()
        let records = try fixture.authority.revoke(commonName: "site-a")
        #expect(records.map(\.serial) == [fixture.issued.record.serial])
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(day)) == .revoked)
    }

    @Test("revoking twice or unknown is rejected")
    func revokeErrors() throws {
        let fixture = try Fixture()
        try fixture.authority.revoke(serial: 2)
        #expect(throws: IdentityError.alreadyRevoked(serial: 2, revokedAt: issueTime)) {
            try fixture.authority.revoke(serial: 2)
        }
        #expect(throws: IdentityError.unknownSerial(99, directory: fixture.authority.directory)) {
            try fixture.authority.revoke(serial: 99)
        }
        #expect(throws: IdentityError.unknownCommonName("site-a", directory: fixture.authority.directory)) {
            try fixture.authority.revoke(commonName: "site-a")
        }
    }

    @Test("revocation leaves other certificates valid")
    func revocationIsSelective() throws {
        let fixture = try Fixture()
        let other = try fixture.authority.sign(csrPEM: try makeRequest("site-b").csrPEM, role: .site, validityDays: 365)
        try fixture.authority.revoke(serial: fixture.issued.record.serial)
        let verdict = PeerIdentity.verify(
            certificatePEM: other.pem, caPEM: try fixture.caPEM, crlPEM: try fixture.crlPEM,
            at: issueTime.addingTimeInterval(day))
        #expect(verdict.isValid)
    }

    @Test("expired after its validity")
    func expiredLater() throws {
        let fixture = try Fixture()
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(366 * day)) == .expired)
    }

    @Test("issued in the past is expired now")
    func expiredNow() throws {
        let twoYearsAgo = Date().addingTimeInterval(-730 * day)
        let authority = try makeAuthority(at: twoYearsAgo)
        let issued = try authority.sign(csrPEM: try makeRequest("site-a").csrPEM, role: .site, validityDays: 30)
        let verdict = PeerIdentity.verify(
            certificatePEM: issued.pem, caPEM: try authority.certificatePEMText(), crlPEM: try authority.crlPEMText(),
            at: Date())
        #expect(verdict == .expired)
    }

    @Test("revoked and expired reads as revoked")
    func revokedAndExpired() throws {
        let fixture = try Fixture()
        try fixture.authority.revoke(serial: fixture.issued.record.serial)
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(400 * day)) == .revoked)
    }

    @Test("before its validity is notYetValid")
    func notYetValid() throws {
        let fixture = try Fixture()
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(-day)) == .notYetValid)
    }

    @Test("role outside the allowed set")
    func wrongRole() throws {
        let fixture = try Fixture(role: .auditor)
        let verdict = try fixture.verify(at: issueTime.addingTimeInterval(day), allowedRoles: [.site, .operator])
        #expect(verdict == .wrongRole(commonName: "site-a", role: .auditor))
        #expect(try fixture.verify(at: issueTime.addingTimeInterval(day), allowedRoles: [.auditor]).isValid)
    }

    @Test("CRL from another CA is invalid")
    func foreignCRL() throws {
        let fixture = try Fixture()
        let other = try makeAuthority(name: "Another Consortium")
        let verdict = PeerIdentity.verify(
            certificatePEM: fixture.issued.pem, caPEM: try fixture.caPEM, crlPEM: try other.crlPEMText(),
            at: issueTime.addingTimeInterval(day))
        guard case .invalid = verdict else {
            Issue.record("expected .invalid, got \(verdict)")
            return
        }
    }

    @Test("unparsable certificate is invalid")
    func garbage() throws {
        let fixture = try Fixture()
        let verdict = PeerIdentity.verify(
            certificatePEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", caPEM: try fixture.caPEM,
            crlPEM: try fixture.crlPEM, at: issueTime)
        guard case .invalid = verdict else {
            Issue.record("expected .invalid, got \(verdict)")
            return
        }
    }

    @Test("trust store reused across certificates")
    func trustStore() throws {
        let fixture = try Fixture()
        let store = try TrustStore(authority: fixture.authority)
        #expect(store.verify(certificatePEM: fixture.issued.pem, at: issueTime.addingTimeInterval(day)).isValid)
        #expect(store.verify(certificatePEM: fixture.issued.pem, at: issueTime.addingTimeInterval(400 * day)) == .expired)
    }

    @Test("DNS and IP names round-trip")
    func alternativeNames() throws {
        let fixture = try Fixture(
            role: .server, alternativeNames: ["Coordinator.Example.org", "localhost", "127.0.0.1", "::1", "2001:DB8:0:0::1"])
        let identity = try PeerIdentity(pem: fixture.issued.pem)
        #expect(
            identity.subjectAlternativeNames == [
                .dns("coordinator.example.org"), .dns("localhost"), .ipAddress("127.0.0.1"), .ipAddress("::1"),
                .ipAddress("2001:db8::1"),
            ])
        #expect(
            fixture.issued.record.subjectAlternativeNames == [
                "DNS:coordinator.example.org", "DNS:localhost", "IP:127.0.0.1", "IP:::1", "IP:2001:db8::1",
            ])
    }

    @Test(
        "invalid alternative names are rejected",
        arguments: ["", "a,IP:1.2.3.4", "-bad.example", "under_score.example", "a..b", "1.2.3.256", "host name"])
    func invalidAlternativeName(name: String) throws {
        #expect(throws: IdentityError.invalidSubjectAlternativeName(name)) {
            try SubjectAlternativeName(parsing: name)
        }
    }
}
