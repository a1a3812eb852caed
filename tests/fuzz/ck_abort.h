/*
 * ck_abort: check's assertions as eng_wire.c uses them, for the fuzz
 * entry points that link it (tests/fuzz/fuzz_eng.h).  libFuzzer calls
 * them outside check's runner, where check cannot even record a passing
 * assertion (it reports through the runner's pipe): here a failing one
 * prints where and aborts, which libFuzzer reports as a crash.
 */
#ifndef QSAFE_TEST_CK_ABORT_H
#define QSAFE_TEST_CK_ABORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ck_assert(c) \
	((c) ? (void)0 \
	     : (fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, \
		    __LINE__, #c), \
		   abort()))
#define ck_assert_msg(c, ...) ck_assert(c)
#define ck_assert_int_eq(a, b) ck_assert((a) == (b))
#define ck_assert_int_gt(a, b) ck_assert((a) > (b))
#define ck_assert_int_ge(a, b) ck_assert((a) >= (b))
#define ck_assert_int_le(a, b) ck_assert((a) <= (b))
#define ck_assert_uint_eq(a, b) ck_assert((a) == (b))
#define ck_assert_uint_ne(a, b) ck_assert((a) != (b))
#define ck_assert_ptr_eq(a, b) ck_assert((a) == (b))
#define ck_assert_ptr_nonnull(a) ck_assert((a) != NULL)
#define ck_assert_str_eq(a, b) ck_assert(strcmp((a), (b)) == 0)
#define ck_assert_mem_eq(a, b, n) ck_assert(memcmp((a), (b), (n)) == 0)
#define ck_assert_mem_ne(a, b, n) ck_assert(memcmp((a), (b), (n)) != 0)

#endif
