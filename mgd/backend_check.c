/*
 * backend_check: phase one of a commit, the daemons' check of the change
 * (proto/proto_daemon.h).  Each daemon is sent its part of the delta text;
 * all check at once and each answer is collected as it comes.
 *
 * A large change goes out while mgd still builds it: the delta's writer
 * (diff_delta_text_sink) hands out each BACKEND_PART_BYTES of whole lines
 * (backend_stream_part), and a daemon whose part is a plain filter of the
 * delta (hostd, keymgr) gets its lines of it at once as a "check-part",
 * which it parses while mgd writes the next: at a first 200,000-line
 * firewall load hostd's 120-150 ms parse of 17.5 MB no longer waits for
 * the whole text and the read of it in one frame (docs/benchmarks.md,
 * forty-sixth round: what it gains, and why not more).  The check that
 * follows carries the rest.  iked's view of policies needs the whole delta
 * (schema/delta_view.h): it is sent as before, once the delta is whole.
 * A change smaller than BACKEND_PART_BYTES is never handed out: it goes
 * the one-message way.
 */
#include <string.h>

#include "lib/msg.h"
#include "mgd/backend.h"
#include "mgd/backend_int.h"
#include "mgd/mgd.h"
#include "proto/proto_daemon.h"

/* The least of the delta handed out at once: a daemon's parse of a part
 * (~8 ms at 1 MB) overlaps mgd's writing of the next (~4 ms). */
#define BACKEND_PART_BYTES ((size_t)1 << 20)

/* A daemon's answer to check; a daemon that went down counts as answered:
 * it gets generation 0 when it starts again. */
static void
backend_check_answered(void *arg, json_t *reply, const char *err)
{
	struct daemon *dm = arg;
	struct backend *b = dm->b;
	json_t *e;
	size_t k;

	(void)err;
	if (reply != NULL) {
		dm->checked = true;
		json_array_foreach(json_object_get(reply, "errors"), k, e)
		    verrs_add(b->phase.errs,
			msg_str(e, "edit") ? msg_str(e, "edit") : "[edit]",
			msg_str(e, "stmt") ? msg_str(e, "stmt") : "",
			msg_str(e, "msg") ? msg_str(e, "msg") : "", false);
		json_decref(reply);
	}
	backend_phase_answered(b);
}

/* Sends d its part of a check (NULL: no lines left, after parts);
 * counted in the phase when sent. */
static void
backend_check_send(struct backend *b, struct daemon *dm, const struct sb *part)
{
	json_t *req = json_object();

	json_object_set_new(req, "op", json_string(DAEMON_OP_CHECK));
	if (dm->parts > 0)
		json_object_set_new(req, "parts", json_true());
	dm->parts = 0;
	/* mgd wrote it: valid UTF-8, sent from where it is. */
	if (backend_call_start(dm, req,
		part != NULL && part->len > 0 ? part : NULL,
		backend_check_answered, dm, true) != NULL)
		b->phase.waiting++;
	json_decref(req);
}

/* The sink of the delta being built: each daemon in the stream gets its
 * lines of text (whole lines of the delta, borrowed) as a part. */
static void
backend_stream_part(void *arg, const char *text, size_t len)
{
	struct backend *b = arg;

	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *dm = &b->d[i];
		/* a view of text when it is all the daemon's: no copy */
		const struct sb whole = { (char *)text, len, len };
		struct sb mine;
		if (dm->fd < 0 || dm->def->tunnels_only)
			continue;
		bool all = backend_part_whole(dm->def, text, len);
		sb_init(&mine);
		if (!all)
			backend_part_delta(
			    dm->def, text, len, NULL, NULL, &mine);
		const struct sb *part = all ? &whole : &mine;
		if (part->len > 0) {
			json_t *req = json_object();
			json_object_set_new(
			    req, "op", json_string(DAEMON_OP_CHECK_PART));
			/* not answered; a daemon that fails is down */
			if (backend_send(dm, req, part) != 0)
				dm->parts++;
			json_decref(req);
		}
		sb_free(&mine);
	}
}

struct sb_sink *
backend_stream_begin(struct backend *b)
{
	b->stream = (struct sb_sink){ .step = BACKEND_PART_BYTES,
		.part = backend_stream_part,
		.arg = b };
	for (size_t i = 0; i < NDAEMONS; i++)
		if (b->d[i].fd >= 0 && !b->d[i].def->tunnels_only)
			return &b->stream;
	return NULL;
}

void
backend_check_start(struct backend *b, const char *delta, size_t len,
    struct conf *next, struct verrs *errs, backend_done_cb *done, void *arg)
{
	struct sb text[NDAEMONS];
	/* what backend_stream_part handed out: the daemons in the stream
	 * are sent the rest (and one that had no lines of it, its lines of
	 * the rest: the filter goes line by line) */
	size_t from = b->stream.sent;
	size_t order[NDAEMONS], n = 0;

	b->stream.sent = 0;
	backend_phase_begin(b, errs, done, arg);
	/*
	 * A daemon whose part is the whole delta (hostd at a first firewall
	 * load: 17.5 MB, the longest parse and check of the commit) is sent
	 * it before the other parts are built (iked's view, ~50 ms at that
	 * load): it is the largest part anyway, and its check starts that
	 * much sooner (docs/benchmarks.md, forty-fourth round).
	 */
	for (size_t i = 0; i < NDAEMONS; i++) {
		struct daemon *dm = &b->d[i];
		size_t off = dm->def->tunnels_only ? 0 : from;
		/* a daemon's part is its text, or the delta itself */
		const struct sb whole = { (char *)delta + off, len - off,
			len - off };
		sb_init(&text[i]);
		if (dm->fd < 0)
			continue;
		if (backend_part_whole(dm->def, delta + off, len - off)) {
			backend_check_send(b, dm, &whole);
			continue;
		}
		backend_part_delta(dm->def, delta + off, len - off,
		    mgd_running(b->m), next, &text[i]);
		/* An unchanged subtree costs no message, but the parts
		 * sent need their check. */
		if (text[i].len == 0 && dm->parts == 0)
			continue;
		/* The largest part first: mgd's send blocks while a daemon
		 * reads, and the daemon that reads most checks longest
		 * (iked, at a 200,000-line load), so it starts first. */
		size_t k = n++;
		for (; k > 0 && text[order[k - 1]].len < text[i].len; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	/* All daemons check at once; each answer is collected as it comes. */
	for (size_t k = 0; k < n; k++) {
		backend_check_send(b, &b->d[order[k]], &text[order[k]]);
		sb_free(&text[order[k]]);
	}
	for (size_t i = 0; i < NDAEMONS; i++)
		sb_free(&text[i]);
	backend_phase_answered(b);
}
