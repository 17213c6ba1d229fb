/* utmp records in glibc's on-disk layout, written by hand: musl's utmp functions are no-ops,
 * and the static /init must still produce what the distro's glibc tools read. */
#include "utmp_records.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"

/* glibc's struct utmp on 64-bit Linux: 384 bytes, 32-bit time fields. */
struct utmp_record {
	int16_t type;
	int16_t pad;
	int32_t pid;
	char line[32];
	char id[4];
	char user[32];
	char host[256];
	int16_t exit_termination, exit_exit;
	int32_t session;
	int32_t tv_sec, tv_usec;
	int32_t addr_v6[4];
	char reserved[20];
};
_Static_assert(sizeof(struct utmp_record) == 384, "glibc utmp layout");

enum { UT_RUN_LVL = 1, UT_BOOT_TIME = 2 };

static void fill(struct utmp_record *r, int16_t type, int32_t pid, const char *user)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->pid = pid;
	/* utmp strings are fixed fields, NUL-padded, not necessarily terminated */
	memcpy(r->line, "~", 1);
	memcpy(r->id, "~~", 2);
	memcpy(r->user, user, strnlen(user, sizeof(r->user)));
	r->tv_sec = (int32_t)tv.tv_sec;
	r->tv_usec = (int32_t)tv.tv_usec;
}

static int append(const char *path, const struct utmp_record *recs, size_t n, bool create)
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

int utmp_write_boot(const char *utmp_path, const char *wtmp_path, char runlevel)
{
	struct utmp_record recs[2];
	fill(&recs[0], UT_BOOT_TIME, 0, "reboot");
	/* sysvinit's encoding: pid = previous * 256 + current; previous 0 prints as 'N' */
	fill(&recs[1], UT_RUN_LVL, (int32_t)(unsigned char)runlevel, "runlevel");
	int r = append(utmp_path, recs, 2, true);
	if (wtmp_path && access(wtmp_path, W_OK) == 0)
		append(wtmp_path, recs, 2, false);
	return r;
}

int utmp_read_runlevel(const char *utmp_path, char *prev, char *cur)
{
	_cleanup_close_ int fd = open(utmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct utmp_record r;
	bool found = false;
	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		if (r.type == UT_RUN_LVL) {
			int p = (r.pid >> 8) & 0xff, c = r.pid & 0xff;
			*prev = p ? (char)p : 'N';
			*cur = c ? (char)c : 'N';
			found = true;
		}
	return found ? 0 : -ENOENT;
}

int runlevel_main(int argc, char **argv)
{
	const char *path = UTMP_PATH;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: runlevel [UTMP]\n");
		return argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 1;
	}
	if (argc == 2)
		path = argv[1];
	char prev, cur;
	if (utmp_read_runlevel(path, &prev, &cur) < 0) {
		puts("unknown"); /* what sysvinit's runlevel prints */
		return 1;
	}
	printf("%c %c\n", prev, cur);
	return 0;
}
