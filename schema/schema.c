/*
 * schema: read the YANG modules with libyang and build the CLI statement tree
 * (struct snode).  Configuration modules give the configuration tree; rpcs
 * with qc:command give the operational command tree.  See docs/schema.md.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>
#include <libyang/plugins_types.h>

#include "lib/log.h"
#include "schema/schema.h"
#include "schema/schema_int.h"

/* Top-level statements in the order Junos shows them. */
static const char *const schema_conf_modules[] = {
	"qsafe-system",
	"qsafe-chassis",
	"qsafe-security",
	"qsafe-interfaces",
	"qsafe-routing-options",
};

/* Help for operational words that several commands share. */
static const struct {
	const char *word, *help;
} schema_word_help[] = {
	{ "show", "Show system information" },
	{ "request", "Make system-level requests" },
	{ "clear", "Clear information in the system" },
	{ "configure", "Manipulate software configuration information" },
	{ "security", "Show security information" },
	{ "system", "Show system information" },
	{ "pki", "Show public-key infrastructure information" },
	{ "ike", "Show Internet Key Exchange information" },
	{ "ipsec", "Show IP Security information" },
	{ "key-manager", "Show key manager information" },
};

static void *
schema_arena_node(void)
{
	return xcalloc(1, sizeof(struct snode));
}

static void
snode_add_child(struct snode *parent, struct snode *c)
{
	parent->child = xrealloc(
	    parent->child, (parent->nchild + 1) * sizeof(*parent->child));
	c->idx = (unsigned)parent->nchild;
	c->parent = parent;
	parent->child[parent->nchild++] = c;
}

static bool
schema_is_qc_ext(const struct lysc_ext_instance *e, const char *name)
{
	return strcmp(e->def->name, name) == 0 &&
	    strcmp(e->def->module->name, "qsafe-cli") == 0;
}

static void
schema_read_exts(struct snode *sn, const struct lysc_ext_instance *exts)
{
	LY_ARRAY_COUNT_TYPE u;

	LY_ARRAY_FOR(exts, u)
	{
		const struct lysc_ext_instance *e = &exts[u];
		if (schema_is_qc_ext(e, "nokeyword"))
			sn->flags |= SNF_NOKEYWORD;
		else if (schema_is_qc_ext(e, "key-keywords"))
			sn->flags |= SNF_KEYKEYWORDS | SNF_NOKEYWORD;
		else if (schema_is_qc_ext(e, "positional"))
			sn->flags |= SNF_POSITIONAL;
		else if (schema_is_qc_ext(e, "oneliner"))
			sn->flags |= SNF_ONELINER;
		else if (schema_is_qc_ext(e, "flat"))
			sn->flags |= SNF_FLAT;
		else if (schema_is_qc_ext(e, "secret"))
			sn->flags |= SNF_SECRET;
		else if (schema_is_qc_ext(e, "secret-data"))
			sn->flags |= SNF_SECRETDATA;
		else if (schema_is_qc_ext(e, "ref"))
			sn->ref_path = e->argument;
		else if (schema_is_qc_ext(e, "command"))
			sn->command = e->argument;
		else if (schema_is_qc_ext(e, "handler"))
			sn->handler = e->argument;
	}
}

bool
schema_type_is_numeric(const struct lysc_type *t)
{
	switch (t->basetype) {
	case LY_TYPE_UINT8:
	case LY_TYPE_UINT16:
	case LY_TYPE_UINT32:
	case LY_TYPE_UINT64:
	case LY_TYPE_INT8:
	case LY_TYPE_INT16:
	case LY_TYPE_INT32:
	case LY_TYPE_INT64: return true;
	default: return false;
	}
}

static void schema_build(struct snode *parent, const struct lysc_node *first);

