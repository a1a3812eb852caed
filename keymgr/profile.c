/*
 * profile: the running key-manager profiles, built from the configuration
 * (`security key-manager profiles P static | quantum-key-manager`).
 *
 * check() refuses what cannot work: a profile without its mandatory
 * statements, a key of a static profile shorter than RFC 8784 wants, a KME
 * not reached over HTTPS, a local certificate or a trusted CA profile whose
 * certificate is not in the pki store.  The certificate checks look at the
 * store as it is now; the configuration mgd hands over when keymgr starts was
 * committed already, so there a missing certificate becomes the profile's
 * status (Down, with the reason) instead of a refusal that would leave
 * keymgr without its configuration.
 *
 * apply() compares each profile with the running one of the same name (its
 * configuration text and its trusted CA certificates): an unchanged profile
 * keeps running with its connection and counters; a new or changed one gets
 * a new worker; a deleted one stops.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "keymgr/keymgr.h"
#include "lib/hex.h"
#include "lib/junos9.h"
#include "lib/log.h"
#include "pki/pki.h"
#include "pki/pki_conf.h"
#include "pki/pki_verify.h"
#include "schema/conf_text.h"
#include "schema/path.h"

/* RFC 8784 5: a PPK should have at least 256 bits of entropy. */
#define PROFILE_STATIC_KEY_MIN 32

/* The values of a leaf-list, in order; a new array (strings borrowed). */
static const char **
profile_list(const struct cnode *n, const char *name, size_t *count)
{
	const char **v = NULL;
	size_t k = 0;

	for (const struct cnode *c = n ? n->first : NULL; c; c = c->next) {
		if (strcmp(c->sn->name, name) != 0 || (c->flags & CN_INACTIVE))
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = c->val;
	}
	*count = k;
	return v;
}

static void
profile_err(struct verrs *errs, const struct cnode *at, const char *stmt,
    const char *msg)
{
	struct sb e;

	if (errs == NULL)
		return;
	sb_init(&e);
	sb_puts(&e, "[edit ");
	cnode_path_text(at, &e);
	sb_putc(&e, ']');
	verrs_add(errs, sb_str(&e), stmt, msg, false);
	sb_free(&e);
}

static void
profile_missing(struct verrs *errs, const struct cnode *at, const char *stmt)
{
	struct sb m;

	sb_init(&m);
	sb_printf(&m, "Missing mandatory statement: '%s'", stmt);
	profile_err(errs, at, stmt, sb_str(&m));
	sb_free(&m);
}

/*
 * The key of a static profile: the $9$ value decoded, then the hex decoded
 * for `key hexadecimal`.  A new buffer (caller wipes), or NULL.
 */
static unsigned char *
profile_static_key(const struct cnode *key, size_t *len, const char **why)
{
	const struct cnode *a = cnode_child(key, "ascii-text");
	const struct cnode *h = cnode_child(key, "hexadecimal");
	const struct cnode *v = a ? a : h;
	char *plain;
	size_t n;

	if (v == NULL || v->val == NULL) {
		*why = "missing";
		return NULL;
	}
	if (junos9_is_encoded(v->val)) {
		if ((plain = junos9_decode(v->val, &n)) == NULL) {
			*why = "the key cannot be decoded";
			return NULL;
		}
	} else {
		plain = xstrdup(v->val);
		n = strlen(plain);
	}
	if (h != NULL && a == NULL) {
		unsigned char *b = xmalloc(n / 2 + 1);
		int rc = n > 0 ? hex_decode(plain, n, b, n / 2 + 1, len) : -1;
		OPENSSL_cleanse(plain, n);
		free(plain);
		if (rc < 0) {
			OPENSSL_cleanse(b, n / 2 + 1);
			free(b);
			*why = "invalid hexadecimal key";
			return NULL;
		}
		return b;
	}
	*len = n;
	return (unsigned char *)plain;
}

static void
profile_free(struct km_profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->conf_text);
	free(p->key_id);
	if (p->key != NULL)
		OPENSSL_cleanse(p->key, p->key_len);
	free(p->key);
	free(p->url);
	free(p->local_sae_id);
	free(p->cert_id);
	for (size_t i = 0; i < p->ncas; i++)
		free(p->cas[i]);
	free(p->cas);
	for (size_t i = 0; i < p->npeers; i++)
		free(p->peers[i]);
	free(p->peers);
	pki_tls_free(p->tls);
	free(p->setup_error);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static char **
