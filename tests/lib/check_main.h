/*
 * check_main: how every check test's main() runs its suites, so that the
 * runner's options and the exit status mean the same in each.
 */
#ifndef QSAFE_TESTS_CHECK_MAIN_H
#define QSAFE_TESTS_CHECK_MAIN_H

#include <check.h>

/* Every case in this process, in order, whatever CK_FORK says: for cases
 * that share a fixture started once (a daemon, a namespace). */
#define CHECK_NOFORK 0x1

/*
 * Runs s and the further suites before the NULL with check's normal
 * output (CK_FORK, CK_RUN_SUITE, CK_XML_LOG_FILE_NAME and the rest of
 * check's environment apply) and frees them.  Returns main's exit status:
 * EXIT_SUCCESS when every case passed, EXIT_FAILURE otherwise.
 */
int check_main(unsigned flags, Suite *s, ...) __attribute__((sentinel));

#endif
