/*
 * pld_test: the codec tests' shared helpers (see pld_test.h).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/iked/pld_test.h"

static void
pt_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

size_t
pt_chain(uint8_t *out, size_t cap, const struct pt_pld *p, size_t n)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		ck_assert_uint_le(len + 4 + p[i].len, cap);
		out[len] = i + 1 < n ? p[i + 1].type : 0;
		out[len + 1] = p[i].flags;
		pt_be(out + len + 2, 4 + p[i].len, 2);
		if (p[i].len > 0)
			memcpy(out + len + 4, p[i].body, p[i].len);
		len += 4 + p[i].len;
	}
	return len;
}

size_t
pt_msg(uint8_t *out, size_t cap, uint8_t exchange, uint8_t flags,
    const struct pt_pld *p, size_t n)
{
	size_t len;

	ck_assert_uint_ge(cap, IKE_HDR_LEN);
	pt_be(out, PT_ISPI, 8);
	pt_be(out + 8,
	    exchange == IKE_SA_INIT && !(flags & IKE_FLAG_RESPONSE) ? 0
								    : PT_RSPI,
	    8);
	out[16] = n > 0 ? p[0].type : 0;
	out[17] = IKEV2_VERSION;
	out[18] = exchange;
	out[19] = flags;
	pt_be(out + 20, 1, 4);
	len =
	    IKE_HDR_LEN + pt_chain(out + IKE_HDR_LEN, cap - IKE_HDR_LEN, p, n);
	pt_be(out + 24, len, 4);
	return len;
}

static size_t
pt_read(const char *name, uint8_t *buf, size_t cap, bool must)
{
	const char *dir = getenv("IKE_VECTORS");
	char path[4096];
	FILE *f;
	size_t n;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL && !must)
		return 0;
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

size_t
pt_vector(const char *name, uint8_t *buf, size_t cap)
{
	return pt_read(name, buf, cap, true);
}

size_t
pt_vector_opt(const char *name, uint8_t *buf, size_t cap)
{
	return pt_read(name, buf, cap, false);
}

static int
pt_inside(const struct ike_blob *b, const uint8_t *p, size_t len)
{
	if (b->len == 0)
		return 1;
	return b->p >= p && b->len <= len && (size_t)(b->p - p) <= len - b->len;
}

int
pt_blobs_inside(const struct ike_msg *m, const uint8_t *p, size_t len)
{
	int ok = 1;
	uint8_t i;

	ok &= pt_inside(&m->ke.data, p, len) & pt_inside(&m->nonce, p, len);
	ok &= pt_inside(&m->idi.body, p, len) & pt_inside(&m->idr.body, p, len);
	ok &= pt_inside(&m->idi.data, p, len) & pt_inside(&m->idr.data, p, len);
	ok &= pt_inside(&m->auth.data, p, len) & pt_inside(&m->cp, p, len);
	ok &= pt_inside(&m->sk.body, p, len);
	for (i = 0; i < m->nnotify; i++)
		ok &= pt_inside(&m->notify[i].spi, p, len) &
		    pt_inside(&m->notify[i].data, p, len);
	for (i = 0; i < m->ndelete; i++)
		ok &= pt_inside(&m->del[i].spis, p, len);
	for (i = 0; i < m->ncert; i++)
		ok &= pt_inside(&m->cert[i].data, p, len);
	for (i = 0; i < m->ncertreq; i++)
		ok &= pt_inside(&m->certreq[i].data, p, len);
	for (i = 0; i < m->nvendor; i++)
		ok &= pt_inside(&m->vendor[i], p, len);
	return ok;
}
