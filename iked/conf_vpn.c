/*
 * conf_vpn: `security ipsec vpn V` (IKE-keyed) as an eng_vpn, and the
 * tunnel IDs.
 *
 * Tunnel IDs: a VPN gets 500001 + the lowest number no other VPN holds
 * when it first appears, and keeps it while it exists, whatever is added
 * or deleted around it; the map is persisted in <state>/iked-tunnels
 * ("name id" lines) so a restarted iked gives the same IDs.  Manual VPNs
 * (manual.c) number themselves by position; their IDs are reserved first.
 *
 * Traffic selectors: `traffic-selector T local-ip/remote-ip` (up to
 * ENG_TS_MAX, all in the one Child SA: RFC 7296 2.9, where Junos
 * negotiates one SA per selector) or `ike proxy-identity` (service any
 * only); neither: 0.0.0.0/0 both ways (route-based), or the addresses
 * of the security policy naming a VPN without bind-interface
 * (conf_pol.c).  Traffic selectors of a route-based VPN also ask for
 * routes (Junos ARI: eng_vpn.ari, the first selector's `metric`);
 * proxy-identity does not.  Defaults: df-bit
 * clear, anti-replay window 64 (Junos's), establish-tunnels on-traffic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked/conf.h"
#include "lib/file.h"
#include "lib/log.h"

#define VPN_REPLAY_DEFAULT 64
#define IDS_FILE_MAX (256 * 1024)

/* "10.0.0.0/24" as the range 10.0.0.0 - 10.0.0.255; -1 when bad. */
static int
vpn_prefix(const char *s, struct dp_addr *start, struct dp_addr *end)
{
	char buf[64];
	char *slash;
	unsigned long len;
	uint8_t *a, *b;
	size_t bytes;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	len = strtoul(slash + 1, NULL, 10);
	memset(start, 0, sizeof(*start));
	if (inet_pton(AF_INET, buf, &start->u.v4) == 1) {
		start->family = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, buf, &start->u.v6) == 1) {
		start->family = AF_INET6;
		bytes = 16;
	} else {
		return -1;
	}
	if (len > bytes * 8)
		return -1;
	*end = *start;
	a = (uint8_t *)&start->u;
	b = (uint8_t *)&end->u;
	for (size_t i = 0; i < bytes; i++) {
		size_t lo = i * 8;
		uint8_t mask = len >= lo + 8 ? 0xff
		    : len <= lo		     ? 0
				: (uint8_t)(0xff << (8 - (len - lo)));
		a[i] &= mask;
		b[i] = (uint8_t)(a[i] | (uint8_t)~mask);
	}
	return 0;
}

/* "80" or "1000-2000" into lo/hi; absent: any. */
static void
vpn_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;

	*lo = 0;
	*hi = 65535;
	if (s == NULL)
		return;
	*lo = (uint16_t)strtoul(s, &end, 10);
	*hi = *end == '-' ? (uint16_t)strtoul(end + 1, NULL, 10) : *lo;
}

static void
vpn_any(struct eng_ts *ts, int family)
{
	memset(ts, 0, sizeof(*ts));
	ts->start.family = ts->end.family = (sa_family_t)family;
	memset(&ts->end.u, 0xff, family == AF_INET ? 4 : 16);
	ts->eport = 65535;
}

