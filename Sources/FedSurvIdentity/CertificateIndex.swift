import Foundation

/// One certificate the CA issued, as `index.json` stores it.
public struct IssuedCertificateRecord: Codable, Sendable, Equatable {
    public let serial: UInt64
    public let commonName: String
    public let role: Role
    public let notBefore: Date
    public let notAfter: Date
    /// The subject alternative names in `DNS:name` and `IP:address` form.
    public let subjectAlternativeNames: [String]
    /// SHA-256 of the certificate's DER encoding, in lowercase hexadecimal.
    public let sha256Fingerprint: String
    public internal(set) var revokedAt: Date?

    /// True when the certificate is neither revoked nor expired at `date`.
    public func isLive(at date: Date) -> Bool {
        revokedAt == nil && date < notAfter
    }
}

/// The CA's list of issued certificates and its next serial number, kept as JSON.
struct CertificateIndex: Codable {
    static let formatVersion = 1

    var version = CertificateIndex.formatVersion
    var nextSerial: UInt64
    /// The number the next CRL carries in its cRLNumber extension, which RFC 5280 requires to increase.
    var nextCRLNumber: UInt64 = 1
    var certificates: [IssuedCertificateRecord]

    static func load(from path: String) throws(IdentityError) -> CertificateIndex {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw IdentityError.fileSystem(path: path, reason: "cannot read the certificate index: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let index = try decoder.decode(CertificateIndex.self, from: data)
            guard index.version == formatVersion else {
                throw IdentityError.fileSystem(
                    path: path, reason: "index format version \(index.version) is not supported; this build reads version \(formatVersion)")
            }
            return index
        } catch let error as IdentityError {
            throw error
        } catch {
            throw IdentityError.fileSystem(path: path, reason: "the certificate index is not valid JSON: \(error)")
        }
    }

    func save(to path: String) throws(IdentityError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            throw IdentityError.fileSystem(path: path, reason: "cannot encode the certificate index: \(error)")
        }
        try writeFileAtomically(path, data, mode: 0o644)
    }
}

// MARK: - Files

/// Writes `data` to a temporary file beside `path`, then renames it over `path`, so readers never see half a file.
func writeFileAtomically(_ path: String, _ data: Data, mode: mode_t) throws(IdentityError) {
    let temporary = "\(path).tmp-\(getpid())"
    try createFile(temporary, data, mode: mode, exclusive: false)
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw IdentityError.fileSystem(path: path, reason: "cannot replace the file: \(reason)")
    }
}

/// Creates `path` with `mode` set at creation (so a key is never readable by others, even briefly) and writes `data`.
///
/// With `exclusive`, an existing file is an error rather than overwritten.
func createFile(_ path: String, _ data: Data, mode: mode_t, exclusive: Bool) throws(IdentityError) {
    var flags = O_WRONLY | O_CREAT | O_TRUNC
    if exclusive { flags |= O_EXCL }
    let descriptor = open(path, flags, mode)
    guard descriptor >= 0 else {
        let reason = errno == EEXIST ? "the file already exists; move it away first" : String(cString: strerror(errno))
        throw IdentityError.fileSystem(path: path, reason: "cannot create: \(reason)")
    }
    defer { close(descriptor) }
    // open() applies the umask, so set the mode explicitly.
    guard fchmod(descriptor, mode) == 0 else {
        throw IdentityError.fileSystem(path: path, reason: "cannot set mode \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress, buffer.count) }
    guard written == data.count, fsync(descriptor) == 0 else {
        throw IdentityError.fileSystem(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
    }
}

func readTextFile(_ path: String) throws(IdentityError) -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw IdentityError.fileSystem(path: path, reason: "cannot read: \(error.localizedDescription)")
    }
}

/// An exclusive advisory lock (flock) on a file, held until `unlock`, so two CA commands do not issue the same serial.
struct FileLock {
    private let descriptor: Int32

    init(path: String) throws(IdentityError) {
        descriptor = open(path, O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else {
            throw IdentityError.fileSystem(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw IdentityError.fileSystem(path: path, reason: "cannot lock: \(reason)")
        }
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
