#ifndef AUTHKIT_CARGON2_SHIM_H
#define AUTHKIT_CARGON2_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <argon2.h>

/* One Argon2 computation on the calling thread only. argon2_hash() and argon2_verify() start one
 * thread per lane (Django's default is 8): a login would then use every core while it holds a
 * single slot of the hashing budget. The result does not depend on the number of threads. */
static inline int authkit_argon2_hash(argon2_type type, uint32_t version, uint32_t t_cost, uint32_t m_cost,
                                      uint32_t lanes, const uint8_t *pwd, size_t pwdlen, const uint8_t *salt,
                                      size_t saltlen, uint8_t *out, size_t outlen) {
    if (pwdlen > ARGON2_MAX_PWD_LENGTH) return ARGON2_PWD_TOO_LONG;
    if (saltlen > ARGON2_MAX_SALT_LENGTH) return ARGON2_SALT_TOO_LONG;
    if (outlen > ARGON2_MAX_OUTLEN) return ARGON2_OUTPUT_TOO_LONG;
    argon2_context context = {0};
    context.out = out;
    context.outlen = (uint32_t)outlen;
    context.pwd = (uint8_t *)pwd; /* only written with ARGON2_FLAG_CLEAR_PASSWORD, which is not set */
    context.pwdlen = (uint32_t)pwdlen;
    context.salt = (uint8_t *)salt;
    context.saltlen = (uint32_t)saltlen;
    context.t_cost = t_cost;
    context.m_cost = m_cost;
    context.lanes = lanes;
    context.threads = 1;
    context.version = version;
    context.flags = ARGON2_DEFAULT_FLAGS;
    return argon2_ctx(&context, type);
}
#endif
