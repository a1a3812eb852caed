/*
 * ca: the process of iked that holds the private keys (as OpenBSD iked's
 * `ca` process does), and the two signers the engine can use
 * (engine.h struct eng_signer).
 *
 * The process that reads the network never opens keys/: certificate AUTH
 * is signed by the ca process, forked by iked before it drops privileges,
 * over a socketpair with lib/msg framing (one request, one reply, matched
 * by "id"):
 *
 *   {"id": N, "op": "sign", "cert": "<certificate-id>",
 *    "scheme": "rsa-pkcs1" | "rsa-pss" | "ecdsa", "hash": <RFC 7427 4>,
 *    "octets": "<hex>"}
 *   -> {"id": N, "sig": "<hex>"}  or  {"id": N, "error": "<reason>"}
 *
 * It signs only: it parses no IKE, and the octets are opaque to it (at
 * most CA_OCTETS_MAX).  The key is read from the pki store for each
 * request and freed (EVP_PKEY_free wipes it) right after.
 *
 * signer_local_* is the in-process signer of the tests: the same
 * operation, answered from the loop so the engine's asynchronous path is
 * the one exercised.
 */
#ifndef QSAFE_IKE_CA_H
#define QSAFE_IKE_CA_H

#include <stddef.h>
#include <sys/types.h>

#include "iked/engine.h"

#define CA_OCTETS_MAX (2 * 65536) /* msg1 + nonce + prf, with room */

struct event_base;
struct pki_store;

/*
 * The ca process's loop on fd: answers requests until EOF or a malformed
 * frame.  Returns the exit status (0 at EOF).
 */
int ca_main(int fd, struct pki_store *st);
/*
 * Forks the ca process, which opens the store in store_dir and runs
 * ca_main on its end of a socketpair (it dies with its parent).  Returns
 * its pid with our end in *fd, or -1.
 */
pid_t ca_spawn(const char *store_dir, int *fd);
/* Drops every capability (the bounding set too) and sets
 * no-new-privileges: the ca process's and the tun broker's lot. */
void ca_confine(void);

/* The engine's side of the socket: an eng_signer (borrowed table). */
struct ca_client;
struct ca_client *ca_client_new(struct event_base *base, int fd);
/* Closes fd; requests still waiting are answered "ca process gone". */
void ca_client_free(struct ca_client *c);
const struct eng_signer *ca_client_signer(void);

/* In-process (tests): signs with the keys of st, answers from the loop. */
struct signer_local;
struct signer_local *signer_local_new(
    struct event_base *base, struct pki_store *st);
void signer_local_free(struct signer_local *s);
const struct eng_signer *signer_local_ops(void);
/* Requests answered so far (tests check the signer was asked). */
unsigned signer_local_count(const struct signer_local *s);

/* The scheme names of the protocol; -1 for an unknown name. */
int ca_scheme_parse(const char *name, enum eng_sig_scheme *out);

#endif
