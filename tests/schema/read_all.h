/* tests/schema: the text of the sample files, for the tests that read them
 * (test_schema, test_edit_delta). */
#ifndef QSAFE_TESTS_SCHEMA_READ_ALL_H
#define QSAFE_TESTS_SCHEMA_READ_ALL_H

/* path's bytes and a NUL, malloc'd; fails the running check test when it
 * cannot be opened. */
char *read_all(const char *path);
/* text with the sample files' placeholders ("<SNIP>", "$9$...") made real
 * secrets, malloc'd. */
char *sample_fill(const char *text);

#endif
