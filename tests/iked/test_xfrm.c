/*
 * test_xfrm: the xfrm backend (iked/dp_xfrm.c) in a network namespace of
 * the test's own (unshare(CLONE_NEWNET): it goes when the test exits),
 * checked with iproute2 (`ip xfrm`), a second implementation of the same
 * netlink, as the witness.  Root only (77 otherwise).
 *
 * The development kernel here has XFRM policies but no ESP states, so:
 *   - open's probe must agree with what `ip xfrm state add` can do;
 *   - policies of a Child SA are installed as ip sees them (OUT for an
 *     outbound SA; IN and FWD for an inbound one; per selector pair, with
 *     the ESP tunnel template and reqid) and removed again;
 *   - a policy-based VPN's trap is its OUT policies alone, and a packet
 *     they hold makes the kernel ask for an SA (acquire, on-traffic);
 *   - a move of an outbound SA's peer (sa_peer: XFRM_MSG_MIGRATE) is the
 *     message uapi/linux/xfrm.h lays out, byte for byte, and moves the
 *     policies' templates as ip sees them (the state it would move too
 *     cannot exist here);
 *   - sa_add of a kernel without ESP fails cleanly and leaves nothing;
 *     where the kernel has ESP, the state and policies appear and go.
 */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <sys/socket.h>

#include <linux/udp.h>
#include <linux/xfrm.h>
#include <stddef.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "iked/dp_xfrm.h"
#include "iked/dp_xfrm_int.h"
#include "iked/ikev2.h"
#include "tests/iked/dp_fixture.h"
#include "tests/lib/check_main.h"

static bool kernel_esp; /* iproute2 could add an ESP state */

/* The output of cmd (at most 8 KB), for assertions. */
static char *
run(const char *cmd)
{
	static char out[8192];
	FILE *f = popen(cmd, "r");
	size_t n = 0;

	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static void
mk_sa(struct dp_sa *sa, uint32_t spi, bool inbound)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->inbound = inbound;
	sa->tunnel_id = 500001;
	sa->local.family = sa->remote.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sa->local.u.v4);
	inet_pton(AF_INET, "192.0.2.2", &sa->remote.u.v4);
	sa->encr = crypto_encr(ENCR_AES_GCM_16, 128);
	for (size_t i = 0; i < 20; i++)
		sa->enc_key[i] = (uint8_t)i;
	sa->replay_window = inbound ? 32 : 0;
	sa->nsel_local = 2;
	sel4(&sa->sel_local[0], "10.1.0.0", "10.1.0.255");
	sel4(&sa->sel_local[1], "10.3.0.7", "10.3.0.7");
	sa->nsel_remote = 1;
	sel4(&sa->sel_remote[0], "10.2.0.0", "10.2.255.255");
}

START_TEST(probe_agrees)
{
	struct dp *dp = dp_xfrm_ops.open(NULL, NULL, NULL);

	ck_assert_msg((dp != NULL) == kernel_esp,
	    "open %s, but ip xfrm could%s add an ESP state",
	    dp ? "succeeded" : "refused", kernel_esp ? "" : " not");
	if (dp)
		dp_xfrm_ops.close(dp);
}
END_TEST

START_TEST(policies)
{
	struct dp *dp = dp_xfrm_new(NULL, NULL, NULL, false);
	struct dp_sa out, in;
	const char *s;

	ck_assert_ptr_nonnull(dp);
	mk_sa(&out, 0x1001, false);
	mk_sa(&in, 0x2002, true);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &out), 0);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &in), 0);
	s = run("ip xfrm policy 2>&1");
	ck_assert_uint_eq(count(s, "dir out"), 2);
	ck_assert_uint_eq(count(s, "dir in"), 2);
	ck_assert_uint_eq(count(s, "dir fwd"), 2);
	ck_assert_msg(strstr(s, "src 10.1.0.0/24 dst 10.2.0.0/16") &&
		strstr(s, "src 10.3.0.7/32 dst 10.2.0.0/16") &&
		strstr(s, "src 10.2.0.0/16 dst 10.3.0.7/32"),
	    "%s", s);
	ck_assert_uint_eq(count(s, "tmpl src 192.0.2.1 dst 192.0.2.2"), 2);
	ck_assert_uint_eq(count(s, "tmpl src 192.0.2.2 dst 192.0.2.1"), 4);
	ck_assert_uint_eq(count(s, "proto esp reqid 500001 mode tunnel"), 6);
	/* twice: the kernel refuses, the first ones stay */
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &out), -1);
	ck_assert_uint_eq(count(run("ip xfrm policy"), "dir out"), 2);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &out), 0);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &in), 0);
	ck_assert_str_eq(run("ip xfrm policy"), "");
	dp_xfrm_ops.close(dp);
}
END_TEST

