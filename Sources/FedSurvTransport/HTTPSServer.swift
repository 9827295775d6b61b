import CEvent
import CFedSurvShims
import COpenSSL
import FedSurvCore
import Foundation

/// An HTTPS server with mutual TLS 1.3 on libevent's evhttp, for the coordinator.
///
/// Every connection runs a full TLS 1.3 handshake in which the client must
/// present a certificate that chains to the configured CA and, when a CRL is
/// configured, is not revoked. Otherwise the handshake fails and no request is
/// read. The failure is logged and kept in `recentHandshakeFailures`.
///
/// Threads: libevent's loop runs on a thread of its own and does all socket,
/// TLS and HTTP parsing work. Route handlers run on `handlerThreads` worker
/// threads, so up to that many slow handlers run at once without stalling
/// other connections. Further requests wait in FIFO order. evhttp objects are not
/// thread-safe, so workers queue their responses and wake the loop through a
/// pipe (the self-pipe pattern), and the loop thread sends them. This needs
/// no libevent thread support (libevent_pthreads is not linked).
///
/// Limits enforced by libevent 2.1:
/// - A body larger than `maxBodySize` is read and discarded
///   (EVHTTP_SERVER_LINGERING_CLOSE). Then libevent itself sends
///   `413 Request Entity Too Large` with an HTML body and `Connection: close`,
///   and no route handler runs. Draining first means that the client receives
///   the 413 instead of a connection reset. libevent does not answer
///   `Expect: 100-continue` with `100 Continue` for such a body, so curl sends it after its 1 s
///   wait. The rejection is logged through an observer on the connection's
///   output buffer, because libevent 2.1 has no callback for it.
/// - A connection that sends nothing for `timeout` seconds is closed, whether
///   it is in the TLS handshake, reading a request or idle between requests.
public final class HTTPSServer: @unchecked Sendable {
    /// Settings of an `HTTPSServer`.
    public struct Configuration: Sendable {
        /// PEM file with the server certificate, optionally followed by intermediates.
        public var certificatePath: String
        /// PEM file with the server's private key.
        public var privateKeyPath: String
        /// PEM file with the CA certificates that client certificates must chain to.
        public var clientCAPath: String
        /// PEM file with CRLs of that CA. When set, every client certificate is checked
        /// against it (X509_V_FLAG_CRL_CHECK), and a client whose CA has no CRL there fails.
        public var crlPath: String?
        /// The address to listen on, for example `127.0.0.1` or `0.0.0.0`.
        public var host: String
        /// The TCP port; 0 picks a free ephemeral port, reported by `port` after `start()`.
        public var port: Int
        /// The maximum request body in bytes; larger bodies get 413.
        public var maxBodySize: Int
        /// The maximum size of the request line and headers in bytes.
        public var maxHeadersSize: Int
        /// Seconds a connection may wait for request bytes or stay idle between requests.
        public var timeout: Double
        /// Threads that run route handlers; at most this many handlers run at once.
        public var handlerThreads: Int
        public var logger: Logger

