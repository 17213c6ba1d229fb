/* Writing a whole buffer to an fd, the one loop for it: write(2) may take less than asked. */
#ifndef GUESTINIT_BASE_WRITEALL_H
#define GUESTINIT_BASE_WRITEALL_H

#include <stddef.h>

/* 0, or -errno of the write that failed (-EIO if one wrote nothing); EINTR is retried. */
int write_all(int fd, const void *buf, size_t n);
/* Reads exactly n bytes: 0, -errno of the read that failed, or -EPIPE at end of file first;
 * EINTR is retried. */
int read_exact(int fd, void *buf, size_t n);

#endif
