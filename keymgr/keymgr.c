/*
 * keymgr: the key manager daemon.  It runs the `security key-manager`
 * profiles — static ones (a configured PPK) and quantum-key-manager ones
 * (keys from a KME over ETSI GS QKD 014 with mutual TLS) — and hands their
 * keys to iked over <state>/keymgr.sock (proto_keymgr.h).  mgd starts and
 * supervises it and hands it the committed `security key-manager` and
 * `security pki` configuration (proto/link.h); keymgr refuses in check what
 * cannot work and acts in apply on what changed.  See keymgr.h for the
 * threads and README.md for the choices.
 *
 *   keymgr --mgd-fd 3 --state-dir D [--log F]      (started by mgd)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "keymgr/keymgr.h"
#include "lib/msg.h"
#include "proto/proto_keymgr.h"
#include "lib/log.h"
#include "lib/wipe.h"
#include "proto/link.h"
#include "pki/pki.h"

/*
 * mgd applies a commit to its daemons at once (mgd/backend.c): iked may
 * ask for the key of a profile this commit adds while keymgr is still
 * applying it.  From the check on, such requests wait for the apply (or
 * the abort), and are then answered from what runs (api_hold).
 */
static void
keymgr_check(
    void *ctx, struct conf *prev, struct conf *next, struct verrs *errs)
{
	struct keymgr *km = ctx;
	char **touched;
	size_t n;

	profile_check(km, prev, next, errs, &touched, &n);
	if (errs->n == 0 && n > 0) {
		api_hold(km->api, touched, n);
	} else {
		profile_names_free(touched, n);
		api_release(km->api); /* a check replaces the one before */
	}
}

static void
keymgr_apply(void *ctx, struct conf *prev, struct conf *next)
{
	struct keymgr *km = ctx;

	api_apply_begin(km->api);
	profile_apply(km, prev, next);
	api_release(km->api);
}

static void
keymgr_abort(void *ctx)
{
	struct keymgr *km = ctx;

	api_release(km->api);
}

static json_t *
keymgr_rpc(void *ctx, const char *name, const json_t *input, struct sb *err)
{
	return rpc_dispatch(ctx, name, input, err);
}

static const struct link_ops keymgr_ops = {
	.name = "keymgr",
	.check = keymgr_check,
	.apply = keymgr_apply,
	.abort = keymgr_abort,
	.rpc = keymgr_rpc,
};

static void
keymgr_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

/* The pki store of the state directory, opened for reading. */
static struct pki_store *
keymgr_pki(const char *state_dir)
{
	struct sb dir, err;
	struct pki_store *st;

	sb_init(&dir);
	sb_init(&err);
	sb_printf(&dir, "%s/pki", state_dir);
	st = pki_store_new(sb_str(&dir), &err);
	if (st == NULL)
		log_err("pki store %s: %s", sb_str(&dir), sb_str(&err));
	sb_free(&dir);
	sb_free(&err);
	return st;
}

int
main(int argc, char **argv)
{
	struct keymgr km = { 0 };
	struct event *term = NULL, *intr = NULL;
	struct sb sock;
	int fd, nworkers, rc = 1;
	bool ended;

	wipe_init(); /* frames may carry secrets: see lib/wipe.h */
	if (link_args(argc, argv, "keymgr", &fd, &km.state_dir) == -1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	evthread_use_pthreads();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&km.table.mu, NULL);
	pthread_cond_init(&km.table.cv, NULL);
	sb_init(&sock);
	if ((km.pki = keymgr_pki(km.state_dir)) == NULL)
		goto done;
	km.base = event_base_new();
	sb_printf(&sock, "%s/%s", km.state_dir, KEYMGR_SOCKET_NAME);
	if ((km.api = api_start(&km, sb_str(&sock))) == NULL)
		goto done;
	if ((km.link = link_new(km.base, fd, &keymgr_ops, &km)) == NULL)
		goto done;
	term = evsignal_new(km.base, SIGTERM, keymgr_signal, km.base);
	intr = evsignal_new(km.base, SIGINT, keymgr_signal, km.base);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(km.base);
	rc = 0;
done:
	/* The API first (no new jobs), then the workers: their requests in
	 * flight are cancelled (a KME that holds one does not hold the stop),
	 * the 2 s wait is for a worker in something else (its TLS set-up). */
	api_stop(km.api);
	nworkers = worker_cancel_all(&km.table);
	profile_table_free(&km.table);
	if ((ended = worker_wait_all(&km.table, 2000))) {
		if (nworkers > 0)
			log_info("stopping: %d KME worker%s ended", nworkers,
			    nworkers == 1 ? "" : "s");
		/* get profile-keys answers the workers woke us for. */
		if (km.base != NULL)
			event_base_loop(km.base, EVLOOP_NONBLOCK);
		api_free(km.api);
		pthread_cond_destroy(&km.table.cv);
		pthread_mutex_destroy(&km.table.mu);
	} else {
		log_warn("a KME still holds a worker; exiting without it");
	}
	if (sb_str(&sock)[0] != '\0')
		unlink(sb_str(&sock));
	sb_free(&sock);
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	link_free(km.link);
	if (km.base)
		event_base_free(km.base);
	pki_store_free(km.pki);
	if (ended)
		curl_global_cleanup();
	return rc;
}