/*
 * An AutoVPN hub: one VPN (one reqid), two spokes' outbound SAs with the
 * hub's selector narrowed to each spoke's /26: a policy per spoke, each
 * leading to its own spoke's address, and one spoke's going leaves the
 * other's.
 */
START_TEST(policies_p2mp)
{
	struct dp *dp = dp_xfrm_new(NULL, NULL, NULL, false);
	struct dp_sa s1, s2;
	const char *s;

	ck_assert_ptr_nonnull(dp);
	mk_sa(&s1, 0x1001, false);
	mk_sa(&s2, 0x1002, false);
	s1.nsel_local = s2.nsel_local = 1;
	sel4(&s1.sel_local[0], "192.0.2.0", "192.0.2.63");
	s2.sel_local[0] = s1.sel_local[0];
	sel4(&s1.sel_remote[0], "192.0.2.128", "192.0.2.191");
	sel4(&s2.sel_remote[0], "192.0.2.192", "192.0.2.255");
	inet_pton(AF_INET, "198.51.100.3", &s2.remote.u.v4);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &s1), 0);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &s2), 0);
	s = run("ip xfrm policy 2>&1");
	ck_assert_uint_eq(count(s, "dir out"), 2);
	ck_assert_msg(strstr(s, "src 192.0.2.0/26 dst 192.0.2.128/26") &&
		strstr(s, "src 192.0.2.0/26 dst 192.0.2.192/26") &&
		strstr(s, "tmpl src 192.0.2.1 dst 192.0.2.2") &&
		strstr(s, "tmpl src 192.0.2.1 dst 198.51.100.3"),
	    "%s", s);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &s1), 0);
	s = run("ip xfrm policy 2>&1");
	ck_assert_uint_eq(count(s, "dir out"), 1);
	ck_assert_msg(strstr(s, "dst 192.0.2.192/26") != NULL, "%s", s);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &s2), 0);
	ck_assert_str_eq(run("ip xfrm policy"), "");
	dp_xfrm_ops.close(dp);
}
END_TEST

/* A range that is no prefix: refused, and nothing half-installed. */
START_TEST(policy_not_prefix)
{
	struct dp *dp = dp_xfrm_new(NULL, NULL, NULL, false);
	struct dp_sa out;

	mk_sa(&out, 0x1001, false);
	sel4(&out.sel_local[1], "10.3.0.7", "10.3.0.9");
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &out), -1);
	ck_assert_str_eq(run("ip xfrm policy"), "");
	dp_xfrm_ops.close(dp);
}
END_TEST

/*
 * The state request carries the keys in the attributes the kernel reads
 * (the witness is uapi/linux/xfrm.h's layout, parsed back with libnl's
 * attribute parser), and the wipe leaves none of their bytes.
 */
static const uint8_t *
alg_key(struct nlattr **tb, int type, size_t fix)
{
	ck_assert_ptr_nonnull(tb[type]);
	return (const uint8_t *)nla_data(tb[type]) + fix;
}

/* sa's state request, its attributes parsed into tb; *x its libnl state. */
static struct nl_msg *
state_msg(const struct dp_sa *sa, struct nlattr **tb, struct xfrmnl_sa **x)
{
	struct nl_msg *msg;

	ck_assert_ptr_nonnull(*x = dp_xfrm_state(sa));
	ck_assert_int_eq(dp_xfrm_state_msg(*x, sa, &msg), 0);
	ck_assert_int_eq(
	    nlmsg_parse(nlmsg_hdr(msg), sizeof(struct xfrm_usersa_info), tb,
		XFRMA_MAX, NULL),
	    0);
	return msg;
}

