/* guesthost: the reference host agent for Linux hosts. It builds and boots the VM under QEMU,
 * runs commands in it, and shuts it down (man 1 guesthost). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "p9cmd.h"
#include "view.h"
#include "cleanup.h"
#include "exec_session.h"
#include "proto.h"
#include "transport.h"

#ifndef GUESTHOST_SRCDIR
#define GUESTHOST_SRCDIR "."
#endif

#define BOOT_TIMEOUT_S 180
#define SHUTDOWN_TIMEOUT_S 30

static char state_dir[PATH_MAX];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("guesthost: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("guesthost: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void state_path(char *out, size_t cap, const char *name)
{
	if ((size_t)snprintf(out, cap, "%s/%s", state_dir, name) >= cap)
		die("the state folder's path is too long: %s", state_dir);
}

/* A shell command line; a path too long for it is an error, never a cut-off command. */
static void shell_cmd(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void shell_cmd(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		die("a path is too long for a command line: %s", out);
}

static void copy_value(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		die("a value from mkimage is too long: %s", src);
	memcpy(dst, src, n + 1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- pid files ------------------------------------------------------------------------- */

/* Alive and not a zombie: a killed agent stays one until the machine's init reaps it. */
static bool pid_alive(pid_t pid)
{
	if (kill(pid, 0) < 0)
		return false;
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return !(p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'));
}

static pid_t read_pid(const char *name)
{
	char path[PATH_MAX];
	state_path(path, sizeof(path), name);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && pid_alive((pid_t)pid) ? (pid_t)pid : 0;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	state_path(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0 || rename(tmp, path) < 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static bool read_file(const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	state_path(path, sizeof(path), name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* ---- talking to the agent ------------------------------------------------------------------ */

static int agent_connect(void)
{
	char path[PATH_MAX];
	state_path(path, sizeof(path), "agent.sock");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(un.sun_path))
		die("the state folder's path is too long for a unix socket: %s", path);
	strcpy(un.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Sends one request; reads the AGENT_REPLY (and an fd passed with it). Returns 1 ok, 0 refused
 * (text has the reason), -errno when the agent is unreachable. */
static int agent_request(uint16_t type, uint32_t kind, const struct proto_buf *exec, char *text, size_t cap,
			 int *fd_out)
{
	int fd = agent_connect();
	if (fd < 0)
		return fd;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, type, 0);
	if (type == MSG_AGENT_SHUTDOWN)
		proto_put_u32(&b, TAG_SHUTDOWN_KIND, kind);
	if (exec) /* the EXEC frame itself, for the agent to pass on */
		proto_put_raw(&b, exec->data, exec->len);
	proto_end(&b);
	int r = proto_send(fd, &b);
	proto_buf_free(&b);
	if (r < 0) {
		close(fd);
		return r;
	}
	uint8_t buf[4096];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = PROTO_HDR_SIZE };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n != PROTO_HDR_SIZE) {
		close(fd);
		return n < 0 ? -errno : -EPIPE;
	}
	int passed = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&passed, CMSG_DATA(cm), sizeof(int));
	struct proto_hdr h;
	if (proto_hdr_decode(buf, &h) < 0 || h.type != MSG_AGENT_REPLY || h.len > sizeof(buf) - PROTO_HDR_SIZE) {
		close(fd);
		if (passed >= 0)
			close(passed);
		return -EPROTO;
	}
	size_t got = 0;
	while (got < h.len) {
		n = read(fd, buf + PROTO_HDR_SIZE + got, h.len - got);
		if (n <= 0) {
			close(fd);
			if (passed >= 0)
				close(passed);
			return -EPIPE;
		}
		got += (size_t)n;
	}
	close(fd);
	const uint8_t *p = buf + PROTO_HDR_SIZE;
	uint32_t ok = 0;
	const char *why;
	proto_decode_u32(p, h.len, TAG_OK, &ok, &why);
	char *s = NULL;
	proto_decode_str(p, h.len, ok ? TAG_TEXT : TAG_REASON, &s, &why);
	if (text)
		snprintf(text, cap, "%s", s ? s : "");
	free(s);
	if (fd_out)
		*fd_out = passed;
	else if (passed >= 0)
		close(passed);
	return ok ? 1 : 0;
}

/* ---- run, shell ------------------------------------------------------------------------- */

static bool valid_env_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int cmd_session(int argc, char **argv, bool shell)
{
	struct proto_exec spec = { 0 };
	char *env[PROTO_MAX_ENV + 1];
	size_t nenv = 0;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if ((!strcmp(a, "--user") || !strcmp(a, "-u")) && i + 1 < argc)
			spec.user = argv[++i];
		else if ((!strcmp(a, "--cd") || !strcmp(a, "-d")) && i + 1 < argc && !shell)
			spec.cwd = argv[++i];
		else if (!strcmp(a, "-e") && i + 1 < argc && !shell) {
			const char *e = argv[++i];
			const char *eq = strchr(e, '=');
			if (!eq || !valid_env_name(e, (size_t)(eq - e)))
				die("-e %s: not VAR=VALUE with a valid variable name", e);
			if (nenv == PROTO_MAX_ENV)
				die("more than %d -e options", PROTO_MAX_ENV);
			env[nenv++] = (char *)e;
		} else if (a[0] == '-') {
			die("%s: unknown option '%s' (see guesthost --help)", shell ? "shell" : "run", a);
		} else {
			break;
		}
	}
	env[nenv] = NULL;
	if (shell && i < argc)
		die("shell takes no command; use guesthost run -- CMD");
	if (!shell && i >= argc)
		die("run: no command (guesthost run [--user U] [--cd DIR] [-e VAR=VAL]... -- CMD ARGS...)");
	spec.argv = shell ? NULL : argv + i;
	spec.argc = shell ? 0 : (size_t)(argc - i);
	spec.env = env;
	spec.nenv = nenv;
	/* TERM of the terminal we relay, for programs in the guest */
	const char *term = getenv("TERM");
	char termvar[128];
	if (term && (isatty(0) || isatty(1)) && strlen(term) < 100 && nenv < PROTO_MAX_ENV) {
		bool given = false;
		for (size_t k = 0; k < nenv; k++)
			given |= !strncmp(env[k], "TERM=", 5);
		if (!given) {
			snprintf(termvar, sizeof(termvar), "TERM=%s", term);
			env[spec.nenv++] = termvar;
			env[spec.nenv] = NULL;
		}
	}
	/* EXEC goes with the request: the agent writes it into the session before handing the
	 * session over, so the guest starts the command while we are still being handed it */
	exec_client_prepare(&spec);
	struct proto_buf exec;
	proto_buf_init(&exec);
	proto_encode_exec(&exec, &spec);
	if (exec.error == -EMSGSIZE || exec.len > PROTO_MAX_PAYLOAD)
		die("the command line and environment are over the 1 MiB message limit");
	char text[512];
	int conn = -1;
	int r = agent_request(MSG_AGENT_OPEN, 0, &exec, text, sizeof(text), &conn);
	proto_buf_free(&exec);
	if (r < 0) {
		fprintf(stderr, "guesthost: the VM is not running (no agent at %s/agent.sock: %s); start it with: guesthost start\n",
			state_dir, strerror(-r));
		return 255;
	}
	if (r == 0 || conn < 0) {
		fprintf(stderr, "guesthost: %s\n", text[0] ? text : "the agent gave no session");
		return 255;
	}
	return exec_client_run(conn, &spec, true, "guesthost");
}

/* ---- status ------------------------------------------------------------------------------ */

/* QEMU's resident memory, and the part of it that is the guest's RAM: the largest private
 * read-write mapping. Under TCG the rest includes the translation cache (up to 1 GiB of
 * generated code), which has nothing to do with what the guest gives back. */
static void print_memory(pid_t qemu)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)qemu);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	unsigned long long total = 0, size = 0, best_size = 0, best_rss = 0, rss;
	bool rw_private = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &a, &b, perms) == 3 && strchr(line, '-') < strchr(line, ' ')) {
			size = b - a;
			rw_private = !strcmp(perms, "rw-p");
		} else if (sscanf(line, "Rss: %llu kB", &rss) == 1) {
			total += rss;
			if (rw_private && size > best_size) {
				best_size = size;
				best_rss = rss;
			}
		}
	}
	fclose(f);
	printf("qemu_rss_kib: %llu\nguest_ram_kib: %llu\nguest_ram_rss_kib: %llu\n", total, best_size / 1024, best_rss);
}

