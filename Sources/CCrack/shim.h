#ifndef AUTHKIT_CCRACK_SHIM_H
#define AUTHKIT_CCRACK_SHIM_H
/* cracklib (libcrack2-dev). packer.h declares the dictionary's layout only for cracklib's own
   build (IN_CRACKLIB); the wrapper needs its word count, which FindPW returns for "not found".
   HAVE_INTTYPES_H: take uint32_t from the system, as cracklib's own build does. */
#define IN_CRACKLIB
#define HAVE_INTTYPES_H 1
#include <stddef.h>   /* crack.h uses size_t without including it */
#include <inttypes.h>
#include <crack.h>
#include <packer.h>
/* cracklib's verdicts are gettext messages: the wrapper compares them with dgettext's
   translation of each known message, so it reads them right whatever the locale. */
#include <libintl.h>

static inline uint32_t authkit_crack_word_count(PWDICT *dict) { return PW_WORDS(dict); }
#endif