profile_strv(const char **v, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* The static part: key-id and key. */
static void
profile_build_static(
    struct km_profile *p, const struct cnode *st, struct verrs *errs)
{
	const struct cnode *kid = cnode_child(st, "key-id");
	const struct cnode *key = cnode_child(st, "key");
	const char *why = NULL;

	p->type = KM_STATIC;
	if (cnode_child_val(kid, "ascii-text") == NULL)
		profile_missing(errs, st, "key-id");
	else
		p->key_id = xstrdup(cnode_child_val(kid, "ascii-text"));
	if (key == NULL) {
		profile_missing(errs, st, "key");
		return;
	}
	p->key = profile_static_key(key, &p->key_len, &why);
	if (p->key == NULL) {
		if (strcmp(why, "missing") == 0)
			profile_missing(errs, st, "key");
		else
			profile_err(errs, st, "key", why);
	} else if (p->key_len < PROFILE_STATIC_KEY_MIN) {
		profile_err(errs, st, "key",
		    "The key must be at least 32"
		    " bytes (RFC 8784 5: a PPK of 256 bits or more)");
	}
}

/* The quantum-key-manager part; runtime: look at the pki store. */
static void
profile_build_qkd(struct keymgr *km, struct km_profile *p,
    const struct cnode *q, struct verrs *errs, bool runtime)
{
	const char **cas, **peers;
	const char *v;
	struct sb why;

	p->type = KM_QKD;
	if ((v = cnode_child_val(q, "url")) == NULL)
		profile_missing(errs, q, "url");
	else if (strncasecmp(v, "https://", 8) != 0)
		profile_err(errs, q, "url",
		    "The KME is reached over HTTPS with"
		    " mutual TLS (ETSI GS QKD 014 5): an https:// URL is"
		    " required");
	p->url = v ? xstrdup(v) : NULL;
	if ((v = cnode_child_val(q, "local-sae-id")) == NULL)
		profile_missing(errs, q, "local-sae-id");
	p->local_sae_id = v ? xstrdup(v) : NULL;
	if ((v = cnode_child_val(q, "local-certificate-id")) == NULL)
		profile_missing(errs, q, "local-certificate-id");
	p->cert_id = v ? xstrdup(v) : NULL;
	cas = profile_list(q, "trusted-cas", &p->ncas);
	peers = profile_list(q, "peer-sae-ids", &p->npeers);
	p->cas = profile_strv(cas, p->ncas);
	p->peers = profile_strv(peers, p->npeers);
	free(cas);
	free(peers);
	if (p->ncas == 0)
		profile_missing(errs, q, "trusted-cas");
	p->key_bits = KM_KEY_BITS_DEFAULT;
	if ((v = cnode_child_val(q, "key-size")) != NULL) {
		p->key_bits = (unsigned)strtoul(v, NULL, 10);
		if (p->key_bits % 8 != 0)
			profile_err(errs, q, "key-size",
			    "The key size must be"
			    " a multiple of 8 bits");
	}
	p->timeout_ms = KM_TIMEOUT_S_DEFAULT * 1000L;
	if ((v = cnode_child_val(q, "timeout")) != NULL)
		p->timeout_ms = strtol(v, NULL, 10) * 1000L;
	if (!runtime || p->cert_id == NULL || p->ncas == 0)
		return;

	sb_init(&why);
	if (!pki_name_is_valid(p->cert_id) ||
	    !pki_has_local_cert(km->pki, p->cert_id) ||
	    !pki_has_key(km->pki, p->cert_id)) {
		sb_printf(&why,
		    "Local certificate '%s' (with its key pair) is"
		    " not loaded",
		    p->cert_id);
		profile_err(errs, q, "local-certificate-id", sb_str(&why));
		goto done;
	}
	for (size_t i = 0; i < p->ncas; i++) {
		if (pki_name_is_valid(p->cas[i]) &&
		    pki_has_ca_cert(km->pki, p->cas[i]))
			continue;
		sb_printf(&why, "CA profile '%s' has no CA certificate loaded",
		    p->cas[i]);
		profile_err(errs, q, "trusted-cas", sb_str(&why));
		goto done;
	}
	/* ETSI GS QKD 014 5: mutual TLS, the KME checked as its CAs say. */
	p->tls = pki_tls_new(
	    km->pki, p->cert_id, (const char *const *)p->cas, p->ncas, &why);
done:
	if (why.len > 0 && p->setup_error == NULL)
		p->setup_error = xstrdup(sb_str(&why));
	sb_free(&why);
}

/*
 * A profile from its list entry.  Errors go to errs (may be NULL); with
 * runtime set the pki store is consulted.  Returns a new profile (refs 1).
 */
static struct km_profile *
profile_build(
    struct keymgr *km, const struct cnode *e, struct verrs *errs, bool runtime)
{
	struct km_profile *p = xcalloc(1, sizeof(*p));
	const struct cnode *st = cnode_child(e, "static");
	const struct cnode *q = cnode_child(e, "quantum-key-manager");
	struct sb text;

	p->refs = 1;
	p->name = xstrdup(e->val);
	pthread_mutex_init(&p->mu, NULL);
	p->st.stored_key_count = -1;
	p->configured_at = time(NULL);
	if (st != NULL) {
		profile_build_static(p, st, errs);
		p->st.status = KM_STATUS_UP;
	} else if (q != NULL) {
		profile_build_qkd(km, p, q, errs, runtime);
	} else {
		profile_err(errs, e, "",
		    "A profile needs static or"
		    " quantum-key-manager");
		p->setup_error = xstrdup("the profile is empty");
	}
	sb_init(&text);
	conf_text_set(e, &text);
	/* New certificates or CRLs make a changed profile too. */
	if (p->tls != NULL)
		sb_printf(&text, "tls %s\n", pki_tls_digest(p->tls));
	p->conf_text = sb_steal(&text);
	return p;
}

static const struct cnode *
profile_root(struct conf *c)
{
	return cnode_child(
	    cnode_child(conf_root(c), "security"), "key-manager");
}

/*
 * Whether a profile entry must be built again at this commit: all of them
 * at the first (the start-up configuration), when `security pki` changed
 * (a CA profile it trusts), and a quantum-key-manager one always (its TLS
 * material is read from the pki store, which requests change between
 * commits); a static one only when an edit reached it (CN_DIRTY).  So a
 * commit that adds one profile to 10,000 builds one.
 */
static bool
profile_stale(const struct keymgr *km, const struct cnode *e, bool pki_dirty)
{
	return !km->handed || pki_dirty || (e->flags & CN_DIRTY) ||
	    cnode_child(e, "quantum-key-manager") != NULL;
}

static bool
profile_pki_dirty(struct conf *c)
{
	const struct cnode *pki =
	    cnode_child(cnode_child(conf_root(c), "security"), "pki");

	return pki != NULL && (pki->flags & CN_DIRTY);
}

/* FNV-1a: the names are the operator's, not a network peer's. */
static size_t
profile_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (size_t)h;
}