static int cmd_status(void)
{
	pid_t qemu = read_pid("qemu.pid"), agent = read_pid("agent.pid");
	char info[512];
	if (!qemu && !agent) {
		printf("state: stopped\n");
		if (read_file("boot.info", info, sizeof(info)))
			printf("last boot: %s\n", info);
		return 3; /* LSB: not running */
	}
	if (qemu) {
		char path[PATH_MAX];
		state_path(path, sizeof(path), "qemu.pid");
		struct stat st;
		long up = stat(path, &st) == 0 ? (long)(time(NULL) - st.st_mtime) : -1;
		printf("state: running\nqemu: pid %d\nuptime: %ld s\n", (int)qemu, up);
		print_memory(qemu);
		if (read_file("boot.info", info, sizeof(info)))
			printf("boot: %s\n", info);
	} else {
		printf("state: no VM of ours (an agent serves a guest elsewhere)\n");
	}
	if (!agent) {
		printf("agent: not running (guesthost start restarts it)\n");
		return 0;
	}
	char text[8192];
	int r = agent_request(MSG_AGENT_STATUS, 0, NULL, text, sizeof(text), NULL);
	printf("agent: pid %d\n", (int)agent);
	if (r > 0)
		fputs(text, stdout);
	else
		printf("agent: not answering (%s)\n", r < 0 ? strerror(-r) : text);
	return 0;
}

