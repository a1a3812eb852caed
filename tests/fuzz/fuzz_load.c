/*
 * fuzz_load: libFuzzer entry point for what `load` reads from a file the
 * operator names — untrusted text: the set-or-curly detection, the curly
 * parser (conf_text_to_set, with and without replace: tags), the lexer and
 * the all-or-nothing edit (edit_apply_text).  A text that loads must print
 * as set lines that load again to the same tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/conf.h"
#include "schema/conf_load.h"
#include "schema/conf_text.h"
#include "schema/edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct schema *fuzz_schema;

static void
fuzz_load_once(const char *text, size_t len, bool replace)
{
	struct conf *c = conf_new(fuzz_schema), *again;
	struct path_err err;
	struct sb set, shown, warn;
	size_t *map = NULL, bad = 0;

	sb_init(&err.msg);
	sb_init(&set);
	sb_init(&shown);
	sb_init(&warn);
	if (conf_text_to_set(text, len, replace, &set, &map, &err, &bad) == 0 &&
	    edit_apply_text(
		c, NULL, sb_str(&set), set.len, &err, &bad, &warn) == 0) {
		/* what loaded prints, and the print loads to the same */
		conf_text_set(conf_root(c), &shown);
		again = conf_new(fuzz_schema);
		if (edit_apply_text(again, NULL, sb_str(&shown), shown.len,
			&err, &bad, &warn) == -1 ||
		    conf_count(again) != conf_count(c))
			abort();
		conf_free(again);
	}
	free(map);
	sb_free(&err.msg);
	sb_free(&set);
	sb_free(&shown);
	sb_free(&warn);
	conf_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_schema == NULL && (fuzz_schema = schema_new(NULL)) == NULL)
		abort();
	fuzz_load_once((const char *)data, size, false);
	fuzz_load_once((const char *)data, size, true);
	return 0;
}
