/* tests/schema: a file's whole text, for the tests that read sample files. */
#ifndef QSAFE_TESTS_SCHEMA_READ_ALL_H
#define QSAFE_TESTS_SCHEMA_READ_ALL_H

/* path's bytes and a NUL, malloc'd; fails the running check test when it
 * cannot be opened. */
char *read_all(const char *path);

#endif
