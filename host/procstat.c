/* Processes of the host (see procstat.h). */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "parse.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

bool proc_alive(pid_t pid)
{
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold ") ", the last ") " ends it */
	const char *p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

int proc_pidfd(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	fcntl((int)fd, F_SETFD, FD_CLOEXEC); /* pidfd_open's fds are close-on-exec already */
	return (int)fd;
}

int proc_wait_pidfd(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	return r > 0;
}

int proc_signal_pidfd(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

/* "ADDR-ADDR PERMS ..." opens a mapping: its size and whether it is private read-write. */
static bool mapping_line(const char *line, uint64_t *size, bool *rw_private)
{
	uint64_t a, b;
	const char *p;
	if (parse_uint_prefix(line, 16, UINT64_MAX, &a, &p) < 0 || *p != '-' ||
	    parse_uint_prefix(p + 1, 16, UINT64_MAX, &b, &p) < 0 || *p != ' ' || b < a)
		return false;
	*size = b - a;
	*rw_private = !strncmp(p + 1, "rw-p ", 5);
	return true;
}

int proc_memory_parse(FILE *f, struct proc_memory *out)
{
	char line[512];
	uint64_t size = 0, best_size = 0;
	bool rw_private = false;
	*out = (struct proc_memory){ 0 };
	while (fgets(line, sizeof(line), f)) {
		uint64_t rss;
		const char *p;
		if (mapping_line(line, &size, &rw_private))
			continue;
		if (strncmp(line, "Rss:", 4))
			continue;
		p = line + 4;
		while (*p == ' ')
			p++;
		if (parse_uint_prefix(p, 10, UINT64_MAX, &rss, &p) < 0 || strcmp(p, " kB\n"))
			continue;
		out->rss_kib += rss;
		if (rw_private && size > best_size) {
			best_size = size;
			out->guest_ram_kib = size / 1024;
			out->guest_ram_rss_kib = rss;
		}
	}
	return ferror(f) ? -EIO : 0;
}

int proc_memory_of(pid_t pid, struct proc_memory *out)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	return proc_memory_parse(f, out);
}
