#ifndef AUTHKIT_CQRENCODE_SHIM_H
#define AUTHKIT_CQRENCODE_SHIM_H
#include <errno.h>
#include <qrencode.h>

/* QRcode_encodeString reports failure as NULL plus errno (EINVAL, ERANGE: too much data for
 * version 40, ENOMEM). errno is read here, right after the call, because Swift code may run
 * other C calls (and change errno) before it could read it itself. Case-sensitive, 8-bit hint,
 * version 0 (the smallest that fits): what Debian's `qrencode` command does by default. */
static inline QRcode *authkit_qrencode_string(const char *text, QRecLevel level, int *error) {
    errno = 0;
    QRcode *code = QRcode_encodeString(text, 0, level, QR_MODE_8, 1);
    *error = code ? 0 : errno;
    return code;
}
#endif