/* The selectors of v; 0 / -1. */
static int
vpn_selectors(struct iconf_ctx *x, const struct cnode *vn,
    const struct cnode *ike, struct eng_vpn *v)
{
	const struct cnode *pid = iconf_kid(x, ike, "proxy-identity");
	int rc = 0;

	for (const struct cnode *t = vn->first; t; t = t->next) {
		if (strcmp(t->sn->name, "traffic-selector") != 0 ||
		    cnode_is_inactive(t))
			continue;
		if (pid != NULL) {
			iconf_err(x, vn, "traffic-selector",
			    "traffic-selector"
			    " and proxy-identity cannot both be configured");
			return -1;
		}
		if (v->nts_local == ENG_TS_MAX) {
			iconf_err(x, t, "",
			    "At most %d traffic selectors per"
			    " VPN are supported",
			    ENG_TS_MAX);
			return -1;
		}
		struct eng_ts *l = &v->ts_local[v->nts_local];
		struct eng_ts *r = &v->ts_remote[v->nts_remote];
		const char *proto = iconf_kid_val(x, t, "protocol");
		if (vpn_prefix(iconf_kid_val(x, t, "local-ip"), &l->start,
			&l->end) == -1 ||
		    vpn_prefix(iconf_kid_val(x, t, "remote-ip"), &r->start,
			&r->end) == -1) {
			iconf_err(x, t, "local-ip",
			    "Missing mandatory"
			    " statement: 'local-ip' and 'remote-ip'");
			rc = -1;
			continue;
		}
		if (proto != NULL) {
			char *end;
			unsigned long p = strtoul(proto, &end, 10);
			if (*end != '\0' || p > 255) {
				char st[64];
				snprintf(st, sizeof(st), "protocol %s", proto);
				iconf_err(x, t, st,
				    "Give the protocol by"
				    " number");
				rc = -1;
			}
			l->ipproto = r->ipproto = (uint8_t)p;
		}
		vpn_ports(
		    iconf_kid_val(x, t, "source-port"), &l->sport, &l->eport);
		vpn_ports(iconf_kid_val(x, t, "destination-port"), &r->sport,
		    &r->eport);
		const char *metric = iconf_kid_val(x, t, "metric");
		if (metric != NULL && v->ari_metric == 0)
			v->ari_metric = (uint32_t)strtoul(metric, NULL, 10);
		v->ari = true;
		v->nts_local++;
		v->nts_remote++;
	}
	if (pid != NULL) {
		const char *svc = iconf_kid_val(x, pid, "service");
		const char *lo = iconf_kid_val(x, pid, "local");
		const char *re = iconf_kid_val(x, pid, "remote");
		if (svc != NULL && strcmp(svc, "any") != 0) {
			char st[64];
			snprintf(st, sizeof(st), "service %s", svc);
			iconf_err(x, pid, st,
			    "Only service any is supported"
			    " by iked");
			rc = -1;
		}
		v->nts_local = v->nts_remote = 1;
		if (lo == NULL ||
		    vpn_prefix(
			lo, &v->ts_local[0].start, &v->ts_local[0].end) == -1)
			vpn_any(&v->ts_local[0],
			    re && strchr(re, ':') ? AF_INET6 : AF_INET);
		else
			v->ts_local[0].eport = 65535;
		if (re == NULL ||
		    vpn_prefix(
			re, &v->ts_remote[0].start, &v->ts_remote[0].end) == -1)
			vpn_any(&v->ts_remote[0],
			    lo && strchr(lo, ':') ? AF_INET6 : AF_INET);
		else
			v->ts_remote[0].eport = 65535;
	}
	return rc;
}

int
iconf_vpn_one(struct iconf_ctx *x, const struct cnode *vn, struct eng_vpn *v,
    struct iconf_ids *ids)
{
	const struct cnode *ike = iconf_kid(x, vn, "ike");
	const char *gw = iconf_kid_val(x, ike, "gateway");
	const char *pol = iconf_kid_val(x, ike, "ipsec-policy");
	const char *bind = iconf_kid_val(x, vn, "bind-interface");
	const char *s;
	int rc = 0;