static void
schema_build_one(struct snode *parent, const struct lysc_node *n)
{
	struct snode *sn;

	if (n->nodetype & (LYS_CHOICE | LYS_CASE)) {
		schema_build(parent, lysc_node_child(n));
		return;
	}
	if (!(n->nodetype &
		(LYS_CONTAINER | LYS_LIST | LYS_LEAF | LYS_LEAFLIST)))
		return;
	sn = schema_arena_node();
	sn->name = n->name;
	sn->dsc = n->dsc ? n->dsc : "";
	sn->ly = n;
	schema_read_exts(sn, n->exts);
	switch (n->nodetype) {
	case LYS_CONTAINER:
		sn->kind = SN_CONTAINER;
		if (n->flags & LYS_PRESENCE)
			sn->flags |= SNF_PRESENCE;
		break;
	case LYS_LIST:
		sn->kind = SN_LIST;
		sn->max_elements = ((const struct lysc_node_list *)n)->max;
		break;
	case LYS_LEAF: {
		const struct lysc_type *t =
		    ((const struct lysc_node_leaf *)n)->type;
		sn->kind = SN_LEAF;
		if (t->basetype == LY_TYPE_EMPTY)
			sn->flags |= SNF_EMPTY;
		if (schema_type_is_numeric(t))
			sn->flags |= SNF_NUMERIC;
		if (n->flags & LYS_MAND_TRUE)
			sn->flags |= SNF_MANDATORY;
		if (n->flags & LYS_KEY)
			sn->flags |= SNF_KEY;
		break;
	}
	case LYS_LEAFLIST:
		sn->kind = SN_LEAFLIST;
		sn->max_elements = ((const struct lysc_node_leaflist *)n)->max;
		if (schema_type_is_numeric(
			((const struct lysc_node_leaflist *)n)->type))
			sn->flags |= SNF_NUMERIC;
		break;
	}
	if (sn->max_elements == UINT32_MAX)
		sn->max_elements = 0;
	snode_add_child(parent, sn);
	if (sn->kind == SN_CONTAINER || sn->kind == SN_LIST)
		schema_build(sn, lysc_node_child(n));
	if (sn->kind == SN_LIST) {
		for (size_t i = 0; i < sn->nchild; i++) {
			if (!(sn->child[i]->flags & SNF_KEY))
				continue;
			sn->keys = xrealloc(
			    sn->keys, (sn->nkeys + 1) * sizeof(*sn->keys));
			sn->keys[sn->nkeys++] = sn->child[i];
		}
	}
	if (sn->flags & SNF_POSITIONAL)
		parent->positional = sn;
	if (sn->kind == SN_LIST && (sn->flags & SNF_NOKEYWORD))
		parent->nokw_list = sn;
}

static void
schema_build(struct snode *parent, const struct lysc_node *first)
{
	for (const struct lysc_node *n = first; n != NULL; n = n->next)
		schema_build_one(parent, n);
}

static struct snode *
schema_op_word(struct snode *parent, const char *word, size_t len)
{
	for (size_t i = 0; i < parent->nchild; i++) {
		struct snode *c = parent->child[i];
		if (strlen(c->name) == len && strncmp(c->name, word, len) == 0)
			return c;
	}
	struct snode *w = schema_arena_node();
	char *name = xstrndup(word, len);
	w->name = name;
	w->dsc = "";
	for (size_t i = 0;
	     i < sizeof(schema_word_help) / sizeof(schema_word_help[0]); i++)
		if (strcmp(schema_word_help[i].word, name) == 0)
			w->dsc = schema_word_help[i].help;
	w->kind = SN_CMDWORD;
	snode_add_child(parent, w);
	return w;
}

static void
schema_add_rpc(struct schema *s, const struct lysc_node_action *rpc)
{
	struct snode tmp = { 0 };
	struct snode *parent = &s->op_root, *sn;
	const char *w, *end;

	schema_read_exts(&tmp, rpc->exts);
	if (tmp.command == NULL)
		return;
	/* Every word but the last is an intermediate command word. */
	w = tmp.command;
	for (;;) {
		while (*w == ' ')
			w++;
		end = strchr(w, ' ');
		if (end == NULL)
			break;
		parent = schema_op_word(parent, w, (size_t)(end - w));
		w = end;
	}
	sn = schema_op_word(parent, w, strlen(w));
	sn->kind = SN_RPC;
	sn->ly = &rpc->node;
	sn->command = tmp.command;
	sn->handler = tmp.handler ? tmp.handler : "mgd";
	sn->ref_path = rpc->name; /* rpcs: the rpc name, for routing */
	if (rpc->dsc)
		sn->dsc = rpc->dsc;
	schema_build(sn, lysc_node_child(&rpc->input.node));
}

