/*
 * test_rd: the bounded reader (lib/rd.c) every parser of untrusted bytes
 * uses: values come out big-endian, a read that wants more than is left
 * fails and leaves the reader where it was, and a sub-reader ends where
 * its length says even when the parent has more.
 */
#include <check.h>
#include <stdint.h>

#include "lib/rd.h"
#include "tests/lib/check_main.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff };

START_TEST(test_rd_big_endian)
{
	struct rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	rd_init(&r, bytes, sizeof(bytes));
	ck_assert_int_eq(rd_u8(&r, &u8), 0);
	ck_assert_uint_eq(u8, 0x01);
	ck_assert_int_eq(rd_u16(&r, &u16), 0);
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert_int_eq(rd_u32(&r, &u32), 0);
	ck_assert_uint_eq(u32, 0x04050607);
	ck_assert_int_eq(rd_u64(&r, &u64), 0);
	ck_assert(u64 == 0x08090a0b0c0d0e0fULL);
	ck_assert_uint_eq(rd_left(&r), 1);
	ck_assert_int_eq(rd_u8(&r, &u8), 0);
	ck_assert_uint_eq(u8, 0xff);
	ck_assert_uint_eq(rd_left(&r), 0);
}
END_TEST

/* Every read of every width, at every length short of what it needs. */
START_TEST(test_rd_short_leaves_reader)
{
	struct rd r, sub;
	uint8_t u8, out[16];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	const uint8_t *p;
	size_t n;

	for (n = 0; n < 8; n++) {
		rd_init(&r, bytes, n);
		if (n < 1)
			ck_assert_int_eq(rd_u8(&r, &u8), -1);
		if (n < 2)
			ck_assert_int_eq(rd_u16(&r, &u16), -1);
		if (n < 4)
			ck_assert_int_eq(rd_u32(&r, &u32), -1);
		ck_assert_int_eq(rd_u64(&r, &u64), -1);
		ck_assert_int_eq(rd_bytes(&r, n + 1, &p), -1);
		ck_assert_int_eq(rd_copy(&r, out, n + 1), -1);
		ck_assert_int_eq(rd_sub(&r, n + 1, &sub), -1);
		ck_assert_int_eq(rd_skip(&r, n + 1), -1);
		ck_assert_int_eq(rd_skip(&r, SIZE_MAX), -1);
		/* nothing moved: the whole run is still there */
		ck_assert_ptr_eq(r.p, n > 0 ? bytes : NULL);
		ck_assert_uint_eq(rd_left(&r), n);
		ck_assert_int_eq(rd_copy(&r, out, n), 0);
		ck_assert_uint_eq(rd_left(&r), 0);
		if (n > 0)
			ck_assert_uint_eq(out[n - 1], bytes[n - 1]);
	}
}
END_TEST

START_TEST(test_rd_sub_is_bounded)
{
	struct rd r, sub;
	uint16_t u16;
	uint32_t u32;
	const uint8_t *p;

	rd_init(&r, bytes, sizeof(bytes));
	ck_assert_int_eq(rd_skip(&r, 2), 0);
	ck_assert_int_eq(rd_sub(&r, 3, &sub), 0);
	/* the parent moved past the sub-reader's bytes */
	ck_assert_uint_eq(rd_left(&r), sizeof(bytes) - 5);
	ck_assert_int_eq(rd_u16(&r, &u16), 0);
	ck_assert_uint_eq(u16, 0x0607);
	/* the sub-reader has three bytes and no more */
	ck_assert_int_eq(rd_u32(&sub, &u32), -1);
	ck_assert_int_eq(rd_u16(&sub, &u16), 0);
	ck_assert_uint_eq(u16, 0x0304);
	ck_assert_int_eq(rd_bytes(&sub, 2, &p), -1);
	ck_assert_int_eq(rd_bytes(&sub, 1, &p), 0);
	ck_assert_uint_eq(p[0], 0x05);
	ck_assert_uint_eq(rd_left(&sub), 0);
	/* a zero-length borrow always works */
	ck_assert_int_eq(rd_bytes(&sub, 0, &p), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rd");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_rd_big_endian);
	tcase_add_test(tc, test_rd_short_leaves_reader);
	tcase_add_test(tc, test_rd_sub_is_bounded);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
