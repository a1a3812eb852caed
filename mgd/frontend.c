/*
 * frontend: cli sessions.  Each connection to <state>/mgd.sock is a session;
 * requests are framed JSON (proto/proto_cli.h), one reply per request.  A
 * session that goes away leaves nothing behind: its exclusive lock dies with
 * it, its private candidate is dropped, the shared candidate's edits stay
 * (they are in the store).
 *
 * While a commit is on its way (m->commit), requests that could change the
 * candidate or start another commit wait in their session (s->parked, the
 * rest stays in the socket buffer) until it ends; completion, help, show,
 * status, ping and traceroute are answered meanwhile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/log.h"
#include "lib/msg.h"
#include "proto/proto_cli.h"
#include "mgd/complete.h"
#include "mgd/mgd.h"
#include "mgd/cmd.h"
#include "mgd/backend.h"

static void
session_free(struct session *s)
{
	struct mgd *m = s->mgd;

	for (struct session **pp = &m->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	cmd_session_end(s);
	if (s->rpc_call != NULL) {
		/* its answer has nobody to go to */
		backend_rpc_cancel(s->rpc_call);
		cmd_pipes_free(s->rpc_pipes);
		free(s->rpc_pipes);
	}
	commit_session_gone(m, s);
	json_decref(s->later);
	json_decref(s->parked);
	json_decref(s->confirm_input);
	if (s->bev)
		bufferevent_free(s->bev);
	conf_free(s->priv);
	sb_free(&s->priv_journal);
	cpath_free(&s->level);
	free(s->wait_arg);
	free(s->user);
	free(s->tty);
	sb_free(&s->notices);
	sb_free(&s->out);
	free(s);
}

static void
session_hello(struct session *s, const json_t *req, json_t *reply)
{
	const char *user = msg_str(req, "user");
	const char *tty = msg_str(req, "tty");

	free(s->user);
	free(s->tty);
	s->user = xstrdup(user && *user ? user : "root");
	s->tty = xstrdup(tty ? tty : "");
	s->pid = (pid_t)msg_int(req, "pid", 0);
	s->interactive = json_is_true(json_object_get(req, "interactive"));
	json_object_set_new(reply, "version", json_string(QSAFE_VERSION));
}

static void
session_request(struct session *s, json_t *req)
{
	const char *op = msg_str(req, "op");
	json_t *reply = json_object();

	s->req_id = msg_int(req, "id", 0);
	s->last_active = (int64_t)time(NULL);
	json_object_set_new(reply, "id", json_integer(s->req_id));
	json_object_set_new(reply, "ok", json_true());
	if (s->later != NULL) {
		/* the cli sends one request at a time; another is refused */
		reply_fail(
		    reply, "error: the previous command is still running\n");
	} else if (op == NULL) {
		reply_fail(reply, "error: request without op\n");
	} else if (strcmp(op, CLI_OP_HELLO) == 0) {
		session_hello(s, req, reply);
	} else if (strcmp(op, CLI_OP_EXEC) == 0) {
		const char *line = msg_str(req, "line");
		if (line == NULL)
			reply_fail(reply, "error: exec without line\n");
		else if (s->mode == SESS_CONFIG)
			cmd_config(s, line, reply);
		else
			cmd_oper(s, line, reply);
		if (s->timestamp && line != NULL && *line != '\0') {
			/* `set cli timestamp`: the time before the output */
			char ts[64];
			time_t now = time(NULL);
			struct tm tm;
			gmtime_r(&now, &tm);
			strftime(ts, sizeof(ts), "%b %d %H:%M:%S\n", &tm);
			sb_puts(&s->notices, ts);
		}
	} else if (strcmp(op, CLI_OP_ANSWER) == 0) {
		const char *t = msg_str(req, "text");
		cmd_answer(s, t ? t : "", reply);
	} else if (strcmp(op, CLI_OP_INPUT) == 0) {
		const char *t = msg_str(req, "text");
		cmd_input(s,
		    msg_str(req, "abort") != NULL ? NULL
			: t			  ? t
						  : "",
		    reply);
	} else if (strcmp(op, CLI_OP_COMPLETE) == 0 ||
	    strcmp(op, CLI_OP_HELP) == 0) {
		complete_request(s, req, strcmp(op, CLI_OP_HELP) == 0, reply);
	} else {
		reply_fail(reply, "error: unknown request\n");
	}
	if (s->later != NULL) {
		/* a daemon answers later: mgd_rpc_done or the commit's end
		 * sends it */
		json_decref(reply);
		return;
	}
	session_reply_send(s, reply);
}

