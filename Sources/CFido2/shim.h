#ifndef AUTHKIT_CFIDO2_SHIM_H
#define AUTHKIT_CFIDO2_SHIM_H
/* libfido2 is used only to verify what browsers send (no device access): attestation
 * statements and assertion signatures. */
#include <fido.h>
#include <fido/es256.h>
#include <fido/eddsa.h>
#include <fido/rs256.h>
#endif