/* ---- shutdown ------------------------------------------------------------------------------ */

static bool wait_gone(pid_t pid, double seconds)
{
	double until = now_s() + seconds;
	while (pid_alive(pid)) {
		if (now_s() > until)
			return false;
		usleep(50000);
	}
	return true;
}

static void stop_agent(void)
{
	pid_t agent = read_pid("agent.pid");
	if (agent) {
		kill(agent, SIGTERM);
		wait_gone(agent, 5);
	}
}

static int cmd_shutdown(int argc, char **argv)
{
	bool force = false, reboot = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			force = true;
		else if (!strcmp(argv[i], "--reboot") || !strcmp(argv[i], "-r"))
			reboot = true;
		else
			die("shutdown: unknown option '%s' (--force, --reboot)", argv[i]);
	}
	pid_t qemu = read_pid("qemu.pid");
	if (!qemu) {
		say("the VM is not running");
		stop_agent();
		return 0;
	}
	if (force) {
		kill(qemu, SIGKILL);
		wait_gone(qemu, 10);
		stop_agent();
		say("QEMU (pid %d) killed", (int)qemu);
		return 0;
	}
	char text[256];
	int r = agent_request(MSG_AGENT_SHUTDOWN, reboot, NULL, text, sizeof(text), NULL);
	if (r <= 0)
		die("cannot ask the guest to %s: %s; guesthost shutdown --force kills QEMU", reboot ? "reboot" : "power off",
		    r < 0 ? strerror(-r) : text);
	if (reboot) {
		say("the guest is rebooting");
		return 0;
	}
	if (!wait_gone(qemu, SHUTDOWN_TIMEOUT_S))
		die("the guest did not power off within %d s; guesthost shutdown --force kills QEMU", SHUTDOWN_TIMEOUT_S);
	stop_agent();
	return 0;
}

/* ---- start ------------------------------------------------------------------------------- */

struct start_opts {
	struct agent_drive drives[26];
	size_t ndrives;
	unsigned mem_mb, cpus;
	const char *reclaim; /* --memory-reclaim: what WELCOME tells the guest (.wslconfig's autoMemoryReclaim) */
};

/* --drive L=DIR (our server) or --drive-virtio L=DIR (QEMU's) into drives; dies naming the
 * mistake. */
static void add_drive(const char *opt, const char *spec, bool virtio, struct agent_drive *drives, size_t *n)
{
	struct p9_export ex;
	char err[PATH_MAX + 64];
	if (p9_export_parse(spec, &ex, err, sizeof(err)) < 0)
		die("%s %s", opt, err);
	for (size_t k = 0; k < *n; k++)
		if (drives[k].letter == ex.letter)
			die("%s %s: drive %c is given twice", opt, spec, ex.letter - 0x20);
	drives[(*n)++] = (struct agent_drive){ ex.letter, ex.dir, virtio };
}