/* Does the first word of line name one of words (cmd_match's rule)? */
static bool
first_word_is(const char *line, const char *const *words, size_t n)
{
	char word[32];
	size_t len;

	line += strspn(line, " \t");
	len = strcspn(line, " \t|");
	if (len == 0 || len >= sizeof(word))
		return false;
	memcpy(word, line, len);
	word[len] = '\0';
	return cmd_match(word, words, n) >= 0;
}

/*
 * Does line only read?  Operational show, ping and traceroute; in
 * configuration mode show, status and `run` of those.  (They read the
 * trees between two steps of a commit, never in the middle of one.)
 */
static bool
line_reads_only(const char *line, enum sess_mode mode)
{
	static const char *const oper[] = { "show", "ping", "traceroute" };
	static const char *const config[] = { "show", "status" };
	static const char *const run[] = { "run" };

	if (mode == SESS_OPER)
		return first_word_is(line, oper, 3);
	if (first_word_is(line, config, 2))
		return true;
	if (!first_word_is(line, run, 1))
		return false;
	line += strspn(line, " \t");
	line += strcspn(line, " \t");
	return first_word_is(line, oper, 3);
}

/* Does req wait for the commit on its way? */
static bool
frontend_must_wait(const struct session *s, const json_t *req)
{
	const char *op = msg_str(req, "op");

	if (s->mgd->commit == NULL || op == NULL)
		return false;
	if (strcmp(op, CLI_OP_HELLO) == 0 || strcmp(op, CLI_OP_COMPLETE) == 0 ||
	    strcmp(op, CLI_OP_HELP) == 0)
		return false;
	if (strcmp(op, CLI_OP_EXEC) == 0 && s->later == NULL &&
	    msg_str(req, "line") != NULL)
		return !line_reads_only(msg_str(req, "line"), s->mode);
	return true;
}

void
session_reply_send(struct session *s, json_t *reply)
{
	cmd_prompt(s, reply);
	if (s->notices.len > 0) {
		/* Broadcasts (and the timestamp) come before the command's
		 * own output, outside its pipes. */
		json_object_set_new(
		    reply, "before", json_string(sb_str(&s->notices)));
		sb_reset(&s->notices);
		s->notices.len = 0;
	}
	/* Replies may carry keys (get profile-keys): sent without a copy,
	 * wiped once written. */
	if (s->out.len > 0) {
		/* A big output (reply_out_sb), and what came after it. */
		const char *more = msg_str(reply, "output");
		if (more != NULL) {
			sb_puts(&s->out, more);
			json_object_del(reply, "output");
		}
		if (msg_bev_send_sb(s->bev, reply, "output", &s->out) == -1)
			log_warn("session %d: reply not sent", s->id);
		sb_reset(&s->out);
		s->out.len = 0;
	} else if (msg_bev_send_wiped(s->bev, reply) == -1) {
		log_warn("session %d: reply not sent", s->id);
	}
	json_decref(reply);
}

static void
session_read(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_t *req;
	bool bad = false;

	while (s->parked == NULL && (req = msg_evbuf_pull(in, &bad)) != NULL) {
		if (frontend_must_wait(s, req)) {
			s->parked = req; /* frontend_resume runs it */
			break;
		}
		session_request(s, req);
		json_decref(req);
	}
	if (bad) {
		log_warn("session %d: malformed request, closing", s->id);
		session_free(s);
	}
}