/*
 * Configuration groups (docs/architecture.md, "Configuration groups").
 * Statements no YANG module holds: `version`, `groups NAME` (a copy of the
 * whole hierarchy, where wildcard names are allowed and nothing is checked
 * for references or mandatory statements: a group is checked where it is
 * inherited), and `apply-groups` / `apply-groups-except` in every block.
 */
static struct snode *
schema_synth(
    const char *name, const char *dsc, enum snode_kind kind, uint32_t flags)
{
	struct snode *sn = schema_arena_node();

	sn->name = name;
	sn->dsc = dsc;
	sn->kind = kind;
	sn->flags = flags;
	sn->main = sn;
	return sn;
}

/* Puts c first among parent's children. */
static void
snode_prepend_child(struct snode *parent, struct snode *c)
{
	snode_add_child(parent, c);
	memmove(parent->child + 1, parent->child,
	    (parent->nchild - 1) * sizeof(*parent->child));
	parent->child[0] = c;
	for (size_t i = 0; i < parent->nchild; i++)
		parent->child[i]->idx = (unsigned)i;
}

static bool
schema_takes_apply(const struct snode *sn)
{
	return (sn->kind == SN_CONTAINER || sn->kind == SN_LIST) &&
	    !(sn->flags & (SNF_ONELINER | SNF_FLAT));
}

static void
schema_add_apply(struct snode *sn)
{
	sn->main = sn;
	for (size_t i = 0; i < sn->nchild; i++)
		schema_add_apply(sn->child[i]);
	if (!schema_takes_apply(sn))
		return;
	snode_prepend_child(sn,
	    schema_synth("apply-groups-except",
		"Don't inherit configuration data from these groups",
		SN_LEAFLIST, SNF_APPLY));
	snode_prepend_child(sn,
	    schema_synth("apply-groups",
		"Groups from which to inherit configuration data", SN_LEAFLIST,
		SNF_APPLY));
}

/* A copy of src under parent for a group: same shape, no checks. */
static struct snode *
schema_copy_group(struct snode *parent, const struct snode *src)
{
	struct snode *sn = schema_arena_node();

	*sn = *src;
	sn->flags = (src->flags & ~SNF_MANDATORY) | SNF_INGROUP;
	sn->main = src;
	sn->child = NULL;
	sn->nchild = 0;
	sn->keys = NULL;
	sn->nkeys = 0;
	sn->positional = sn->nokw_list = NULL;
	sn->ref_path = NULL;
	sn->ref = NULL;
	sn->referrers = NULL;
	sn->nreferrers = 0;
	sn->max_elements = 0;
	snode_add_child(parent, sn);
	for (size_t i = 0; i < src->nchild; i++) {
		struct snode *c = schema_copy_group(sn, src->child[i]);
		if (c->flags & SNF_KEY) {
			sn->keys = xrealloc(
			    sn->keys, (sn->nkeys + 1) * sizeof(*sn->keys));
			sn->keys[sn->nkeys++] = c;
		}
		if (src->positional == src->child[i])
			sn->positional = c;
		if (src->nokw_list == src->child[i])
			sn->nokw_list = c;
	}
	return sn;
}

static void
schema_add_groups(struct schema *s)
{
	struct snode *root = &s->root, *groups, *list, *key;
	size_t ntop;

	schema_add_apply(root);
	ntop = root->nchild;
	/* `groups { NAME { ... } }`, as `interfaces { ge-0/0/0 { ... } }` */
	groups = schema_synth(
	    "groups", "Configuration groups", SN_CONTAINER, SNF_GROUPS);
	list = schema_synth("group", "Group name", SN_LIST, SNF_NOKEYWORD);
	key = schema_synth("name", "Group name", SN_LEAF, SNF_KEY);
	snode_add_child(list, key);
	list->keys = xcalloc(1, sizeof(*list->keys));
	list->keys[0] = key;
	list->nkeys = 1;
	for (size_t i = 0; i < ntop; i++)
		if (!(root->child[i]->flags & SNF_APPLY))
			schema_copy_group(list, root->child[i]);
	snode_add_child(groups, list);
	groups->nokw_list = list;
	snode_prepend_child(root, groups);
	snode_prepend_child(root,
	    schema_synth(
		"version", "Software version information", SN_LEAF, 0));
}

