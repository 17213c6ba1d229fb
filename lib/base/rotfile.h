/* A log file rotated by size, the one writer of it (logd's file, each service's log): appended
 * to, and once it holds max_bytes, FILE → FILE.1 … FILE.KEEP-1 → FILE.KEEP, the oldest falling
 * off, and a new FILE (KEEP 0: the file is emptied instead). */
#ifndef GUESTINIT_BASE_ROTFILE_H
#define GUESTINIT_BASE_ROTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rotfile {
	const char *path;   /* the caller's; it must outlive the rotfile */
	uint64_t max_bytes; /* 0: never rotated */
	unsigned keep;      /* rotated files kept besides the current one */
	int fd;             /* -1 while closed */
};

/* Sets where and how; the file opens at rotfile_open. */
void rotfile_init(struct rotfile *f, const char *path, uint64_t max_bytes, unsigned keep);
/* Opens path for appending (created 0640) unless it is open: 0 or -errno. */
int rotfile_open(struct rotfile *f);
void rotfile_close(struct rotfile *f);
static inline bool rotfile_is_open(const struct rotfile *f)
{
	return f->fd >= 0;
}
/* Rotates now and opens the new file: 0, or -errno of that open (the file is closed then). */
int rotfile_rotate(struct rotfile *f);
/* Appends all of buf to the open file, then rotates if it reached max_bytes. 0; -EBADF when it
 * is not open; -errno of the write (the file stays open) or of the reopen after a rotation
 * (it is closed then, rotfile_is_open says which). */
int rotfile_write(struct rotfile *f, const void *buf, size_t n);

#endif
