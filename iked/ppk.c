/*
 * ppk: asking the key source for RFC 8784 PPKs.
 *
 * The initiator asks for a fresh key of its profile (and learns its ID);
 * the responder asks for the key the peer named in PPK_IDENTITY.  The key
 * source may answer at once or much later (a QKD KME over HTTPS), so the
 * answer is parked in a struct ppk_wait and the exchange resumes from the
 * event loop, never from inside the key source's call.  A wait names its
 * IKE SA by SPI, not by pointer: the SA may be gone when the key arrives,
 * and then the key is wiped and dropped.  Waits left when the engine goes
 * are orphaned (w->e = NULL) and freed by their late callback.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

struct ppk_wait {
	struct ppk_wait *next;
	struct ike_engine *e;
	uint64_t spi;
	struct event *ev;
	bool answered;
	uint8_t key[sizeof(((struct ike_nego *)0)->ppk)];
	size_t key_len;
	char id[ENG_ID_MAX + 1];
	char err[48];
};

static void
ppk_wait_free(struct ppk_wait *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	OPENSSL_cleanse(w, sizeof(*w));
	free(w);
}

static void
ppk_unlink(struct ike_engine *e, struct ppk_wait *w)
{
	struct ppk_wait **pp = &e->waits;

	while (*pp != NULL && *pp != w)
		pp = &(*pp)->next;
	if (*pp == w)
		*pp = w->next;
}

/* On the loop: hand the answer to the SA, if it is still there. */
static void
ppk_resume(evutil_socket_t fd, short what, void *arg)
{
	struct ppk_wait *w = arg;
	struct ike_engine *e = w->e;
	struct ike_sa *sa;

	ppk_unlink(e, w);
	sa = sa_find(e, w->spi);
	if (sa != NULL && sa->state == IKE_ST_AUTH_WAIT && sa->n != NULL) {
		struct ike_nego *n = sa->n;
		if (w->key_len > 0) {
			memcpy(n->ppk, w->key, w->key_len);
			n->ppk_len = w->key_len;
			n->have_ppk = true;
			snprintf(n->ppk_id, sizeof(n->ppk_id), "%s", w->id);
		} else {
			snprintf(n->ppk_err, sizeof(n->ppk_err), "%s",
			    w->err[0] ? w->err : "no key");
		}
		ppk_wait_free(w);
		auth_ppk_ready(sa);
		return;
	}
	ppk_wait_free(w);
}

static void
ppk_done(void *cb_ctx, const char *key_id, const uint8_t *key, size_t key_len,
    const char *error)
{
	struct ppk_wait *w = cb_ctx;

	if (w->e == NULL) { /* the engine is gone */
		ppk_wait_free(w);
		return;
	}
	if (w->answered)
		return;
	w->answered = true;
	if (key != NULL && key_len > 0 && key_len <= sizeof(w->key) &&
	    key_id != NULL && strlen(key_id) <= ENG_ID_MAX) {
		memcpy(w->key, key, key_len);
		w->key_len = key_len;
		snprintf(w->id, sizeof(w->id), "%s", key_id);
	} else {
		snprintf(w->err, sizeof(w->err), "%s",
		    error ? error : "unusable key");
	}
	event_active(w->ev, 0, 0);
}

int
ppk_fetch(struct ike_sa *sa, const char *key_id)
{
	struct ike_engine *e = sa->e;
	struct ppk_wait *w;

	if (e->keys == NULL)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->e = e;
	w->spi = sa_our_spi(sa);
	w->ev = event_new(e->base, -1, 0, ppk_resume, w);
	w->next = e->waits;
	e->waits = w;
	if (key_id == NULL)
		e->keys->get_key(
		    e->keys_ctx, sa->gw->p.ppk_profile, ppk_done, w);
	else
		e->keys->get_key_by_id(
		    e->keys_ctx, sa->gw->p.ppk_profile, key_id, ppk_done, w);
	return 0;
}

void
ppk_waits_free(struct ike_engine *e)
{
	struct ppk_wait *w, *nx;

	for (w = e->waits; w != NULL; w = nx) {
		nx = w->next;
		if (w->answered) {
			ppk_wait_free(w); /* nobody calls it again */
		} else {
			event_free(w->ev);
			w->ev = NULL;
			w->e = NULL;
		}
	}
	e->waits = NULL;
}
