/*
 * kme_harness: start and stop kme-sim for tests, make its certificates with
 * mkcerts.sh, and talk to its /sim/v1 control endpoints.  The paths of the
 * two programs come from the environment (KME_SIM, MKCERTS), set by meson.
 * Every process started here is stopped by its PID.
 */
#ifndef QSAFE_KME_HARNESS_H
#define QSAFE_KME_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include "keymgr/qkd014.h"

#define KMEH_MAX 8

struct kme_harness {
	char certdir[256];
	pid_t pid;
	size_t nkmes;
	struct {
		char name[32];
		int port;
	} kmes[KMEH_MAX];
};

/* mkdtemp under $TMPDIR and mkcerts.sh -s SAES into it; 0 or -1. */
int kmeh_certs(char *dir, size_t len, const char *saes);
/* rm -r the directory made by kmeh_certs. */
void kmeh_rmdir(const char *dir);
/*
 * Start kme-sim with --cert-dir certdir and args (NULL-terminated), wait
 * for "ready" (10 s at most) and learn the ports.  0 or -1.
 */
int kmeh_start(
    struct kme_harness *h, const char *certdir, const char *const *args);
/* SIGTERM, wait up to 10 s (then SIGKILL); the exit status or -1. */
int kmeh_stop(struct kme_harness *h);
int kmeh_port(const struct kme_harness *h, const char *kme);
/*
 * A client of KME `kme` authenticated as certificate certdir/PREFIX.pem
 * (PREFIX like "sae-SAE_A"); ca NULL means certdir/ca.pem.
 */
struct qkd_client *kmeh_client(const struct kme_harness *h, const char *kme,
    const char *prefix, const char *ca, long timeout_ms);
/*
 * GET (body NULL) or POST a /sim/v1/ path of KME `kme` as SAE prefix;
 * the reply body into out.  Returns the HTTP status or -1.
 */
int kmeh_ctl(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *path, const char *body, char *out, size_t outlen);
/*
 * Any request to KME `kme` as SAE prefix: method NULL is GET, or POST when
 * body is given; path from the root ("/api/v1/keys/SAE_B/status").  The
 * reply body into out; the HTTP status or -1.
 */
int kmeh_http(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *method, const char *path, const char *body, char *out,
    size_t outlen);
/* A counter from /sim/v1/stats, or -1. */
long kmeh_stat(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *name);

#endif
