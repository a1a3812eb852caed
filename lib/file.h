/*
 * file: writing a file whole or not at all.
 */
#ifndef QSAFE_FILE_H
#define QSAFE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/sb.h"

/*
 * Writes buf to path atomically: a temp file in the same directory with
 * mode, fsync, rename over path, fsync of the directory.  A reader sees
 * the old file or the new one, never a part.  -1 with an operator error
 * line in err and errno kept; nothing is left behind.
 */
int file_write_atomic(
    const char *path, const void *buf, size_t len, mode_t mode, struct sb *err);
/*
 * Writes buf to a new file named after tmpl (its trailing XXXXXX replaced
 * in place, mkostemp) with mode, synced and closed: the first half of
 * file_write_atomic, for a caller that renames the file itself, later or
 * from another thread.  -1 with an operator error line in err (naming
 * name, the file it stands for) and errno kept; no file is left.
 */
int file_write_new(char *tmpl, const char *name, const void *buf, size_t len,
    mode_t mode, struct sb *err);
/* fsync of the directory holding path (after a rename or an unlink). */
void file_fsync_dir(const char *path);

#endif
