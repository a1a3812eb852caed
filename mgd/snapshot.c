/*
 * snapshot: every DB_SNAPSHOT_EVERY commits generation 0 is kept whole
 * (docs/architecture.md, "The store").  At 200,000 lines its text is
 * 17.5 MB: rendered and stored as a row on mgd's loop after the reply, it
 * held the next command 100-450 ms.  A thread renders it and writes it to
 * a file beside the store (synced, then renamed); the loop then names the
 * file in the generation's row (a short write), prunes and checkpoints
 * (snapshot_finish).  Before the loop changes or frees the tree the thread
 * reads it waits for the render alone (snapshot_release).  A snapshot may
 * be late, never wrong: the thread renders generation snap_seq's own tree,
 * and the row names the file only once it is durable.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/clock.h"
#include "lib/file.h"
#include "lib/log.h"
#include "mgd/db.h"
#include "mgd/mgd.h"
#include "schema/conf_text.h"

/* Renders snap_tree and writes it to snap_path: what the thread does. */
static void
snapshot_make(struct mgd *m)
{
	int64_t t0 = clock_mono_ms();
	struct sb *t = &m->snap_text, err;

	sb_init(&err);
	conf_text_set(conf_root(m->snap_tree), t);
	m->snap_bytes = t->len;
	m->snap_ms[0] = clock_mono_ms() - t0;
	/* done with the tree: the loop may change it */
	pthread_mutex_lock(&m->snap_mu);
	m->snap_rendered = true;
	pthread_cond_signal(&m->snap_cv);
	pthread_mutex_unlock(&m->snap_mu);
	t0 = clock_mono_ms();
	m->snap_ok = file_write_atomic(sb_str(&m->snap_path), t->buf, t->len,
			 0600, &err) == 0;
	m->snap_ms[1] = clock_mono_ms() - t0;
	/* the loop logs it */
	sb_reset(&m->snap_err);
	sb_add(&m->snap_err, err.buf, err.len);
	sb_free_secure(t);
	sb_free(&err);
}

static void *
snapshot_thread(void *arg)
{
	struct mgd *m = arg;
	char c = 0;

	/* tests/mgd: a snapshot that takes long, so that edits and commits
	 * come while it is made */
	if (m->snap_hold_ms > 0)
		usleep((useconds_t)m->snap_hold_ms * 1000);
	snapshot_make(m);
	/* Wakes the loop (snapshot_ready); a full pipe already does. */
	if (write(m->snap_pipe[1], &c, 1) == -1) {
		/* nothing to do: the loop is woken anyway */
	}
	return NULL;
}

void
snapshot_release(struct mgd *m)
{
	if (!m->snapping || m->snap_tree == NULL)
		return;
	pthread_mutex_lock(&m->snap_mu);
	while (!m->snap_rendered)
		pthread_cond_wait(&m->snap_cv, &m->snap_mu);
	pthread_mutex_unlock(&m->snap_mu);
	m->snap_tree = NULL;
}

/* The file is written (or failed): its row names it, and what no kept
 * generation needs any more goes.  On the loop, in a few ms. */
static void
snapshot_record(struct mgd *m, const char *where)
{
	int64_t t0 = clock_mono_ms();

	if (m->snap_ok && db_snapshot_file(m->db, m->snap_seq) == 0) {
		db_prune(m->db);
		log_info("commit: snapshot of generation %lld, %zu bytes"
			 " (%zu reserved), %s:"
			 " rendered in %lld ms, written in %lld ms,"
			 " recorded in %lld ms",
		    (long long)m->snap_seq, m->snap_bytes, m->snap_reserved,
		    where, (long long)m->snap_ms[0], (long long)m->snap_ms[1],
		    (long long)(clock_mono_ms() - t0));
	} else {
		log_warn("commit: snapshot of generation %lld not stored%s%s",
		    (long long)m->snap_seq, m->snap_err.len ? ": " : "",
		    sb_str(&m->snap_err));
	}
	db_checkpoint(m->db);
}

void
snapshot_finish(struct mgd *m)
{
	if (!m->snapping)
		return;
	pthread_join(m->snapper, NULL);
	m->snapping = false;
	m->snap_tree = NULL;
	snapshot_record(m, "in a thread");
}

static void
snapshot_ready(evutil_socket_t fd, short what, void *arg)
{
	char buf[16];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	snapshot_finish(arg);
}

/* The pipe the thread wakes the loop with. */
static int
snapshot_setup(struct mgd *m)
{
	if (m->snap_ev != NULL)
		return 0;
	if (pipe2(m->snap_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_warn("commit: snapshot: pipe: %m");
		return -1;
	}
	pthread_mutex_init(&m->snap_mu, NULL);
	pthread_cond_init(&m->snap_cv, NULL);
	sb_init(&m->snap_path);
	sb_init(&m->snap_err);
	m->snap_ev = event_new(
	    m->base, m->snap_pipe[0], EV_READ | EV_PERSIST, snapshot_ready, m);
	event_add(m->snap_ev, NULL);
	return 0;
}

void
snapshot_start(struct mgd *m)
{
	const char *hold = getenv("QSAFE_SNAPSHOT_HOLD_MS");

	if (m->snapping || snapshot_setup(m) == -1)
		return;
	m->snap_tree = m->committed;
	m->snap_seq = m->committed_seq;
	m->snap_hold_ms = hold != NULL ? atoi(hold) : 0;
	m->snap_rendered = false;
	m->snap_ok = false;
	sb_reset(&m->snap_err);
	/* The render's buffer, from the loop's heap, which keeps the pages
	 * it frees (mgd/mem.c): a new thread's heap is new memory, and
	 * the first touch of 17.5 MB of it cost the render 280-590 ms here
	 * (from the loop's heap 10-80 ms; docs/benchmarks.md, thirty-second
	 * round), which a commit that comes meanwhile waits for.  Sized from
	 * the last snapshot, or ~96 bytes a node (firewall shape: 49). */
	sb_init(&m->snap_text);
	m->snap_reserved = m->snap_bytes > 0 ? m->snap_bytes + m->snap_bytes / 8
					     : conf_count(m->snap_tree) * 96;
	sb_reserve(&m->snap_text, m->snap_reserved);
	db_snapshot_path(m->db, m->snap_seq, &m->snap_path);
	if (pthread_create(&m->snapper, NULL, snapshot_thread, m) == 0) {
		m->snapping = true;
		return;
	}
	/* No thread: made on the loop, as before. */
	m->snap_hold_ms = 0;
	snapshot_make(m);
	m->snap_tree = NULL;
	snapshot_record(m, "on mgd's loop");
}

void
snapshot_stop(struct mgd *m)
{
	snapshot_finish(m);
	if (m->snap_ev == NULL)
		return;
	event_free(m->snap_ev);
	m->snap_ev = NULL;
	close(m->snap_pipe[0]);
	close(m->snap_pipe[1]);
	pthread_cond_destroy(&m->snap_cv);
	pthread_mutex_destroy(&m->snap_mu);
	sb_free(&m->snap_path);
	sb_free(&m->snap_err);
}
