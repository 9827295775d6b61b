import COpenSSL
import Foundation

/// The identity in a certificate: common name, role, serial, validity and subject alternative names.
///
/// Parsing does not verify anything. Use `PeerIdentity.verify` or `TrustStore`
/// for a certificate from the network, or read the identity of a peer that
/// OpenSSL's TLS handshake already verified against a `TrustStore`.
public struct PeerIdentity: Sendable, Equatable {
    public let commonName: String
    public let role: Role
    public let serial: UInt64
    public let notBefore: Date
    public let notAfter: Date
    public let subjectAlternativeNames: [SubjectAlternativeName]

    /// Reads the identity from an OpenSSL `X509 *`, which the caller keeps owning.
    ///
    /// The role is the subject's OU, and the extended key usage must agree with
    /// it: `serverAuth` for `server`, `clientAuth` for every other role.
    ///
    /// - Throws: `IdentityError.missingRole` when the OU is absent, unknown or
    ///   contradicted, and `.invalidCommonName` without a CN. Throws `.openSSL`
    ///   for a serial beyond 64 bits or an unreadable time.
    public init(certificate: OpaquePointer) throws(IdentityError) {
        let subject = X509_get_subject_name(certificate)
        guard let commonName = nameEntry(subject, nid: NID_commonName) else {
            throw IdentityError.invalidCommonName("", reason: "the certificate's subject has no CN")
        }
        guard let unit = nameEntry(subject, nid: NID_organizationalUnitName) else {
            throw IdentityError.missingRole(commonName: commonName, reason: "the subject has no OU")
        }
        guard let role = Role(rawValue: unit) else {
            let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
            throw IdentityError.missingRole(commonName: commonName, reason: "OU '\(unit)' is none of \(known)")
        }
        let usage = X509_get_extended_key_usage(certificate)
        let required = UInt32(role.isServer ? XKU_SSL_SERVER : XKU_SSL_CLIENT)
        guard usage & required != 0 else {
            let name = role.isServer ? "serverAuth" : "clientAuth"
            throw IdentityError.missingRole(
                commonName: commonName, reason: "role \(role) needs extended key usage \(name), which is absent")
        }
        guard let serial = uint64(X509_get0_serialNumber(certificate)) else {
            throw IdentityError.openSSL(operation: "read the serial of '\(commonName)' as a 64-bit number", detail: openSSLErrors())
        }

        self.commonName = commonName
        self.role = role
        self.serial = serial
        self.notBefore = try date(from: X509_get0_notBefore(certificate))
        self.notAfter = try date(from: X509_get0_notAfter(certificate))
        self.subjectAlternativeNames = alternativeNames(of: certificate)
    }

    /// Reads the identity from a PEM certificate.
    public init(pem: String) throws(IdentityError) {
        let certificate = try parseCertificate(pem, source: "the certificate")
        defer { X509_free(certificate) }
        try self.init(certificate: certificate)
    }
}

/// Returns the DNS names and IP addresses in the certificate's subjectAltName extension.
func alternativeNames(of certificate: OpaquePointer) -> [SubjectAlternativeName] {
    guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
    // The extension decodes to GENERAL_NAMES, a STACK_OF(GENERAL_NAME).
    let names = OpaquePointer(raw)
    defer { GENERAL_NAMES_free(names) }
    var result: [SubjectAlternativeName] = []
    for position in 0..<OPENSSL_sk_num(names) {
        guard let element = OPENSSL_sk_value(names, position) else { continue }
        let name = element.assumingMemoryBound(to: GENERAL_NAME.self).pointee
        switch name.type {
        case GEN_DNS:
            if let text = asn1Bytes(name.d.dNSName) {
                result.append(.dns(String(decoding: text, as: UTF8.self)))
            }
        case GEN_IPADD:
            if let bytes = asn1Bytes(name.d.iPAddress) {
                let family = bytes.count == 4 ? AF_INET : AF_INET6
                if bytes.count == 4 || bytes.count == 16,
                    let address = bytes.withUnsafeBytes({ formatAddress(family: family, $0.baseAddress!, length: bytes.count) })
                {
                    result.append(.ipAddress(address))
                }
            }
        default:
            continue
        }
    }
    return result
}

private func asn1Bytes(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> [UInt8]? {
    guard let string, let data = ASN1_STRING_get0_data(string) else { return nil }
    return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
}
