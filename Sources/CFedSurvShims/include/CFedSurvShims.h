#ifndef CFEDSURV_SHIMS_H
#define CFEDSURV_SHIMS_H

#include <curl/curl.h>

/// Sets a long-valued libcurl option; curl_easy_setopt is variadic, which Swift cannot call.
CURLcode fedsurv_curl_setopt_long(CURL *handle, CURLoption option, long value);
/// Sets a string-valued libcurl option.
CURLcode fedsurv_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
/// Sets a pointer-valued libcurl option (callbacks, user data, header lists).
CURLcode fedsurv_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// Reads a long-valued libcurl info field; curl_easy_getinfo is variadic.
CURLcode fedsurv_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
