import CEvent
import COpenSSL
import FedSurvCore
import Foundation

/// A C pointer (an `evhttp_request *`, the `event_base *` or an `SSL_CTX *`) handed
/// to another thread. Only the loop thread dereferences a request.
struct RequestHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Work that another thread hands to the loop thread.
enum LoopAction {
    case reply(PendingReply)
    /// Use this SSL_CTX for new connections, free the old one, then signal the semaphore.
    case replaceSSLContext(RequestHandle, DispatchSemaphore)
    case stop
}

/// A response waiting to be sent on the loop thread.
final class PendingReply {
    let server: HTTPSServer
    let request: RequestHandle
    let response: Response
    let summary: RequestSummary

    init(server: HTTPSServer, request: RequestHandle, response: Response, summary: RequestSummary) {
        self.server = server
        self.request = request
        self.response = response
        self.summary = summary
    }
}

/// The fields of a request that go into log records. The body is never logged.
struct RequestSummary: Sendable {
    var method: String
    var path: String
    var peer: PeerIdentity?
    var peerAddress: String

    func metadata(status: Int) -> [String: CustomStringConvertible] {
        [
            "http.method": method, "http.path": path, "http.status": status, "net.peer": peerAddress,
            "peer.cn": peer?.commonName ?? "unknown", "peer.role": peer?.role ?? "unknown",
            "peer.serial": peer?.serialNumber ?? "unknown",
        ]
    }
}

extension HTTPSServer {
    // MARK: - Dispatch (loop thread)

    /// Routes one complete request: rejects it on the loop thread, or hands it to a worker.
    func dispatch(_ request: OpaquePointer) {
        let handle = RequestHandle(pointer: request)

        // 1) Who is asking: the verified certificate of this connection.
        let connection = evhttp_request_get_connection(request)
        let peerAddress = Self.peerAddress(of: connection)
        let path = Self.decodedPath(of: request)
        let methodName = Self.methodName(evhttp_request_get_command(request))
        var summary = RequestSummary(method: methodName, path: path, peer: nil, peerAddress: peerAddress)
        guard let peer = Self.verifiedPeer(of: connection) else {
            sendReply(handle, Response.error(403, "no verified client certificate"), summary: summary)
            return
        }
        summary.peer = peer

        // 2) Which handler.
        let method = HTTPMethod(rawValue: methodName)
        switch currentRouter().route(method: method, path: path) {
        case .notFound:
            sendReply(handle, Response.error(404, "no route for \(path)"), summary: summary)
        case .methodNotAllowed(let allowed):
            var response = Response.error(405, "method \(methodName) is not allowed on \(path)")
            response.headers["Allow"] = allowed.map(\.rawValue).joined(separator: ", ")
            sendReply(handle, response, summary: summary)
        case .handle(let handler, let parameters):
            // 3) Copy everything the handler needs, then leave the loop thread.
            let incoming = Request(
                method: method!, path: path, pathParameters: parameters,
                query: Self.queryParameters(of: request), headers: Self.headers(of: request),
                body: Self.body(of: request), peer: peer, peerAddress: peerAddress)
            let finalSummary = summary
            inFlightHandlers.enter()
            workers?.submit { [self] in
                let response = handler(incoming)
                scheduleReply(PendingReply(server: self, request: handle, response: response, summary: finalSummary))
            }
        }
    }

    /// Hands a worker's response to the loop thread.
    private func scheduleReply(_ reply: PendingReply) {
        guard enqueueForLoop(.reply(reply), always: false) else {
            logger.warning("response dropped because the server is stopping", reply.summary.metadata(status: 0))
            inFlightHandlers.leave()
            return
        }
    }

    /// Queues `action` and wakes the loop thread. Returns false when replies are
    /// no longer accepted; `always` queues the action anyway and closes the queue.
    @discardableResult
    func enqueueForLoop(_ action: LoopAction, always: Bool) -> Bool {
        lock.withLock {
            guard acceptsReplies || always, wakeupPipe[1] >= 0 else { return false }
            if always { acceptsReplies = false }
            loopActions.append(action)
            var byte: UInt8 = 1
            // A full pipe already contains a pending wake-up, so EAGAIN is harmless.
            _ = write(wakeupPipe[1], &byte, 1)
            return true
        }
    }

    /// Creates the wake-up pipe and its read event on `base`.
    func installWakeup(on base: OpaquePointer) -> Bool {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return false }
        wakeupPipe = descriptors
        for descriptor in descriptors {
            guard evutil_make_socket_nonblocking(descriptor) == 0, evutil_make_socket_closeonexec(descriptor) == 0
            else { return false }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let event = event_new(base, descriptors[0], Int16(EV_READ | EV_PERSIST), drainLoopActions, context),
            event_add(event, nil) == 0
        else { return false }
        wakeupEvent = event
        return true
    }

