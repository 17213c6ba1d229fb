/* A file replaced whole or not at all: written to a temporary name in the same folder, then
 * renamed over the old one, so that a reader sees the old contents or the new, never half. */
#ifndef GUESTINIT_BASE_ATOMICFILE_H
#define GUESTINIT_BASE_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* data into path with mode (the temporary file has it from the start, so a secret is never
 * readable by others). durable: fsync the file and its folder (for files on disk; /run
 * needs none). 0 or -errno. */
int atomic_write(const char *path, const void *data, size_t len, mode_t mode, bool durable);
/* The same with printf-formatted contents. */
int atomic_printf(const char *path, mode_t mode, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
