#include "CFedSurvShims.h"

CURLcode fedsurv_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode fedsurv_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode fedsurv_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode fedsurv_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode fedsurv_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

int fedsurv_ssl_ctx_require_tls13(SSL_CTX *context) {
    return SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1 ? 1 : 0;
}

int fedsurv_ssl_ctx_disable_resumption(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    return SSL_CTX_set_num_tickets(context, 0);
}

int fedsurv_ssl_ctx_set_app_data(SSL_CTX *context, void *data) {
    return SSL_CTX_set_app_data(context, data);
}

void *fedsurv_ssl_ctx_get_app_data(const SSL_CTX *context) {
    return SSL_CTX_get_app_data(context);
}

SSL *fedsurv_ssl_from_store_context(X509_STORE_CTX *store_context) {
    return X509_STORE_CTX_get_ex_data(store_context, SSL_get_ex_data_X509_STORE_CTX_idx());
}

unsigned long fedsurv_xn_flag_rfc2253(void) {
    return XN_FLAG_RFC2253;
}

void fedsurv_evhttp_set_timeout_ms(struct evhttp *http, long milliseconds) {
    struct timeval timeout = {milliseconds / 1000, (milliseconds % 1000) * 1000};
    evhttp_set_timeout_tv(http, &timeout);
}
