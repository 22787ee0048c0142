#ifndef AUTHKIT_COPENSSL_SHIM_H
#define AUTHKIT_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* Function-like macros Swift cannot import. */
static inline int authkit_evp_gcm_set_ivlen(EVP_CIPHER_CTX *ctx, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, len, NULL);
}
static inline int authkit_evp_gcm_get_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, len, tag);
}
static inline int authkit_evp_gcm_set_tag(EVP_CIPHER_CTX *ctx, int len, void *tag) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, len, tag);
}

/* Digests fetched once per process (OpenSSL 3: an explicitly fetched EVP_MD is shared safely
 * between threads; the legacy EVP_sha256() objects and the one-shot HMAC() look the algorithm
 * up in the provider store on every call, which measured ~27,000 instructions per HMAC). */
#include <stdatomic.h>
enum { AUTHKIT_SHA1 = 0, AUTHKIT_SHA256 = 1, AUTHKIT_SHA512 = 2 };
static inline const EVP_MD *authkit_digest(int which) {
    static _Atomic(EVP_MD *) cache[3];
    static const char *const names[3] = {"SHA1", "SHA256", "SHA512"};
    if (which < 0 || which > 2) return NULL;
    EVP_MD *md = atomic_load_explicit(&cache[which], memory_order_acquire);
    if (md != NULL) return md;
    EVP_MD *fetched = EVP_MD_fetch(NULL, names[which], NULL);
    EVP_MD *expected = NULL;
    if (atomic_compare_exchange_strong(&cache[which], &expected, fetched)) return fetched;
    EVP_MD_free(fetched); /* another thread won the race */
    return expected;
}

/* AES-256-GCM fetched once per process, for the same reason as the digests above. */
static inline const EVP_CIPHER *authkit_aes_256_gcm(void) {
    static _Atomic(EVP_CIPHER *) cache;
    EVP_CIPHER *cipher = atomic_load_explicit(&cache, memory_order_acquire);
    if (cipher != NULL) return cipher;
    EVP_CIPHER *fetched = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER *expected = NULL;
    if (atomic_compare_exchange_strong(&cache, &expected, fetched)) return fetched;
    EVP_CIPHER_free(fetched);
    return expected;
}

/* HMAC with a fetched digest: 1 on success. */
static inline int authkit_hmac(int which, const void *key, int key_length, const unsigned char *message,
                               size_t message_length, unsigned char *out, unsigned int *out_length) {
    const EVP_MD *md = authkit_digest(which);
    if (md == NULL) return 0;
    HMAC_CTX *ctx = HMAC_CTX_new();
    if (ctx == NULL) return 0;
    int ok = HMAC_Init_ex(ctx, key, key_length, md, NULL) && HMAC_Update(ctx, message, message_length)
             && HMAC_Final(ctx, out, out_length);
    HMAC_CTX_free(ctx);
    return ok;
}

/* STACK_OF(X509) is reached through macros Swift cannot import. A pushed certificate gets its
 * own reference, so the stack and the Swift owner of the certificate free independently. */
static inline STACK_OF(X509) *authkit_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int authkit_x509_stack_push(STACK_OF(X509) *stack, X509 *cert) {
    if (X509_up_ref(cert) != 1) return 0;
    if (sk_X509_push(stack, cert) <= 0) { X509_free(cert); return 0; }
    return 1;
}
static inline void authkit_x509_stack_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
#endif
