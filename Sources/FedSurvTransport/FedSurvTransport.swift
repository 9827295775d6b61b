// FedSurvTransport: HTTPS with mutual TLS 1.3 between site agents and the coordinator.
//
// - `HTTPSServer` (coordinator side) runs libevent's evhttp over
//   bufferevent_openssl. libevent was chosen over libmicrohttpd because
//   Debian builds libmicrohttpd against GnuTLS, while the rest of FedSurv
//   (client, certificates, hashing) uses OpenSSL, and one TLS library means one
//   set of certificate, CRL and verification semantics.
// - `HTTPSClient` (site side) runs libcurl with its OpenSSL backend, which also
//   brings proxy support (`HTTPS_PROXY`, `https_proxy`, `NO_PROXY`).
// - `withRetries(maxAttempts:baseDelay:...)` retries transient failures with
//   exponential backoff and full jitter.