static int pick_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 || getsockname(fd, (struct sockaddr *)&in, &len) < 0)
		die("cannot find a free port on 127.0.0.1: %s", strerror(errno));
	close(fd);
	return ntohs(in.sin_port);
}

static void start_agent(const char *self, const struct start_opts *so, const char *token, int port)
{
	char listen[64], cli[PATH_MAX + 8], log[PATH_MAX], tokfile[PATH_MAX];
	snprintf(listen, sizeof(listen), "tcp://127.0.0.1:%d", port);
	state_path(log, sizeof(log), "agent.sock");
	snprintf(cli, sizeof(cli), "unix://%s", log);
	state_path(log, sizeof(log), "agent.log");
	state_path(tokfile, sizeof(tokfile), "token");
	(void)token;
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (lfd >= 0) {
			dup2(nul, 0);
			dup2(lfd, 1);
			dup2(lfd, 2);
		}
		char fdarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
		fcntl(ready[1], F_SETFD, 0);
		char *args[64];
		int n = 0;
		args[n++] = "guesthost";
		args[n++] = "--state";
		args[n++] = state_dir;
		args[n++] = "agent";
		args[n++] = "--listen";
		args[n++] = listen;
		args[n++] = "--token-file";
		args[n++] = tokfile;
		args[n++] = "--ready-fd";
		args[n++] = fdarg;
		if (so->reclaim) {
			args[n++] = "--memory-reclaim";
			args[n++] = (char *)so->reclaim;
		}
		static char drive_args[26][PATH_MAX + 4];
		for (size_t i = 0; i < so->ndrives && n < 60; i++) {
			snprintf(drive_args[i], sizeof(drive_args[i]), "%c=%s", so->drives[i].letter, so->drives[i].dir);
			args[n++] = so->drives[i].virtio ? "--drive-virtio" : "--drive";
			args[n++] = drive_args[i];
		}
		args[n] = NULL;
		execv(self, args);
		_exit(127);
	}
	close(ready[1]);
	char c;
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	if (n != 1) {
		char cmd[PATH_MAX + 32];
		shell_cmd(cmd, sizeof(cmd), "tail -n 5 '%s' >&2", log);
		(void)!system(cmd);
		die("the agent did not start (log: %s)", log);
	}
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "%d\n", (int)pid);
	write_file("agent.pid", pidtext, 0644);
}

/* Runs a helper script, collecting its KEY=VALUE lines on stdout. */
static void run_mkimage(const char *init, char *kernel, char *initrd, char *rootimg, size_t cap, char *accel, size_t acap)
{
	const char *cache_env = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char cache[PATH_MAX];
	if (cache_env && *cache_env)
		snprintf(cache, sizeof(cache), "%s/guestinit", cache_env);
	else
		snprintf(cache, sizeof(cache), "%s/.cache/guestinit", home && *home ? home : "/root");
	char cmd[3 * PATH_MAX + 64];
	shell_cmd(cmd, sizeof(cmd), "'%s/host/mkimage' '%s' '%s' '%s'", GUESTHOST_SRCDIR, cache, state_dir, init);
	FILE *p = popen(cmd, "r");
	if (!p)
		die("cannot run %s/host/mkimage: %s", GUESTHOST_SRCDIR, strerror(errno));
	char line[PATH_MAX];
	kernel[0] = initrd[0] = rootimg[0] = accel[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "KERNEL=", 7)) copy_value(kernel, cap, line + 7);
		else if (!strncmp(line, "INITRD=", 7)) copy_value(initrd, cap, line + 7);
		else if (!strncmp(line, "ROOTIMG=", 8)) copy_value(rootimg, cap, line + 8);
		else if (!strncmp(line, "ACCEL=", 6)) copy_value(accel, acap, line + 6);
	}
	int st = pclose(p);
	if (st != 0 || !kernel[0] || !initrd[0] || !rootimg[0])
		die("building the VM image failed (see the messages above)");
	if (!accel[0])
		copy_value(accel, acap, "tcg");
}

static void find_init(char *out, size_t cap)
{
	const char *env = getenv("GUESTHOST_INIT");
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	char cmd[PATH_MAX + 64];
	shell_cmd(cmd, sizeof(cmd), "'%s/scripts/build' static --enable-static-init >&2", GUESTHOST_SRCDIR);
	if (system(cmd) != 0)
		die("building the static init failed (see build/static.log)");
	snprintf(out, cap, "%s/build/static/init/init", GUESTHOST_SRCDIR);
}

