#ifndef AUTHKIT_CCBOR_SHIM_H
#define AUTHKIT_CCBOR_SHIM_H
#include <stdlib.h>
#include <cbor.h>

/* cbor_serialize_alloc() hands back a malloc'd buffer; Swift frees it through this so the
 * allocator that made it is the one that frees it. */
static inline void authkit_cbor_free_buffer(unsigned char *buffer) { free(buffer); }
#endif