START_TEST(state_msg_keys)
{
	struct dp_sa sa;
	struct nl_msg *msg;
	struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrmnl_sa *x;
	const uint8_t *k;

	/* AES-GCM-16-128: one AEAD attribute, key and salt, ICV 128 bits */
	mk_sa(&sa, 0x2001, true);
	msg = state_msg(&sa, tb, &x);
	const struct xfrm_algo_aead *a = nla_data(tb[XFRMA_ALG_AEAD]);
	ck_assert_str_eq(a->alg_name, "rfc4106(gcm(aes))");
	ck_assert_uint_eq(a->alg_key_len, 160);
	ck_assert_uint_eq(a->alg_icv_len, 128);
	k = alg_key(tb, XFRMA_ALG_AEAD, sizeof(*a));
	ck_assert_mem_eq(k, sa.enc_key, 20);
	ck_assert_ptr_null(tb[XFRMA_ALG_CRYPT]);
	dp_xfrm_msg_wipe(msg);
	for (size_t i = 1; i < 20; i++) /* enc_key[0] is 0 already */
		ck_assert_uint_eq(k[i], 0);
	dp_xfrm_msg_free(msg);
	xfrmnl_sa_put(x);

	/* AES-CBC-256 + HMAC-SHA2-256-128: the cipher, and the truncated
	 * HMAC alone (the kernel takes XFRMA_ALG_AUTH_TRUNC over ALG_AUTH) */
	sa.encr = crypto_encr(ENCR_AES_CBC, 256);
	sa.integ = crypto_integ(AUTH_HMAC_SHA2_256_128);
	for (size_t i = 0; i < 32; i++) {
		sa.enc_key[i] = (uint8_t)(0x40 + i);
		sa.auth_key[i] = (uint8_t)(0x80 + i);
	}
	msg = state_msg(&sa, tb, &x);
	const struct xfrm_algo *c = nla_data(tb[XFRMA_ALG_CRYPT]);
	ck_assert_str_eq(c->alg_name, "cbc(aes)");
	ck_assert_uint_eq(c->alg_key_len, 256);
	ck_assert_mem_eq(
	    alg_key(tb, XFRMA_ALG_CRYPT, sizeof(*c)), sa.enc_key, 32);
	const struct xfrm_algo_auth *h = nla_data(tb[XFRMA_ALG_AUTH_TRUNC]);
	ck_assert_str_eq(h->alg_name, "hmac(sha256)");
	ck_assert_uint_eq(h->alg_key_len, 256);
	ck_assert_uint_eq(h->alg_trunc_len, 128);
	k = alg_key(tb, XFRMA_ALG_AUTH_TRUNC, sizeof(*h));
	ck_assert_mem_eq(k, sa.auth_key, 32);
	ck_assert_ptr_null(tb[XFRMA_ALG_AUTH]);
	ck_assert_ptr_null(tb[XFRMA_ALG_AEAD]);
	dp_xfrm_msg_wipe(msg);
	for (size_t i = 0; i < 32; i++)
		ck_assert_uint_eq(k[i], 0);
	dp_xfrm_msg_free(msg);
	xfrmnl_sa_put(x);
}
END_TEST

/* x as the kernel's xfrm_address_t of an IPv4 address. */
static void
xaddr4(xfrm_address_t *x, const char *ip)
{
	memset(x, 0, sizeof(*x));
	ck_assert_int_eq(inet_pton(AF_INET, ip, &x->a4), 1);
}

/*
 * The MIGRATE request of an outbound SA whose peer's NAT mapping moved
 * to 192.0.2.9:4501, against the layout of uapi/linux/xfrm.h built here
 * field by field: the policy's ID (selector, OUT), then XFRMA_MIGRATE
 * (old and new addresses, ESP, tunnel, reqid) and XFRMA_ENCAP (the new
 * ports, network order), each attribute 4-aligned.
 */
