/* Reading a whole file into memory, the one loop for it: read(2) may give less than asked,
 * and /proc's files say size 0 whatever they hold. */
#ifndef GUESTINIT_BASE_READFILE_H
#define GUESTINIT_BASE_READFILE_H

#include <stddef.h>

/* Reads the regular file at path to its end into *out (NUL-terminated, to free; *len its
 * length, may be NULL). 0, or -errno: -EINVAL when it is not a regular file (a FIFO would
 * block), -EFBIG when it holds more than max bytes. EINTR is retried. */
int read_file(const char *path, size_t max, char **out, size_t *len);

#endif
