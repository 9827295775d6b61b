import CCurl
import CFedSurvShims
import FedSurvCore
import Foundation

/// An HTTPS client with mutual TLS 1.3 on libcurl (OpenSSL backend), for site agents.
///
/// Each request uses a fresh curl easy handle, so one client may be used from
/// several threads at once. The cost is one TCP connection and one TLS
/// handshake per request.
///
/// The server certificate must chain to `caPath` (the system trust store is
/// not used) and its subject alternative names must match the host in
/// `baseURL` (CURLOPT_SSL_VERIFYHOST 2).
///
/// Proxies: with `.environment` (the default) libcurl itself reads
/// `https_proxy`, then `HTTPS_PROXY`, for https URLs, and skips hosts listed
/// in `no_proxy` or `NO_PROXY`. The tests check both variable names with a
/// CONNECT proxy. TLS still runs end to end through the proxy's tunnel.
public final class HTTPSClient: Sendable {
    /// The route from the client to the server.
    public enum Proxy: Sendable, Equatable {
        /// Use `https_proxy` / `HTTPS_PROXY` and `no_proxy` / `NO_PROXY` as libcurl reads them.
        case environment
        /// Connect directly and ignore the proxy environment variables.
        case direct
        /// Tunnel through this HTTP proxy (for example `http://proxy.example:3128`) with CONNECT,
        /// for every host: `NO_PROXY` is ignored.
        case url(String)
    }

    /// Settings of an `HTTPSClient`.
    public struct Configuration: Sendable {
        /// Scheme, host and port of the server, for example `https://coordinator.example:8443`.
        public var baseURL: String
        /// PEM file with the CA certificates the server certificate must chain to.
        public var caPath: String
        /// PEM file with this client's certificate; nil sends no certificate.
        public var certificatePath: String?
        /// PEM file with this client's private key.
        public var privateKeyPath: String?
        /// Seconds allowed for the TCP connection and TLS handshake.
        public var connectTimeout: Double
        /// Seconds allowed for the whole request, connection included.
        public var totalTimeout: Double
        public var proxy: Proxy
        /// Optional pin of the server's public key, in libcurl's CURLOPT_PINNEDPUBLICKEY
        /// form `sha256//<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`.
        public var pinnedPublicKey: String?
        public var logger: Logger

        public init(
            baseURL: String, caPath: String, certificatePath: String? = nil, privateKeyPath: String? = nil,
            connectTimeout: Double = 10, totalTimeout: Double = 120, proxy: Proxy = .environment,
            pinnedPublicKey: String? = nil, logger: Logger = Logger(label: "fedsurv.transport.client")
        ) {
            self.baseURL = baseURL
            self.caPath = caPath
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.proxy = proxy
            self.pinnedPublicKey = pinnedPublicKey
            self.logger = logger
        }
    }

    public let configuration: Configuration

    /// Creates a client after checking that the configured files are readable.
    ///
    /// - Throws: `TransportError.fileNotReadable` for a missing file,
    ///   `TransportError.invalidConfiguration` for a non-https URL, a certificate
    ///   without key, or non-positive timeouts.
    public init(configuration: Configuration) throws {
        guard configuration.baseURL.lowercased().hasPrefix("https://") else {
            throw TransportError.invalidConfiguration(
                "base URL '\(configuration.baseURL)' must start with https://")
        }
        guard (configuration.certificatePath == nil) == (configuration.privateKeyPath == nil) else {
            throw TransportError.invalidConfiguration("set both the client certificate and its private key, or neither")
        }
        guard configuration.connectTimeout > 0, configuration.totalTimeout > 0 else {
            throw TransportError.invalidConfiguration("connect and total timeouts must be positive seconds")
        }
        let files = [
            (configuration.caPath, "CA"), (configuration.certificatePath, "client certificate"),
            (configuration.privateKeyPath, "client private key"),
        ]
        for case let (path?, purpose) in files where !FileManager.default.isReadableFile(atPath: path) {
            throw TransportError.fileNotReadable(path: path, purpose: purpose)
        }
        _ = Self.globalInit
        self.configuration = configuration
    }

    // MARK: - Requests

    /// Sends `GET path`.
    ///
    /// - Throws: `TransportError`; `.httpStatus` when the status is outside 200-299.
    public func get(_ path: String) throws -> HTTPSResponse {
        try send(method: .get, path: path).requireSuccess()
    }

    /// Sends `POST path` with `body`.
    ///
    /// - Throws: `TransportError`; `.httpStatus` when the status is outside 200-299.
    public func post(_ path: String, body: [UInt8], contentType: String = "application/json") throws -> HTTPSResponse {
        try send(method: .post, path: path, body: body, contentType: contentType).requireSuccess()
    }