START_TEST(migrate_msg_bytes)
{
	struct dp_sa out;
	struct dp_addr to = { .family = AF_INET };
	struct dp_xfrm_move mv = { .remote = &to, .encap_dport = 4501 };
	struct xfrmnl_sp *sp;
	struct nl_msg *msg;
	struct {
		struct xfrm_userpolicy_id id;
		struct nlattr ma;
		struct xfrm_user_migrate m;
		struct nlattr ea;
		struct xfrm_encap_tmpl e;
	} want;

	ck_assert_ptr_nonnull(dp_xfrm_ops.sa_peer);
	mk_sa(&out, 0x1001, false);
	out.encap_sport = 4500;
	out.encap_dport = 3500;
	inet_pton(AF_INET, "192.0.2.9", &to.u.v4);
	sp = dp_xfrm_sp(
	    &out, &out.sel_local[0], &out.sel_remote[0], XFRM_POLICY_OUT);
	ck_assert_ptr_nonnull(sp);
	ck_assert_int_eq(dp_xfrm_migrate_msg(sp, &out, &mv, &msg), 0);

	/* the sizes make the structs back to back without padding */
	ck_assert_uint_eq(sizeof(want.id) % 4, 0);
	ck_assert_uint_eq(sizeof(want.m) % 4, 0);
	ck_assert_uint_eq(NLA_HDRLEN, sizeof(struct nlattr));
	memset(&want, 0, sizeof(want));
	xaddr4(&want.id.sel.saddr, "10.1.0.0");
	xaddr4(&want.id.sel.daddr, "10.2.0.0");
	want.id.sel.family = AF_INET;
	want.id.sel.prefixlen_s = 24;
	want.id.sel.prefixlen_d = 16;
	want.id.dir = XFRM_POLICY_OUT;
	want.ma.nla_len = NLA_HDRLEN + sizeof(want.m);
	want.ma.nla_type = XFRMA_MIGRATE;
	xaddr4(&want.m.old_saddr, "192.0.2.1");
	xaddr4(&want.m.old_daddr, "192.0.2.2");
	xaddr4(&want.m.new_saddr, "192.0.2.1");
	xaddr4(&want.m.new_daddr, "192.0.2.9");
	want.m.proto = IPPROTO_ESP;
	want.m.mode = XFRM_MODE_TUNNEL;
	want.m.reqid = 500001;
	want.m.old_family = want.m.new_family = AF_INET;
	want.ea.nla_len = NLA_HDRLEN + sizeof(want.e);
	want.ea.nla_type = XFRMA_ENCAP;
	want.e.encap_type = UDP_ENCAP_ESPINUDP;
	want.e.encap_sport = htons(4500);
	want.e.encap_dport = htons(4501);

	struct nlmsghdr *h = nlmsg_hdr(msg);
	ck_assert_uint_eq(h->nlmsg_type, XFRM_MSG_MIGRATE);
	ck_assert_uint_eq(
	    h->nlmsg_len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(want)));
	ck_assert_mem_eq(nlmsg_data(h), &want,
	    offsetof(__typeof__(want), e) + sizeof(want.e));

	/* no new port: no XFRMA_ENCAP (the state keeps its own) */
	nlmsg_free(msg);
	mv.encap_dport = 0;
	ck_assert_int_eq(dp_xfrm_migrate_msg(sp, &out, &mv, &msg), 0);
	ck_assert_uint_eq(nlmsg_hdr(msg)->nlmsg_len,
	    NLMSG_HDRLEN + offsetof(__typeof__(want), ea));
	nlmsg_free(msg);
	/* nor a move to another family */
	to.family = AF_INET6;
	ck_assert_int_lt(dp_xfrm_migrate_msg(sp, &out, &mv, &msg), 0);
	xfrmnl_sp_put(sp);
}
END_TEST

/*
 * Live: the kernel takes the MIGRATE of an outbound SA's policies and
 * moves their templates to the new peer (ip's view); a move of an SA
 * with no policies is refused, and sa_peer of an SA not installed too.
 */
