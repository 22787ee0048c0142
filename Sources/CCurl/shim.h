#ifndef AUTHKIT_CCURL_SHIM_H
#define AUTHKIT_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind. */
static inline CURLcode authkit_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode authkit_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode authkit_curl_set_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode authkit_curl_set_list(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
typedef size_t (*authkit_curl_read_fn)(char *buffer, size_t size, size_t count, void *user);
static inline CURLcode authkit_curl_set_read(CURL *c, authkit_curl_read_fn f) { return curl_easy_setopt(c, CURLOPT_READFUNCTION, f); }
/* curl_easy_getinfo is variadic too: the last SMTP reply code (0 when the server gave none). */
static inline long authkit_curl_response_code(CURL *c) {
    long v = 0;
    return curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &v) == CURLE_OK ? v : 0;
}
#endif
