/*
 * fuzz_eng_seeds DIR: writes the seeds of fuzz_eng_sm and fuzz_eng_frag
 * (tests/fuzz/seeds/eng/) from a real exchange.  Two engines come up, rekey
 * a Child SA and the IKE SA, add a Child SA and check liveness; every
 * message is captured (IKE_SA_INIT as sent, the others decrypted with the
 * sender's keys) and the seeds replay them as records (fuzz_eng.h) in the
 * states where they mean something: in order, repeated, out of state,
 * colliding with the engine's own request, cut into fragments.  The
 * message IDs in records are relative, so the seeds work with the fresh
 * keys and SPIs of every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/eng_int.h"
#include "tests/fuzz/fuzz_eng.h"

#define CAP_MAX 64

struct cap {
	int side;
	uint8_t exch, first;
	bool resp;
	size_t len; /* raw: IKE_SA_INIT; else the plaintext chain */
	uint8_t p[IKE_MSG_MAX];
};

static struct cap *caps;
static size_t ncaps;

static void
tap(struct wire *w, int side, const uint8_t *p, size_t len)
{
	struct ike_msg msg;
	struct cap *c;
	uint16_t notify;
	size_t n;

	if (ncaps == CAP_MAX || pld_decode(p, len, &msg, &notify) == -1)
		return;
	c = &caps[ncaps];
	c->side = side;
	c->exch = msg.hdr.exchange;
	c->resp = (msg.hdr.flags & IKE_FLAG_RESPONSE) != 0;
	if (c->exch == IKE_SA_INIT) {
		memcpy(c->p, p, len);
		c->len = len;
	} else {
		bool init = (msg.hdr.flags & IKE_FLAG_INITIATOR) != 0;
		struct ike_sa *sa =
		    sa_find(w->eng[side], init ? msg.hdr.ispi : msg.hdr.rspi);
		/* a fragment's piece goes after the ones before it (a
		 * certificate's IKE_AUTH: sent in order, back to back) */
		size_t off = msg.sk.frag && msg.sk.frag_num > 1 ? c->len : 0;
		if (sa == NULL || !msg.has_sk ||
		    (msg.sk.frag ? skf_open : sk_open)(&sa->keys, init,
			msg.raw.p, msg.raw.len, msg.sk.off, c->p + off,
			sizeof(c->p) - off, &n) == -1)
			return;
		c->len = off + n;
		if (!msg.sk.frag || msg.sk.frag_num == 1)
			c->first = msg.sk.first;
		if (msg.sk.frag && msg.sk.frag_num < msg.sk.frag_total)
			return; /* the next fragment adds to this capture */
	}
	ncaps++;
}

/* The n-th (0..) capture of an exchange, direction and side. */
static const struct cap *
find(uint8_t exch, bool resp, int side, int n)
{
	for (size_t i = 0; i < ncaps; i++)
		if (caps[i].exch == exch && caps[i].resp == resp &&
		    caps[i].side == side && n-- == 0)
			return &caps[i];
	fprintf(
	    stderr, "fuzz_eng_seeds: no capture %u/%d/%d\n", exch, resp, side);
	exit(1);
}

/* A seed being written. */
struct seed {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct seed *s, const void *p, size_t n)
{
	if (s->n + n > sizeof(s->b))
		exit(1);
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void
put8(struct seed *s, uint8_t v)
{
	put(s, &v, 1);
}

static void
put16le(struct seed *s, size_t v)
{
	put8(s, (uint8_t)v);
	put8(s, (uint8_t)(v >> 8));
}

/* fuzz_eng_sm records */
static void
op(struct seed *s, int to, int mode, uint8_t more)
{
	put8(s, (uint8_t)(to | mode << 1 | more));
}

static void
raw(struct seed *s, int to, int mode, const struct cap *c)
{
	op(s, to, mode, 0);
	put16le(s, c->len);
	put(s, c->p, c->len);
}

static void
sk(struct seed *s, int to, uint8_t more, const struct cap *c, uint8_t fl,
    int8_t d)
{
	op(s, to, FZ_SK, more);
	put16le(s, 4 + c->len);
	put8(s, c->exch);
	put8(s, fl);
	put8(s, (uint8_t)d);
	put8(s, c->first);
	put(s, c->p, c->len);
}

/* fuzz_eng_frag record: fragment num of total of c's chain, cut in
 * `total` equal pieces */
static void
frag(struct seed *s, uint8_t ctl, const struct cap *c, unsigned num,
    unsigned total)
{
	size_t piece = (c->len + total - 1) / total;
	size_t off = (num - 1) * piece;
	size_t len = off >= c->len ? 0
	    : c->len - off < piece ? c->len - off
				   : piece;

	put8(s, ctl);
	put8(s, (uint8_t)num);
	put8(s, (uint8_t)total);
	put8(s, num == 1 ? c->first : 0);
	put16le(s, len);
	put(s, c->p + off, len);
}

static void
frags(struct seed *s, uint8_t ctl, const struct cap *c, unsigned total)
{
	for (unsigned i = 1; i <= total; i++)
		frag(s, ctl, c, i, total);
}

static void
save(const char *dir, const char *name, const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(s->b, 1, s->n, f) != s->n || fclose(f) != 0) {
		fprintf(stderr, "fuzz_eng_seeds: cannot write %s\n", path);
		exit(1);
	}
}

