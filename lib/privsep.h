/*
 * privsep: the account iked's network process runs as (docs/architecture.md,
 * "Which process holds what").  iked forks its ca process (the private
 * keys) as root, then its network process takes this uid and gid and keeps
 * only CAP_NET_ADMIN and CAP_NET_RAW: it can no longer open the pki
 * store's keys/ (0700 root, keys 0600 root).  keymgr gives this group its
 * socket (the PPKs iked asks for), iked its state directory's search bit.
 * ./qsafe makes the account (useradd --system).
 */
#ifndef QSAFE_LIB_PRIVSEP_H
#define QSAFE_LIB_PRIVSEP_H

#include <sys/types.h>

#define PRIVSEP_IKED_USER "qsafe-iked"

/* The account's uid and gid; -1 when there is no such account. */
int privsep_iked_ids(uid_t *uid, gid_t *gid);

#endif
