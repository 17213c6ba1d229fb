/* Drive ports, the guest's side (see port.h). */
#include "port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "drive_msg.h"
#include "readfile.h"
#include "spawn.h"
#include "writeall.h"

int drive_port_claim(const char *sysdir, const char *devdir, char *name, size_t cap, struct gi_error *err)
{
	DIR *d = opendir(sysdir);
	if (!d)
		return -ENOENT; /* no virtio_console, no ports */
	unsigned ports = 0, busy = 0;
	int fd = -ENOENT;
	struct dirent *e;
	while (fd < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX], text[64];
		char *got = NULL;
		snprintf(path, sizeof(path), "%s/%s/name", sysdir, e->d_name);
		if (read_file(path, 4096, &got, NULL) < 0) /* sysfs says 4096 whatever it holds */
			continue;
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(got, "\n"), got);
		free(got);
		if (drive_port_index(text) < 0)
			continue;
		ports++;
		snprintf(path, sizeof(path), "%s/%s", devdir, e->d_name);
		int f = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (f < 0 && errno == EBUSY) {
			busy++;
			continue;
		}
		if (f < 0) {
			int en = errno;
			closedir(d);
			return gi_error_errno(err, en, "drive port %s (%s)", text, path);
		}
		snprintf(name, cap, "%s", text);
		fd = f;
	}
	closedir(d);
	if (fd < 0 && ports)
		return gi_error_set(err, EBUSY, "all %u drive ports are in use (one per mount)", ports);
	return fd;
}

int drive_port_sync(int fd, const char *sync, int timeout_ms, struct gi_error *err)
{
	/* the last DRIVE_SYNC_LEN - 1 bytes seen, and what came since: the text may span reads */
	char win[DRIVE_SYNC_LEN - 1 + 4096];
	size_t have = 0;
	uint64_t end = mono_ms() + (uint64_t)timeout_ms;
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= end)
			return gi_error_set(err, ETIMEDOUT, "the host's server did not come on the drive port in %d ms",
					    timeout_ms);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int k = poll(&p, 1, (int)(end - now));
		if (k < 0 && errno != EINTR)
			return gi_error_errno(err, errno, "poll on the drive port");
		if (k <= 0)
			continue;
		ssize_t n = read(fd, win + have, sizeof(win) - have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return gi_error_errno(err, errno, "read from the drive port");
		if (n == 0) {
			/* no host side on the port yet (QEMU takes the agent's connection once it has
			 * seen the last one close): the port says hang-up until then, so wait a little */
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
			continue;
		}
		have += (size_t)n;
		char *at = memmem(win, have, sync, DRIVE_SYNC_LEN);
		if (at) {
			if ((size_t)(at - win) + DRIVE_SYNC_LEN != have)
				return gi_error_set(err, EPROTO, "the drive port had bytes after the host's sync text");
			return 0;
		}
		size_t keep = have < DRIVE_SYNC_LEN - 1 ? have : DRIVE_SYNC_LEN - 1;
		memmove(win, win + have - keep, keep);
		have = keep;
	}
}

#define RELAY_BUF (1u << 20) /* msize's upper bound: a whole 9P message per read */

/* One thread for both ways, so that a request and its reply wake the same task on the same
 * CPU: with a thread each way (fewer system calls) the metadata workload was slower by a
 * quarter under TCG, each wakeup crossing vCPUs. */
static _Noreturn void relay_run(int port_fd, int sock, const char *name)
{
	char title[16];
	snprintf(title, sizeof(title), "drvfs-port %s", name + strlen(DRIVE_PORT_PREFIX));
	prctl(PR_SET_NAME, title);
	spawn_reset_signals();
	signal(SIGPIPE, SIG_IGN);
	if (chdir("/") < 0)
		_exit(1);
	/* blocking writes; the port was opened non-blocking for the claim and the sync */
	fcntl(port_fd, F_SETFL, fcntl(port_fd, F_GETFL) & ~O_NONBLOCK);
	char *buf = malloc(RELAY_BUF);
	if (!buf)
		_exit(1);
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = port_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, RELAY_BUF);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* the end of either side ends the relay: the port's end (0) means no host side,
			 * and the kernel then gets the end of its connection when the process exits */
			if (n <= 0 || write_all(p[1 - i].fd, buf, (size_t)n) < 0)
				_exit(0);
		}
	}
}

int drive_port_relay(int port_fd, const char *name, struct gi_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		close(port_fd);
		return gi_error_errno(err, e, "socketpair");
	}
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		if (fork() != 0) /* the relay's parent is PID 1, which reaps it */
			_exit(0);
		/* nothing of the mounting process's: its terminal, its other files */
		int pf = fcntl(port_fd, F_DUPFD, 10), sf = fcntl(sv[1], F_DUPFD, 10); /* clear of 3 and 4 */
		if (pf < 0 || sf < 0 || dup2(pf, 3) < 0 || dup2(sf, 4) < 0)
			_exit(1);
		spawn_close_from(5);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0)
			for (int f = 0; f < 3; f++)
				dup2(nul, f);
		relay_run(3, 4, name);
	}
	int e = errno;
	close(port_fd);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return gi_error_errno(err, e, "fork");
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return sv[0];
}
