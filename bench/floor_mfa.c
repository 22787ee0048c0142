/* The GET mfa/ floor: a bare threaded libfcgi responder doing the physical minimum of an
 * authenticated method list — verify an HS256 access token (signature with OpenSSL HMAC, exp,
 * token_type, user_id) and run the app's one prepared statement (users_by_id_with_methods,
 * UserStore.swift) on the thread's own libpq connection, opened once at start — then answer the
 * same JSON array with the app's headers. Same threading as bench/floor.c and the app. Built by
 * bench/lib.sh (start_floor): cc -O2 $(pkg-config --cflags libpq) -o floor_mfa floor_mfa.c \
 *   -lfcgi -lpq -lcrypto -lpthread
 *   AUTHKIT_SECRET_KEY=... AUTHKIT_DATABASE_URL=postgresql:///... ./floor_mfa SOCKET THREADS
 * Only for the bench: simplejwt's token layout is assumed, not parsed as general JSON. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int listen_fd;
static const char *secret, *dburl;
static EVP_MD *sha256;
/* base64url of {"alg":"HS256","typ":"JWT"}, the header simplejwt (and the app) writes. */
static const char jwt_header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char sql[] =
    "SELECT id, username, email, first_name, last_name, is_active, (extract(epoch FROM last_login) * 1000000)::bigint, "
    "coalesce((SELECT string_agg(m.name || '/' || CASE WHEN m.is_primary THEN 'p' ELSE '' END "
    "|| CASE WHEN m.is_active THEN 'a' ELSE '' END, ',' ORDER BY m.id) "
    "FROM mfa_methods m WHERE m.user_id = users.id), '') FROM users WHERE id = $1";
#define HEADERS "Content-Type: application/json\r\nVary: Accept\r\nX-Frame-Options: DENY\r\n" \
    "X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n" \
    "Cross-Origin-Opener-Policy: same-origin\r\nCache-Control: no-store\r\n"
#define UNAUTHORIZED "{\"detail\":\"Given token not valid for any token type\",\"code\":\"token_not_valid\"}"
static char unauthorized[1024]; /* the whole 401 answer, framed in main */

static signed char b64val[256]; /* -1 outside the alphabet; filled in main */

/* Decodes unpadded base64url into out (NUL-terminated); returns the length or -1. */
static int b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap) {
    size_t o = 0; unsigned acc = 0; int bits = 0;
    if (n / 4 * 3 + 3 >= cap) return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64val[(unsigned char)in[i]];
        if (v < 0) return -1;
        acc = acc << 6 | (unsigned)v; bits += 6;
        if (bits >= 8) { bits -= 8; out[o++] = (unsigned char)(acc >> bits); }
    }
    out[o] = 0;
    return (int)o;
}

static void b64url_encode32(const unsigned char *in, char out[44]) { /* 32 bytes -> 43 chars */
    int o = 0;
    for (int i = 0; i < 32; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < 32 ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < 32 ? in[i + 2] : 0);
        out[o++] = b64url[v >> 18 & 63]; out[o++] = b64url[v >> 12 & 63];
        if (i + 1 < 32) out[o++] = b64url[v >> 6 & 63];
        if (i + 2 < 32) out[o++] = b64url[v & 63];
    }
    out[o] = 0;
}

/* Verifies "Bearer <jwt>"; on success writes the decimal user id into uid and returns 1. */
static int verify(HMAC_CTX *mac, const char *auth, char uid[24]) {
    if (!auth || strncmp(auth, "Bearer ", 7) != 0) return 0;
    const char *tok = auth + 7, *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2 || (size_t)(d1 - tok) != sizeof jwt_header - 1 || memcmp(tok, jwt_header, sizeof jwt_header - 1)) return 0;
    const char *sig = d2 + 1;
    if (strlen(sig) != 43) return 0;
    unsigned char digest[32], payload[512]; unsigned len = 0; char expected[44];
    if (!HMAC_Init_ex(mac, NULL, 0, NULL, NULL) || !HMAC_Update(mac, (const unsigned char *)tok, (size_t)(d2 - tok))
        || !HMAC_Final(mac, digest, &len) || len != 32) return 0;
    b64url_encode32(digest, expected);
    if (CRYPTO_memcmp(expected, sig, 43) != 0) return 0;
    if (b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), payload, sizeof payload) < 0) return 0;
    const char *p = (const char *)payload, *exp = strstr(p, "\"exp\":"), *user = strstr(p, "\"user_id\":\"");
    if (!exp || !user || !strstr(p, "\"token_type\":\"access\"")) return 0;
    if (strtoll(exp + 6, NULL, 10) <= (long long)time(NULL)) return 0;
    user += 11;
    int i = 0;
    while (user[i] >= '0' && user[i] <= '9' && i < 20) { uid[i] = user[i]; i++; }
    uid[i] = 0;
    return i > 0 && user[i] == '"';
}