    /// Sends one request and returns the response whatever its status.
    ///
    /// - Throws: `TransportError.connectionFailed`, `.tlsFailed`, `.timedOut` or `.requestFailed`;
    ///   `.invalidConfiguration` for a GET with a body or a content type containing a line break.
    public func send(
        method: HTTPMethod, path: String, body: [UInt8]? = nil, contentType: String? = nil
    ) throws -> HTTPSResponse {
        let url = Self.join(configuration.baseURL, path)
        guard method != .get || body == nil else {
            throw TransportError.invalidConfiguration("GET \(url) cannot carry a body; use POST or PUT")
        }
        guard !(contentType ?? "").contains(where: \.isNewline) else {
            throw TransportError.invalidConfiguration("content type for \(url) contains a line break")
        }
        guard let handle = curl_easy_init() else {
            throw TransportError.requestFailed(url: url, code: -1, message: "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        headerList = curl_slist_append(headerList, "Accept: application/json")
        if let contentType {
            headerList = curl_slist_append(headerList, "Content-Type: \(contentType)")
        }

        let transfer = Transfer()
        let payload = body ?? []
        let code: CURLcode = try payload.withUnsafeBytes { bytes in
            try configure(handle, url: url, method: method, errorBuffer: errorBuffer, headers: headerList)
            if body != nil || method == .post || method == .put {
                // POSTFIELDS must point at readable memory even for an empty body.
                let pointer = bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)
                try set(handle, CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(bytes.count), url: url)
                try set(handle, CURLOPT_POSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: pointer), url: url)
            }
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            try set(handle, CURLOPT_WRITEFUNCTION, pointer: unsafeBitCast(receiveBody, to: UnsafeMutableRawPointer.self), url: url)
            try set(handle, CURLOPT_WRITEDATA, pointer: context, url: url)
            try set(handle, CURLOPT_HEADERFUNCTION, pointer: unsafeBitCast(receiveHeader, to: UnsafeMutableRawPointer.self), url: url)
            try set(handle, CURLOPT_HEADERDATA, pointer: context, url: url)
            return withExtendedLifetime(transfer) { curl_easy_perform(handle) }
        }

        guard code == CURLE_OK else {
            let error = Self.classify(code, url: url, errorBuffer: String(cString: errorBuffer))
            configuration.logger.debug("request failed", ["http.method": method, "http.url": url, "error": error])
            throw error
        }
        var status = 0
        _ = fedsurv_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        configuration.logger.debug("request completed", ["http.method": method, "http.url": url, "http.status": status])
        return HTTPSResponse(url: url, status: status, headers: transfer.headers, body: transfer.body)
    }

    // MARK: - libcurl options

