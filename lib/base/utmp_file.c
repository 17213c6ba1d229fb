/* utmp and wtmp records (see utmp_file.h). */
#include "utmp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"

static void put(char *field, size_t cap, const char *s)
{
	memset(field, 0, cap);
	if (s)
		memcpy(field, s, strnlen(s, cap));
}

void utmp_fill(struct utmp_record *r, int16_t type, int32_t pid, const char *line, const char *id, const char *user,
	       const char *host)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->pid = pid;
	put(r->line, sizeof(r->line), line);
	put(r->id, sizeof(r->id), id);
	put(r->user, sizeof(r->user), user);
	put(r->host, sizeof(r->host), host);
	r->session = pid;
	r->tv_sec = (int32_t)tv.tv_sec;
	r->tv_usec = (int32_t)tv.tv_usec;
}

int utmp_append(const char *path, const struct utmp_record *recs, size_t n, int create)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0664);
	if (fd < 0)
		return -errno;
	if (create) {
		struct group *g = getgrnam("utmp"); /* Debian: root:utmp 0664 */
		if (g)
			(void)!fchown(fd, 0, g->gr_gid);
		fchmod(fd, 0664);
	}
	size_t len = n * sizeof(*recs);
	if (write(fd, recs, len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/* "pts/3" from "/dev/pts/3"; the id is its last 4 bytes, as sshd and login make it */
static void line_and_id(const char *tty, char line[32], char id[5])
{
	const char *l = strncmp(tty, "/dev/", 5) ? tty : tty + 5;
	put(line, 32, l);
	size_t n = strlen(l);
	put(id, 5, l + (n > 4 ? n - 4 : 0));
	id[4] = '\0';
}

/* Writes r over the utmp record of the same line (any type but boot and runlevel), else at
 * the end; under an exclusive lock, as glibc's pututline takes one. */
static int put_record(const char *path, const struct utmp_record *r)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	struct utmp_record cur;
	off_t at = -1;
	for (off_t off = 0; pread(fd, &cur, sizeof(cur), off) == (ssize_t)sizeof(cur); off += (off_t)sizeof(cur))
		if (cur.type != UT_BOOT_TIME && cur.type != UT_RUN_LVL && !strncmp(cur.line, r->line, sizeof(cur.line))) {
			at = off;
			break;
		}
	if (at < 0)
		at = lseek(fd, 0, SEEK_END) / (off_t)sizeof(cur) * (off_t)sizeof(cur);
	if (pwrite(fd, r, sizeof(*r), at) != (ssize_t)sizeof(*r))
		return errno ? -errno : -EIO;
	return 0;
}

/* One terminal's record, in utmp (in place) and at the end of wtmp. */
static int put_terminal(const char *utmp_path, const char *wtmp_path, int16_t type, pid_t pid, const char *tty,
			const char *user, const char *host)
{
	char line[32], id[5];
	line_and_id(tty, line, id);
	struct utmp_record r;
	utmp_fill(&r, type, (int32_t)pid, line, id, user, host);
	int rc = put_record(utmp_path, &r);
	if (wtmp_path && access(wtmp_path, W_OK) == 0)
		utmp_append(wtmp_path, &r, 1, 0);
	return rc;
}

int utmp_login(const char *utmp_path, const char *wtmp_path, pid_t pid, const char *tty, const char *user,
	       const char *host)
{
	return put_terminal(utmp_path, wtmp_path, UT_USER_PROCESS, pid, tty, user, host);
}

int utmp_logout(const char *utmp_path, const char *wtmp_path, pid_t pid, const char *tty)
{
	return put_terminal(utmp_path, wtmp_path, UT_DEAD_PROCESS, pid, tty, NULL, NULL);
}
