/*
 * schema_int: what schema.c (the statement tree) and schema_value.c (the
 * values of its leaves) share; not for users of schema.h.
 */
#ifndef QSAFE_SCHEMA_INT_H
#define QSAFE_SCHEMA_INT_H

#include <stdbool.h>

#include <libyang/libyang.h>
#include <libyang/plugins_types.h>

#include "schema/schema.h"

struct schema {
	struct ly_ctx *ctx;
	pcre2_match_data *md; /* schema_pattern_match's; NULL: no JIT */
	struct snode root;
	struct snode op_root;
};

/* An integer type of any width (a range check applies). */
bool schema_type_is_numeric(const struct lysc_type *t);

#endif
