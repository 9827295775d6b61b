import CEvent
import CFedSurvShims
import COpenSSL
import FedSurvCore
import Foundation

/// A TLS handshake that ended with a fatal alert, as the server recorded it.
public struct TLSHandshakeFailure: Sendable, Equatable {
    /// The client's `address:port`.
    public var peerAddress: String
    /// The alert's description, for example `certificate required` or `unknown CA`.
    public var alert: String
    /// The alert's code from the TLS registry, for example 116 for `certificate_required`.
    public var alertCode: Int
    /// True when the server sent the alert (it rejected the client), false when the client sent it.
    public var sentByServer: Bool
    /// X509_verify_cert_error_string of the client certificate check, for example
    /// `certificate revoked`; nil when certificate verification did not fail.
    public var verifyError: String?
    /// The subject (RFC 2253) of the certificate whose verification failed, when known.
    public var certificateSubject: String?
}

extension HTTPSServer {
    // MARK: - SSL_CTX

    /// Builds the TLS 1.3-only server context that requires and verifies client certificates.
    func makeSSLContext() throws -> OpaquePointer {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TransportError.tlsConfigurationFailed(step: "SSL_CTX_new", openSSLError: openSSLErrors())
        }
        do {
            try configureSSLContext(context)
            return context
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }

    private func configureSSLContext(_ context: OpaquePointer) throws {
        func check(_ ok: Bool, _ step: String) throws {
            guard ok else { throw TransportError.tlsConfigurationFailed(step: step, openSSLError: openSSLErrors()) }
        }

        try check(fedsurv_ssl_ctx_require_tls13(context) == 1, "setting TLS 1.3 as the minimum version")
        try check(fedsurv_ssl_ctx_disable_resumption(context) == 1, "disabling session resumption")

        // 1) Own certificate chain and key.
        try check(
            SSL_CTX_use_certificate_chain_file(context, configuration.certificatePath) == 1,
            "loading the server certificate '\(configuration.certificatePath)'")
        try check(
            SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1,
            "loading the server private key '\(configuration.privateKeyPath)'")
        try check(SSL_CTX_check_private_key(context) == 1, "matching the server private key to its certificate")

        // 2) Trust anchors for clients, also sent as the acceptable CA names.
        try check(
            SSL_CTX_load_verify_locations(context, configuration.clientCAPath, nil) == 1,
            "loading the client CA '\(configuration.clientCAPath)'")
        if let names = SSL_load_client_CA_file(configuration.clientCAPath) {
            SSL_CTX_set_client_CA_list(context, names)
        }

        // 3) Revocation: every leaf must be covered by a CRL of its issuer.
        if let crlPath = configuration.crlPath {
            let store = SSL_CTX_get_cert_store(context)
            let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file())
            try check(
                lookup != nil && X509_load_crl_file(lookup, crlPath, X509_FILETYPE_PEM) >= 1,
                "loading the CRL '\(crlPath)'")
            try check(X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK)) == 1, "enabling CRL checks")
        }

        // 4) Require a client certificate; the callbacks only record failures.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, recordVerifyResult)
        SSL_CTX_set_info_callback(context, recordAlert)
        _ = fedsurv_ssl_ctx_set_app_data(context, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Returns the server that owns the SSL_CTX of `ssl`.
    static func owner(of ssl: OpaquePointer) -> HTTPSServer? {
        guard let context = SSL_get_SSL_CTX(ssl), let data = fedsurv_ssl_ctx_get_app_data(context) else {
            return nil
        }
        return Unmanaged<HTTPSServer>.fromOpaque(data).takeUnretainedValue()
    }

    // MARK: - Handshake failures (loop thread)

    func noteVerifyFailure(ssl: OpaquePointer, subject: String, error: String) {
        pendingVerifyErrors[ssl] = (subject, error)
    }

    func noteFatalAlert(ssl: OpaquePointer, alertCode: Int, alert: String, sentByServer: Bool) {
        let pending = pendingVerifyErrors.removeValue(forKey: ssl)
        let verifyCode = SSL_get_verify_result(ssl)
        let verifyError = pending?.error
            ?? (verifyCode == X509_V_OK ? nil : String(cString: X509_verify_cert_error_string(verifyCode)))
        let failure = TLSHandshakeFailure(
            peerAddress: SocketAddress.peer(of: SSL_get_fd(ssl)), alert: alert, alertCode: alertCode,
            sentByServer: sentByServer,
            verifyError: verifyError, certificateSubject: pending?.subject)

        lock.withLock {
            statistics_.handshakeFailures += 1
            handshakeFailures_.append(failure)
            if handshakeFailures_.count > Self.handshakeFailureHistory {
                handshakeFailures_.removeFirst(handshakeFailures_.count - Self.handshakeFailureHistory)
            }
        }
        logger.warning(
            "TLS handshake failed",
            [
                "net.peer": failure.peerAddress, "tls.alert": failure.alert, "tls.alert_code": alertCode,
                "tls.alert_sender": sentByServer ? "server" : "client",
                "tls.verify_error": failure.verifyError ?? "none",
                "tls.peer_subject": failure.certificateSubject ?? "unknown",
            ])
    }

    /// Logs a response that libevent generated itself (413 for an oversized body,
    /// 400 for a malformed request, 405 or 501 for an unsupported method).
    func noteLibeventResponse(ssl: OpaquePointer, status: Int) {
        guard !isSendingOwnReply else { return }
        let peer = SSL_get0_peer_certificate(ssl).map { PeerIdentity.from(certificate: $0) }
        if status >= 400 {
            lock.withLock { statistics_.rejectedRequests += 1 }
        }
        logger.warning(
            "request rejected by libevent",
            [
                "http.status": status, "net.peer": SocketAddress.peer(of: SSL_get_fd(ssl)),
                "peer.cn": peer?.commonName ?? "unknown", "peer.role": peer?.role ?? "unknown",
                "peer.serial": peer?.serialNumber ?? "unknown", "http.max_body_bytes": configuration.maxBodySize,
            ])
    }
}