/* The index in v of profile name, or -1; the table's owner or lock held. */
static ssize_t
profile_find(const struct km_table *t, const char *name)
{
	if (t->idxsize == 0)
		return -1;
	for (size_t i = profile_hash(name) & (t->idxsize - 1);;
	     i = (i + 1) & (t->idxsize - 1)) {
		size_t k = t->idx[i];

		if (k == 0)
			return -1;
		if (strcmp(t->v[k - 1]->name, name) == 0)
			return (ssize_t)(k - 1);
	}
}

/* A new index for v[0..n) (names are unique: the schema's list key). */
static size_t *
profile_index(struct km_profile **v, size_t n, size_t *size)
{
	size_t sz = 16, *idx;

	while (sz < 2 * n)
		sz *= 2;
	idx = xcalloc(sz, sizeof(*idx));
	for (size_t k = 0; k < n; k++) {
		size_t i = profile_hash(v[k]->name) & (sz - 1);

		while (idx[i] != 0)
			i = (i + 1) & (sz - 1);
		idx[i] = k + 1;
	}
	*size = sz;
	return idx;
}

/*
 * A profile that next adds or changes is named in *touched: until the
 * change is applied or dropped, iked's requests for it wait (api_hold), so
 * that a VPN committed with its profile gets the new profile's key however
 * the daemons' applies interleave, instead of "unknown-profile".
 */
void
profile_check(struct keymgr *km, struct conf *prev, struct conf *next,
    struct verrs *errs, char ***touched, size_t *ntouched)
{
	const struct cnode *root = profile_root(next);
	bool pki_dirty = profile_pki_dirty(next);
	char **v = NULL;
	size_t n = 0, cap = 0;

	for (const struct cnode *e = root ? root->first : NULL; e;
	     e = e->next) {
		if (strcmp(e->sn->name, "profiles") != 0 ||
		    cnode_is_inactive(e))
			continue;
		/* Untouched and running: it was checked when it came (only
		 * this thread changes the table). */
		ssize_t k = profile_find(&km->table, e->val);
		if (!profile_stale(km, e, pki_dirty) && k >= 0)
			continue;
		/* The configuration handed over at start-up is committed. */
		struct km_profile *p = profile_build(km, e, errs, km->handed);
		/* The same test as apply's: its text, with its TLS digest. */
		if (k < 0 ||
		    strcmp(km->table.v[k]->conf_text, p->conf_text) != 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = xstrdup(p->name);
		}
		profile_free(p);
	}
	*touched = v;
	*ntouched = n;
}