#define SEED(st) struct seed s = { .b = { st }, .n = 1 }

int
main(int argc, char **argv)
{
	struct wire *w;
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_eng_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	caps = calloc(CAP_MAX, sizeof(*caps));
	fz_tap = tap;
	w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	/* a Child SA rekey, a new Child SA, the IKE SA rekey, liveness */
	eng_expire(w->eng[0], mock_find(&w->dp[0], true)->spi, true, false);
	fz_pump(w);
	struct ike_sa *sa = NULL;
	SA_EACH(w->eng[0], x, nx, i)
	sa = x;
	rekey_new_child(sa, eng_vpn_find(w->eng[0], "vpn1"));
	fz_pump(w);
	rekey_ike(sa);
	fz_pump(w);
	SA_EACH(w->eng[0], x, nx, i)
	sa = x;
	info_liveness(sa);
	fz_pump(w);
	fz_tap = NULL;
	fz_end(w);
	/* and the IKE_AUTHs of RSA and of ECDSA certificates */
	for (int a = FZ_AUTH_RSA; a <= FZ_AUTH_ECDSA; a++) {
		fz_tap = tap;
		w = fz_start(FZ_ST_UP, (enum fz_auth)a);
		fz_tap = NULL;
		fz_end(w);
	}

	const struct cap *init = find(IKE_SA_INIT, false, 0, 0);
	const struct cap *init_r = find(IKE_SA_INIT, true, 1, 0);
	const struct cap *auth = find(IKE_AUTH, false, 0, 0);
	const struct cap *auth_r = find(IKE_AUTH, true, 1, 0);
	const struct cap *ccs_rekey = find(CREATE_CHILD_SA, false, 0, 0);
	const struct cap *ccs_new = find(CREATE_CHILD_SA, false, 0, 1);
	const struct cap *ccs_ike = find(CREATE_CHILD_SA, false, 0, 2);
	const struct cap *ccs_r = find(CREATE_CHILD_SA, true, 1, 0);
	const struct cap *del_child = find(INFORMATIONAL, false, 0, 0);
	const struct cap *del_ike = find(INFORMATIONAL, false, 0, 1);
	const struct cap *live = find(INFORMATIONAL, false, 0, 2);
	const struct cap *info_r = find(INFORMATIONAL, true, 1, 0);
	const struct cap *auth_rsa = find(IKE_AUTH, false, 0, 1);
	const struct cap *auth_ecdsa = find(IKE_AUTH, false, 0, 2);
	const struct cap *auth_ecdsa_r = find(IKE_AUTH, true, 1, 2);

	/* fuzz_eng_sm */
	{
		SEED(FZ_ST_NONE); /* IKE_SA_INIT twice, then its timeout */
		raw(&s, 1, FZ_RAW, init);
		raw(&s, 1, FZ_RAW, init);
		raw(&s, 0, FZ_RAW, init_r);
		op(&s, 0, FZ_CLOCK, 0);
		save(dir, "sm-none-init", &s);
	}
	{
		SEED(FZ_ST_HALF); /* a stale AUTH, then the real one */
		sk(&s, 1, 0, auth, 0, 0);
		op(&s, 0, FZ_RELEASE, 0);
		sk(&s, 1, 0, auth, 0, -1);
		save(dir, "sm-half-auth", &s);
	}
	{
		SEED(FZ_ST_HALF); /* retransmitted, answered twice, timed out */
		op(&s, 0, FZ_RETRANSMIT, 0);
		op(&s, 0, FZ_RETRANSMIT, 0);
		sk(&s, 0, 0, auth_r, 1, 0);
		op(&s, 1, FZ_CLOCK, 0x60);
		save(dir, "sm-half-retransmit", &s);
	}
	{
		SEED(FZ_ST_UP); /* Child SA rekey, new Child SA, replays */
		sk(&s, 1, 0, ccs_rekey, 0, 0);
		sk(&s, 1, 0, ccs_new, 0, 0);
		sk(&s, 1, 0, ccs_new, 0, -1);
		sk(&s, 1, 0, del_child, 0, 0);
		save(dir, "sm-up-child", &s);
	}
	{
		SEED(FZ_ST_UP); /* the IKE SA rekeyed, the old one deleted */
		sk(&s, 1, 0, ccs_ike, 0, 0);
		sk(&s, 1, 0, del_ike, 0, 0);
		op(&s, 0, FZ_CLOCK, 0);
		save(dir, "sm-up-ike-rekey", &s);
	}
	{
		SEED(FZ_ST_UP); /* liveness, repeated, out of the window */
		sk(&s, 1, 0x10, live, 0, 0);
		sk(&s, 1, 0, live, 0, -1);
		sk(&s, 1, 0, live, 0, 5);
		sk(&s, 0, 0x80, live, 2, 0);
		sk(&s, 1, 0, del_ike, 0, 0);
		save(dir, "sm-up-info", &s);
	}
	{
		SEED(FZ_ST_UP); /* answers nobody asked for, exchanges
				   out of state, SPIs patched */
		sk(&s, 0, 0, ccs_r, 1, 0);
		sk(&s, 0, 0, info_r, 1, 0);
		sk(&s, 1, 0, auth, 0, 0);
		sk(&s, 0, 0, init_r, 1, 0);
		raw(&s, 1, FZ_SPI, auth);
		raw(&s, 0, FZ_RAW, init);
		save(dir, "sm-up-stray", &s);
	}
	{
		SEED(FZ_ST_REKEY); /* B rekeys too: a collision */
		sk(&s, 0, 0, ccs_rekey, 0, 0);
		op(&s, 0, FZ_RELEASE, 0);
		op(&s, 0, FZ_RETRANSMIT, 0);
		save(dir, "sm-rekey-collide", &s);
	}
	{
		SEED(FZ_ST_REKEY_IKE); /* both rekey the IKE SA */
		sk(&s, 0, 0, ccs_ike, 0, 0);
		op(&s, 0, FZ_RELEASE, 0);
		sk(&s, 1, 0, del_ike, 0, 1);
		save(dir, "sm-rekey-ike-collide", &s);
	}
	{
		SEED(FZ_ST_DPD); /* nobody answers: the peer is dead */
		op(&s, 0, FZ_HOLD, 0);
		for (int i = 0; i < 6; i++)
			op(&s, 0, FZ_RETRANSMIT, 0x20);
		op(&s, 0, FZ_HOLD, 0);
		op(&s, 0, FZ_RELEASE, 0);
		save(dir, "sm-dpd-dead", &s);
	}
	{
		SEED(FZ_ST_UP); /* the IKE SA rekey in two SKF fragments */
		size_t half = ccs_ike->len / 2;
		op(&s, 1, FZ_SKF, 0);
		put16le(&s, 8 + half);
		put(&s,
		    (uint8_t[]){
			CREATE_CHILD_SA, 0, 0, ccs_ike->first, 0, 1, 0, 2 },
		    8);
		put(&s, ccs_ike->p, half);
		op(&s, 1, FZ_SKF, 0);
		put16le(&s, 8 + ccs_ike->len - half);
		put(&s, (uint8_t[]){ CREATE_CHILD_SA, 0, 0, 0, 0, 2, 0, 2 }, 8);
		put(&s, ccs_ike->p + half, ccs_ike->len - half);
		save(dir, "sm-up-skf", &s);
	}

	{
		/* RSA certificates, half-open: A's IKE_AUTH (CERT, CERTREQ,
		 * a signature AUTH) stale, then released (in fragments),
		 * then repeated as one message */
		SEED(FZ_ST_HALF + FZ_ST_COUNT * FZ_AUTH_RSA);
		sk(&s, 1, 0, auth_rsa, 0, -1);
		op(&s, 0, FZ_RELEASE, 0);
		sk(&s, 1, 0, auth_rsa, 0, -1);
		save(dir, "sm-rsa-half-auth", &s);
	}
	{
		/* ECDSA certificates, half-open: B's answer before A's
		 * request went, then A's retransmitted */
		SEED(FZ_ST_HALF + FZ_ST_COUNT * FZ_AUTH_ECDSA);
		sk(&s, 0, 0, auth_ecdsa_r, 1, 0);
		op(&s, 0, FZ_RETRANSMIT, 0);
		sk(&s, 1, 0, auth_ecdsa, 0, 0);
		save(dir, "sm-ecdsa-half-auth", &s);
	}
	{
		/* ECDSA certificates, up: a Child SA rekey, a new one */
		SEED(FZ_ST_UP + FZ_ST_COUNT * FZ_AUTH_ECDSA);
		sk(&s, 1, 0, ccs_rekey, 0, 0);
		sk(&s, 1, 0, ccs_new, 0, 0);
		sk(&s, 1, 0, live, 0, 0);
		save(dir, "sm-ecdsa-up-child", &s);
	}

	/* fuzz_eng_frag: ctl 0x81 = to B, CREATE_CHILD_SA */
	{
		SEED(0); /* up: the IKE SA rekey in 4, in order */
		frags(&s, 0x81, ccs_ike, 4);
		save(dir, "frag-inorder", &s);
	}
	{
		SEED(0); /* reversed, one repeated */
		for (unsigned i = 4; i >= 1; i--)
			frag(&s, 0x81, ccs_ike, i, 4);
		frag(&s, 0x81, ccs_ike, 2, 4);
		frags(&s, 0x81 | 0x02, ccs_new, 3); /* the next ID */
		save(dir, "frag-reverse", &s);
	}
	{
		SEED(0); /* the total grows (restart), then shrinks (drop) */
		frag(&s, 0x81, ccs_ike, 1, 3);
		frag(&s, 0x81, ccs_ike, 2, 3);
		frags(&s, 0x81, ccs_ike, 5);
		frag(&s, 0x81, ccs_ike, 1, 2);
		save(dir, "frag-total", &s);
	}
	{
		SEED(0); /* beyond ENG_FRAG_MAX, number 0, past the total */
		put(&s, (uint8_t[]){ 0x91, 0, 1, 0, 200, 33, 0, 0 }, 8);
		put(&s, (uint8_t[]){ 0x81, 0, 3, 33, 0, 0 }, 6);
		put(&s, (uint8_t[]){ 0x81, 4, 3, 0, 0, 0 }, 6);
		put(&s, (uint8_t[]){ 0x91, 0, 128, 0, 128, 0, 0x10, 0 }, 8);
		save(dir, "frag-bounds", &s);
	}
	{
		SEED(0); /* two of three, the timeout, then all */
		frag(&s, 0x81, ccs_ike, 1, 3);
		frag(&s, 0x81, ccs_ike, 2, 3);
		frag(&s, 0x81 | 0x60, ccs_ike, 3, 3);
		frags(&s, 0x81, ccs_ike, 3);
		save(dir, "frag-timeout", &s);
	}
	{
		SEED(0); /* big pieces: past IKE_MSG_MAX in all */
		/* 40000 octets each: length 0x8000 | 20000 */
		put(&s, (uint8_t[]){ 0x81, 1, 3, 41, 0x20, 0xce, 0 }, 7);
		put(&s, (uint8_t[]){ 0x81, 2, 3, 0, 0x20, 0xce, 0 }, 7);
		put(&s, (uint8_t[]){ 0x81, 3, 3, 0, 0x20, 0xce, 0 }, 7);
		save(dir, "frag-big", &s);
	}
	{
		SEED(1); /* half-open: IKE_AUTH in 3; a stale one repeated */
		frags(&s, 0x01, auth, 3);
		frag(&s, 0x01 | 0x04, auth, 1, 3);
		save(dir, "frag-half-auth", &s);
	}
	{
		SEED(2); /* A's rekey held: B's answer in fragments */
		frags(&s, 0x80 | 0x08, ccs_r, 3);
		frags(&s, 0x01, live, 1);
		save(dir, "frag-rekey-resp", &s);
	}
	{
		/* RSA certificates, half-open: the certificate IKE_AUTH in
		 * 4, one lost and sent again */
		SEED(1 + 3 * FZ_AUTH_RSA);
		frag(&s, 0x01, auth_rsa, 1, 4);
		frag(&s, 0x01, auth_rsa, 3, 4);
		frag(&s, 0x01, auth_rsa, 4, 4);
		frag(&s, 0x01, auth_rsa, 3, 4);
		frag(&s, 0x01, auth_rsa, 2, 4);
		save(dir, "frag-rsa-half-auth", &s);
	}
	{
		/* ECDSA certificates, half-open: IKE_AUTH in 2 after 3 */
		SEED(1 + 3 * FZ_AUTH_ECDSA);
		frag(&s, 0x01, auth_ecdsa, 1, 3);
		frags(&s, 0x01, auth_ecdsa, 2);
		save(dir, "frag-ecdsa-half-auth", &s);
	}
	free(caps);
	return 0;
}
