/*
 * schema: the configuration hierarchy and the operational commands, read from
 * the YANG modules in schema/ with libyang and turned into a compact tree of
 * CLI statements (struct snode).  Choices and cases disappear from the tree
 * (their members become children of the data parent); the CLI extensions of
 * qsafe-cli.yang become flags.  See docs/schema.md.
 *
 * libyang stays behind this interface: it answers "is this value valid for
 * this leaf" (schema_value_check) and nothing else at run time.
 */
#ifndef QSAFE_SCHEMA_H
#define QSAFE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sb.h"

enum snode_kind {
	SN_CONTAINER,
	SN_LIST,
	SN_LEAF,
	SN_LEAFLIST,
	SN_RPC,	    /* an operational command; children = input */
	SN_CMDWORD, /* an intermediate operational command word */
};

#define SNF_NOKEYWORD 0x0001   /* list: entries typed by key alone */
#define SNF_KEYKEYWORDS 0x0002 /* list: keys typed as `key value` */
#define SNF_POSITIONAL 0x0004  /* leaf: value typed after the parent */
#define SNF_ONELINER 0x0008    /* container: one line in curly form */
#define SNF_SECRET 0x0010      /* leaf: $9$ */
#define SNF_PRESENCE 0x0020    /* container: presence */
#define SNF_MANDATORY 0x0040   /* leaf: mandatory when the parent exists */
#define SNF_EMPTY 0x0080       /* leaf of type empty: a bare keyword */
#define SNF_KEY 0x0100	       /* leaf: a key of its list */
#define SNF_NUMERIC 0x0200     /* leaf: an integer type (for json) */
#define SNF_FLAT 0x0400	       /* container: shown as its children (family) */
#define SNF_INGROUP 0x0800     /* under `groups NAME`: wildcards <..> allowed */
#define SNF_APPLY 0x1000       /* apply-groups, apply-groups-except */
#define SNF_GROUPS 0x2000      /* the `groups` container */
#define SNF_SECRETDATA 0x4000  /* leaf: quoted, `## SECRET-DATA`, as typed */

struct lysc_node;

struct snode {
	const char *name;
	const char *dsc; /* help text, may be "" */
	enum snode_kind kind;
	uint32_t flags;
	const struct lysc_node *ly; /* the libyang node (leafs: type) */
	struct snode *parent;
	struct snode **child; /* data children, schema order */
	size_t nchild;
	unsigned idx;	     /* position among the parent's children */
	struct snode **keys; /* list keys, in key order */
	size_t nkeys;
	struct snode *positional; /* container: its positional leaf */
	struct snode *nokw_list;  /* container: its qc:nokeyword list */
	/*
	 * The statement of the configuration this one stands for: itself,
	 * or for a statement under `groups NAME`, the one outside groups
	 * that it is inherited into (schema/group.h).
	 */
	const struct snode *main;
	const char *ref_path;	  /* qc:ref argument, or NULL */
	struct snode *ref;	  /* the list it names */
	struct snode **referrers; /* lists: leaves whose qc:ref names it */
	size_t nreferrers;
	uint32_t max_elements; /* 0: unbounded */
	/* rpc only */
	const char *command; /* qc:command words */
	const char *handler; /* qc:handler */
};

struct schema;

/*
 * Loads the modules from dir (NULL: the build's schema directory).  Returns a
 * new schema (caller frees with schema_free), or NULL with the reason logged.
 */
struct schema *schema_new(const char *dir);
void schema_free(struct schema *s);

/* The configuration root (a container without a name); borrowed. */
const struct snode *schema_root(const struct schema *s);
/* The operational command root (words and rpcs); borrowed. */
const struct snode *schema_op_root(const struct schema *s);

/* Child of sn named name (keyword children only), or NULL. */
const struct snode *snode_child(const struct snode *sn, const char *name);
/* Child of sn whose schema name is name, keyword or not, or NULL. */
const struct snode *snode_child_named(const struct snode *sn, const char *name);
/* Children whose name starts with prefix; returns the count, fills out[]. */
size_t snode_children_prefix(const struct snode *sn, const char *prefix,
    const struct snode **out, size_t max);

/* Looks up a configuration schema path like "/security/ike/policy". */
const struct snode *schema_find(const struct schema *s, const char *path);

/*
 * Checks value for leaf sn.  0 when valid; -1 with the Junos-style message in
 * err ("Value 10 is not within range (180..86400)", "invalid value").
 */
int schema_value_check(const struct schema *s, const struct snode *sn,
    const char *value, struct sb *err);
/*
 * Whether Junos checks values of sn only once the whole line is read, so
 * that its caret stands past the end of the line (interface names):
 * a pattern of the type carries error-app-tag
 * "caret-end".
 */
bool schema_value_caret_end(const struct snode *sn);

/* "<value>" help for a leaf: type and range, e.g. "<lifetime-seconds>" + text.
 */
void schema_value_help(const struct snode *sn, struct sb *out);

/* Enumeration names of a leaf, or 0; fills out[] (borrowed). */
size_t schema_enum_values(const struct snode *sn, const char **out, size_t max);

/* True when a and b are both set-able under one parent but in different cases
 * of one choice (setting one removes the other). */
bool snode_conflicts(const struct snode *a, const struct snode *b);

/* The schema path of sn ("/security/ike/gateway"), into out. */
void snode_path(const struct snode *sn, struct sb *out);

#endif