static int
schema_resolve_refs(struct schema *s, struct snode *sn)
{
	if (sn->ref_path != NULL && sn->kind != SN_RPC &&
	    sn->kind != SN_CMDWORD) {
		const struct snode *t = schema_find(s, sn->ref_path);
		if (t == NULL || t->kind != SN_LIST) {
			struct sb p;
			sb_init(&p);
			snode_path(sn, &p);
			log_err("schema: %s: qc:ref %s names no list",
			    sb_str(&p), sn->ref_path);
			sb_free(&p);
			return -1;
		}
		sn->ref = (struct snode *)t;
		sn->ref->referrers = xrealloc(sn->ref->referrers,
		    (sn->ref->nreferrers + 1) * sizeof(struct snode *));
		sn->ref->referrers[sn->ref->nreferrers++] = sn;
	}
	for (size_t i = 0; i < sn->nchild; i++)
		if (schema_resolve_refs(s, sn->child[i]) == -1)
			return -1;
	return 0;
}

static int
schema_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All qsafe-rpc-*.yang modules in dir, sorted. Returns the count. */
static size_t
schema_rpc_modules(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "qsafe-rpc-", 10) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".yang") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrndup(de->d_name, len - 5);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), schema_cmp_names);
	*out = names;
	return n;
}

struct schema *
schema_new(const char *dir)
{
	struct schema *s = xcalloc(1, sizeof(*s));
	char **rpcmods = NULL;
	size_t nrpc = 0;

	if (dir == NULL)
		dir = getenv("QSAFE_SCHEMA_DIR");
	if (dir == NULL)
		dir = QSAFE_SCHEMA_DIR;
	ly_log_options(0);
	if (ly_ctx_new(dir,
		LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD,
		&s->ctx) != LY_SUCCESS) {
		log_err("schema: cannot create a libyang context for %s", dir);
		goto fail;
	}
	s->root.name = "";
	s->root.dsc = "";
	s->root.kind = SN_CONTAINER;
	s->op_root.name = "";
	s->op_root.dsc = "";
	s->op_root.kind = SN_CMDWORD;
	for (size_t i = 0;
	     i < sizeof(schema_conf_modules) / sizeof(schema_conf_modules[0]);
	     i++) {
		const struct lys_module *m = ly_ctx_load_module(
		    s->ctx, schema_conf_modules[i], NULL, NULL);
		if (m == NULL) {
			log_err("schema: cannot load %s from %s: %s",
			    schema_conf_modules[i], dir, ly_errmsg(s->ctx));
			goto fail;
		}
		schema_build(&s->root, m->compiled->data);
	}
	nrpc = schema_rpc_modules(dir, &rpcmods);
	for (size_t i = 0; i < nrpc; i++) {
		const struct lys_module *m =
		    ly_ctx_load_module(s->ctx, rpcmods[i], NULL, NULL);
		if (m == NULL) {
			log_err("schema: cannot load %s: %s", rpcmods[i],
			    ly_errmsg(s->ctx));
			goto fail;
		}
		for (const struct lysc_node_action *r = m->compiled->rpcs; r;
		     r = (const struct lysc_node_action *)r->next)
			schema_add_rpc(s, r);
	}
	schema_add_groups(s);
	{
		uint32_t jit = 0;
		if (pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit)
			s->md = pcre2_match_data_create(1, NULL);
	}
	if (schema_resolve_refs(s, &s->root) == -1)
		goto fail;
	for (size_t i = 0; i < nrpc; i++)
		free(rpcmods[i]);
	free(rpcmods);
	return s;
fail:
	for (size_t i = 0; i < nrpc; i++)
		free(rpcmods[i]);
	free(rpcmods);
	schema_free(s);
	return NULL;
}

static void
snode_free_tree(struct snode *sn, bool self)
{
	for (size_t i = 0; i < sn->nchild; i++)
		snode_free_tree(sn->child[i], true);
	free(sn->child);
	free(sn->keys);
	free(sn->referrers);
	if (sn->kind == SN_CMDWORD || sn->kind == SN_RPC)
		free((char *)sn->name);
	if (self)
		free(sn);
}

