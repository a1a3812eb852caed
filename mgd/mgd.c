/*
 * mgd: main.  Opens the store, rebuilds the committed configuration and the
 * shared candidate from it, listens for cli sessions and runs the loop.
 *
 *   mgd --state-dir DIR [--foreground]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "lib/log.h"
#include "lib/msg.h"
#include "lib/wipe.h"
#include "mgd/backend.h"
#include "mgd/cmd.h"
#include "mgd/db.h"
#include "mgd/mem.h"
#include "mgd/mgd.h"
#include "pki/pki.h"
#include "pki/pki_conf.h"
#include "pki/pki_rpc.h"
#include "proto/proto_daemon.h"

const char *
mgd_hostname(struct mgd *m)
{
	const struct snode *sys = schema_find(m->schema, "/system");
	const struct snode *hn = schema_find(m->schema, "/system/host-name");
	struct cnode *n;

	if (sys == NULL || hn == NULL)
		return "";
	n = conf_find(mgd_running(m), conf_root(mgd_running(m)), sys, NULL);
	n = n ? conf_find(mgd_running(m), n, hn, NULL) : NULL;
	return n && n->val ? n->val : "";
}

void
cmd_prompt(struct session *s, json_t *reply)
{
	struct mgd *m = s->mgd;
	json_t *p = json_object();

	json_object_set_new(p, "mode",
	    json_string(
		s->mode == SESS_CONFIG ? "configuration" : "operational"));
	json_object_set_new(p, "user", json_string(s->user));
	json_object_set_new(p, "host", json_string(mgd_hostname(m)));
	if (s->screen_length >= 0)
		json_object_set_new(
		    p, "screen-length", json_integer(s->screen_length));
	if (s->screen_width >= 0)
		json_object_set_new(
		    p, "screen-width", json_integer(s->screen_width));
	if (s->mode == SESS_CONFIG) {
		struct sb b;
		sb_init(&b);
		cpath_banner(&s->level, &b);
		json_object_set_new(p, "edit", json_string(sb_str(&b)));
		sb_free(&b);
		if (m->confirm_deadline > 0) {
			int64_t left =
			    m->confirm_deadline - (int64_t)time(NULL);
			int64_t min =
			    (left + m->confirm_unit - 1) / m->confirm_unit;
			char buf[96];
			if (min < 1)
				min = 1;
			snprintf(buf, sizeof(buf),
			    "# commit confirmed will be"
			    " rolled back in %lld minute%s",
			    (long long)min, min == 1 ? "" : "s");
			json_object_set_new(p, "notice", json_string(buf));
			/* the cli counts down from these at each prompt it
			 * prints, without asking (Junos's `commit`) */
			json_object_set_new(p, "confirm-left",
			    json_integer(left > 0 ? left : 0));
			json_object_set_new(
			    p, "confirm-unit", json_integer(m->confirm_unit));
		}
	}
	json_object_set_new(reply, "prompt", p);
}

/* The pki library works with the committed CA profiles (pki_conf.h). */
void
mgd_pki_sync(struct mgd *m)
{
	if (m->pki != NULL)
		pki_conf_sync(m->pki, conf_root(mgd_running(m)));
}

/*
 * The rpc's data goes into reply for the renderer.  Data that reports a
 * failure (RPC_DATA_FAILED, proto/proto_daemon.h) is rendered too, and the
 * command fails: the cli's exit status says so.
 */
static void
mgd_rpc_data(json_t *reply, const char *render, json_t *data)
{
	if (json_is_true(json_object_get(data, RPC_DATA_FAILED)))
		json_object_set_new(reply, "ok", json_false());
	json_object_del(data, RPC_DATA_FAILED);
	json_object_set_new(reply, "render", json_string(render));
	json_object_set_new(reply, "data", data);
}