	memset(v, 0, sizeof(*v));
	iconf_name_copy(v->name, sizeof(v->name), vn->val);
	iconf_name_copy(v->gateway, sizeof(v->gateway), gw ? gw : "");
	if (ike == NULL || gw == NULL)
		return -1; /* validate.c: the mandatory gateway */
	if (pol == NULL) {
		iconf_err(x, ike, "ipsec-policy",
		    "Missing mandatory"
		    " statement: 'ipsec-policy'");
		return -1;
	}
	iconf_name_copy(v->policy, sizeof(v->policy), pol);
	const struct cnode *pn = iconf_entry(x, x->ipsec, "policy", pol);
	if (pn != NULL && iconf_esp_proposals(x, pn, v->prop, &v->nprop) == -1)
		rc = -1;
	if (bind != NULL) {
		if (strncmp(bind, "st0.", 4) != 0 ||
		    strlen(bind) >= sizeof(v->bind_if)) {
			char st[64];
			snprintf(st, sizeof(st), "bind-interface %s", bind);
			iconf_err(x, vn, st,
			    "A route-based VPN binds an st0"
			    " unit");
			rc = -1;
		} else {
			iconf_name_copy(v->bind_if, sizeof(v->bind_if), bind);
		}
	}
	for (const char *const *k = (const char *const[]){ "vpn-monitor",
		 "udp-encapsulate", NULL };
	     *k != NULL; k++)
		if (iconf_kid(x, vn, *k) != NULL) {
			iconf_err(x, vn, *k,
			    "This statement is not supported"
			    " by iked yet");
			rc = -1;
		}
	if (vpn_selectors(x, vn, ike, v) == -1)
		rc = -1;
	/* conf_pol.c: policy-based VPNs take the policy's addresses */
	if (rc == 0 && iconf_pol_vpn(x, vn, v) == -1)
		rc = -1;
	s = iconf_kid_val(x, vn, "establish-tunnels");
	v->establish = s == NULL || strcmp(s, "on-traffic") == 0
	    ? ENG_ON_TRAFFIC
	    : strcmp(s, "immediately") == 0 ? ENG_IMMEDIATELY
					    : ENG_RESPONDER_ONLY;
	s = iconf_kid_val(x, vn, "df-bit");
	v->df = s == NULL || strcmp(s, "clear") == 0 ? DP_DF_CLEAR
	    : strcmp(s, "set") == 0		     ? DP_DF_SET
						     : DP_DF_COPY;
	v->copy_dscp = iconf_kid(x, vn, "copy-outer-dscp") != NULL;
	v->no_anti_replay = iconf_kid(x, ike, "no-anti-replay") != NULL;
	if ((s = iconf_kid_val(x, ike, "anti-replay-window-size")) == NULL)
		s = x->replay_window;
	v->replay_window = v->no_anti_replay ? 0
	    : s				     ? (uint32_t)strtoul(s, NULL, 10)
					     : VPN_REPLAY_DEFAULT;
	v->tunnel_id = ids ? iconf_ids_get(ids, v->name) : 0;
	return rc;
}

static void ids_sort(struct iconf_ids *ids);
static void ids_unmap(struct iconf_ids *ids);

/*
 * Manual VPNs (manual.c, not the engine's) hold 500001 + their position
 * among the VPNs: an IKE VPN whose ID one of them now holds gets a new one.
 */
static void
vpn_reserve_manual(struct iconf_ctx *x, struct iconf_ids *ids)
{
	uint32_t pos = 0;

	for (const struct cnode *vn = x->ipsec ? x->ipsec->first : NULL; vn;
	     vn = vn->next) {
		if (strcmp(vn->sn->name, "vpn") != 0 || cnode_is_inactive(vn))
			continue;
		uint32_t id = ICONF_TUNNEL_BASE + pos++;
		if (cnode_child(vn, "manual") == NULL)
			continue;
		for (size_t i = 0; i < ids->n; i++)
			if (ids->id[i] == id ||
			    strcmp(ids->name[i], vn->val) == 0)
				ids->id[i] =
				    0; /* dropped by keep, reused never */
		ids->name =
		    xrealloc(ids->name, (ids->n + 1) * sizeof(*ids->name));
		ids->id = xrealloc(ids->id, (ids->n + 1) * sizeof(*ids->id));
		snprintf(ids->name[ids->n], ENG_NAME_MAX, "%s", vn->val);
		ids->id[ids->n++] = id;
	}
	/* the IKE VPNs that lost their ID */
	size_t k = 0;
	for (size_t i = 0; i < ids->n; i++)
		if (ids->id[i] != 0) {
			memmove(ids->name[k], ids->name[i], ENG_NAME_MAX);
			ids->id[k++] = ids->id[i];
		}
	ids->n = k;
	ids_sort(ids);
	ids_unmap(ids);
}

