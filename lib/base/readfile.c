#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int read_file(const char *path, size_t max, char **out, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO would wait for a writer; a regular file ignores it */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((unsigned long long)st.st_size > max)
		return -EFBIG;
	/* the stated size is a hint: /proc says 0, and a file may grow while it is read */
	size_t cap = (size_t)st.st_size + 1 > 4096 ? (size_t)st.st_size + 1 : 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n + 1 == cap) {
			if (n >= max + 1)
				return -EFBIG;
			char *b = realloc(buf, cap * 2);
			if (!b)
				return -ENOMEM;
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max)
		return -EFBIG;
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
	return 0;
}
