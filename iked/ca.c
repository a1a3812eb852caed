/*
 * ca: the private-key process and its client (ca.h).
 *
 * The process side is a blocking loop (msg_recv / msg_send): one request
 * at a time, nothing else to do.  The client side lives on the engine's
 * event loop: a bufferevent on the socket, requests waiting for their
 * answer in a list by id.  If the process goes away every waiting request
 * is answered with an error, so no IKE SA waits for ever.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include "iked/auth_sig.h"
#include "iked/ca.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "lib/sb.h"
#include "pki/pki.h"

int
ca_scheme_parse(const char *name, enum eng_sig_scheme *out)
{
	static const enum eng_sig_scheme all[] = {
		ENG_SIG_RSA_PKCS1,
		ENG_SIG_RSA_PSS,
		ENG_SIG_ECDSA,
	};

	for (size_t i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, sig_scheme_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* A new buffer of *len octets from hex text of at most max octets. */
static uint8_t *
ca_unhex(const char *s, size_t max, size_t *len)
{
	size_t n = s ? strlen(s) : 0;
	uint8_t *p;

	if (n == 0 || n / 2 > max)
		return NULL;
	p = xmalloc(n / 2 + 1);
	if (hex_decode(s, n, p, n / 2, len) == -1) {
		free(p);
		return NULL;
	}
	return p;
}

