/// Errors of FedSurvTransport, on both the server and the client side.
public enum TransportError: Error, CustomStringConvertible, Sendable {
    /// A file the configuration names (certificate, key, CA or CRL) does not exist or cannot be read.
    case fileNotReadable(path: String, purpose: String)
    /// OpenSSL rejected a certificate, key, CA or CRL file, or a TLS setting.
    case tlsConfigurationFailed(step: String, openSSLError: String)
    /// The configuration contains an invalid value.
    case invalidConfiguration(String)
    /// The server could not listen on the host and port.
    case bindFailed(host: String, port: Int)
    /// libevent could not create its event base or HTTP server.
    case serverSetupFailed(String)
    /// No TCP connection to the server (or proxy) could be made, or it broke during the exchange.
    case connectionFailed(url: String, message: String)
    /// The TLS handshake failed or the peer sent a TLS alert; `message` is curl's error buffer.
    case tlsFailed(url: String, message: String)
    /// The connect or total timeout expired.
    case timedOut(url: String, message: String)
    /// The response status is outside 200-299. `message` is the body's `error` field when it has one.
    case httpStatus(url: String, status: Int, message: String)
    /// libcurl failed for another reason; `code` is the CURLcode.
    case requestFailed(url: String, code: Int, message: String)

    public var description: String {
        switch self {
        case .fileNotReadable(let path, let purpose):
            "cannot read the \(purpose) file '\(path)'; check that it exists and is readable by this user"
        case .tlsConfigurationFailed(let step, let openSSLError):
            "TLS setup failed at \(step): \(openSSLError)"
        case .invalidConfiguration(let message):
            "invalid transport configuration: \(message)"
        case .bindFailed(let host, let port):
            "cannot listen on \(host):\(port); check that the address is local and the port is free"
        case .serverSetupFailed(let message):
            "HTTPS server setup failed: \(message)"
        case .connectionFailed(let url, let message):
            "connection to \(url) failed: \(message)"
        case .tlsFailed(let url, let message):
            "TLS with \(url) failed: \(message); check the CA file, the client certificate and that it is not revoked or expired"
        case .timedOut(let url, let message):
            "request to \(url) timed out: \(message)"
        case .httpStatus(let url, let status, let message):
            "\(url) returned HTTP \(status): \(message)"
        case .requestFailed(let url, let code, let message):
            "request to \(url) failed (curl error \(code)): \(message)"
        }
    }

    /// Whether retrying the same request later may succeed: connection failures,
    /// timeouts and HTTP 408, 429, 502, 503 and 504. TLS failures are permanent
    /// because a rejected certificate stays rejected.
    public var isTransient: Bool {
        switch self {
        case .connectionFailed, .timedOut:
            true
        case .httpStatus(_, let status, _):
            [408, 429, 502, 503, 504].contains(status)
        default:
            false
        }
    }
}
