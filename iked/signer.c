/*
 * signer: the in-process eng_signer of the tests (ca.h).  It does what
 * the ca process does — the key from the pki store, sig_sign(), the key
 * freed — but in the test's own process, and hands the answer back from
 * the event loop, never from inside the engine's call, so the tests run
 * the engine's asynchronous path.  The daemon never uses it.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/auth_sig.h"
#include "iked/ca.h"
#include "lib/sb.h"
#include "pki/pki.h"

struct signer_answer {
	struct signer_answer *next;
	struct signer_local *s;
	struct event *ev;
	eng_sign_done done;
	void *cb_ctx;
	uint8_t sig[SIG_MAX];
	size_t len;
	const char *err;
};

struct signer_local {
	struct event_base *base;
	struct pki_store *st;
	struct signer_answer *waiting;
	unsigned count;
};

static void
signer_unlink(struct signer_local *s, struct signer_answer *a)
{
	struct signer_answer **pp = &s->waiting;

	while (*pp != NULL && *pp != a)
		pp = &(*pp)->next;
	if (*pp == a)
		*pp = a->next;
}

static void
signer_answer_free(struct signer_answer *a)
{
	event_free(a->ev);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

static void
signer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct signer_answer *a = arg;

	signer_unlink(a->s, a);
	a->s->count++;
	if (a->err == NULL)
		a->done(a->cb_ctx, a->sig, a->len, NULL);
	else
		a->done(a->cb_ctx, NULL, 0, a->err);
	signer_answer_free(a);
}

static void
signer_sign(void *ctx, const char *cert_id, enum eng_sig_scheme scheme,
    uint16_t hash, const uint8_t *octets, size_t len, eng_sign_done done,
    void *cb_ctx)
{
	struct signer_local *s = ctx;
	struct signer_answer *a = xcalloc(1, sizeof(*a));
	struct sb err;
	EVP_PKEY *key;

	a->s = s;
	a->done = done;
	a->cb_ctx = cb_ctx;
	a->ev = event_new(s->base, -1, 0, signer_fire, a);
	sb_init(&err);
	key = pki_local_key_get(s->st, cert_id, &err);
	if (key == NULL)
		a->err = "no such key pair";
	else if (sig_sign(key, scheme, hash, octets, len, a->sig,
		     sizeof(a->sig), &a->len) == -1)
		a->err = "cannot sign with this key";
	EVP_PKEY_free(key);
	sb_free(&err);
	a->next = s->waiting;
	s->waiting = a;
	event_active(a->ev, 0, 0);
}

static const struct eng_signer signer_local_table = { .sign = signer_sign };

const struct eng_signer *
signer_local_ops(void)
{
	return &signer_local_table;
}

struct signer_local *
signer_local_new(struct event_base *base, struct pki_store *st)
{
	struct signer_local *s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->st = st;
	return s;
}

/* Answers not given yet become errors (freeing orphaned engine waits). */
void
signer_local_free(struct signer_local *s)
{
	if (s == NULL)
		return;
	while (s->waiting != NULL) {
		struct signer_answer *a = s->waiting;
		s->waiting = a->next;
		a->done(a->cb_ctx, NULL, 0, "signer gone");
		signer_answer_free(a);
	}
	free(s);
}

unsigned
signer_local_count(const struct signer_local *s)
{
	return s->count;
}