void
profile_names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
profile_apply(struct keymgr *km, struct conf *prev, struct conf *next)
{
	struct km_table *t = &km->table;
	const struct cnode *root = profile_root(next);
	bool pki_dirty = profile_pki_dirty(next);
	struct km_profile **nv = NULL, **old = t->v;
	size_t nn = 0, cap = 0, nold = t->n, kept = 0, *nidx, nidxsize;
	size_t *oldidx = t->idx;
	/* What becomes of each old profile: stopped after the swap, since
	 * profile_find goes on reading the old table (and its names) until
	 * then; a replaced one freed before it was read freed memory. */
	enum {
		OLD_GONE,
		OLD_KEPT,
		OLD_REPLACED
	} *fate = xcalloc(nold ? nold : 1, sizeof(*fate));

	/* The CA profiles as mgd reads them (pki_conf.h). */
	pki_conf_sync(km->pki, conf_root(next));
	/* Only this thread changes the table: old and its index are read
	 * without the lock; the workers take it to look profiles up. */
	for (const struct cnode *e = root ? root->first : NULL; e;
	     e = e->next) {
		if (strcmp(e->sn->name, "profiles") != 0 ||
		    cnode_is_inactive(e))
			continue;
		ssize_t k = profile_find(t, e->val);
		struct km_profile *o = k >= 0 ? old[k] : NULL, *p;

		if (k >= 0)
			fate[k] = OLD_KEPT;
		if (o != NULL && !profile_stale(km, e, pki_dirty)) {
			p = o;
			kept++;
			goto keep;
		}
		p = profile_build(km, e, NULL, true);
		if (o != NULL && strcmp(o->conf_text, p->conf_text) == 0) {
			profile_free(p);
			p = o;
			kept++;
		} else {
			if (o != NULL)
				fate[k] = OLD_REPLACED;
			if (p->type == KM_QKD && worker_start(t, p) == -1)
				log_err("keymgr: profile %s: no worker thread",
				    p->name);
			log_info("profile %s %s (%s)", p->name,
			    o ? "changed" : "added",
			    p->type == KM_STATIC ? "static"
						 : "quantum-key-manager");
			if (p->setup_error != NULL)
				log_warn("profile %s cannot run: %s", p->name,
				    p->setup_error);
		}
	keep:
		if (nn == cap) {
			cap = cap ? cap * 2 : 16;
			nv = xrealloc(nv, cap * sizeof(*nv));
		}
		nv[nn++] = p;
	}
	nidx = profile_index(nv, nn, &nidxsize);
	pthread_mutex_lock(&t->mu);
	t->v = nv;
	t->n = nn;
	t->idx = nidx;
	t->idxsize = nidxsize;
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < nold; i++) {
		if (fate[i] == OLD_KEPT)
			continue;
		if (fate[i] == OLD_GONE)
			log_info("profile %s deleted", old[i]->name);
		worker_stop_profile(t, old[i]);
	}
	free(fate);
	free(old);
	free(oldidx);
	km->handed = true;
	log_info("configuration applied: %zu key-manager profiles (%zu"
		 " unchanged)",
	    nn, kept);
}

struct km_profile *
profile_get(struct km_table *t, const char *name)
{
	struct km_profile *p = NULL;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&t->mu);
	ssize_t k = profile_find(t, name);
	if (k >= 0) {
		p = t->v[k];
		p->refs++;
	}
	pthread_mutex_unlock(&t->mu);
	return p;
}

void
profile_put(struct km_table *t, struct km_profile *p)
{
	bool last;

	if (p == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	last = --p->refs == 0;
	pthread_mutex_unlock(&t->mu);
	if (last)
		profile_free(p);
}

struct km_profile **
profile_get_all(struct km_table *t, size_t *n)
{
	struct km_profile **v;

	pthread_mutex_lock(&t->mu);
	v = xcalloc(t->n ? t->n : 1, sizeof(*v));
	for (size_t i = 0; i < t->n; i++) {
		v[i] = t->v[i];
		v[i]->refs++;
	}
	*n = t->n;
	pthread_mutex_unlock(&t->mu);
	return v;
}

void
profile_put_all(struct km_table *t, struct km_profile **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_put(t, v[i]);
	free(v);
}

int
profile_tls_setup(void *ssl_ctx, void *arg)
{
	const struct km_profile *p = arg;

	if (p->tls == NULL || pki_tls_ssl_ctx(p->tls, ssl_ctx) == -1) {
		log_warn(
		    "profile %s: the TLS material could not be used", p->name);
		return -1;
	}
	return 0;
}

void
profile_table_free(struct km_table *t)
{
	struct km_profile **v;
	size_t n;

	pthread_mutex_lock(&t->mu);
	v = t->v;
	n = t->n;
	t->v = NULL;
	t->n = 0;
	free(t->idx);
	t->idx = NULL;
	t->idxsize = 0;
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < n; i++)
		worker_stop_profile(t, v[i]);
	free(v);
}
