/* The 9P server's own cost, without a VM: a raw client drives `GUESTHOST p9 C=DIR` over a
 * socketpair on stdio with the metadata workload the kernel's client sends for a create,
 * stat and unlink of FILES small files in a folder three levels down (walk, lcreate, clunk;
 * walk, getattr, clunk; unlinkat), then reads a folder listing, and prints the wall time and
 * the server's CPU time. TCG's noise is out of the way, so two builds of the server can be
 * compared in one run (bench/p9server does that).
 *   p9load GUESTHOST DIR FILES [metadata]   prints "wall_ms=N server_cpu_ms=N rpcs=N"
 *   p9load - DIR FILES                      the same file operations as direct system calls
 *                                           (the anchor: what the host's file system costs) */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "p9.h"

static int fd;
static uint8_t obuf[1 << 16], rbuf[1 << 16];
static struct p9_out o = { .buf = obuf, .cap = sizeof(obuf) };
static unsigned long rpcs;

static void die(const char *what)
{
	fprintf(stderr, "p9load: %s\n", what);
	exit(1);
}

static void full(void *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (uint8_t *)p + got, n - got);
		if (r <= 0)
			die("the server hung up");
		got += (size_t)r;
	}
}

static int rpc(void)
{
	int n = p9_finish(&o);
	if (n < 0 || write(fd, obuf, (size_t)n) != n)
		die("write");
	full(rbuf, 4);
	uint32_t size = p9_msg_size(rbuf);
	if (size < 7 || size > sizeof(rbuf))
		die("a bad reply");
	full(rbuf + 4, size - 4);
	rpcs++;
	if (rbuf[4] == P9_RLERROR) {
		uint32_t e;
		memcpy(&e, rbuf + 7, 4);
		return -(int)le32toh(e);
	}
	return rbuf[4];
}

static void str(const char *s)
{
	p9_put_str(&o, s, strlen(s));
}

static int walk(uint32_t fid, uint32_t newfid, int n, const char *const *names)
{
	p9_begin(&o, P9_TWALK, 1);
	p9_put32(&o, fid);
	p9_put32(&o, newfid);
	p9_put16(&o, (uint16_t)n);
	for (int i = 0; i < n; i++)
		str(names[i]);
	return rpc();
}

static void clunk(uint32_t fid)
{
	p9_begin(&o, P9_TCLUNK, 1);
	p9_put32(&o, fid);
	if (rpc() != P9_RCLUNK)
		die("clunk");
}

static void must(int r, int want, const char *what)
{
	if (r != want) {
		fprintf(stderr, "p9load: %s: %d (%s)\n", what, r, r < 0 ? strerror(-r) : "");
		exit(1);
	}
}