    /// Runs the queued actions on the loop thread.
    func runLoopActions() {
        var bytes = [UInt8](repeating: 0, count: 256)
        let (actions, readDescriptor): ([LoopAction], Int32) = lock.withLock {
            defer { loopActions.removeAll() }
            return (loopActions, wakeupPipe[0])
        }
        while read(readDescriptor, &bytes, bytes.count) > 0 {}
        for action in actions {
            switch action {
            case .reply(let reply):
                lock.withLock { statistics_.handledRequests += 1 }
                sendReply(reply.request, reply.response, summary: reply.summary)
                inFlightHandlers.leave()
            case .replaceSSLContext(let context, let done):
                // Live connections keep their own reference to the old context (SSL_new takes one).
                if let old = sslContext { SSL_CTX_free(old) }
                sslContext = context.pointer
                done.signal()
            case .stop:
                if let eventBase { event_base_loopbreak(eventBase) }
            }
        }
    }

    /// Writes `response` to the client; evhttp frees the request afterwards.
    func sendReply(_ request: RequestHandle, _ response: Response, summary: RequestSummary) {
        let pointer = request.pointer
        if let headers = evhttp_request_get_output_headers(pointer) {
            for (name, value) in response.headers {
                evhttp_add_header(headers, name, value)
            }
        }
        let buffer = evbuffer_new()
        if let buffer, !response.body.isEmpty {
            _ = response.body.withUnsafeBytes { evbuffer_add(buffer, $0.baseAddress, $0.count) }
        }

        isSendingOwnReply = true
        evhttp_send_reply(pointer, Int32(response.status), Response.reasonPhrase(for: response.status), buffer)
        isSendingOwnReply = false
        if let buffer { evbuffer_free(buffer) }

        if response.status >= 400 {
            lock.withLock { statistics_.rejectedRequests += 1 }
            logger.warning("request rejected", summary.metadata(status: response.status))
        } else {
            logger.debug("request handled", summary.metadata(status: response.status))
        }
    }

    // MARK: - Reading the request

    /// Returns the identity of the connection's verified client certificate, or nil.
    static func verifiedPeer(of connection: OpaquePointer?) -> PeerIdentity? {
        guard let connection, let bufferevent = evhttp_connection_get_bufferevent(connection),
            let ssl = bufferevent_openssl_get_ssl(bufferevent), SSL_get_verify_result(ssl) == X509_V_OK,
            let certificate = SSL_get1_peer_certificate(ssl)
        else { return nil }
        defer { X509_free(certificate) }
        return PeerIdentity.from(certificate: certificate)
    }

    static func peerAddress(of connection: OpaquePointer?) -> String {
        guard let connection else { return "unknown" }
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        guard let address else { return "unknown" }
        return "\(String(cString: address)):\(port)"
    }

    static func methodName(_ command: evhttp_cmd_type) -> String {
        switch command {
        case EVHTTP_REQ_GET: "GET"
        case EVHTTP_REQ_POST: "POST"
        case EVHTTP_REQ_PUT: "PUT"
        case EVHTTP_REQ_DELETE: "DELETE"
        case EVHTTP_REQ_HEAD: "HEAD"
        case EVHTTP_REQ_OPTIONS: "OPTIONS"
        case EVHTTP_REQ_PATCH: "PATCH"
        default: "OTHER"
        }
    }

    static func decodedPath(of request: OpaquePointer) -> String {
        guard let uri = evhttp_request_get_evhttp_uri(request), let rawPath = evhttp_uri_get_path(uri) else {
            return "/"
        }
        let raw = String(cString: rawPath)
        return raw.removingPercentEncoding ?? raw
    }

    /// Parses `a=1&b=x%20y` (with `+` as space); a name without `=` gets the empty value.
    static func queryParameters(of request: OpaquePointer) -> [String: String] {
        guard let uri = evhttp_request_get_evhttp_uri(request), let rawQuery = evhttp_uri_get_query(uri) else {
            return [:]
        }
        var parameters: [String: String] = [:]
        for pair in String(cString: rawQuery).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            parameters[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return parameters
    }

    static func headers(of request: OpaquePointer) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        guard let list = evhttp_request_get_input_headers(request) else { return result }
        var entry = list.pointee.tqh_first
        while let current = entry {
            if let key = current.pointee.key, let value = current.pointee.value {
                result.append((String(cString: key), String(cString: value)))
            }
            entry = current.pointee.next.tqe_next
        }
        return result
    }

    static func body(of request: OpaquePointer) -> [UInt8] {
        guard let buffer = evhttp_request_get_input_buffer(request) else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: length)
        let copied = evbuffer_copyout(buffer, &bytes, length)
        return Array(bytes.prefix(max(0, copied)))
    }
}

// MARK: - C callbacks

/// evhttp's catch-all request callback.
let handleRequest: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { request, context in
    guard let request, let context else { return }
    Unmanaged<HTTPSServer>.fromOpaque(context).takeUnretainedValue().dispatch(request)
}

/// Read callback of the wake-up pipe, on the loop thread.
private let drainLoopActions: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    guard let context else { return }
    Unmanaged<HTTPSServer>.fromOpaque(context).takeUnretainedValue().runLoopActions()
}