void
schema_free(struct schema *s)
{
	if (s == NULL)
		return;
	snode_free_tree(&s->root, false);
	s->op_root.name = NULL;
	for (size_t i = 0; i < s->op_root.nchild; i++)
		snode_free_tree(s->op_root.child[i], true);
	free(s->op_root.child);
	pcre2_match_data_free(s->md);
	if (s->ctx)
		ly_ctx_destroy(s->ctx);
	free(s);
}

const struct snode *
schema_root(const struct schema *s)
{
	return &s->root;
}

const struct snode *
schema_op_root(const struct schema *s)
{
	return &s->op_root;
}

const struct snode *
snode_child(const struct snode *sn, const char *name)
{
	for (size_t i = 0; i < sn->nchild; i++) {
		const struct snode *c = sn->child[i];
		if ((c->flags & (SNF_KEY | SNF_POSITIONAL)) ||
		    (c->kind == SN_LIST && (c->flags & SNF_NOKEYWORD) &&
			!(c->flags & SNF_KEYKEYWORDS)))
			continue;
		const char *kw =
		    (c->kind == SN_LIST && (c->flags & SNF_KEYKEYWORDS))
		    ? c->keys[0]->name
		    : c->name;
		/* The first byte tells most siblings apart without a call. */
		if (kw[0] == name[0] && strcmp(kw, name) == 0)
			return c;
	}
	return NULL;
}

const struct snode *
snode_child_named(const struct snode *sn, const char *name)
{
	for (size_t i = 0; i < sn->nchild; i++)
		if (strcmp(sn->child[i]->name, name) == 0)
			return sn->child[i];
	return NULL;
}

/* The word that introduces c in the CLI, or NULL when it has none. */
static const char *
snode_keyword(const struct snode *c)
{
	if (c->flags & (SNF_KEY | SNF_POSITIONAL))
		return NULL;
	if (c->kind == SN_LIST && (c->flags & SNF_KEYKEYWORDS))
		return c->keys[0]->name;
	if (c->kind == SN_LIST && (c->flags & SNF_NOKEYWORD))
		return NULL;
	return c->name;
}

size_t
snode_children_prefix(const struct snode *sn, const char *prefix,
    const struct snode **out, size_t max)
{
	size_t n = 0, plen = strlen(prefix);

	for (size_t i = 0; i < sn->nchild && n < max; i++) {
		const char *kw = snode_keyword(sn->child[i]);
		if (kw != NULL && strncmp(kw, prefix, plen) == 0)
			out[n++] = sn->child[i];
	}
	return n;
}

const struct snode *
schema_find(const struct schema *s, const char *path)
{
	const struct snode *sn = &s->root;
	const char *p = path;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const struct snode *found = NULL;
		for (size_t i = 0; i < sn->nchild; i++)
			if (strlen(sn->child[i]->name) == len &&
			    strncmp(sn->child[i]->name, p, len) == 0)
				found = sn->child[i];
		if (found == NULL)
			return NULL;
		sn = found;
		p += len;
		while (*p == '/')
			p++;
	}
	return sn;
}

void
snode_path(const struct snode *sn, struct sb *out)
{
	if (sn->parent == NULL) {
		return;
	}
	snode_path(sn->parent, out);
	sb_putc(out, '/');
	sb_puts(out, sn->name);
}

/* The (choice, case) pair just below parent on the way up from n, if any. */
bool
snode_conflicts(const struct snode *a, const struct snode *b)
{
	const struct lysc_node *stop, *pa, *pb;

	if (a->parent != b->parent || a == b || a->ly == NULL || b->ly == NULL)
		return false;
	stop = a->parent->ly; /* NULL at the top */
	for (pa = a->ly->parent; pa != NULL && pa != stop; pa = pa->parent) {
		if (pa->nodetype != LYS_CASE)
			continue;
		/* Is b under the same choice but another case? */
		for (pb = b->ly->parent; pb != NULL && pb != stop;
		     pb = pb->parent) {
			if (pb->nodetype == LYS_CASE &&
			    pb->parent == pa->parent)
				return pb != pa;
		}
	}
	return false;
}
