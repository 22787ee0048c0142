#ifndef AUTHKIT_CLIBCRYPT_SHIM_H
#define AUTHKIT_CLIBCRYPT_SHIM_H
/* libxcrypt (Debian's libcrypt): crypt_rn, which returns NULL on failure instead of a "*0" string. */
#include <crypt.h>
#endif