void
iconf_vpns(struct iconf_ctx *x, struct iconf *ic, struct iconf_ids *ids)
{
	const struct snode *vsn =
	    x->ipsec ? snode_child_named(x->ipsec->sn, "vpn") : NULL;

	if (ids != NULL)
		vpn_reserve_manual(x, ids);
	iconf_pol_index(x); /* conf_pol.c */
	/* sized once, as the peers (conf.c) */
	ic->vpn = iconf_array(vsn ? conf_count_kind(x->c, x->ipsec, vsn) : 0,
	    &ic->capvpn, sizeof(*ic->vpn));
	for (const struct cnode *vn = x->ipsec ? x->ipsec->first : NULL; vn;
	     vn = vn->next) {
		if (vn->sn != vsn || cnode_is_inactive(vn))
			continue;
		if (cnode_child(vn, "manual") != NULL) {
			ic->nmanual++; /* manual SAs: manual.c */
			continue;
		}
		if (ic->nvpn == ic->capvpn) { /* not if the count is right */
			ic->capvpn = ic->capvpn * 2 + 16;
			ic->vpn =
			    xrealloc(ic->vpn, ic->capvpn * sizeof(*ic->vpn));
		}
		if (iconf_vpn_one(x, vn, &ic->vpn[ic->nvpn], ids) == -1) {
			ic->ndropped++;
			continue;
		}
		ic->nvpn++;
	}
	iconf_pol_index_free(x);
}

/*
 * The IDs are kept sorted by VPN name, so that a commit at 10,000 VPNs
 * finds each in O(log n); only a VPN seen for the first time costs a walk
 * (for the lowest free ID).
 */
static int
ids_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The position of name in ids, or where it goes (*found false). */
static size_t
ids_pos(const struct iconf_ids *ids, const char *name, bool *found)
{
	return iconf_name_pos(
	    ids->name, ids->n, sizeof(*ids->name), name, found);
}

/* Sorts ids by name (after appending out of order); the IDs follow. */
static void
ids_sort(struct iconf_ids *ids)
{
	struct {
		char name[ENG_NAME_MAX];
		uint32_t id;
	} * t;

	if (ids->n < 2)
		return;
	t = xcalloc(ids->n, sizeof(*t));
	for (size_t i = 0; i < ids->n; i++) {
		memcpy(t[i].name, ids->name[i], ENG_NAME_MAX);
		t[i].id = ids->id[i];
	}
	qsort(t, ids->n, sizeof(*t), ids_cmp);
	for (size_t i = 0; i < ids->n; i++) {
		memcpy(ids->name[i], t[i].name, ENG_NAME_MAX);
		ids->id[i] = t[i].id;
	}
	free(t);
}

/* Drops iconf_ids_get's map: ids changed otherwise than by it. */
static void
ids_unmap(struct iconf_ids *ids)
{
	free(ids->used);
	ids->used = NULL;
	ids->nused = ids->low = 0;
}

/* The map of the IDs held, offsets below size (at least n + 1). */
static void
ids_map(struct iconf_ids *ids, size_t size)
{
	ids_unmap(ids);
	ids->used = xcalloc(size, 1);
	ids->nused = size;
	for (size_t i = 0; i < ids->n; i++)
		if (ids->id[i] >= ICONF_TUNNEL_BASE &&
		    ids->id[i] - ICONF_TUNNEL_BASE < size)
			ids->used[ids->id[i] - ICONF_TUNNEL_BASE] = 1;
}