static void launch_qemu(const struct start_opts *so, const char *kernel, const char *initrd, const char *rootimg,
			const char *accel, int port)
{
	char append[1024], drive[PATH_MAX + 32], mem[16], cpus[16], mon[PATH_MAX + 32], serial[PATH_MAX + 16],
		pidf[PATH_MAX], logp[PATH_MAX];
	snprintf(append, sizeof(append),
		 "console=ttyS0 quiet panic=-1 root=/dev/vda guestinit.host=tcp://10.0.2.2:%d "
		 "guestinit.net=eth0,10.0.2.15/24,10.0.2.2,10.0.2.3",
		 port);
	snprintf(drive, sizeof(drive), "file=%s,format=raw,if=virtio", rootimg);
	snprintf(mem, sizeof(mem), "%u", so->mem_mb);
	snprintf(cpus, sizeof(cpus), "%u", so->cpus);
	state_path(pidf, sizeof(pidf), "monitor.sock");
	snprintf(mon, sizeof(mon), "unix:%s,server,nowait", pidf);
	state_path(pidf, sizeof(pidf), "console.log");
	snprintf(serial, sizeof(serial), "file:%s", pidf);
	state_path(pidf, sizeof(pidf), "qemu.pid");
	unlink(pidf);
	state_path(logp, sizeof(logp), "qemu.log");
	char *args[80] = {
		"qemu-system-x86_64", "-accel", (char *)accel, "-m", mem, "-smp", cpus, "-display", "none", "-no-reboot",
		"-kernel", (char *)kernel, "-initrd", (char *)initrd, "-append", append, "-drive", drive,
		"-device", "virtio-balloon-pci,free-page-reporting=on",
		"-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
		"-monitor", mon, "-serial", serial,
	};
	int n = 0;
	while (args[n])
		n++;
	args[n++] = "-pidfile";
	args[n++] = pidf;
	/* the token by file, so that it is in neither QEMU's command line (ps on the host) nor
	 * the kernel's (/proc/cmdline in the guest) */
	char fwcfg[PATH_MAX + 64], tokf[PATH_MAX];
	state_path(tokf, sizeof(tokf), "token");
	if ((size_t)snprintf(fwcfg, sizeof(fwcfg), "name=opt/guestinit/token,file=%s", tokf) >= sizeof(fwcfg))
		die("the state folder's path is too long: %s", state_dir);
	args[n++] = "-fw_cfg";
	args[n++] = fwcfg;
	args[n++] = "-daemonize";
	static char virtfs[26][PATH_MAX + 64];
	for (size_t i = 0; i < so->ndrives; i++) {
		if (!so->drives[i].virtio)
			continue;
		snprintf(virtfs[i], sizeof(virtfs[i]), "local,path=%s,mount_tag=drvfs_%c,security_model=none",
			 so->drives[i].dir, so->drives[i].letter);
		args[n++] = "-virtfs";
		args[n++] = virtfs[i];
	}
	args[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int lfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (lfd >= 0) {
			dup2(nul, 0);
			dup2(lfd, 1);
			dup2(lfd, 2);
		}
		setsid();
		execvp(args[0], args);
		fprintf(stderr, "qemu-system-x86_64: %s\n", strerror(errno));
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0); /* -daemonize: the parent returns once the VM is set up */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char cmd[PATH_MAX + 32];
		shell_cmd(cmd, sizeof(cmd), "tail -n 5 '%s' >&2", logp);
		(void)!system(cmd);
		die("QEMU did not start (log: %s)", logp);
	}
}

static const char *reclaim_mode(const char *m)
{
	if (strcmp(m, "disabled") && strcmp(m, "gradual") && strcmp(m, "dropcache"))
		die("--memory-reclaim %s: expected disabled, gradual or dropcache", m);
	return m;
}

