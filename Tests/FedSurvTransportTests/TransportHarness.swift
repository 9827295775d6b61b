import FedSurvCore
import Foundation
@testable import FedSurvTransport

/// What the `whoami` route returns: the identity the server saw.
struct WhoAmI: Codable, Equatable {
    var commonName: String
    var role: String?
    var serialNumber: String
    var fingerprintSHA256: String
}

/// Servers and clients on 127.0.0.1 with the test certificates.
enum Harness {
    static let logger = Logger(label: "transport-test", level: .warning)

    /// Starts a server with the `whoami`, `echo` and `rounds` routes.
    static func startServer(
        _ pki: TestPKI, certificate: TestPKI.Credential? = nil, crl: Bool = true, crlPath: String? = nil,
        maxBodySize: Int = 1 << 20,
        timeout: Double = 5, extraRoutes: (HTTPSServer) throws -> Void = { _ in }
    ) throws -> HTTPSServer {
        let credential = certificate ?? pki.server
        let server = try HTTPSServer(
            configuration: .init(
                certificatePath: credential.certificate, privateKeyPath: credential.key, clientCAPath: pki.caPath,
                crlPath: crl ? (crlPath ?? pki.crlPath) : nil, host: "127.0.0.1", port: 0, maxBodySize: maxBodySize,
                timeout: timeout, logger: logger))
        try server.register(method: .get, path: "/v1/whoami") { request in
            let peer = request.peer
            return (try? Response.json(
                WhoAmI(
                    commonName: peer.commonName, role: peer.role, serialNumber: peer.serialNumber,
                    fingerprintSHA256: peer.fingerprintSHA256)))
                ?? Response.error(500, "encoding failed")
        }
        try server.register(method: .post, path: "/v1/echo") { request in
            Response(
                status: 200,
                headers: [
                    "Content-Type": request.header("content-type") ?? "application/octet-stream",
                    "X-Peer-CN": request.peer.commonName,
                ],
                body: request.body)
        }
        try server.register(method: .get, path: "/v1/rounds/{round}") { request in
            var fields = request.query
            fields["round"] = request.pathParameters["round"]
            return (try? Response.json(fields)) ?? Response.error(500, "encoding failed")
        }
        try extraRoutes(server)
        try server.start()
        return server
    }

    static func client(
        _ pki: TestPKI, port: Int, credential: TestPKI.Credential?, caPath: String? = nil, host: String = "127.0.0.1",
        proxy: HTTPSClient.Proxy = .direct, totalTimeout: Double = 10, pinnedPublicKey: String? = nil
    ) throws -> HTTPSClient {
        try HTTPSClient(
            configuration: .init(
                baseURL: "https://\(host):\(port)", caPath: caPath ?? pki.caPath,
                certificatePath: credential?.certificate, privateKeyPath: credential?.key, connectTimeout: 5,
                totalTimeout: totalTimeout, proxy: proxy, pinnedPublicKey: pinnedPublicKey, logger: logger))
    }

    /// Waits up to `timeout` seconds for the server to record `count` handshake failures.
    static func handshakeFailures(of server: HTTPSServer, count: Int = 1, timeout: Double = 3) -> [TLSHandshakeFailure] {
        let deadline = Date().addingTimeInterval(timeout)
        while server.recentHandshakeFailures.count < count && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return server.recentHandshakeFailures
    }

    /// Returns the error `body` throws, or nil when it succeeds.
    static func transportError<T>(_ body: () throws -> T) -> TransportError? {
        do {
            _ = try body()
            return nil
        } catch let error as TransportError {
            return error
        } catch {
            return .invalidConfiguration("unexpected error type: \(error)")
        }
    }
}

extension TransportError {
    var isTLSFailure: Bool {
        if case .tlsFailed = self { return true }
        return false
    }

    /// What a client sees when the server rejects its certificate in TLS 1.3:
    /// usually the server's alert (`tlsFailed`), but when the server closes
    /// the connection before curl reads the alert, a `connectionFailed`.
    var isRejectedHandshake: Bool {
        switch self {
        case .tlsFailed, .connectionFailed: true
        default: false
        }
    }

    var status: Int? {
        if case .httpStatus(_, let status, _) = self { return status }
        return nil
    }
}
