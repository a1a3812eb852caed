/*
 * ike_render_int: what the files of iked's renderers share (ike_render.c,
 * ipsec_render.c, ike_render_tpl.c); not for anyone else.
 */
#ifndef QSAFE_IKE_RENDER_INT_H
#define QSAFE_IKE_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/sb.h"
#include "render/render.h"

/* The template helpers (ike_render_tpl.c). */

/* Appends the text of a scalar ({^key}: caps); false when v is not one. */
bool ir_scalar(struct sb *out, const json_t *v, bool caps);
/* One template over o ({key}, [group]); a required member missing marks
 * *bad. */
void ir_fmt(struct sb *out, const json_t *o, const char *tpl, bool *bad);
/* Pads the line that starts at start to column col, one space at least. */
void ir_pad(struct sb *out, size_t start, size_t col);
/* label, then o's counter key right-aligned to end in column edge. */
void ir_count(struct sb *out, const char *label, const json_t *o,
    const char *key, size_t edge, bool *bad);
/* The reply element (an object) named name in data; NULL when missing. */
const json_t *ir_root(const json_t *data, const char *name);
bool ir_is_detail(const json_t *root);
/* A list member: an array, or one object standing for a list of one. */
size_t ir_count_of(const json_t *l);
const json_t *ir_item(const json_t *l, size_t i);

/* The IPsec renderers (ipsec_render.c), in iked_renderers[]. */
int ir_show_ipsec_sa(const json_t *data, struct sb *out);
int ir_show_ipsec_stats(const json_t *data, struct sb *out);
int ir_show_inactive(const json_t *data, struct sb *out);

#endif