/* A daemon answered s's rpc: the reply is finished and sent. */
static void
mgd_rpc_done(void *arg, json_t *data, const char *err)
{
	struct session *s = arg;
	json_t *reply = s->later;
	struct pipes *p = s->rpc_pipes;

	s->rpc_call = NULL;
	s->later = NULL;
	s->rpc_pipes = NULL;
	if (json_is_string(data) && p->display != DISPLAY_JSON &&
	    p->display != DISPLAY_XML) {
		/* the daemon's JSON text, to the cli untouched
		 * (proto/proto_daemon.h)
		 */
		json_object_set_new(
		    reply, "render", json_string(s->rpc_render));
		json_object_set_new(reply, RPC_DATA_JSON, data);
		cmd_pipes_reply(p, reply);
	} else if (json_is_string(data)) {
		json_t *parsed = json_loadb(
		    json_string_value(data), json_string_length(data), 0, NULL);
		json_decref(data);
		mgd_rpc_data(reply, s->rpc_render,
		    parsed != NULL ? parsed : json_object());
		cmd_display_data(p, reply);
		cmd_pipes_reply(p, reply);
	} else if (data != NULL) {
		mgd_rpc_data(reply, s->rpc_render, data);
		cmd_display_data(p, reply);
		cmd_pipes_reply(p, reply);
	} else {
		struct sb e;
		sb_init(&e);
		sb_printf(&e, "%s\n", err);
		reply_fail(reply, sb_str(&e));
		sb_free(&e);
	}
	cmd_pipes_free(p);
	free(p);
	session_reply_send(s, reply);
}

void
mgd_rpc(struct session *s, const struct snode *rpc, const json_t *input,
    const struct pipes *p, json_t *reply)
{
	struct mgd *m = s->mgd;
	const char *name = rpc->ref_path; /* the rpc name */
	struct sb err;

	sb_init(&err);
	if (strcmp(rpc->handler, "pki") == 0 && m->pki != NULL) {
		json_t *data = pki_rpc(m->pki, name, input, &err);
		const char *q = msg_str(data, "confirm");
		if (data == NULL) {
			sb_putc(&err, '\n');
			reply_fail(reply, sb_str(&err));
		} else {
			if (q != NULL) {
				json_object_set_new(
				    reply, "ask", json_string(q));
				json_object_del(data, "confirm");
				s->wait = WAIT_CONFIRM_RPC;
				s->confirm_rpc = rpc;
				json_decref(s->confirm_input);
				s->confirm_input = json_deep_copy(input);
				json_object_set_new(
				    s->confirm_input, "confirmed", json_true());
			}
			mgd_rpc_data(reply, name, data);
		}
	} else {
		s->rpc_call = backend_rpc_start(m->backend, rpc->handler, name,
		    input, mgd_rpc_done, s, &err);
		if (s->rpc_call == NULL) {
			sb_putc(&err, '\n');
			reply_fail(reply, sb_str(&err));
		} else {
			s->later = json_incref(reply);
			s->rpc_pipes = xmalloc(sizeof(*s->rpc_pipes));
			*s->rpc_pipes = *p;
			json_incref(p->text);
			s->rpc_render = name;
		}
	}
	sb_free(&err);
}

static void
mgd_signal(evutil_socket_t sig, short what, void *arg)
{
	struct mgd *m = arg;

	log_info("signal %d: stopping", (int)sig);
	event_base_loopexit(m->base, NULL);
}

