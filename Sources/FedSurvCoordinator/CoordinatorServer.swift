import FedSurvCore
import FedSurvTransport
import Foundation

/// The HTTPS shell around `CoordinatorService`: routes, roles and the deadline timer.
///
/// Endpoints (JSON errors `{"error": "..."}`; the role comes from the OU of the client certificate):
///
/// | method and path | role | reply |
/// |---|---|---|
/// | `GET /v1/round` | site | `RoundAssignment` JSON |
/// | `GET /v1/rounds/{n}/model` | site | safetensors of the global model round n starts from |
/// | `POST /v1/rounds/{n}/update` | site | `UpdateReceipt` JSON; body: safetensors delta |
/// | `POST /v1/rounds/{n}/decline` | site | `{"declined": n}` |
/// | `GET /v1/status` | operator | `CoordinatorStatus` JSON |
/// | `GET /v1/ledger?site=S` | auditor, operator | `[LedgerEntry]` JSON |
///
/// A site is identified by the CN of its certificate, never by a field of the request.
public final class CoordinatorServer: @unchecked Sendable {
    public let service: CoordinatorService
    public let http: HTTPSServer
    let logger: Logger
    private let tickQueue = DispatchQueue(label: "fedsurv.coordinator.tick")
    private var timer: DispatchSourceTimer?

    /// Creates the HTTPS server from the `[server]` settings and registers the routes.
    ///
    /// - Parameter port: overrides `config.server.port`, for example 0 in tests for a free port.
    public init(service: CoordinatorService, port: Int? = nil, logger: Logger = Logger(label: "fedsurv.coordinator")) throws {
        self.service = service
        self.logger = logger
        let server = service.config.server
        http = try HTTPSServer(
            configuration: .init(
                certificatePath: server.certificate, privateKeyPath: server.key, clientCAPath: server.ca,
                crlPath: server.crl, host: server.host, port: port ?? server.port, maxBodySize: server.maxBodyBytes,
                timeout: server.timeoutSeconds, logger: logger))
        try registerRoutes()
    }

    /// The listening port, valid after `start()`.
    public var port: Int { http.port }

    /// Starts listening and the deadline timer; the service must be started already.
    public func start() throws {
        try http.start()
        let timer = DispatchSource.makeTimerSource(queue: tickQueue)
        let interval = service.config.rounds.tickSeconds
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [service] in service.tick() }
        timer.resume()
        self.timer = timer
        logger.info("coordinator serving", ["net.port": port, "rounds.count": service.config.rounds.count])
    }

    /// Stops the timer and the HTTPS server; the state stays in the database.
    public func stop() {
        timer?.cancel()
        timer = nil
        tickQueue.sync {}
        http.stop()
        logger.info("coordinator stopped")
    }

    // MARK: - Routes

    private func registerRoutes() throws {
        let service = self.service
        try route(.get, "/v1/round", role: "site") { request in
            try Response.json(
                try service.roundAssignment(site: request.peer.commonName, serial: request.peer.serialNumber))
        }
        try route(.get, "/v1/rounds/{round}/model", role: "site") { request in
            let body = try service.model(round: try Self.round(request), site: request.peer.commonName)
            return Response(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body)
        }
        try route(.post, "/v1/rounds/{round}/update", role: "site") { request in
            try Response.json(
                try service.submitUpdate(site: request.peer.commonName, round: try Self.round(request), body: request.body))
        }
        try route(.post, "/v1/rounds/{round}/decline", role: "site") { request in
            let round = try Self.round(request)
            try service.decline(site: request.peer.commonName, round: round)
            return try Response.json(["declined": round])
        }
        try route(.get, "/v1/status", role: "operator") { _ in
            try Response.json(try service.status())
        }
        try route(.get, "/v1/ledger", role: "auditor", alsoAllowed: ["operator"]) { request in
            try Response.json(try service.ledgerEntries(site: request.query["site"]))
        }
    }

    /// Registers a handler that runs only for `role` (or `alsoAllowed`) and maps errors to JSON.
    private func route(
        _ method: HTTPMethod, _ path: String, role: String, alsoAllowed: Set<String> = [],
        _ handler: @escaping @Sendable (Request) throws -> Response
    ) throws {
        let logger = self.logger
        try http.register(method: method, path: path) { request in
            let peerRole = request.peer.role ?? "-"
            guard peerRole == role || alsoAllowed.contains(peerRole) else {
                logger.warning(
                    "request rejected for role",
                    ["peer": request.peer, "peer.role": peerRole, "http.path": request.path, "role.required": role])
                return Response.error(403, "role '\(peerRole)' may not call \(method) \(path); it needs role '\(role)'")
            }
            do {
                return try handler(request)
            } catch let error as CoordinatorError {
                if error.httpStatus >= 500 {
                    logger.error("request failed", ["peer": request.peer, "http.path": request.path, "error": "\(error)"])
                }
                return Response.error(error.httpStatus, error.description)
            } catch {
                logger.error("request failed", ["peer": request.peer, "http.path": request.path, "error": "\(error)"])
                return Response.error(500, "internal error: \(error)")
            }
        }
    }

    private static func round(_ request: Request) throws -> Int {
        guard let text = request.pathParameters["round"], let round = Int(text), round >= 1 else {
            throw CoordinatorError.badRequest("the round in the path must be a positive integer")
        }
        return round
    }
}