static char *
ca_hex(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	char *s = xmalloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* One request; the reply's "sig" or "error" member. */
static void
ca_sign(struct pki_store *st, const json_t *req, json_t *rep)
{
	const char *cert = msg_str(req, "cert");
	enum eng_sig_scheme scheme;
	uint8_t sig[SIG_MAX], *oct = NULL;
	size_t olen = 0, slen;
	EVP_PKEY *key = NULL;
	struct sb err;
	const char *why = NULL;

	sb_init(&err);
	if (cert == NULL || !pki_name_is_valid(cert))
		why = "bad certificate-id";
	else if (ca_scheme_parse(msg_str(req, "scheme"), &scheme) == -1)
		why = "bad scheme";
	else if ((oct = ca_unhex(
		      msg_str(req, "octets"), CA_OCTETS_MAX, &olen)) == NULL)
		why = "bad octets";
	else if ((key = pki_local_key_get(st, cert, &err)) == NULL)
		why = "no such key pair";
	else if (sig_sign(key, scheme, (uint16_t)msg_int(req, "hash", 0), oct,
		     olen, sig, sizeof(sig), &slen) == -1)
		why = "cannot sign with this key";
	if (why == NULL) {
		char *hex = ca_hex(sig, slen);
		json_object_set_new(rep, "sig", json_string(hex));
		free(hex);
	} else {
		log_info("ca: sign %s refused: %s", cert ? cert : "-", why);
		json_object_set_new(rep, "error", json_string(why));
	}
	EVP_PKEY_free(key);
	free(oct);
	sb_free(&err);
}

int
ca_main(int fd, struct pki_store *st)
{
	json_t *req, *rep;

	while ((req = msg_recv(fd, -1)) != NULL) {
		const char *op = msg_str(req, "op");
		rep = json_object();
		json_object_set(rep, "id", json_object_get(req, "id"));
		if (op != NULL && strcmp(op, "sign") == 0)
			ca_sign(st, req, rep);
		else
			json_object_set_new(
			    rep, "error", json_string("unknown op"));
		json_decref(req);
		if (msg_send(fd, rep) == -1) {
			json_decref(rep);
			return 1;
		}
		json_decref(rep);
	}
	return errno == 0 ? 0 : 1;
}

/*
 * The ca process needs no capability: it reads keys/ as their owner
 * (root, 0600) and writes only to its socket.  All are dropped, the
 * bounding set too, and no exec can give them back.
 */
void
ca_confine(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	for (int c = 0; c <= CAP_LAST_CAP; c++)
		(void)prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		log_warn("ca: keeps its capabilities: %s", strerror(errno));
}

pid_t
ca_spawn(const char *store_dir, int *fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		struct sb err;
		struct pki_store *st;
		int rc = 1;

		/*
		 * Nothing of the parent's stays open here (its sockets, other
		 * ca processes' ends): only stdio and our end, as fd 3.
		 */
		if (sv[1] != 3) {
			if (dup2(sv[1], 3) == -1)
				_exit(1);
			sv[1] = 3;
		}
		if (close_range(4, ~0U, 0) == -1)
			for (long i = 4, max = sysconf(_SC_OPEN_MAX); i < max;
			     i++)
				(void)close((int)i);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		sb_init(&err);
		st = pki_store_new(store_dir, &err);
		ca_confine();
		if (st == NULL)
			log_warn("ca: %s", sb_str(&err));
		else
			rc = ca_main(sv[1], st);
		pki_store_free(st);
		sb_free(&err);
		_exit(rc);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* The client, on the engine's loop. */
struct ca_req {
	struct ca_req *next;
	json_int_t id;
	eng_sign_done done;
	void *cb_ctx;
};

struct ca_client {
	struct bufferevent *bev;
	struct ca_req *reqs;
	json_int_t next_id;
	bool dead;
};

static struct ca_req *
ca_req_take(struct ca_client *c, json_int_t id)
{
	struct ca_req **pp = &c->reqs, *r;

	while (*pp != NULL && (*pp)->id != id)
		pp = &(*pp)->next;
	if ((r = *pp) != NULL)
		*pp = r->next;
	return r;
}

static void
ca_fail_all(struct ca_client *c, const char *why)
{
	struct ca_req *r;

	c->dead = true;
	while ((r = c->reqs) != NULL) {
		c->reqs = r->next;
		r->done(r->cb_ctx, NULL, 0, why);
		free(r);
	}
}

static void
ca_answer(struct ca_client *c, const json_t *rep)
{
	struct ca_req *r = ca_req_take(c, msg_int(rep, "id", -1));
	const char *hex = msg_str(rep, "sig");
	uint8_t *sig;
	size_t len = 0;

	if (r == NULL)
		return;
	sig = hex ? ca_unhex(hex, SIG_MAX, &len) : NULL;
	if (sig != NULL)
		r->done(r->cb_ctx, sig, len, NULL);
	else
		r->done(r->cb_ctx, NULL, 0,
		    msg_str(rep, "error") ? msg_str(rep, "error")
					  : "bad answer from the ca process");
	free(sig);
	free(r);
}

static void
ca_read(struct bufferevent *bev, void *arg)
{
	struct ca_client *c = arg;
	bool bad = false;
	json_t *m;

	while ((m = msg_evbuf_pull(bufferevent_get_input(bev), &bad)) != NULL) {
		ca_answer(c, m);
		json_decref(m);
	}
	if (bad) {
		log_warn("ca: malformed answer; requests dropped");
		ca_fail_all(c, "ca process gone");
		bufferevent_disable(bev, EV_READ | EV_WRITE);
	}
}

static void
ca_event(struct bufferevent *bev, short what, void *arg)
{
	struct ca_client *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_warn("ca: the ca process is gone");
		ca_fail_all(c, "ca process gone");
		bufferevent_disable(bev, EV_READ | EV_WRITE);
	}
}

struct ca_client *
ca_client_new(struct event_base *base, int fd)
{
	struct ca_client *c = xcalloc(1, sizeof(*c));

	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, ca_read, NULL, ca_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

void
ca_client_free(struct ca_client *c)
{
	if (c == NULL)
		return;
	ca_fail_all(c, "ca process gone");
	/* the ca process sees EOF now, whoever else holds the socket */
	(void)shutdown(bufferevent_getfd(c->bev), SHUT_RDWR);
	bufferevent_free(c->bev);
	free(c);
}

static void
ca_client_sign(void *ctx, const char *cert_id, enum eng_sig_scheme scheme,
    uint16_t hash, const uint8_t *octets, size_t len, eng_sign_done done,
    void *cb_ctx)
{
	struct ca_client *c = ctx;
	struct ca_req *r;
	json_t *m;
	char *hex;

	if (c->dead || len > CA_OCTETS_MAX) {
		done(cb_ctx, NULL, 0,
		    c->dead ? "ca process gone" : "too much to sign");
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->id = ++c->next_id;
	r->done = done;
	r->cb_ctx = cb_ctx;
	hex = ca_hex(octets, len);
	m = json_pack("{sI ss ss ss si ss}", "id", r->id, "op", "sign", "cert",
	    cert_id, "scheme", sig_scheme_name(scheme), "hash", (int)hash,
	    "octets", hex);
	free(hex);
	if (m == NULL || msg_bev_send(c->bev, m) == -1) {
		json_decref(m);
		free(r);
		done(cb_ctx, NULL, 0, "cannot ask the ca process");
		return;
	}
	json_decref(m);
	r->next = c->reqs;
	c->reqs = r;
}

static const struct eng_signer ca_client_ops = { .sign = ca_client_sign };

const struct eng_signer *
ca_client_signer(void)
{
	return &ca_client_ops;
}
