import Foundation

/// The HTTP methods the server routes.
public enum HTTPMethod: String, Sendable, CaseIterable, CustomStringConvertible {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"

    public var description: String { rawValue }
}

/// An HTTP request as a route handler receives it.
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The decoded path without the query, for example `/v1/rounds/3/update`.
    public var path: String
    /// Values of `{name}` segments of the matched route, for example `["round": "3"]`.
    public var pathParameters: [String: String]
    /// Decoded query parameters; when a name repeats, the last value is kept.
    public var query: [String: String]
    /// Request headers in arrival order; look them up with `header(_:)`.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The identity from the client certificate that the TLS handshake verified.
    public var peer: PeerIdentity
    /// The client's IP address and port, for logs.
    public var peerAddress: String

    public init(
        method: HTTPMethod, path: String, pathParameters: [String: String] = [:], query: [String: String] = [:],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], peer: PeerIdentity, peerAddress: String
    ) {
        self.method = method
        self.path = path
        self.pathParameters = pathParameters
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
        self.peerAddress = peerAddress
    }

    /// Returns the value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// An HTTP response a route handler returns.
public struct Response: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Creates a response whose body is `value` encoded as JSON with sorted keys.
    public static func json<Value: Encodable>(_ value: Value, status: Int = 200) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: ["Content-Type": "application/json"], body: Array(data))
    }

    /// Creates a JSON error response `{"error": "<message>"}`.
    public static func error(_ status: Int, _ message: String) -> Response {
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data("{\"error\":\"internal error\"}".utf8)
        return Response(status: status, headers: ["Content-Type": "application/json"], body: Array(body))
    }

    /// Returns the standard reason phrase for `status` (RFC 9110), or `Unknown`.
    static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Unknown"
        }
    }
}

/// A route handler. It runs on one of the server's handler threads, not on the
/// event-loop thread, so it may block for a while without stalling other connections.
public typealias RouteHandler = @Sendable (Request) -> Response
