import FedSurvCore
import Foundation
import Testing

@testable import FedSurvTransport

/// End-to-end tests on 127.0.0.1. Serialized, because the proxy test sets
/// `HTTPS_PROXY` for the whole process and libcurl reads it on every transfer.
@Suite(.serialized)
struct HTTPSTransportTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.make()
    }

    // MARK: - Mutual TLS round trips

    @Test("GET sees peer CN and role")
    func getSeesPeer() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }

        for (credential, name, role) in [(pki.site, "site-a", "site"), (pki.auditor, "auditor-1", "auditor")] {
            let client = try Harness.client(pki, port: server.port, credential: credential)
            let response = try client.get("/v1/whoami")
            let seen = try JSONDecoder().decode(WhoAmI.self, from: Data(response.body))
            #expect(response.status == 200)
            #expect(seen.commonName == name)
            #expect(seen.role == role)
            #expect(seen.fingerprintSHA256.count == 64)
            #expect(!seen.serialNumber.isEmpty)
        }
        #expect(server.statistics.handledRequests == 2)
    }

    @Test("POST echoes body and headers")
    func postEchoes() throws {
        let server = try Harness.startServer(pki, maxBodySize: 8 << 20)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)
        // 3 MiB: above curl's 1 MiB threshold for `Expect: 100-continue`, which libevent accepts with `100 Continue` at once.
        let body = Array((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })

        let started = Date()
        let response = try client.post("/v1/echo", body: body, contentType: "application/octet-stream")
        let elapsed = Date().timeIntervalSince(started)

        #expect(response.status == 200)
        #expect(response.body == body)
        #expect(response.header("x-peer-cn") == "site-a")
        #expect(response.header("Content-Type") == "application/octet-stream")
        #expect(elapsed < 0.9, "a 3 MiB echo took \(elapsed) s; curl's 1 s Expect wait would show here")
    }

    @Test("path parameters and query")
    func pathParametersAndQuery() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        let response = try client.get("/v1/rounds/7?site=a%20b&flag")
        let fields = try JSONDecoder().decode([String: String].self, from: Data(response.body))

        #expect(fields == ["round": "7", "site": "a b", "flag": ""])
    }

    @Test("localhost name matches SAN")
    func localhostName() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site, host: "localhost")
        // localhost may resolve to ::1 first; curl then falls back to 127.0.0.1.
        #expect(try client.get("/v1/whoami").status == 200)
    }

    // MARK: - Rejections at the HTTP layer

    @Test("unknown path gets JSON 404")
    func unknownPath() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        let response = try client.send(method: .get, path: "/v1/nothing-here")
        let error = Harness.transportError { try client.get("/v1/nothing-here") }

        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.errorMessage == "no route for /v1/nothing-here")
        #expect(error?.status == 404)
        #expect(server.statistics.rejectedRequests == 2)
    }

    @Test("wrong method gets 405 with Allow")
    func wrongMethod() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        let response = try client.send(method: .post, path: "/v1/whoami", body: [], contentType: "application/json")

        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET")
        #expect(response.errorMessage == "method POST is not allowed on /v1/whoami")
    }

    @Test("oversized body gets 413")
    func oversizedBody() throws {
        let handlerCalls = Counter()
        let server = try Harness.startServer(pki, maxBodySize: 1024) { server in
            try server.register(method: .post, path: "/v1/upload") { _ in
                handlerCalls.increment()
                return Response(status: 204)
            }
        }
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        let small = try client.send(method: .post, path: "/v1/upload", body: [UInt8](repeating: 1, count: 1000))
        let large = try client.send(method: .post, path: "/v1/upload", body: [UInt8](repeating: 1, count: 64 * 1024))
        // curl 7.88 sends `Expect: 100-continue` above 1 MiB. libevent sends no `100 Continue` for an
        // oversized body, so curl sends the body after its 1 s wait and then gets the 413.
        let huge = try client.send(method: .post, path: "/v1/upload", body: [UInt8](repeating: 1, count: 2 << 20))

        #expect(small.status == 204)
        #expect(large.status == 413)
        #expect(large.header("Connection") == "close")
        #expect(huge.status == 413)
        #expect(handlerCalls.value == 1)
        #expect(server.statistics.rejectedRequests == 2)
    }

    // MARK: - Rejections at the TLS layer

    @Test("client without certificate rejected")
    func noClientCertificate() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: nil)

        let error = Harness.transportError { try client.get("/v1/whoami") }
        let failures = Harness.handshakeFailures(of: server)

        #expect(error?.isRejectedHandshake == true, "got \(String(describing: error))")
        #expect(failures.count == 1)
        #expect(failures.first?.alert == "certificate required")
        #expect(failures.first?.alertCode == 116)
        #expect(failures.first?.sentByServer == true)
        #expect(failures.first?.peerAddress.hasPrefix("127.0.0.1:") == true)
    }

    @Test(
        "bad client certificates rejected",
        arguments: [
            ("other CA", \TestPKI.foreignSite, "unable to get local issuer certificate", "CN=site-foreign"),
            ("revoked", \TestPKI.revoked, "certificate revoked", "CN=site-revoked"),
            ("expired", \TestPKI.expired, "certificate has expired", "CN=site-expired"),
        ])
    func badClientCertificate(
        label: String, credential: KeyPath<TestPKI, TestPKI.Credential> & Sendable, verifyError: String,
        subjectCN: String
    ) throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki[keyPath: credential])

        let error = Harness.transportError { try client.get("/v1/whoami") }
        let failures = Harness.handshakeFailures(of: server)

        #expect(error?.isRejectedHandshake == true, "\(label): got \(String(describing: error))")
        #expect(failures.count == 1, "\(label)")
        #expect(failures.first?.verifyError == verifyError, "\(label)")
        #expect(failures.first?.certificateSubject?.contains(subjectCN) == true, "\(label)")
        #expect(failures.first?.sentByServer == true, "\(label)")
        #expect(server.statistics.handshakeFailures == 1, "\(label)")
        #expect(server.statistics.handledRequests == 0, "\(label)")
    }

    @Test("CRL reload rejects newly revoked")
    func crlReload() throws {
        let crlCopy = pki.folder.appendingPathComponent("crl-reload-\(UUID().uuidString).pem")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: pki.crlBeforeRevocationPath), to: crlCopy)
        let server = try Harness.startServer(pki, crlPath: crlCopy.path)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.revoked)
        let before = try client.get("/v1/whoami")

        try FileManager.default.removeItem(at: crlCopy)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: pki.crlPath), to: crlCopy)
        try server.reloadTLS()
        let error = Harness.transportError { try client.get("/v1/whoami") }
        let failures = Harness.handshakeFailures(of: server)

        #expect(before.status == 200)
        #expect(error?.isRejectedHandshake == true, "got \(String(describing: error))")
        #expect(failures.first?.verifyError == "certificate revoked")
    }

    @Test("server from another CA rejected by client")
    func untrustedServer() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site, caPath: pki.otherCAPath)

        let error = Harness.transportError { try client.get("/v1/whoami") }
        let failures = Harness.handshakeFailures(of: server)

        #expect(error?.isTLSFailure == true, "got \(String(describing: error))")
        #expect(failures.first?.sentByServer == false)
        #expect(failures.first?.alert == "unknown CA")
    }

    @Test("server name mismatch rejected")
    func nameMismatch() throws {
        let server = try Harness.startServer(pki, certificate: pki.otherServer)
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        let error = Harness.transportError { try client.get("/v1/whoami") }

        #expect(error?.isTLSFailure == true, "got \(String(describing: error))")
        #expect(error?.description.contains("127.0.0.1") == true, "got \(String(describing: error))")
    }

    @Test("public key pin enforced")
    func publicKeyPin() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let rightPin = try pki.publicKeyPin(of: pki.server.certificate)
        let wrongPin = try pki.publicKeyPin(of: pki.otherServer.certificate)
        let pinned = try Harness.client(pki, port: server.port, credential: pki.site, pinnedPublicKey: rightPin)
        let mispinned = try Harness.client(pki, port: server.port, credential: pki.site, pinnedPublicKey: wrongPin)

        let error = Harness.transportError { try mispinned.get("/v1/whoami") }

        #expect(try pinned.get("/v1/whoami").status == 200)
        #expect(error?.isTLSFailure == true, "got \(String(describing: error))")
    }

    // MARK: - Timeouts and connection errors

    @Test("slow handler hits client timeout")
    func clientTimeout() throws {
        let server = try Harness.startServer(pki) { server in
            try server.register(method: .get, path: "/v1/slow") { _ in
                Thread.sleep(forTimeInterval: 0.5)
                return Response(status: 204)
            }
        }
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site, totalTimeout: 0.2)

        let error = Harness.transportError { try client.get("/v1/slow") }

        guard case .timedOut = error else {
            Issue.record("expected timedOut, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
    }

    @Test("closed port is a transient connection failure")
    func closedPort() throws {
        let server = try Harness.startServer(pki)
        let port = server.port
        server.stop()
        let client = try Harness.client(pki, port: port, credential: pki.site)

        let error = Harness.transportError { try client.get("/v1/whoami") }

        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
    }

    @Test("idle connection closed after timeout")
    func idleTimeout() throws {
        let server = try Harness.startServer(pki, timeout: 0.3)
        defer { server.stop() }
        let socket = try RawSocket(port: server.port)
        defer { socket.close() }

        let started = Date()
        let closed = socket.waitForClose(timeout: 3)
        let elapsed = Date().timeIntervalSince(started)

        #expect(closed)
        #expect(elapsed >= 0.25, "closed after \(elapsed) s")
        #expect(elapsed < 2.0, "closed after \(elapsed) s")
    }

    // MARK: - Proxies

    @Test("explicit proxy option tunnels")
    func explicitProxy() throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site, proxy: .url(proxy.url))

        let response = try client.get("/v1/whoami")

        #expect(response.status == 200)
        #expect(proxy.connectTargets == ["127.0.0.1:\(server.port)"])
    }

    @Test("proxy environment variable tunnels", arguments: ["HTTPS_PROXY", "https_proxy"])
    func environmentProxy(variable: String) throws {
        let server = try Harness.startServer(pki)
        defer { server.stop() }
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let names = ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
        let saved: [(String, String?)] = names.map { name in (name, ProcessInfo.processInfo.environment[name]) }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        for (name, _) in saved { unsetenv(name) }
        setenv(variable, proxy.url, 1)
        let client = try Harness.client(pki, port: server.port, credential: pki.site, proxy: .environment)
        let direct = try Harness.client(pki, port: server.port, credential: pki.site, proxy: .direct)

        let viaProxy = try client.get("/v1/whoami")
        let bypassing = try direct.get("/v1/whoami")

        #expect(viaProxy.status == 200)
        #expect(bypassing.status == 200)
        // One CONNECT: the `.direct` client ignored the variable.
        #expect(proxy.connectTargets == ["127.0.0.1:\(server.port)"])
    }

    // MARK: - Concurrency

    @Test("8 clients in parallel")
    func parallelClients() throws {
        let active = Counter()
        let peak = Counter()
        let server = try Harness.startServer(pki) { server in
            try server.register(method: .post, path: "/v1/work") { request in
                let now = active.increment()
                peak.raise(to: now)
                Thread.sleep(forTimeInterval: 0.2)
                active.decrement()
                return Response(status: 200, body: request.body.reversed())
            }
        }
        defer { server.stop() }
        let results = Results()

        let started = Date()
        let finished = DispatchGroup()
        for index in 0..<8 {
            let credential = index.isMultiple(of: 2) ? pki.site : pki.auditor
            let port = server.port
            finished.enter()
            // Threads, not concurrentPerform, whose width is the number of cores.
            Thread.detachNewThread { [pki] in
                let outcome = Result {
                    let client = try Harness.client(pki, port: port, credential: credential)
                    return try client.post("/v1/work", body: Array("request-\(index)".utf8)).body
                }
                results.store(index, outcome)
                finished.leave()
            }
        }
        finished.wait()
        let elapsed = Date().timeIntervalSince(started)
        print("8 parallel clients: \(String(format: "%.3f", elapsed)) s, peak concurrent handlers \(peak.value)")

        for index in 0..<8 {
            let body = try results.get(index).get()
            #expect(body == Array("request-\(index)".utf8).reversed(), "client \(index)")
        }
        // Eight handler threads (the default) each sleep 0.2 s; serial handling would need 1.6 s.
        #expect(peak.value >= 4, "peak concurrent handlers \(peak.value), elapsed \(elapsed) s")
        #expect(server.statistics.handledRequests == 8)
    }

    @Test("stop is idempotent and restart works")
    func restart() throws {
        let server = try Harness.startServer(pki)
        server.stop()
        server.stop()
        try server.start()
        defer { server.stop() }
        let client = try Harness.client(pki, port: server.port, credential: pki.site)

        #expect(try client.get("/v1/whoami").status == 200)
    }

    // MARK: - Configuration errors

    @Test("missing certificate file named")
    func missingFile() throws {
        let error = Harness.transportError {
            try HTTPSServer(
                configuration: .init(
                    certificatePath: "/nonexistent/server.pem", privateKeyPath: pki.server.key,
                    clientCAPath: pki.caPath))
        }
        guard case .fileNotReadable(let path, let purpose) = error else {
            Issue.record("expected fileNotReadable, got \(String(describing: error))")
            return
        }
        #expect(path == "/nonexistent/server.pem")
        #expect(purpose == "server certificate")
    }

    @Test("client configuration errors")
    func clientConfigurationErrors() throws {
        let plainURL = Harness.transportError {
            try HTTPSClient(configuration: .init(baseURL: "http://127.0.0.1:1", caPath: pki.caPath))
        }
        let missingKey = Harness.transportError {
            try HTTPSClient(
                configuration: .init(
                    baseURL: "https://127.0.0.1:1", caPath: pki.caPath, certificatePath: pki.site.certificate))
        }
        let missingCA = Harness.transportError {
            try HTTPSClient(configuration: .init(baseURL: "https://127.0.0.1:1", caPath: "/nonexistent/ca.pem"))
        }
        let client = try Harness.client(pki, port: 1, credential: pki.site)
        let getWithBody = Harness.transportError { try client.send(method: .get, path: "/v1/x", body: [1]) }

        #expect(plainURL?.description.contains("must start with https://") == true)
        #expect(missingKey?.description.contains("set both the client certificate and its private key") == true)
        #expect(missingCA?.description.contains("/nonexistent/ca.pem") == true)
        #expect(getWithBody?.description.contains("cannot carry a body") == true)
    }

    @Test("mismatched server key rejected at start")
    func mismatchedKey() throws {
        let server = try HTTPSServer(
            configuration: .init(
                certificatePath: pki.server.certificate, privateKeyPath: pki.site.key, clientCAPath: pki.caPath,
                logger: Harness.logger))
        let error = Harness.transportError { try server.start() }
        guard case .tlsConfigurationFailed = error else {
            Issue.record("expected tlsConfigurationFailed, got \(String(describing: error))")
            return
        }
    }
}

// MARK: - Test helpers

/// A thread-safe integer.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    @discardableResult
    func increment() -> Int { lock.withLock { count += 1; return count } }

    func decrement() { lock.withLock { count -= 1 } }

    func raise(to candidate: Int) { lock.withLock { count = max(count, candidate) } }
}

/// Per-index results filled from several threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int: Result<[UInt8], Error>] = [:]

    func store(_ index: Int, _ result: Result<[UInt8], Error>) { lock.withLock { storage[index] = result } }

    func get(_ index: Int) -> Result<[UInt8], Error> {
        lock.withLock { storage[index] ?? .failure(ProxyError("no result for client \(index)")) }
    }
}

/// A plain TCP connection to 127.0.0.1 that sends nothing.
struct RawSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else { throw ProxyError("connect to 127.0.0.1:\(port) failed: errno \(errno)") }
    }

    /// Returns true when the peer closes the connection within `timeout` seconds.
    func waitForClose(timeout: Double) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) <= 0
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