void
frontend_resume(struct mgd *m)
{
	struct session *s, *next;

	/* Stops when one of them starts a commit of its own. */
	for (s = m->sessions; s != NULL && m->commit == NULL; s = next) {
		json_t *req = s->parked;
		next = s->next;
		if (req == NULL)
			continue;
		s->parked = NULL;
		session_request(s, req);
		json_decref(req);
		session_read(s->bev, s); /* what came meanwhile */
	}
}

static void
session_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		session_free(s);
}

static void
frontend_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct mgd *m = arg;
	struct session *s;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->mgd = m;
	s->id = ++m->next_session_id;
	s->user = xstrdup("root");
	s->tty = xstrdup("");
	s->since = s->last_active = (int64_t)time(NULL);
	cpath_init(&s->level);
	sb_init(&s->priv_journal);
	sb_init(&s->notices);
	sb_init(&s->out);
	s->screen_length = -1;
	s->screen_width = -1;
	s->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(s->bev, session_read, NULL, session_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	s->next = m->sessions;
	m->sessions = s;
}

int
frontend_listen(struct mgd *m)
{
	struct sb path;

	sb_init(&path);
	sb_printf(&path, "%s/%s", m->state_dir, MGD_SOCKET_NAME);
	m->listen_fd = msg_listen(sb_str(&path), 0660);
	if (m->listen_fd == -1) {
		log_err(
		    "cannot listen on %s: %s", sb_str(&path), strerror(errno));
		sb_free(&path);
		return -1;
	}
	evutil_make_socket_nonblocking(m->listen_fd);
	m->listen_ev = event_new(
	    m->base, m->listen_fd, EV_READ | EV_PERSIST, frontend_accept, m);
	event_add(m->listen_ev, NULL);
	sb_free(&path);
	return 0;
}

/*
 * Every session receives text when it happens (Junos: "Broadcast
 * Message from root@R1 / (no tty) at 14:44 PST..."): an interactive shell in
 * an unsolicited frame that it shows at its idle prompt, with the prompt
 * state as it is now (the commit confirmed countdown gone after the
 * automatic rollback); a script with its next reply, before the output.
 */
void
frontend_broadcast(struct mgd *m, const char *text)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	struct sb msg;

	log_info("broadcast: %s", text);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M UTC", &tm);
	sb_init(&msg);
	sb_printf(&msg,
	    "\nBroadcast Message from root%s%s\n"
	    "        (no tty) at %s...\n\n%s\n\n",
	    *mgd_hostname(m) ? "@" : "", mgd_hostname(m), when, text);
	for (struct session *s = m->sessions; s; s = s->next) {
		if (!s->interactive) {
			sb_puts(&s->notices, sb_str(&msg));
			continue;
		}
		json_t *frame = json_pack("{s:s}", "broadcast", sb_str(&msg));
		cmd_prompt(s, frame);
		if (msg_bev_send(s->bev, frame) == -1)
			log_warn("session %d: broadcast not sent", s->id);
		json_decref(frame);
	}
	sb_free(&msg);
}

void
session_who(const struct session *x, struct sb *out)
{
	struct sb t, lv;

	sb_init(&t);
	sb_init(&lv);
	mgd_time(x->since, &t);
	cpath_banner(&x->level, &lv);
	sb_printf(out, "  %s", x->user);
	/* Scripts have no terminal: Junos leaves the word out then. */
	if (x->tty != NULL && *x->tty != '\0')
		sb_printf(out, " terminal %s", x->tty);
	sb_printf(out, " (pid %d) on since %s", (int)x->pid, sb_str(&t));
	/* Junos's `configure`: a terminal's idle time since its last command */
	if (x->tty != NULL && *x->tty != '\0') {
		int64_t idle = (int64_t)time(NULL) - x->last_active;
		if (idle < 0)
			idle = 0;
		sb_printf(out, ", idle %02lld:%02lld:%02lld",
		    (long long)(idle / 3600), (long long)(idle / 60 % 60),
		    (long long)(idle % 60));
	}
	sb_printf(out, "\n      %s%s\n",
	    x->db == SESS_EXCLUSIVE	? "exclusive "
		: x->db == SESS_PRIVATE ? "private "
					: "",
	    sb_str(&lv));
	sb_free(&t);
	sb_free(&lv);
}