        public init(
            certificatePath: String, privateKeyPath: String, clientCAPath: String, crlPath: String? = nil,
            host: String = "127.0.0.1", port: Int = 0, maxBodySize: Int = 64 << 20, maxHeadersSize: Int = 64 << 10,
            timeout: Double = 30, handlerThreads: Int = 8, logger: Logger = Logger(label: "fedsurv.transport.server")
        ) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
            self.crlPath = crlPath
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
            self.maxHeadersSize = maxHeadersSize
            self.timeout = timeout
            self.handlerThreads = handlerThreads
            self.logger = logger
        }
    }

    /// Counters since `start()`.
    public struct Statistics: Sendable, Equatable {
        /// Requests whose response came from a route handler.
        public var handledRequests = 0
        /// Responses with a status of 400 or more, from the router, a handler or libevent.
        public var rejectedRequests = 0
        /// Connections that ended with a fatal TLS alert.
        public var handshakeFailures = 0
    }

    public let configuration: Configuration
    let logger: Logger

    // Owned libevent and OpenSSL objects; set in `start()`, freed in `stop()`.
    var sslContext: OpaquePointer?
    var eventBase: OpaquePointer?
    var http: OpaquePointer?
    private var boundPort = 0

    let lock = NSLock()
    private var router = Router()
    private var isRunning = false
    /// Whether worker threads may still queue replies for the loop; guarded by `lock`.
    var acceptsReplies = false
    /// Work for the loop thread, queued by other threads; guarded by `lock`.
    var loopActions: [LoopAction] = []
    /// The pipe that wakes the loop thread: workers write to `[1]`, the loop reads `[0]`.
    var wakeupPipe: [Int32] = [-1, -1]
    var wakeupEvent: OpaquePointer?
    var statistics_ = Statistics()
    var handshakeFailures_: [TLSHandshakeFailure] = []
    /// Verification errors waiting for the alert that ends their handshake, keyed by `SSL *`; loop thread only.
    var pendingVerifyErrors: [OpaquePointer: (subject: String, error: String)] = [:]
    /// True while `sendReply` writes a response. The output observer uses it to tell our
    /// responses from those that libevent generates itself. Loop thread only.
    var isSendingOwnReply = false

    /// Runs route handlers; exists while the server runs.
    var workers: WorkerPool?
    let inFlightHandlers = DispatchGroup()
    private let loopFinished = DispatchSemaphore(value: 0)

    /// Creates a server; it does not open any socket until `start()`.
    ///
    /// - Throws: `TransportError.fileNotReadable` when a configured file is
    ///   missing, `TransportError.invalidConfiguration` for out-of-range limits.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        self.logger = configuration.logger
        try Self.requireReadable(configuration.certificatePath, purpose: "server certificate")
        try Self.requireReadable(configuration.privateKeyPath, purpose: "server private key")
        try Self.requireReadable(configuration.clientCAPath, purpose: "client CA")
        if let crlPath = configuration.crlPath {
            try Self.requireReadable(crlPath, purpose: "CRL")
        }
        guard (0...65535).contains(configuration.port) else {
            throw TransportError.invalidConfiguration("port \(configuration.port) is outside 0...65535")
        }
        guard configuration.maxBodySize > 0, configuration.maxHeadersSize > 0 else {
            throw TransportError.invalidConfiguration("maxBodySize and maxHeadersSize must be positive")
        }
        guard configuration.handlerThreads >= 1 else {
            throw TransportError.invalidConfiguration(
                "handlerThreads \(configuration.handlerThreads) must be at least 1")
        }
        guard configuration.timeout > 0 else {
            throw TransportError.invalidConfiguration("timeout \(configuration.timeout) s must be positive")
        }
    }

    deinit {
        stop()
    }

    /// The port the server listens on; valid after `start()`.
    public var port: Int {
        lock.withLock { boundPort }
    }

    public var statistics: Statistics {
        lock.withLock { statistics_ }
    }

    /// The latest failed TLS handshakes, oldest first, at most `handshakeFailureHistory` of them.
    public var recentHandshakeFailures: [TLSHandshakeFailure] {
        lock.withLock { handshakeFailures_ }
    }

    static let handshakeFailureHistory = 100

    /// Adds a route; see `Router.register(method:path:handler:)` for the path rules.
    ///
    /// - Throws: `TransportError.invalidConfiguration` for an unversioned or duplicate route.
    public func register(method: HTTPMethod, path: String, handler: @escaping RouteHandler) throws {
        try lock.withLock { try router.register(method: method, path: path, handler: handler) }
    }

    func currentRouter() -> Router {
        lock.withLock { router }
    }

    // MARK: - Lifecycle

    /// Loads the TLS material, listens, and starts the event loop on its own thread.
    ///
    /// - Throws: `TransportError.tlsConfigurationFailed` when OpenSSL rejects a file,
    ///   `TransportError.bindFailed` when the address cannot be bound.
    public func start() throws {
        try lock.withLock {
            guard !isRunning else { throw TransportError.invalidConfiguration("the server is already running") }

            // 1) TLS context, then event base and evhttp bound to the socket.
            let context = try makeSSLContext()
            guard let base = event_base_new() else {
                SSL_CTX_free(context)
                throw TransportError.serverSetupFailed("event_base_new failed")
            }
            guard let server = evhttp_new(base) else {
                event_base_free(base)
                SSL_CTX_free(context)
                throw TransportError.serverSetupFailed("evhttp_new failed")
            }
            sslContext = context
            eventBase = base
            http = server
            configureEvhttp(server)
            guard installWakeup(on: base) else {
                freeResources()
                throw TransportError.serverSetupFailed("cannot create the wake-up pipe: errno \(errno)")
            }

            guard let socket = evhttp_bind_socket_with_handle(server, configuration.host, UInt16(configuration.port))
            else {
                freeResources()
                throw TransportError.bindFailed(host: configuration.host, port: configuration.port)
            }
            let listener = evhttp_bound_socket_get_fd(socket)
            boundPort = Self.localPort(of: listener) ?? configuration.port
            // Accepted sockets inherit TCP_NODELAY on Linux. Without it, a response that
            // leaves as two TLS records waits about 40 ms for the client's delayed ACK.
            var noDelay: Int32 = 1
            setsockopt(listener, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))

            // 2) The loop thread, which runs until `stop()` breaks the loop.
            isRunning = true
            acceptsReplies = true
            workers = WorkerPool(threads: configuration.handlerThreads, name: "fedsurv-https-handler")
            statistics_ = Statistics()
            let loopBase = RequestHandle(pointer: base)
            let thread = Thread { [loopBase, loopFinished] in
                event_base_loop(loopBase.pointer, EVLOOP_NO_EXIT_ON_EMPTY)
                loopFinished.signal()
            }
            thread.name = "fedsurv-https-loop"
            thread.start()
        }
        logger.info(
            "HTTPS server started",
            ["net.host": configuration.host, "net.port": port, "tls.crl": configuration.crlPath != nil])
    }

    /// Rereads the certificate, key, client CA and CRL files and uses them for new
    /// connections, for example after the consortium CA revoked a site.
    /// Established connections keep the settings they were accepted with.
    /// Does nothing when the server is not running, because `start()` reads the files.
    ///
    /// - Throws: `TransportError.tlsConfigurationFailed` when OpenSSL rejects a
    ///   file; the server then keeps its previous settings.
    public func reloadTLS() throws {
        guard lock.withLock({ isRunning }) else { return }
        let context = try makeSSLContext()
        let done = DispatchSemaphore(value: 0)
        guard enqueueForLoop(.replaceSSLContext(RequestHandle(pointer: context), done), always: false) else {
            SSL_CTX_free(context)
            return
        }
        done.wait()
        logger.info("TLS settings reloaded", ["tls.crl": configuration.crlPath ?? "none"])
    }

    /// Waits for running handlers (at most `timeout` seconds), stops the loop,
    /// closes all connections and frees libevent and OpenSSL objects. Does nothing when not running.
    public func stop() {
        let wasRunning = lock.withLock {
            defer { isRunning = false }
            return isRunning
        }
        guard wasRunning else { return }

        // 1) Let handlers finish while the loop still sends their replies.
        let drained = inFlightHandlers.wait(timeout: .now() + configuration.timeout) == .success
        if !drained {
            logger.warning("HTTPS server stopping with handlers still running", ["timeout.s": configuration.timeout])
        }

        // 2) No more replies may be queued; ask the loop thread to exit, then free.
        enqueueForLoop(.stop, always: true)
        loopFinished.wait()
        let pool = lock.withLock {
            freeResources()
            defer { workers = nil }
            return workers
        }
        pool?.shutdown()
        logger.info("HTTPS server stopped", ["net.port": port])
    }

    /// Frees evhttp (and with it all connections and pending requests), the base and the TLS context.
    private func freeResources() {
        if let wakeupEvent { event_free(wakeupEvent) }
        for descriptor in wakeupPipe where descriptor >= 0 { close(descriptor) }
        wakeupEvent = nil
        wakeupPipe = [-1, -1]
        loopActions.removeAll()
        if let http { evhttp_free(http) }
        if let eventBase { event_base_free(eventBase) }
        if let sslContext { SSL_CTX_free(sslContext) }
        http = nil
        eventBase = nil
        sslContext = nil
        pendingVerifyErrors.removeAll()
    }

    private func configureEvhttp(_ server: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_bevcb(server, makeTLSBufferevent, context)
        evhttp_set_gencb(server, handleRequest, context)
        // A response without Content-Type gets none, rather than libevent's default text/html.
        evhttp_set_default_content_type(server, nil)
        evhttp_set_max_body_size(server, configuration.maxBodySize)
        evhttp_set_max_headers_size(server, configuration.maxHeadersSize)
        fedsurv_evhttp_set_timeout_ms(server, Int((configuration.timeout * 1000).rounded()))
        let methods = EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_POST.rawValue | EVHTTP_REQ_PUT.rawValue
            | EVHTTP_REQ_DELETE.rawValue
        evhttp_set_allowed_methods(server, UInt16(methods))
        _ = evhttp_set_flags(server, EVHTTP_SERVER_LINGERING_CLOSE)
    }

    private static func requireReadable(_ path: String, purpose: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TransportError.fileNotReadable(path: path, purpose: purpose)
        }
    }

    private static func localPort(of socket: Int32) -> Int? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard status == 0 else { return nil }
        return SocketAddress.port(of: address)
    }
}

/// Text forms of socket addresses.
enum SocketAddress {
    static func port(of address: sockaddr_storage) -> Int? {
        var address = address
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }

    /// Returns `address:port` of the remote end of a socket, or `unknown`.
    static func peer(of socket: Int32) -> String {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(socket, $0, &length) }
        }
        guard status == 0 else { return "unknown" }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let nameStatus = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard nameStatus == 0 else { return "unknown" }
        return "\(cString(host)):\(port(of: address) ?? 0)"
    }
}
