/*
 * lib/hex: keys typed as hexadecimal decode to their octets, and anything
 * that is not whole pairs of hex digits within the buffer is refused.
 */
#include <check.h>
#include <string.h>

#include "lib/hex.h"
#include "tests/lib/check_main.h"

START_TEST(test_hex_decodes_both_cases)
{
	uint8_t out[4];
	size_t len;

	ck_assert_int_eq(hex_decode("00aFf1", 6, out, sizeof(out), &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(out[0], 0x00);
	ck_assert_uint_eq(out[1], 0xaf);
	ck_assert_uint_eq(out[2], 0xf1);
}
END_TEST

START_TEST(test_hex_refuses)
{
	uint8_t out[2];
	size_t len = 9;

	ck_assert_int_eq(hex_decode("abc", 3, out, sizeof(out), &len), -1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(hex_decode("zz", 2, out, sizeof(out), &len), -1);
	ck_assert_int_eq(hex_decode("0g", 2, out, sizeof(out), &len), -1);
	/* three octets into a buffer of two */
	ck_assert_int_eq(hex_decode("aabbcc", 6, out, sizeof(out), &len), -1);
	ck_assert_int_eq(hex_decode("aabb", 4, out, sizeof(out), &len), 0);
	ck_assert_uint_eq(len, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");

	tcase_add_test(tc, test_hex_decodes_both_cases);
	tcase_add_test(tc, test_hex_refuses);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