START_TEST(migrate_policies)
{
	struct dp *dp = dp_xfrm_new(NULL, NULL, NULL, false);
	struct dp_sa out, in;
	struct dp_addr to = { .family = AF_INET };
	const char *s;

	ck_assert_ptr_nonnull(dp);
	mk_sa(&out, 0x1001, false);
	mk_sa(&in, 0x2002, true);
	out.encap_sport = in.encap_sport = 4500;
	out.encap_dport = in.encap_dport = 3500;
	inet_pton(AF_INET, "192.0.2.9", &to.u.v4);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &out), 0);
	ck_assert_int_eq(dp_xfrm_policies_add(dp, &in), 0);
	ck_assert_int_eq(dp_xfrm_migrate(dp, &out, &to, 4501), 0);
	s = run("ip xfrm policy 2>&1");
	ck_assert_msg(count(s, "tmpl src 192.0.2.1 dst 192.0.2.9") == 2 &&
		count(s, "tmpl src 192.0.2.1 dst 192.0.2.2") == 0,
	    "%s", s);
	/* the inbound ones are not the outbound SA's: unchanged */
	ck_assert_uint_eq(count(s, "tmpl src 192.0.2.2 dst 192.0.2.1"), 4);
	/* a port alone (the NAT case): the kernel takes it too */
	out.remote = to;
	ck_assert_int_eq(dp_xfrm_migrate(dp, &out, &to, 4502), 0);
	ck_assert_uint_eq(count(run("ip xfrm policy"), "dir out"), 2);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &out), 0);
	/* no policies left to move: refused */
	ck_assert_int_eq(dp_xfrm_migrate(dp, &out, &to, 4503), -1);
	ck_assert_int_eq(dp_xfrm_ops.sa_peer(dp, 0x1001, &to, 4503), -1);
	ck_assert_int_eq(dp_xfrm_policies_del(dp, &in), 0);
	ck_assert_str_eq(run("ip xfrm policy"), "");
	dp_xfrm_ops.close(dp);
}
END_TEST

START_TEST(sa_add_del)
{
	struct dp *dp = dp_xfrm_new(NULL, NULL, NULL, false);
	struct dp_sa out;
	struct dp_stats st;

	mk_sa(&out, 0x1001, false);
	if (!kernel_esp) {
		/* the kernel's refusal is an error, the add atomic */
		ck_assert_int_eq(dp_xfrm_ops.sa_add(dp, &out), -1);
		ck_assert_str_eq(run("ip xfrm state"), "");
		ck_assert_str_eq(run("ip xfrm policy"), "");
		ck_assert_int_eq(
		    dp_xfrm_ops.sa_stats(dp, 0x1001, false, &st), -1);
		ck_assert_int_eq(dp_xfrm_ops.sa_del(dp, 0x1001, false), -1);
	} else {
		ck_assert_int_eq(dp_xfrm_ops.sa_add(dp, &out), 0);
		ck_assert_ptr_nonnull(strstr(run("ip xfrm state"),
		    "spi 0x00001001 reqid 500001 mode tunnel"));
		ck_assert_uint_eq(count(run("ip xfrm policy"), "dir out"), 2);
		ck_assert_int_eq(
		    dp_xfrm_ops.sa_stats(dp, 0x1001, false, &st), 0);
		ck_assert_int_eq(dp_xfrm_ops.sa_del(dp, 0x1001, false), 0);
		ck_assert_str_eq(run("ip xfrm state"), "");
		ck_assert_str_eq(run("ip xfrm policy"), "");
	}
	dp_xfrm_ops.close(dp);
}
END_TEST

/* QSAFE_DP=xfrm on a kernel without ESP: the userspace backend runs. */
static void
on_acquire(void *ctx, uint32_t tunnel_id)
{
	*(uint32_t *)ctx = tunnel_id;
}

/*
 * Policy-based VPNs: a trap is OUT policies without a state (replaced
 * by a second trap_set, gone with trap_del), and the first packet they
 * hold makes the kernel ask for an SA: acquire with the tunnel.
 */