static int
mgd_pidfile(const char *dir)
{
	struct sb p;
	FILE *f;

	sb_init(&p);
	sb_printf(&p, "%s/mgd.pid", dir);
	f = fopen(sb_str(&p), "w");
	if (f != NULL) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	sb_free(&p);
	return f ? 0 : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mgd --state-dir DIR [--log FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct mgd m = { 0 };
	const char *logfile = NULL;
	struct sb path, err;
	int c, rc = 1;
	bool pidfile = false;

	mem_setup(argv); /* may execute mgd again */
	wipe_init();	 /* frames may carry secrets: see lib/wipe.h */
	while ((c = getopt_long(argc, argv, "s:l:", opts, NULL)) != -1) {
		switch (c) {
		case 's': m.state_dir = optarg; break;
		case 'l': logfile = optarg; break;
		default: usage();
		}
	}
	if (m.state_dir == NULL)
		m.state_dir = getenv("QSAFE_STATE_DIR");
	if (m.state_dir == NULL)
		usage();
	if (logfile != NULL) {
		FILE *lf = fopen(logfile, "a");
		if (lf != NULL)
			log_init("mgd", lf);
	} else {
		log_init("mgd", NULL);
	}
	umask(077);
	mkdir(m.state_dir, 0700);
	signal(SIGPIPE, SIG_IGN);
	m.confirm_unit = 60;
	if (getenv("QSAFE_CONFIRM_UNIT_SECONDS"))
		m.confirm_unit = atoi(getenv("QSAFE_CONFIRM_UNIT_SECONDS"));
	if (m.confirm_unit < 1)
		m.confirm_unit = 60;
	sb_init(&path);
	sb_init(&err);
	m.schema = schema_new(NULL);
	if (m.schema == NULL)
		goto done;
	sb_printf(&path, "%s/config.db", m.state_dir);
	m.db = db_open(sb_str(&path));
	if (m.db == NULL)
		goto done;
	if (commit_load(&m) == -1) {
		log_err("the committed configuration could not be rebuilt");
		goto done;
	}
	candidate_groups_start(&m, m.committed);
	if (candidate_load_from_db(&m) == -1)
		log_warn("part of the candidate journal could not be replayed");
	sb_reset(&path);
	sb_printf(&path, "%s/pki", m.state_dir);
	m.pki = pki_store_new(sb_str(&path), &err);
	if (m.pki == NULL)
		log_warn("pki store: %s", sb_str(&err));
	mgd_pki_sync(&m);
	m.base = event_base_new();
	m.backend = backend_new(&m);
	commit_confirm_restore(&m);
	if (frontend_listen(&m) == -1)
		goto done;
	struct event *sigterm = evsignal_new(m.base, SIGTERM, mgd_signal, &m);
	struct event *sigint = evsignal_new(m.base, SIGINT, mgd_signal, &m);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	pidfile = mgd_pidfile(m.state_dir) == 0;
	log_info("ready: %zu statements committed (generation %lld)",
	    conf_count(m.committed), (long long)m.committed_seq);
	event_base_dispatch(m.base);
	event_free(sigterm);
	event_free(sigint);
	backend_free(m.backend);
	m.backend = NULL;
	commit_drop(&m);
	snapshot_stop(&m);
	if (m.confirm_ev)
		event_free(m.confirm_ev);
	if (m.snapshot_ev)
		event_free(m.snapshot_ev);
	if (m.listen_ev)
		event_free(m.listen_ev);
	while (m.sessions) {
		struct session *s = m.sessions;
		m.sessions = s->next;
		/* a session's own cleanup, without the socket callbacks */
		bufferevent_free(s->bev);
		json_decref(s->later);
		json_decref(s->parked);
		if (s->rpc_pipes != NULL) {
			cmd_pipes_free(s->rpc_pipes);
			free(s->rpc_pipes);
		}
		conf_free(s->priv);
		sb_free(&s->priv_journal);
		sb_free(&s->notices);
		sb_free(&s->out);
		cpath_free(&s->level);
		free(s->wait_arg);
		free(s->user);
		free(s->tty);
		free(s);
	}
	event_base_free(m.base);
	rc = 0;
done:
	if (m.listen_fd > 0) {
		sb_reset(&path);
		sb_printf(&path, "%s/mgd.sock", m.state_dir);
		unlink(sb_str(&path));
	}
	sb_free(&path);
	sb_free(&err);
	backend_free(m.backend);
	/* last: the daemons are gone (backend_free waited for them) */
	if (pidfile) {
		sb_init(&path);
		sb_printf(&path, "%s/mgd.pid", m.state_dir);
		unlink(sb_str(&path));
		sb_free(&path);
	}
	pki_store_free(m.pki);
	grp_free(m.xcandidate);
	grp_free(m.xcommitted);
	candidate_copy_drop(&m);
	if (m.candidate != m.committed)
		conf_free(m.candidate);
	conf_free(m.committed);
	db_close(m.db);
	schema_free(m.schema);
	return rc;
}