    private func configure(
        _ handle: UnsafeMutableRawPointer, url: String, method: HTTPMethod,
        errorBuffer: UnsafeMutablePointer<CChar>, headers: UnsafeMutablePointer<curl_slist>?
    ) throws {
        try set(handle, CURLOPT_ERRORBUFFER, pointer: errorBuffer, url: url)
        try set(handle, CURLOPT_URL, string: url, url: url)
        try set(handle, CURLOPT_PROTOCOLS_STR, string: "https", url: url)
        try set(handle, CURLOPT_NOSIGNAL, long: 1, url: url)
        try set(handle, CURLOPT_HTTPHEADER, pointer: headers, url: url)
        switch method {
        case .get: try set(handle, CURLOPT_HTTPGET, long: 1, url: url)
        case .post: try set(handle, CURLOPT_POST, long: 1, url: url)
        case .put, .delete: try set(handle, CURLOPT_CUSTOMREQUEST, string: method.rawValue, url: url)
        }

        // TLS 1.3 only, server verified against our CA only, host name checked against the SANs.
        try set(handle, CURLOPT_SSLVERSION, long: CURL_SSLVERSION_TLSv1_3, url: url)
        try set(handle, CURLOPT_SSL_VERIFYPEER, long: 1, url: url)
        try set(handle, CURLOPT_SSL_VERIFYHOST, long: 2, url: url)
        try set(handle, CURLOPT_CAINFO, string: configuration.caPath, url: url)
        try check(fedsurv_curl_setopt_pointer(handle, CURLOPT_CAPATH, nil), CURLOPT_CAPATH, url)
        if let certificatePath = configuration.certificatePath, let keyPath = configuration.privateKeyPath {
            try set(handle, CURLOPT_SSLCERT, string: certificatePath, url: url)
            try set(handle, CURLOPT_SSLCERTTYPE, string: "PEM", url: url)
            try set(handle, CURLOPT_SSLKEY, string: keyPath, url: url)
            try set(handle, CURLOPT_SSLKEYTYPE, string: "PEM", url: url)
        }
        if let pin = configuration.pinnedPublicKey {
            try set(handle, CURLOPT_PINNEDPUBLICKEY, string: pin, url: url)
        }

        try set(handle, CURLOPT_CONNECTTIMEOUT_MS, long: Int((configuration.connectTimeout * 1000).rounded()), url: url)
        try set(handle, CURLOPT_TIMEOUT_MS, long: Int((configuration.totalTimeout * 1000).rounded()), url: url)

        switch configuration.proxy {
        case .environment:
            break
        case .direct:
            // An empty proxy string turns off proxies, including those from the environment.
            try set(handle, CURLOPT_PROXY, string: "", url: url)
        case .url(let proxy):
            try set(handle, CURLOPT_PROXY, string: proxy, url: url)
            try set(handle, CURLOPT_NOPROXY, string: "", url: url)
        }
        try set(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, long: 1, url: url)
    }

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, long value: Int, url: String) throws {
        try check(fedsurv_curl_setopt_long(handle, option, value), option, url)
    }

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, string value: String, url: String) throws {
        try check(fedsurv_curl_setopt_string(handle, option, value), option, url)
    }

    private func set(
        _ handle: UnsafeMutableRawPointer, _ option: CURLoption, pointer value: UnsafeMutableRawPointer?, url: String
    ) throws {
        try check(fedsurv_curl_setopt_pointer(handle, option, value), option, url)
    }

    private func set(
        _ handle: UnsafeMutableRawPointer, _ option: CURLoption, pointer value: UnsafeMutablePointer<CChar>, url: String
    ) throws {
        try check(fedsurv_curl_setopt_pointer(handle, option, UnsafeMutableRawPointer(value)), option, url)
    }

    private func set(
        _ handle: UnsafeMutableRawPointer, _ option: CURLoption, pointer value: UnsafeMutablePointer<curl_slist>?,
        url: String
    ) throws {
        try check(fedsurv_curl_setopt_pointer(handle, option, UnsafeMutableRawPointer(value)), option, url)
    }

    private func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, offset value: curl_off_t, url: String) throws {
        try check(fedsurv_curl_setopt_off_t(handle, option, value), option, url)
    }

    private func check(_ code: CURLcode, _ option: CURLoption, _ url: String) throws {
        guard code == CURLE_OK else {
            throw TransportError.requestFailed(
                url: url, code: Int(code.rawValue),
                message: "setting curl option \(option.rawValue) failed: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    // MARK: - Errors

    /// Maps a libcurl failure to a `TransportError`, keeping curl's error buffer as the message.
    ///
    /// In TLS 1.3 the client sends its certificate in its last handshake flight.
    /// So when the server rejects it (unknown CA, revoked, expired, missing),
    /// curl reports a receive error that names the server's TLS alert, and such
    /// a message is classified as a TLS failure.
    ///
    /// NOTE: when the server closes the connection before curl reads the alert,
    /// curl reports a connection error (seen in tests as `getpeername() failed`),
    /// which is classified as a transient connection failure. Only the server's
    /// log shows the real cause then.
    static func classify(_ code: CURLcode, url: String, errorBuffer: String) -> TransportError {
        let message = errorBuffer.isEmpty ? String(cString: curl_easy_strerror(code)) : errorBuffer
        let mentionsAlert = message.localizedCaseInsensitiveContains("alert")
        if mentionsAlert && [CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING].contains(code) {
            return .tlsFailed(url: url, message: message)
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(url: url, message: message)
        case CURLE_SSL_CONNECT_ERROR where !mentionsAlert
            && (message.contains("SSL_ERROR_SYSCALL") || message.localizedCaseInsensitiveContains("reset by peer")):
            return .connectionFailed(url: url, message: message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_USE_SSL_FAILED:
            return .tlsFailed(url: url, message: message)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .connectionFailed(url: url, message: message)
        default:
            return .requestFailed(url: url, code: Int(code.rawValue), message: message)
        }
    }

    // MARK: - Helpers

    /// curl_global_init is not thread-safe, so it runs once, before the first handle.
    private static let globalInit: Void = {
        let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        precondition(code == CURLE_OK, "curl_global_init failed with code \(code.rawValue)")
    }()

    static func join(_ baseURL: String, _ path: String) -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return path.hasPrefix("/") ? base + path : base + "/" + path
    }
}

/// A response as `HTTPSClient` received it.
public struct HTTPSResponse: Sendable {
    public var url: String
    public var status: Int
    /// Response headers in arrival order; look them up with `header(_:)`.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// Returns the value of the first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Returns this response when its status is 200-299.
    ///
    /// - Throws: `TransportError.httpStatus` with the body's `error` field, or the start of the body.
    public func requireSuccess() throws -> HTTPSResponse {
        guard !(200..<300).contains(status) else { return self }
        throw TransportError.httpStatus(url: url, status: status, message: errorMessage)
    }

    /// The `error` field of a JSON error body, else the first 200 characters of the body.
    var errorMessage: String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let message = object["error"] as? String
        {
            return message
        }
        let prefix = String(text.prefix(200))
        return prefix.isEmpty ? "empty body" : prefix
    }
}

/// Collects one transfer's headers and body from libcurl's callbacks.
private final class Transfer {
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
}

private let receiveBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private let receiveHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }.trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        // A new status line (after `100 Continue`, say) starts a new header block.
        transfer.headers.removeAll()
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        transfer.headers.append((name, value))
    }
    return length
}