static void *serve(void *unused) {
    PGconn *db = PQconnectdb(dburl);
    PGresult *prep = PQprepare(db, "users_by_id_with_methods", sql, 0, NULL);
    if (PQresultStatus(prep) != PGRES_COMMAND_OK) { fprintf(stderr, "prepare: %s", PQerrorMessage(db)); exit(1); }
    PQclear(prep);
    HMAC_CTX *mac = HMAC_CTX_new();
    HMAC_Init_ex(mac, secret, (int)strlen(secret), sha256, NULL); /* the key is set once; reused per request */
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    char uid[24], body[256], out[1024];
    while (FCGX_Accept_r(&request) >= 0) {
        if (!verify(mac, FCGX_GetParam("HTTP_AUTHORIZATION", request.envp), uid)) {
            FCGX_PutS(unauthorized, request.out);
            FCGX_Finish_r(&request);
            continue;
        }
        const char *params[1] = {uid};
        PGresult *r = PQexecPrepared(db, "users_by_id_with_methods", 1, params, NULL, NULL, 0);
        int n;
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            n = snprintf(out, sizeof out, "Status: 503 Service Unavailable\r\n" HEADERS "Content-Length: 2\r\n\r\n{}");
        } else if (PQntuples(r) == 0 || PQgetvalue(r, 0, 5)[0] != 't') {
            n = snprintf(out, sizeof out, "%s", unauthorized);
        } else {
            /* The one configured handler ("app"): its flags from the "name/pa,..." summary. */
            const char *s = PQgetvalue(r, 0, 7), *m = strstr(s, "app/");
            while (m && m != s && m[-1] != ',') m = strstr(m + 1, "app/");
            const char *flags = m ? m + 4 : "";
            size_t fl = strcspn(flags, ",");
            int primary = memchr(flags, 'p', fl) != NULL, active = memchr(flags, 'a', fl) != NULL;
            int b = snprintf(body, sizeof body, "[{\"name\":\"app\",\"is_primary\":%s,\"is_active\":%s,\"is_setup\":%s}]",
                             primary ? "true" : "false", active ? "true" : "false", m ? "true" : "false");
            n = snprintf(out, sizeof out, "Status: 200 OK\r\n" HEADERS "Allow: GET, POST, HEAD, OPTIONS\r\n"
                         "Content-Length: %d\r\n\r\n%s", b, body);
        }
        PQclear(r);
        FCGX_PutStr(out, n, request.out);
        FCGX_Finish_r(&request);
    }
    return unused;
}

int main(int argc, char **argv) {
    secret = getenv("AUTHKIT_SECRET_KEY"); dburl = getenv("AUTHKIT_DATABASE_URL");
    if (argc < 3 || !secret || !dburl) {
        fprintf(stderr, "usage: AUTHKIT_SECRET_KEY=.. AUTHKIT_DATABASE_URL=.. %s SOCKET THREADS\n", argv[0]);
        return 2;
    }
    snprintf(unauthorized, sizeof unauthorized, "Status: 401 Unauthorized\r\n" HEADERS "WWW-Authenticate: Bearer "
             "realm=\"api\"\r\nContent-Length: %zu\r\n\r\n%s", sizeof UNAUTHORIZED - 1, UNAUTHORIZED);
    memset(b64val, -1, sizeof b64val);
    for (int i = 0; i < 64; i++) b64val[(unsigned char)b64url[i]] = (signed char)i;
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* fetched once, as the app's OpenSSL shim does */
    FCGX_Init();
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    chmod(argv[1], 0666);
    int n = atoi(argv[2]);
    pthread_t threads[64];
    for (int i = 0; i < n && i < 64; i++) pthread_create(&threads[i], NULL, serve, NULL);
    for (int i = 0; i < n && i < 64; i++) pthread_join(threads[i], NULL);
    return 0;
}
