#ifndef AUTHKIT_CLIBPQ_SHIM_H
#define AUTHKIT_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* Swift cannot import character-literal macros such as PG_DIAG_SQLSTATE ('C'). */
static inline int authkit_pg_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int authkit_pg_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int authkit_pg_diag_constraint_name(void) { return PG_DIAG_CONSTRAINT_NAME; }
#endif
