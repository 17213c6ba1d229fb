/* Size-rotated log files (see rotfile.h). */
#include "rotfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writeall.h"

void rotfile_init(struct rotfile *f, const char *path, uint64_t max_bytes, unsigned keep)
{
	*f = (struct rotfile){ .path = path, .max_bytes = max_bytes, .keep = keep, .fd = -1 };
}

int rotfile_open(struct rotfile *f)
{
	if (f->fd >= 0)
		return 0;
	f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	return f->fd < 0 ? -errno : 0;
}

void rotfile_close(struct rotfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int rotfile_rotate(struct rotfile *f)
{
	if (f->keep == 0 && f->fd >= 0) {
		(void)!ftruncate(f->fd, 0);
	} else {
		/* FILE.K-1 → FILE.K … FILE → FILE.1; the oldest is replaced */
		for (unsigned k = f->keep; k >= 1; k--) {
			char from[PATH_MAX], to[PATH_MAX];
			snprintf(to, sizeof(to), "%s.%u", f->path, k);
			if (k > 1)
				snprintf(from, sizeof(from), "%s.%u", f->path, k - 1);
			else
				snprintf(from, sizeof(from), "%s", f->path);
			rename(from, to);
		}
	}
	rotfile_close(f);
	return rotfile_open(f);
}

int rotfile_write(struct rotfile *f, const void *buf, size_t n)
{
	if (f->fd < 0)
		return -EBADF;
	int r = write_all(f->fd, buf, n);
	struct stat st;
	/* the file's own size, not a count of ours: another writer or a truncation is seen */
	if (f->max_bytes > 0 && fstat(f->fd, &st) == 0 && (uint64_t)st.st_size >= f->max_bytes) {
		int e = rotfile_rotate(f);
		if (e < 0)
			return e;
	}
	return r;
}