static int cmd_start(const char *self, int argc, char **argv)
{
	struct start_opts so = { .mem_mb = 2048, .cpus = 2 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--drive") || !strcmp(a, "--drive-virtio")) && i + 1 < argc) {
			add_drive(a, argv[i + 1], a[7] == '-', so.drives, &so.ndrives);
			i++;
		} else if (!strcmp(a, "--mem") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 256 || v > 1u << 20)
				die("--mem %s: a size in MB from 256 up", argv[i]);
			so.mem_mb = (unsigned)v;
		} else if (!strcmp(a, "--cpus") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 1 || v > 64)
				die("--cpus %s: a count from 1 to 64", argv[i]);
			so.cpus = (unsigned)v;
		} else if (!strcmp(a, "--memory-reclaim") && i + 1 < argc) {
			so.reclaim = reclaim_mode(argv[++i]);
		} else {
			die("start: unknown option '%s' (--drive LETTER=DIR, --drive-virtio LETTER=DIR, --mem MB, --cpus N, "
			    "--memory-reclaim disabled|gradual|dropcache)", a);
		}
	}
	char lockp[PATH_MAX];
	state_path(lockp, sizeof(lockp), "lock");
	int lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		die("cannot lock %s: %s", lockp, strerror(errno));

	pid_t qemu = read_pid("qemu.pid");
	if (qemu) {
		if (!read_pid("agent.pid")) { /* the agent died (or was killed): a new one, same port */
			char token[128], port[16];
			if (!read_file("token", token, sizeof(token)) || !read_file("port", port, sizeof(port)))
				die("the VM runs but its token or port file is gone; guesthost shutdown --force");
			start_agent(self, &so, token, atoi(port));
			say("the VM is already running (pid %d); its agent was restarted", (int)qemu);
		} else {
			say("the VM is already running (pid %d)", (int)qemu);
		}
		return 0;
	}
	double t0 = now_s();
	char init[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX], rootimg[PATH_MAX], accel[16];
	find_init(init, sizeof(init));
	run_mkimage(init, kernel, initrd, rootimg, sizeof(kernel), accel, sizeof(accel));
	stop_agent(); /* one from an earlier boot */

	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		die("getrandom: %s", strerror(errno));
	char token[40], text[64];
	for (size_t i = 0; i < sizeof(rnd); i++)
		sprintf(token + 2 * i, "%02x", rnd[i]);
	write_file("token", token, 0600);
	int port = pick_port();
	snprintf(text, sizeof(text), "%d\n", port);
	write_file("port", text, 0644);
	start_agent(self, &so, token, port);

	double t_boot = now_s();
	launch_qemu(&so, kernel, initrd, rootimg, accel, port);
	for (;;) {
		char st[1024];
		int r = agent_request(MSG_AGENT_STATUS, 0, NULL, st, sizeof(st), NULL);
		char *ready = r > 0 ? strstr(st, "ready: guestinit") : NULL;
		if (ready) {
			char *line = ready + 7;
			line[strcspn(line, "\n")] = '\0';
			char *up = strstr(ready + strlen(ready) + 1, "uptime_at_ready_ms: ");
			unsigned long long up_ms = up ? strtoull(up + 20, NULL, 10) : 0;
			double took = now_s() - t_boot;
			char info[512];
			snprintf(info, sizeof(info), "%s; kernel start to ready %llu ms; QEMU start to ready %.2f s (%s)\n", line,
				 up_ms, took, accel);
			write_file("boot.info", info, 0644);
			say("VM ready: %s; kernel start to ready %llu ms; QEMU start to ready %.2f s (%s); all of start %.1f s",
			    line, up_ms, took, accel, now_s() - t0);
			return 0;
		}
		if (!read_pid("qemu.pid") && now_s() - t_boot > 1) {
			char cmd[PATH_MAX + 64];
			shell_cmd(cmd, sizeof(cmd), "tail -n 15 '%s/console.log' >&2", state_dir);
			(void)!system(cmd);
			stop_agent();
			die("QEMU exited before the guest was ready (console: %s/console.log)", state_dir);
		}
		if (now_s() - t_boot > BOOT_TIMEOUT_S) {
			die("the guest was not ready within %d s (console: %s/console.log); guesthost shutdown --force",
			    BOOT_TIMEOUT_S, state_dir);
		}
		usleep(50000);
	}
}

/* ---- agent -------------------------------------------------------------------------------- */

