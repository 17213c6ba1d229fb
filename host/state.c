/* The state folder and the files in it (see state.h). */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "parse.h"
#include "procstat.h"

#ifndef GUESTHOST_SRCDIR
#define GUESTHOST_SRCDIR "."
#endif

void state_default_dir(char *out, size_t cap)
{
	char src[PATH_MAX];
	/* the build's SRCDIR is build/NAME/../..: a real path reads well in messages */
	if (!realpath(GUESTHOST_SRCDIR, src))
		snprintf(src, sizeof(src), "%s", GUESTHOST_SRCDIR);
	if ((size_t)snprintf(out, cap, "%s/.cache/vm", src) >= cap)
		out[0] = '\0'; /* state_init says why */
}

int state_init(struct gh *g, const char *given, struct gi_error *err)
{
	const char *dir = given && *given ? given : getenv("GUESTHOST_STATE");
	char def[PATH_MAX];
	if (!dir || !*dir) {
		state_default_dir(def, sizeof(def));
		if (!def[0])
			return gi_error_set(err, ENAMETOOLONG, "the source folder's path is too long: %s", GUESTHOST_SRCDIR);
		dir = def;
	}
	if (strlen(dir) + 1 + STATE_NAME_MAX >= sizeof(g->state))
		return gi_error_set(err, ENAMETOOLONG, "the state folder's path is too long: %s", dir);
	snprintf(g->state, sizeof(g->state), "%s", dir);
	return 0;
}

const char *state_file(const struct gh *g, const char *name, char *buf)
{
	/* state_init left room for STATE_NAME_MAX; a longer name is cut, never overrun */
	if (snprintf(buf, PATH_MAX, "%s/%s", g->state, name) >= PATH_MAX)
		buf[PATH_MAX - 1] = '\0';
	return buf;
}

int mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	/* each prefix that ends before a slash, then the whole */
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int state_create(const struct gh *g, struct gi_error *err)
{
	int r = mkdir_p(g->state, 0700);
	if (r < 0)
		return gi_error_errno(err, -r, "cannot create the state folder %s", g->state);
	if (chmod(g->state, 0700) < 0)
		return gi_error_errno(err, errno, "chmod 0700 %s", g->state);
	return 0;
}

int state_lock(const struct gh *g, struct gi_error *err)
{
	char path[PATH_MAX];
	state_file(g, "lock", path);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return gi_error_errno(err, errno, "cannot open %s", path);
	int r;
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return gi_error_errno(err, errno, "cannot lock %s", path);
	return take_fd(&fd);
}

bool state_read_line(const struct gh *g, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = open(state_file(g, name, path), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, cap - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

pid_t state_read_pid(const struct gh *g, const char *name)
{
	char text[32];
	uint64_t pid;
	if (!state_read_line(g, name, text, sizeof(text)) || parse_uint(text, 10, INT_MAX, &pid) < 0 || pid == 0)
		return 0;
	return proc_alive((pid_t)pid) ? (pid_t)pid : 0;
}

int state_write(const struct gh *g, const char *name, const char *text, mode_t mode, struct gi_error *err)
{
	char path[PATH_MAX];
	int r = atomic_write(state_file(g, name, path), text, strlen(text), mode, false);
	return r < 0 ? gi_error_errno(err, -r, "cannot write %s", path) : 0;
}

int state_write_pid(const struct gh *g, const char *name, pid_t pid, struct gi_error *err)
{
	char text[32];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	return state_write(g, name, text, 0644, err);
}

void state_print_tail(const struct gh *g, const char *name, int lines)
{
	char path[PATH_MAX], buf[65536];
	_cleanup_close_ int fd = open(state_file(g, name, path), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
	ssize_t n = pread(fd, buf, sizeof(buf), from);
	if (n <= 0)
		return;
	size_t len = (size_t)n, start = len;
	if (buf[len - 1] == '\n')
		start--; /* the last line's end is not a line of its own */
	while (start > 0 && lines > 0)
		if (buf[--start] == '\n')
			lines--;
	if (buf[start] == '\n')
		start++;
	fflush(stderr);
	(void)!write(2, buf + start, len - start);
}
