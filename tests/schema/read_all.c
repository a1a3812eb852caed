#include <stdio.h>

#include <check.h>

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
