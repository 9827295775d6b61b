import CFedSurvShims
import COpenSSL

/// The identity in a verified client certificate, as the server saw it on the TLS connection.
///
/// The role is the certificate subject's organizational unit (OU), for example
/// `site`, `auditor` or `operator`; the consortium CA puts it there when it signs.
public struct PeerIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The subject common name (CN), for example the site identifier.
    public var commonName: String
    /// The subject organizational unit (OU), used as the role; nil when the subject has none.
    public var role: String?
    /// The certificate serial number in uppercase hexadecimal.
    public var serialNumber: String
    /// The SHA-256 digest of the DER-encoded certificate in lowercase hexadecimal.
    public var fingerprintSHA256: String
    /// The whole subject in RFC 2253 form, for logs.
    public var subject: String

    public init(commonName: String, role: String?, serialNumber: String, fingerprintSHA256: String, subject: String) {
        self.commonName = commonName
        self.role = role
        self.serialNumber = serialNumber
        self.fingerprintSHA256 = fingerprintSHA256
        self.subject = subject
    }

    public var description: String {
        "CN=\(commonName) OU=\(role ?? "-") serial=\(serialNumber)"
    }

    /// Reads the identity fields of a certificate (a `X509 *`).
    ///
    /// NOTE: FedSurvIdentity is expected to own certificate parsing; this minimal
    /// copy keeps the transport independent until the two are unified.
    static func from(certificate: OpaquePointer) -> PeerIdentity {
        let name = X509_get_subject_name(certificate)
        let commonName = X509Text.firstEntry(of: name, nid: NID_commonName) ?? ""
        let role = X509Text.firstEntry(of: name, nid: NID_organizationalUnitName)
        return PeerIdentity(
            commonName: commonName,
            role: role,
            serialNumber: X509Text.serialNumber(of: certificate),
            fingerprintSHA256: X509Text.fingerprintSHA256(of: certificate),
            subject: X509Text.oneLine(name))
    }
}

/// Text renderings of X.509 fields through OpenSSL.
enum X509Text {
    /// Returns the first entry of `nid` in an X509_NAME as UTF-8, or nil when absent.
    static func firstEntry(of name: OpaquePointer?, nid: Int32) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// Returns an X509_NAME in RFC 2253 form, for example `CN=site-a,OU=site`.
    static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, fedsurv_xn_flag_rfc2253()) >= 0 else { return "" }
        return readAll(bio)
    }

    static func serialNumber(of certificate: OpaquePointer) -> String {
        guard let serial = X509_get_serialNumber(certificate),
            let number = ASN1_INTEGER_to_BN(serial, nil)
        else { return "" }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return "" }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    static func fingerprintSHA256(of certificate: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return digest.prefix(Int(length)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    static func readAll(_ bio: OpaquePointer) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let count = BIO_read(bio, &chunk, Int32(chunk.count))
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk.prefix(Int(count)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Drains OpenSSL's thread-local error queue into one line, or returns `fallback` when it is empty.
func openSSLErrors(fallback: String = "no OpenSSL error recorded") -> String {
    var messages: [String] = []
    while case let code = ERR_get_error(), code != 0 {
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(cString(buffer))
    }
    return messages.isEmpty ? fallback : messages.joined(separator: "; ")
}

/// Decodes a NUL-terminated C string held in an array.
func cString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
