#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/junos9.h"
#include "lib/sb.h"
#include "tests/schema/read_all.h"

char *
read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sb out;
	char buf[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	sb_init(&out);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&out, buf, n);
	fclose(f);
	return sb_steal(&out);
}

char *
sample_fill(const char *text)
{
	struct sb out;
	char *enc = junos9_encode("sample-secret-42", 16);

	sb_init(&out);
	for (const char *p = text; *p != '\0';) {
		if (strncmp(p, "<SNIP>", 6) == 0) {
			sb_puts(&out, "snipped-secret");
			p += 6;
		} else if (strncmp(p, "$9$...", 6) == 0) {
			sb_puts(&out, enc);
			p += 6;
		} else {
			sb_putc(&out, *p++);
		}
	}
	free(enc);
	return sb_steal(&out);
}
