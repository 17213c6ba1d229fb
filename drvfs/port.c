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
	unsigned ports = 0;
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
		if (f < 0 && errno == EBUSY)
			continue;
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

#define RELAY_BUF (1u << 20) /* msize's upper bound: a whole 9P message fits */
#define P9_HDR 7                /* size[4] type[1] tag[2] */

/* The host's side arrives a page at a time (the port's buffers): it is gathered into whole
 * 9P messages before the kernel sees it, so that a 256 KiB Rread wakes the kernel's reader
 * once rather than 64 times. Reading stops at a message's end (a small reply costs one read)
 * or when the port is empty. Returns 0, or -1 when the host is gone or sent a size no 9P
 * message has, which ends the relay and with it the mount's connection. */
static int port_to_kernel(int port_fd, int sock, uint8_t *buf, size_t *have)
{
	size_t whole = 0; /* the end of the last whole message in buf */
	for (;;) {
		ssize_t n = read(port_fd, buf + *have, RELAY_BUF - *have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1; /* 0: the host's side closed */
		*have += (size_t)n;
		while (*have - whole >= 4) {
			uint32_t size = (uint32_t)buf[whole] | (uint32_t)buf[whole + 1] << 8 |
					(uint32_t)buf[whole + 2] << 16 | (uint32_t)buf[whole + 3] << 24;
			if (size < P9_HDR || size > RELAY_BUF)
				return -1;
			if (*have - whole < size)
				break;
			whole += size;
		}
		if (whole == *have || *have == RELAY_BUF)
			break;
	}
	if (whole && write_all(sock, buf, whole) < 0)
		return -1;
	memmove(buf, buf + whole, *have - whole);
	*have -= whole;
	return 0;
}

/* A whole write to the non-blocking port, waiting for room when the host is behind. */
static int port_write(int port_fd, const uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t w = write(port_fd, buf, n);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = port_fd, .events = POLLOUT };
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One thread for both ways, so that a request and its reply wake the same task on the same
 * CPU: with a thread each way (fewer system calls) the metadata workload was slower by a
 * quarter under TCG, each wakeup crossing vCPUs. */
static _Noreturn void relay_run(int port_fd, int sock, const char *name)
{
	char title[16];
	snprintf(title, sizeof(title), "drvfs-port %s", name + strlen(DRIVE_PORT_PREFIX));
	prctl(PR_SET_NAME, title);
	spawn_reset_child();
	signal(SIGPIPE, SIG_IGN);
	if (chdir("/") < 0)
		_exit(1);
	/* the port stays non-blocking (it was opened so for the claim and the sync): its reads
	 * run until it is empty; writes to it wait for room */
	uint8_t *up = malloc(RELAY_BUF), *down = malloc(RELAY_BUF);
	if (!up || !down)
		_exit(1);
	size_t have = 0;
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = port_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[1].revents && port_to_kernel(port_fd, sock, down, &have) < 0)
			_exit(0);
		if (!p[0].revents)
			continue;
		ssize_t n = read(sock, up, RELAY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		/* the kernel's end (umount) ends the relay; the host's server sees its port go quiet
		 * and is replaced at the port's next mount */
		if (n <= 0 || port_write(port_fd, up, (size_t)n) < 0)
			_exit(0);
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
