import COpenSSL
import Foundation

// Small wrappers over OpenSSL 3: PEM through memory BIOs, the error queue,
// P-256 key generation, ASN.1 times and names.

/// Drains OpenSSL's error queue of this thread into one line.
func openSSLErrors() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages.joined(separator: "; ")
}

func openSSLError(_ operation: String) -> IdentityError {
    .openSSL(operation: operation, detail: openSSLErrors())
}

// MARK: - PEM

/// Runs `write` on a memory BIO and returns what it wrote.
func writePEM(_ operation: String, _ write: (OpaquePointer) -> Int32) throws(IdentityError) -> String {
    guard let bio = BIO_new(BIO_s_mem()) else { throw openSSLError("allocate a memory BIO") }
    defer { BIO_free(bio) }
    guard write(bio) == 1 else { throw openSSLError(operation) }
    let length = Int(BIO_ctrl_pending(bio))
    var buffer = [UInt8](repeating: 0, count: length)
    let read = BIO_read(bio, &buffer, Int32(length))
    guard read == Int32(length) else { throw openSSLError(operation) }
    return String(decoding: buffer, as: UTF8.self)
}

/// Parses the first PEM object in `pem` with `read`; `kind` and `source` name it in the error.
func readPEM(_ pem: String, kind: String, source: String, _ read: (OpaquePointer) -> OpaquePointer?)
    throws(IdentityError) -> OpaquePointer
{
    let bytes = Array(pem.utf8)
    let object: OpaquePointer? = bytes.withUnsafeBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
        defer { BIO_free(bio) }
        return read(bio)
    }
    guard let object else {
        _ = openSSLErrors()
        throw IdentityError.invalidPEM(kind: kind, source: source)
    }
    return object
}

func parseCertificate(_ pem: String, source: String) throws(IdentityError) -> OpaquePointer {
    try readPEM(pem, kind: "certificate", source: source) { PEM_read_bio_X509($0, nil, nil, nil) }
}

func parseCRL(_ pem: String, source: String) throws(IdentityError) -> OpaquePointer {
    try readPEM(pem, kind: "certificate revocation list", source: source) { PEM_read_bio_X509_CRL($0, nil, nil, nil) }
}

func parseCSR(_ pem: String, source: String) throws(IdentityError) -> OpaquePointer {
    try readPEM(pem, kind: "certificate signing request", source: source) { PEM_read_bio_X509_REQ($0, nil, nil, nil) }
}

func parsePrivateKey(_ pem: String, source: String) throws(IdentityError) -> OpaquePointer {
    try readPEM(pem, kind: "private key", source: source) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
}

func certificatePEM(_ certificate: OpaquePointer) throws(IdentityError) -> String {
    try writePEM("encode a certificate") { PEM_write_bio_X509($0, certificate) }
}

/// Encodes `key` as unencrypted PKCS #8; callers store it only in files of mode 0600.
func privateKeyPEM(_ key: OpaquePointer) throws(IdentityError) -> String {
    try writePEM("encode a private key") { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
}

// MARK: - Keys

/// Generates an ECDSA key on NIST P-256 (prime256v1).
func generateP256Key() throws(IdentityError) -> OpaquePointer {
    guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
        throw openSSLError("create an EC key context")
    }
    defer { EVP_PKEY_CTX_free(context) }
    guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
        throw openSSLError("prepare P-256 key generation")
    }
    var key: OpaquePointer?
    guard EVP_PKEY_generate(context, &key) == 1, let key else { throw openSSLError("generate a P-256 key") }
    return key
}

// MARK: - Times

/// Sets an ASN.1 time to `date`, truncated to whole seconds.
func setTime(_ time: UnsafeMutablePointer<ASN1_TIME>?, _ date: Date) throws(IdentityError) {
    guard ASN1_TIME_set(time, time_t(date.timeIntervalSince1970.rounded(.down))) != nil else {
        throw openSSLError("set a certificate time")
    }
}

func date(from time: UnsafePointer<ASN1_TIME>?) throws(IdentityError) -> Date {
    var parts = tm()
    guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { throw openSSLError("read a certificate time") }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
}

// MARK: - Names and numbers

/// Returns the UTF-8 text of the first entry with `nid` in `name`, or nil.
func nameEntry(_ name: OpaquePointer?, nid: Int32) -> String? {
    guard let name else { return nil }
    let index = X509_NAME_get_index_by_NID(name, nid, -1)
    guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry)
    else { return nil }
    var output: UnsafeMutablePointer<UInt8>?
    let length = ASN1_STRING_to_UTF8(&output, data)
    guard length >= 0, let output else { return nil }
    defer { CRYPTO_free(output, #fileID, #line) }
    return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
}

/// Adds `field=value` to `name` as UTF-8.
func addNameEntry(_ name: OpaquePointer, _ field: String, _ value: String) throws(IdentityError) {
    let bytes = Array(value.utf8)
    let status = X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0)
    guard status == 1 else { throw openSSLError("add \(field) to a certificate name") }
}

func uint64(_ integer: UnsafePointer<ASN1_INTEGER>?) -> UInt64? {
    var value: UInt64 = 0
    guard let integer, ASN1_INTEGER_get_uint64(&value, integer) == 1 else { return nil }
    return value
}

/// Adds the X.509 v3 extension `nid` with OpenSSL's configuration syntax, as in `critical,CA:TRUE`.
func addExtension(
    to certificate: OpaquePointer, nid: Int32, value: String, context: inout X509V3_CTX
) throws(IdentityError) {
    guard let fieldExtension = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
        throw openSSLError("build the \(String(cString: OBJ_nid2sn(nid))) extension '\(value)'")
    }
    defer { X509_EXTENSION_free(fieldExtension) }
    guard X509_add_ext(certificate, fieldExtension, -1) == 1 else {
        throw openSSLError("add the \(String(cString: OBJ_nid2sn(nid))) extension")
    }
}
