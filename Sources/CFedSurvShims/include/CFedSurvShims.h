#ifndef CFEDSURV_SHIMS_H
#define CFEDSURV_SHIMS_H

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <event2/event.h>
#include <event2/http.h>

/// Sets a long-valued libcurl option; curl_easy_setopt is variadic, which Swift cannot call.
CURLcode fedsurv_curl_setopt_long(CURL *handle, CURLoption option, long value);
/// Sets a string-valued libcurl option.
CURLcode fedsurv_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
/// Sets a pointer-valued libcurl option (callbacks, user data, header lists).
CURLcode fedsurv_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// Sets a curl_off_t-valued libcurl option, such as CURLOPT_POSTFIELDSIZE_LARGE.
CURLcode fedsurv_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// Reads a long-valued libcurl info field; curl_easy_getinfo is variadic.
CURLcode fedsurv_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

/// Restricts an SSL_CTX to TLS 1.3 (SSL_CTX_set_min_proto_version is a macro).
/// Returns 1 on success, 0 on failure.
int fedsurv_ssl_ctx_require_tls13(SSL_CTX *context);
/// Turns off session tickets and the server session cache, so that every
/// connection runs a full handshake and its client certificate is verified
/// against the current CA and CRL (a resumed session skips verification).
/// Returns 1 on success, 0 on failure.
int fedsurv_ssl_ctx_disable_resumption(SSL_CTX *context);
/// Stores an opaque pointer in the SSL_CTX (SSL_CTX_set_app_data is a macro).
int fedsurv_ssl_ctx_set_app_data(SSL_CTX *context, void *data);
/// Returns the pointer stored with fedsurv_ssl_ctx_set_app_data.
void *fedsurv_ssl_ctx_get_app_data(const SSL_CTX *context);
/// Returns the SSL connection a certificate verification runs for, or NULL.
SSL *fedsurv_ssl_from_store_context(X509_STORE_CTX *store_context);
/// Returns XN_FLAG_RFC2253 for X509_NAME_print_ex (a macro Swift does not import).
unsigned long fedsurv_xn_flag_rfc2253(void);

/// Sets evhttp's read, write and idle timeout in milliseconds.
void fedsurv_evhttp_set_timeout_ms(struct evhttp *http, long milliseconds);

#endif