static int cmd_agent(int argc, char **argv)
{
	struct agent_opts o = { .ready_fd = -1, .distro = "Debian" };
	const char *token_file = NULL;
	static char cli[PATH_MAX + 8], token[256];
	char sock[PATH_MAX];
	state_path(sock, sizeof(sock), "agent.sock");
	snprintf(cli, sizeof(cli), "unix://%s", sock);
	o.cli_uri = cli;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--listen") && i + 1 < argc)
			o.listen_uri = argv[++i];
		else if (!strcmp(a, "--token-file") && i + 1 < argc)
			token_file = argv[++i];
		else if (!strcmp(a, "--ready-fd") && i + 1 < argc)
			o.ready_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--memory-reclaim") && i + 1 < argc)
			o.reclaim = reclaim_mode(argv[++i]);
		else if ((!strcmp(a, "--drive") || !strcmp(a, "--drive-virtio")) && i + 1 < argc) {
			add_drive(a, argv[i + 1], a[7] == '-', o.drives, &o.ndrives);
			i++;
		} else
			die("agent: unknown option '%s' (--listen URI --token-file FILE [--ready-fd N])", a);
	}
	if (!o.listen_uri || !token_file)
		die("agent: --listen URI and --token-file FILE are required");
	int fd = open(token_file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, token, sizeof(token) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		die("agent: cannot read the token from %s", token_file);
	token[n] = '\0';
	token[strcspn(token, "\n")] = '\0';
	o.token = token;
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "%d\n", (int)getpid());
	write_file("agent.pid", pidtext, 0644);
	return agent_run(&o);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: guesthost [--state DIR] COMMAND ...\n"
		     "  start [--drive LETTER=DIR]... [--drive-virtio LETTER=DIR]... [--mem MB] [--cpus N]\n"
		     "        [--memory-reclaim disabled|gradual|dropcache]\n"
		     "                                       build what is missing and boot the VM; each\n"
		     "                                       drive is served to the guest (mount.drvfs)\n"
		     "  run [--user U] [--cd DIR] [-e VAR=VAL]... -- CMD ARGS...   run CMD in the guest\n"
		     "  shell [--user U]                     the user's login shell in the guest\n"
		     "  shutdown [--force] [--reboot]        power the guest off (--force kills QEMU)\n"
		     "  status                               running or not, uptime, the last boot\n"
		     "  agent --listen URI --token-file F    the agent itself (started by start)\n"
		     "  p9 [--listen URI] LETTER=DIR...      the drive server alone: 9P2000.L on stdin and\n"
		     "                                       stdout, or on a unix:// or tcp:// listener\n"
		     "The state folder defaults to $GUESTHOST_STATE, else %s/.cache/vm.\n",
		GUESTHOST_SRCDIR);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0)
		die("cannot find my own executable: %s", strerror(errno));
	self[sl] = '\0';
	const char *st = getenv("GUESTHOST_STATE");
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--state")) {
		st = argv[i + 1];
		i += 2;
	}
	if (st && *st)
		snprintf(state_dir, sizeof(state_dir), "%s", st);
	else {
		char src[PATH_MAX];
		if (!realpath(GUESTHOST_SRCDIR, src)) /* build/static/../.. reads badly in messages */
			snprintf(src, sizeof(src), "%s", GUESTHOST_SRCDIR);
		if ((size_t)snprintf(state_dir, sizeof(state_dir), "%s/.cache/vm", src) >= sizeof(state_dir))
			die("the source folder's path is too long: %s", src);
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	bool creates = !strcmp(cmd, "start") || !strcmp(cmd, "agent");
	if (creates && mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		/* parents too, as mkdir -p */
		char c[PATH_MAX + 32];
		if ((size_t)snprintf(c, sizeof(c), "mkdir -p -m 700 '%s'", state_dir) >= sizeof(c) || system(c) != 0)
			die("cannot create the state folder %s", state_dir);
	}
	if (creates)
		chmod(state_dir, 0700);
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (!strcmp(cmd, "start"))
		return cmd_start(self, sub_argc, sub_argv);
	if (!strcmp(cmd, "run"))
		return cmd_session(sub_argc, sub_argv, false);
	if (!strcmp(cmd, "shell"))
		return cmd_session(sub_argc, sub_argv, true);
	if (!strcmp(cmd, "shutdown"))
		return cmd_shutdown(sub_argc, sub_argv);
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "agent"))
		return cmd_agent(sub_argc, sub_argv);
	if (!strcmp(cmd, "p9"))
		return cmd_p9(sub_argc, sub_argv);
	fprintf(stderr, "guesthost: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
