/*
 * check_main: the runner every check test ends its main() with
 * (check_main.h).
 */
#include <stdarg.h>
#include <stdlib.h>

#include "tests/lib/check_main.h"

int
check_main(unsigned flags, Suite *s, ...)
{
	SRunner *sr = srunner_create(s);
	Suite *more;
	va_list ap;
	int failed;

	va_start(ap, s);
	while ((more = va_arg(ap, Suite *)) != NULL)
		srunner_add_suite(sr, more);
	va_end(ap);
	if (flags & CHECK_NOFORK)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
