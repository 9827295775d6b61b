import FedSurvCore
import FedSurvFederation
import FedSurvTransport
import Foundation

/// The site agent's calls to the coordinator's API version 1, with retries of transient failures.
public final class CoordinatorClient: Sendable {
    public let http: HTTPSClient
    let retries: Int
    let retryBaseSeconds: Double
    let logger: Logger

    public init(config: SiteConfig, logger: Logger = Logger(label: "fedsurv.site-agent")) throws {
        let proxy: HTTPSClient.Proxy =
            switch config.proxy {
            case "environment": .environment
            case "direct": .direct
            default: .url(config.proxy)
            }
        http = try HTTPSClient(
            configuration: .init(
                baseURL: config.coordinatorURL, caPath: config.caPath, certificatePath: config.certificatePath,
                privateKeyPath: config.keyPath, totalTimeout: config.requestTimeoutSeconds, proxy: proxy,
                logger: logger))
        retries = config.retries
        retryBaseSeconds = config.retryBaseSeconds
        self.logger = logger
    }

    /// `GET /v1/round`.
    public func currentRound() throws -> RoundAssignment {
        try decode(RoundAssignment.self, path: "/v1/round", from: try retrying { try http.get("/v1/round") })
    }

    /// `GET /v1/rounds/{n}/model`, as safetensors bytes.
    public func model(round: Int) throws -> [UInt8] {
        try retrying { try http.get("/v1/rounds/\(round)/model") }.body
    }

    /// `POST /v1/rounds/{n}/update`; a retry after a lost reply is acknowledged as a duplicate.
    public func upload(round: Int, body: [UInt8]) throws -> UpdateReceipt {
        let path = "/v1/rounds/\(round)/update"
        let response = try retrying { try http.post(path, body: body, contentType: "application/octet-stream") }
        return try decode(UpdateReceipt.self, path: path, from: response)
    }

    /// `POST /v1/rounds/{n}/decline`.
    public func decline(round: Int) throws {
        _ = try retrying { try http.post("/v1/rounds/\(round)/decline", body: Array("{}".utf8)) }
    }

    private func retrying(_ operation: () throws -> HTTPSResponse) throws -> HTTPSResponse {
        try withRetries(maxAttempts: retries, baseDelay: retryBaseSeconds, logger: logger, operation)
    }

    private func decode<T: Decodable>(_ type: T.Type, path: String, from response: HTTPSResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw AgentError.invalidReply(path: path, reason: "\(error)")
        }
    }
}