static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The anchor: the same creates, stats, listing and unlinks on the host, by system calls. */
static int direct(const char *dir, int files)
{
	char path[4200], name[32];
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	for (const char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		char part[4200];
		snprintf(part, sizeof(part), "%.*s", (int)(p - path), path);
		mkdir(part, 0755);
	}
	mkdir(path, 0755);
	int d = open(path, O_RDONLY | O_DIRECTORY);
	if (d < 0)
		die("open the folder");
	double t0 = now_ms();
	struct stat st;
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			die("a file is there already");
		int f = openat(d, name, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (f < 0 || fstat(f, &st) < 0)
			die("create");
		close(f);
	}
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("stat");
	}
	char buf[65536];
	lseek(d, 0, SEEK_SET);
	while (syscall(SYS_getdents64, d, buf, sizeof(buf)) > 0)
		;
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (unlinkat(d, name, 0) < 0)
			die("unlink");
	}
	printf("wall_ms=%.0f server_cpu_ms=0 rpcs=0\n", now_ms() - t0);
	close(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		die("usage: p9load GUESTHOST|- DIR FILES [metadata]");
	int files = atoi(argv[3]);
	if (!strcmp(argv[1], "-"))
		return direct(argv[2], files);
	const char *aname = argc > 4 && !strcmp(argv[4], "metadata") ? "drvfs;path=C:\\;metadata" : "drvfs;path=C:\\";
	char drive[4200];
	snprintf(drive, sizeof(drive), "C=%s", argv[2]);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(argv[1], "guesthost", "p9", drive, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fd = sv[0];
	p9_begin(&o, P9_TVERSION, P9_NOTAG);
	p9_put32(&o, 262144);
	str("9P2000.L");
	must(rpc(), P9_RVERSION, "version");
	p9_begin(&o, P9_TATTACH, 1);
	p9_put32(&o, 1);
	p9_put32(&o, P9_NOFID);
	str("");
	str(aname);
	p9_put32(&o, 1000);
	must(rpc(), P9_RATTACH, "attach");
	static const char *const dirs[] = { "a", "b", "c" };
	for (int i = 0; i < 3; i++) {
		must(walk(1, 2, i, dirs), P9_RWALK, "walk to a folder");
		p9_begin(&o, P9_TMKDIR, 1);
		p9_put32(&o, 2);
		str(dirs[i]);
		p9_put32(&o, 0755);
		p9_put32(&o, 0);
		int r = rpc();
		if (r != P9_RMKDIR && r != -EEXIST)
			must(r, P9_RMKDIR, "mkdir");
		clunk(2);
	}
	must(walk(1, 3, 3, dirs), P9_RWALK, "walk to a/b/c");
	double t0 = now_ms();
	char name[32];
	for (int i = 0; i < files; i++) { /* what the kernel's client sends for open(O_CREAT) */
		snprintf(name, sizeof(name), "f%d", i);
		const char *n1[] = { name };
		must(walk(3, 10, 1, n1), -ENOENT, "walk to a new name");
		must(walk(3, 10, 0, NULL), P9_RWALK, "clone");
		p9_begin(&o, P9_TLCREATE, 1);
		p9_put32(&o, 10);
		str(name);
		p9_put32(&o, O_RDWR);
		p9_put32(&o, 0644);
		p9_put32(&o, 0);
		must(rpc(), P9_RLCREATE, "lcreate");
		p9_begin(&o, P9_TGETATTR, 1);
		p9_put32(&o, 10);
		p9_put64(&o, 0x7ff);
		must(rpc(), P9_RGETATTR, "getattr");
		clunk(10);
	}
	for (int i = 0; i < files; i++) { /* stat */
		snprintf(name, sizeof(name), "f%d", i);
		const char *n1[] = { name };
		must(walk(3, 11, 1, n1), P9_RWALK, "walk");
		p9_begin(&o, P9_TGETATTR, 1);
		p9_put32(&o, 11);
		p9_put64(&o, 0x7ff);
		must(rpc(), P9_RGETATTR, "getattr");
		clunk(11);
	}
	/* a listing of the folder, as ls does */
	must(walk(3, 12, 0, NULL), P9_RWALK, "clone");
	p9_begin(&o, P9_TLOPEN, 1);
	p9_put32(&o, 12);
	p9_put32(&o, O_RDONLY | O_DIRECTORY);
	must(rpc(), P9_RLOPEN, "lopen");
	for (uint64_t off = 0;;) {
		p9_begin(&o, P9_TREADDIR, 1);
		p9_put32(&o, 12);
		p9_put64(&o, off);
		p9_put32(&o, 65000);
		must(rpc(), P9_RREADDIR, "readdir");
		uint32_t count;
		memcpy(&count, rbuf + 7, 4);
		count = le32toh(count);
		if (!count)
			break;
		/* the last entry's offset: walk the records */
		for (size_t p = 11; p < 11 + count;) {
			memcpy(&off, rbuf + p + 13, 8);
			off = le64toh(off);
			uint16_t nl;
			memcpy(&nl, rbuf + p + 22, 2);
			p += 24 + le16toh(nl);
		}
	}
	clunk(12);
	for (int i = 0; i < files; i++) { /* unlink */
		snprintf(name, sizeof(name), "f%d", i);
		p9_begin(&o, P9_TUNLINKAT, 1);
		p9_put32(&o, 3);
		str(name);
		p9_put32(&o, 0);
		must(rpc(), P9_RUNLINKAT, "unlinkat");
	}
	double wall = now_ms() - t0;
	close(fd);
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid)
		die("wait");
	double cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	printf("wall_ms=%.0f server_cpu_ms=%.0f rpcs=%lu\n", wall, cpu, rpcs);
	return 0;
}