START_TEST(traps)
{
	struct event_base *base = event_base_new();
	struct dp_events ev = { .acquire = on_acquire };
	uint32_t got = 0;
	struct dp *dp = dp_xfrm_new(base, &ev, &got, false);
	struct dp_trap t = { .tunnel_id = 500007 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	const char *s;

	ck_assert_ptr_nonnull(dp);
	t.remote.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.2", &t.remote.u.v4);
	t.nsel_local = t.nsel_remote = 1;
	sel4(&t.sel_local[0], "10.3.0.0", "10.3.0.255");
	sel4(&t.sel_remote[0], "10.2.0.0", "10.2.255.255");
	ck_assert_int_eq(dp_xfrm_ops.trap_set(dp, &t), 0);
	s = run("ip xfrm policy");
	ck_assert_uint_eq(count(s, "dir out"), 1);
	ck_assert_uint_eq(count(s, "dir in"), 0);
	ck_assert_msg(strstr(s, "src 10.3.0.0/24 dst 10.2.0.0/16") &&
		strstr(s, "tmpl src 0.0.0.0 dst 192.0.2.2") &&
		strstr(s, "proto esp reqid 500007 mode tunnel"),
	    "%s", s);
	/* the policy changed its addresses: one trap, the new selectors */
	sel4(&t.sel_local[0], "10.1.0.0", "10.1.0.255");
	ck_assert_int_eq(dp_xfrm_ops.trap_set(dp, &t), 0);
	s = run("ip xfrm policy");
	ck_assert_uint_eq(count(s, "dir out"), 1);
	ck_assert_msg(strstr(s, "src 10.1.0.0/24 dst 10.2.0.0/16"), "%s", s);
	/* on-traffic: a packet the trap holds, no state: ACQUIRE (a veth
	 * pair of this namespace: the kernel resolves the template's source
	 * by a route to the peer) */
	ck_assert_int_eq(
	    system("ip link add pvx0 type veth peer name pvx1 && "
		   "ip link set pvx0 up && ip link set pvx1 up && "
		   "ip addr add 10.1.0.1/24 dev pvx0 && "
		   "ip addr add 192.0.2.1/24 dev pvx0 && "
		   "ip route add 10.2.0.0/16 dev pvx0 src 10.1.0.1"),
	    0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "10.2.0.5", &to.sin_addr);
	for (int i = 0; i < 300 && got == 0; i++) {
		if (i % 50 == 0 &&
		    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) <
			0) {
			/* held back while the SA is negotiated: expected */
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(10000);
	}
	close(fd);
	ck_assert_uint_eq(got, 500007);
	dp_xfrm_ops.trap_del(dp, 500007);
	ck_assert_str_eq(run("ip xfrm policy"), "");
	dp_xfrm_ops.close(dp);
	event_base_free(base);
}
END_TEST

START_TEST(auto_falls_back)
{
	struct event_base *base = event_base_new();
	const struct dp_ops *ops = NULL;
	struct dp *dp;

	setenv("QSAFE_DP", "xfrm", 1);
	dp = dp_open_auto(base, NULL, NULL, &ops);
	ck_assert_ptr_nonnull(dp);
	ck_assert_ptr_eq(ops, kernel_esp ? &dp_xfrm_ops : &dp_userspace_ops);
	ops->close(dp);
	unsetenv("QSAFE_DP");
	dp = dp_open_auto(base, NULL, NULL, &ops); /* the default */
	ck_assert_ptr_eq(ops, &dp_userspace_ops);
	ops->close(dp);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xfrm");
	TCase *tc = tcase_create("xfrm");

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (a network namespace)\n");
		return 77;
	}
	if (system("ip link set lo up") != 0)
		return 1;
	kernel_esp =
	    system(
		"ip xfrm state add src 127.0.0.1 dst 127.0.0.1 "
		"proto esp spi 0x101 mode tunnel aead 'rfc4106(gcm(aes))' "
		"0x0102030405060708090a0b0c0d0e0f1011121314 128 2>/dev/null") ==
	    0;
	if (kernel_esp && system("ip xfrm state flush") != 0)
		return 1;
	printf("this kernel %s ESP states\n", kernel_esp ? "holds" : "has no");
	tcase_add_test(tc, probe_agrees);
	tcase_add_test(tc, policies);
	tcase_add_test(tc, policies_p2mp);
	tcase_add_test(tc, policy_not_prefix);
	tcase_add_test(tc, state_msg_keys);
	tcase_add_test(tc, migrate_msg_bytes);
	tcase_add_test(tc, migrate_policies);
	tcase_add_test(tc, sa_add_del);
	tcase_add_test(tc, traps);
	tcase_add_test(tc, auto_falls_back);
	suite_add_tcase(s, tc);
	return check_main(CHECK_NOFORK, s, NULL);
}