uint32_t
iconf_ids_get(struct iconf_ids *ids, const char *name)
{
	bool found;
	size_t at = ids_pos(ids, name, &found), k;
	uint32_t id;

	if (found)
		return ids->id[at];
	/* the lowest ID free: one of the first n + 1, so one of the map's
	 * once it is at least that big */
	if (ids->used == NULL || ids->nused < ids->n + 1)
		ids_map(ids, 2 * (ids->n + 1));
	for (k = ids->low; ids->used[k]; k++)
		;
	ids->used[k] = 1;
	ids->low = k + 1;
	id = ICONF_TUNNEL_BASE + (uint32_t)k;
	ids->name = xrealloc(ids->name, (ids->n + 1) * sizeof(*ids->name));
	ids->id = xrealloc(ids->id, (ids->n + 1) * sizeof(*ids->id));
	memmove(ids->name[at + 1], ids->name[at],
	    (ids->n - at) * sizeof(*ids->name));
	memmove(
	    &ids->id[at + 1], &ids->id[at], (ids->n - at) * sizeof(*ids->id));
	iconf_name_copy(ids->name[at], ENG_NAME_MAX, name);
	ids->id[at] = id;
	ids->n++;
	return id;
}

/* ic->vpn is sorted by name (iconf_new). */
void
iconf_ids_keep(struct iconf_ids *ids, const struct iconf *ic)
{
	size_t k = 0;

	for (size_t i = 0; i < ids->n; i++) {
		if (ic->nvpn == 0 ||
		    bsearch(ids->name[i], ic->vpn, ic->nvpn, sizeof(*ic->vpn),
			ids_cmp) == NULL)
			continue;
		memmove(ids->name[k], ids->name[i], ENG_NAME_MAX);
		ids->id[k++] = ids->id[i];
	}
	ids->n = k;
	ids_unmap(ids);
}

bool
iconf_ids_drop(struct iconf_ids *ids, const char *name)
{
	bool found;
	size_t at = ids_pos(ids, name, &found);

	if (!found)
		return false;
	memmove(ids->name[at], ids->name[at + 1],
	    (ids->n - at - 1) * sizeof(*ids->name));
	memmove(&ids->id[at], &ids->id[at + 1],
	    (ids->n - at - 1) * sizeof(*ids->id));
	ids->n--;
	ids_unmap(ids);
	return true;
}

void
iconf_ids_free(struct iconf_ids *ids)
{
	free(ids->name);
	free(ids->id);
	free(ids->used);
	memset(ids, 0, sizeof(*ids));
}

void
iconf_ids_copy(struct iconf_ids *dst, const struct iconf_ids *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return;
	dst->name = xcalloc(src->n, sizeof(*dst->name));
	dst->id = xcalloc(src->n, sizeof(*dst->id));
	memcpy(dst->name, src->name, src->n * sizeof(*dst->name));
	memcpy(dst->id, src->id, src->n * sizeof(*dst->id));
	dst->n = src->n;
}

int
iconf_ids_load(struct iconf_ids *ids, const char *dir)
{
	char path[4096], line[128], name[ENG_NAME_MAX];
	unsigned long id;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, ICONF_IDS_FILE);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%32s %lu", name, &id) != 2 ||
		    id < ICONF_TUNNEL_BASE || id > UINT32_MAX)
			continue;
		ids->name =
		    xrealloc(ids->name, (ids->n + 1) * sizeof(*ids->name));
		ids->id = xrealloc(ids->id, (ids->n + 1) * sizeof(*ids->id));
		snprintf(ids->name[ids->n], ENG_NAME_MAX, "%s", name);
		ids->id[ids->n++] = (uint32_t)id;
	}
	fclose(f);
	ids_sort(ids);
	ids_unmap(ids);
	return 0;
}

int
iconf_ids_save(const struct iconf_ids *ids, const char *dir)
{
	struct sb path, text, err;
	int rc;

	sb_init(&path);
	sb_init(&text);
	sb_init(&err);
	sb_printf(&path, "%s/%s", dir, ICONF_IDS_FILE);
	for (size_t i = 0; i < ids->n; i++)
		sb_printf(&text, "%s %u\n", ids->name[i], ids->id[i]);
	rc = file_write_atomic(
	    sb_str(&path), sb_str(&text), text.len, 0600, &err);
	if (rc == -1)
		log_err("tunnel IDs: %s", sb_str(&err));
	sb_free(&path);
	sb_free(&text);
	sb_free(&err);
	return rc;
}