// MARK: - C callbacks

/// evhttp's bufferevent factory: a server-side OpenSSL bufferevent for each accepted connection.
let makeTLSBufferevent: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> OpaquePointer? = {
    base, context in
    guard let base, let context else { return nil }
    let server = Unmanaged<HTTPSServer>.fromOpaque(context).takeUnretainedValue()
    guard let sslContext = server.sslContext, let ssl = SSL_new(sslContext) else { return nil }
    guard
        let bufferevent = bufferevent_openssl_socket_new(
            base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
    else {
        SSL_free(ssl)
        return nil
    }
    // libevent writes its own error responses straight into this buffer, without calling us.
    evbuffer_add_cb(bufferevent_get_output(bufferevent), observeResponseStart, UnsafeMutableRawPointer(ssl))
    return bufferevent
}

/// Watches a connection's output for the start of a response and reports its status.
private let observeResponseStart:
    @convention(c) (OpaquePointer?, UnsafePointer<evbuffer_cb_info>?, UnsafeMutableRawPointer?) -> Void = {
        buffer, info, sslPointer in
        guard let buffer, let info, let sslPointer, info.pointee.orig_size == 0, info.pointee.n_added >= 12 else {
            return
        }
        var head = [UInt8](repeating: 0, count: 12)
        guard evbuffer_copyout(buffer, &head, 12) == 12, head.starts(with: Array("HTTP/1.".utf8)),
            let status = Int(String(decoding: head[9..<12], as: UTF8.self))
        else { return }
        let ssl = OpaquePointer(sslPointer)
        HTTPSServer.owner(of: ssl)?.noteLibeventResponse(ssl: ssl, status: status)
    }

/// OpenSSL's verify callback: keeps OpenSSL's verdict and records why a client certificate failed.
private let recordVerifyResult: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverifyOK, storeContext in
    guard preverifyOK == 0, let storeContext, let ssl = fedsurv_ssl_from_store_context(storeContext),
        let server = HTTPSServer.owner(of: ssl)
    else { return preverifyOK }
    let error = String(cString: X509_verify_cert_error_string(Int(X509_STORE_CTX_get_error(storeContext))))
    let subject = X509Text.oneLine(X509_STORE_CTX_get_current_cert(storeContext).flatMap { X509_get_subject_name($0) })
    server.noteVerifyFailure(ssl: ssl, subject: subject, error: error)
    return preverifyOK
}

/// OpenSSL's info callback: records every fatal alert, sent or received.
private let recordAlert: @convention(c) (OpaquePointer?, Int32, Int32) -> Void = { ssl, whereFlags, value in
    guard let ssl, whereFlags & SSL_CB_ALERT != 0, value >> 8 == SSL3_AL_FATAL,
        let server = HTTPSServer.owner(of: ssl)
    else { return }
    let code = Int(value & 0xff)
    server.noteFatalAlert(
        ssl: ssl, alertCode: code, alert: alertDescription(code: code, value: value),
        sentByServer: whereFlags & SSL_CB_WRITE != 0)
}

/// Describes an alert; OpenSSL 3.0 names the TLS 1.3 alerts (RFC 8446, section 6) `unknown`, so those are named here.
private func alertDescription(code: Int, value: Int32) -> String {
    switch code {
    case 109: return "missing extension"
    case 116: return "certificate required"
    case 120: return "no application protocol"
    default: return String(cString: SSL_alert_desc_string_long(value))
    }
}
