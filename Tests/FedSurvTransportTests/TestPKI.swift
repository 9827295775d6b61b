import Foundation

nonisolated(unsafe) private var folderToRemove: String?

/// Certificates for the transport tests, made once per test process with the
/// `openssl` command in a fresh temporary folder.
///
/// - CA `ca` issues: `server` (SAN IP:127.0.0.1, DNS:localhost), `otherServer`
///   (SAN DNS:other.example only), `site` (CN=site-a, OU=site), `auditor`
///   (CN=auditor-1, OU=auditor), `revoked` (listed in `crl`) and `expired`
///   (valid only on 2020-01-01).
/// - CA `otherCA` issues `foreignSite`, which the server must not trust.
final class TestPKI: Sendable {
    struct Credential: Sendable {
        let certificate: String
        let key: String
    }

    let folder: URL
    let caPath: String
    let otherCAPath: String
    let crlPath: String
    /// A CRL of `ca` issued before `revoked` was revoked, so it lists no certificate.
    let crlBeforeRevocationPath: String
    let server: Credential
    let otherServer: Credential
    let site: Credential
    let auditor: Credential
    let revoked: Credential
    let expired: Credential
    let foreignSite: Credential

    static let shared: Result<TestPKI, Error> = Result { try TestPKI() }

    static func make() throws -> TestPKI {
        try shared.get()
    }

    private init() throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedsurv-transport-pki-\(UUID().uuidString)")
        folder = root
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("issued"), withIntermediateDirectories: true)
        Self.removeAtExit(root)
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }

        try Data().write(to: URL(fileURLWithPath: path("index.txt")))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: path("serial")))
        try Data("01\n".utf8).write(to: URL(fileURLWithPath: path("crlnumber")))
        try Data(Self.configuration(folder: root.path).utf8).write(to: URL(fileURLWithPath: path("openssl.cnf")))
        let config = path("openssl.cnf")

        // 1) The two CAs, self-signed.
        for name in ["ca", "other-ca"] {
            try Self.openssl(
                "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2",
                "-subj", "/CN=FedSurv test \(name)", "-config", config, "-extensions", "v3_ca")
        }
        caPath = path("ca.pem")
        otherCAPath = path("other-ca.pem")

        // 2) Certificates of the main CA through `openssl ca`, which keeps the index the CRL needs.
        func issue(
            _ name: String, subject: String, extensions: String, validity: [String] = ["-days", "2"]
        ) throws -> Credential {
            try Self.openssl(
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject, "-config", config)
            try Self.openssl(
                ["ca", "-batch", "-notext", "-config", config, "-extensions", extensions, "-in", path("\(name).csr"),
                 "-out", path("\(name).pem")] + validity)
            return Credential(certificate: path("\(name).pem"), key: path("\(name).key"))
        }
        server = try issue("server", subject: "/CN=coordinator", extensions: "server")
        otherServer = try issue("other-server", subject: "/CN=other", extensions: "other_server")
        site = try issue("site", subject: "/CN=site-a/OU=site", extensions: "client")
        auditor = try issue("auditor", subject: "/CN=auditor-1/OU=auditor", extensions: "client")
        revoked = try issue("revoked", subject: "/CN=site-revoked/OU=site", extensions: "client")
        expired = try issue(
            "expired", subject: "/CN=site-expired/OU=site", extensions: "client",
            validity: ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"])

        // 3) A CRL from before the revocation, then revoke one and publish the CRL.
        try Self.openssl("ca", "-batch", "-config", config, "-gencrl", "-out", path("crl-before.pem"))
        crlBeforeRevocationPath = path("crl-before.pem")
        try Self.openssl("ca", "-batch", "-config", config, "-revoke", revoked.certificate)
        try Self.openssl("ca", "-batch", "-config", config, "-gencrl", "-out", path("crl.pem"))
        crlPath = path("crl.pem")

        // 4) A client of the other CA.
        try Self.openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("foreign.key"), "-out", path("foreign.csr"), "-subj", "/CN=site-foreign/OU=site",
            "-config", config)
        try Self.openssl(
            "x509", "-req", "-in", path("foreign.csr"), "-CA", otherCAPath, "-CAkey", path("other-ca.key"),
            "-set_serial", "77", "-days", "2", "-extfile", config, "-extensions", "client", "-out",
            path("foreign.pem"))
        foreignSite = Credential(certificate: path("foreign.pem"), key: path("foreign.key"))
    }

    /// Returns `sha256//<base64>` of a certificate's public key, the CURLOPT_PINNEDPUBLICKEY form.
    func publicKeyPin(of certificatePath: String) throws -> String {
        let der = folder.appendingPathComponent("pin-\(UUID().uuidString).der").path
        try Self.openssl("x509", "-in", certificatePath, "-pubkey", "-noout", "-out", der + ".pem")
        try Self.openssl("pkey", "-pubin", "-in", der + ".pem", "-outform", "DER", "-out", der)
        try Self.openssl("dgst", "-sha256", "-binary", "-out", der + ".sha256", der)
        let digest = try Data(contentsOf: URL(fileURLWithPath: der + ".sha256"))
        return "sha256//" + digest.base64EncodedString()
    }

    /// Removes the folder when the test process exits, because the shared instance is never deinitialized.
    private static func removeAtExit(_ folder: URL) {
        folderToRemove = folder.path
        atexit {
            if let folder = folderToRemove { try? FileManager.default.removeItem(atPath: folder) }
        }
    }

    private static func openssl(_ arguments: String...) throws {
        try openssl(arguments)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            struct OpenSSLFailed: Error, CustomStringConvertible { let description: String }
            throw OpenSSLFailed(
                description: "openssl \(arguments.joined(separator: " ")) failed: "
                    + String(decoding: message, as: UTF8.self))
        }
    }

    private static func configuration(folder: String) -> String {
        """
        [ req ]
        distinguished_name = request_dn
        prompt = no

        [ request_dn ]
        CN = unused

        [ v3_ca ]
        basicConstraints = critical,CA:TRUE
        keyUsage = critical,keyCertSign,cRLSign
        subjectKeyIdentifier = hash

        [ server ]
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = IP:127.0.0.1,DNS:localhost

        [ other_server ]
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:other.example

        [ client ]
        basicConstraints = CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = clientAuth

        [ ca ]
        default_ca = test_ca

        [ test_ca ]
        database = \(folder)/index.txt
        new_certs_dir = \(folder)/issued
        serial = \(folder)/serial
        crlnumber = \(folder)/crlnumber
        certificate = \(folder)/ca.pem
        private_key = \(folder)/ca.key
        default_md = sha256
        default_days = 2
        default_crl_days = 2
        policy = any_name
        unique_subject = no
        copy_extensions = none

        [ any_name ]
        commonName = supplied
        organizationalUnitName = optional

        """
    }
}
