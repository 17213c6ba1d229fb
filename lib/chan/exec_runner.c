/* The runner end of an exec session: starts the command as its own session leader, on a pty
 * and/or pipes, and relays it. */
#include "exec_session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "evloop.h"
#include "log.h"
#include "parse.h"
#include "relay.h"
#include "sigsend.h"
#include "spawn.h"
#include "utmp_file.h"

/* After the session leader of a pty ends, its output is read until the pty reports EIO; a
 * background job that keeps the terminal open must not hold the session longer than this. */
#define PTY_LINGER_MS 250
/* After EXIT, the client has this long to hang up. */
#define FINISH_WAIT_MS 5000
/* The client has this long to send EXEC once the session connection is up. */
#define EXEC_WAIT_MS 30000

struct runner {
	struct evloop *loop;
	struct relay *relay;
	pid_t pid;
	bool exited;
	int wstatus;
	int master;         /* pty master, or -1 */
	int pty_stream;     /* the stream the pty's output goes out on, or -1 */
	bool drain_pipes;   /* exec_runner_opts.outputs_linger */
	/* report_stdin: a descriptor of the command's stdin pipe's read end, whose unread bytes
	 * tell how much the command took; what the client last heard; the next check's delay */
	int stdin_peek;
	uint64_t stdin_reported;
	unsigned stdin_check_ms;
	uint64_t stdin_peeked_us;
};

#define STDIN_PEEK_US 200

/* How much of its stdin the command has read, to the client when it changed (or always). */
static void stdin_report(struct runner *r, bool always)
{
	int unread = 0;
	if (r->stdin_peek < 0 || ioctl(r->stdin_peek, FIONREAD, &unread) < 0)
		return;
	uint64_t written = relay_sink_written(r->relay, STREAM_STDIN);
	uint64_t used = written > (uint64_t)unread ? written - (uint64_t)unread : 0;
	if (used == r->stdin_reported && !always)
		return;
	r->stdin_reported = used;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_STDIN_USED, 0);
	proto_put_u64(&b, TAG_STDIN_USED, used);
	proto_end(&b);
	relay_send(r->relay, &b);
	proto_buf_free(&b);
}

/* A reader's progress makes no event on the writer's side: looked at every 1 ms while it
 * moves, backing off to 100 ms while it does not. */
static void stdin_check_cb(struct evloop *loop, void *data)
{
	struct runner *r = data;
	uint64_t before = r->stdin_reported;
	stdin_report(r, false);
	r->stdin_check_ms = r->stdin_reported != before ? 1 : r->stdin_check_ms * 2 > 100 ? 100 : r->stdin_check_ms * 2;
	if (!r->exited)
		evloop_add_timer(loop, r->stdin_check_ms, stdin_check_cb, r);
}

static void send_exec_error(int conn, int err, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void send_exec_error(int conn, int err, int status, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_EXEC_ERROR, 0);
	proto_put_str(&b, TAG_REASON, text);
	proto_put_u32(&b, TAG_ERRNO, (uint32_t)err);
	proto_put_u32(&b, TAG_STATUS, (uint32_t)status);
	proto_end(&b);
	proto_send(conn, &b);
	proto_buf_free(&b);
}

/* Puts NAME=VALUE e into env (n entries, room for one more), replacing an entry of the same
 * NAME; e is taken. */
static void env_put(char **env, size_t *n, char *e)
{
	size_t klen = (size_t)(strchr(e, '=') - e);
	for (size_t j = 0; j < *n; j++)
		if (!strncmp(env[j], e, klen + 1)) {
			free(env[j]);
			env[j] = e;
			return;
		}
	env[(*n)++] = e;
}

/* A bare NAME: the entry of that name goes. */
static void env_remove(char **env, size_t *n, const char *name)
{
	size_t klen = strlen(name);
	for (size_t j = 0; j < *n; j++)
		if (!strncmp(env[j], name, klen) && env[j][klen] == '=') {
			free(env[j]);
			env[j] = env[--*n];
			env[*n] = NULL;
			return;
		}
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* NAME=VALUE entries: the base (a login's, or this process's own), the session's extra ones,
 * then the client's, a later NAME replacing an earlier one. */
static char **build_env(const struct passwd *pw, const struct proto_exec *spec, bool tty,
			const struct exec_runner_opts *o)
{
	char **extra = o->session_env ? o->session_env(o->ctx, pw) : NULL;
	size_t nextra = strv_len(extra);
	char **after = o->client_env && spec->nenv ? o->client_env(o->ctx, spec->env, spec->nenv) : NULL;
	size_t nafter = strv_len(after);
	size_t cap = spec->nenv + nextra + nafter + 8 + (o->inherit_env ? strv_len(environ) : 0), n = 0;
	char **env = calloc(cap + 1, sizeof(char *));
	if (!env) {
		for (size_t i = 0; i < nextra; i++)
			free(extra[i]);
		free(extra);
		for (size_t i = 0; i < nafter; i++)
			free(after[i]);
		free(after);
		return NULL;
	}
	if (o->inherit_env) {
		for (char **e = environ; *e; e++) {
			char *copy = strchr(*e, '=') && **e != '=' ? strdup(*e) : NULL;
			if (copy)
				env_put(env, &n, copy);
		}
	} else {
		char *base;
		if (asprintf(&base, "HOME=%s", pw->pw_dir) >= 0) env_put(env, &n, base);
		if (asprintf(&base, "USER=%s", pw->pw_name) >= 0) env_put(env, &n, base);
		if (asprintf(&base, "LOGNAME=%s", pw->pw_name) >= 0) env_put(env, &n, base);
		if (asprintf(&base, "SHELL=%s", pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") >= 0)
			env_put(env, &n, base);
		if (asprintf(&base, "PATH=%s", EXEC_DEFAULT_PATH) >= 0) env_put(env, &n, base);
		if (tty && asprintf(&base, "TERM=xterm-256color") >= 0) env_put(env, &n, base);
	}
	for (size_t i = 0; i < nextra; i++) {
		if (strchr(extra[i], '=') && extra[i][0] != '=')
			env_put(env, &n, extra[i]);
		else
			free(extra[i]);
	}
	free(extra);
	for (size_t i = 0; i < spec->nenv; i++) {
		char *copy = strdup(spec->env[i]);
		if (copy)
			env_put(env, &n, copy);
	}
	for (size_t i = 0; i < nafter; i++) {
		if (strchr(after[i], '=') && after[i][0] != '=') {
			env_put(env, &n, after[i]);
		} else {
			env_remove(env, &n, after[i]);
			free(after[i]);
		}
	}
	free(after);
	env[n] = NULL;
	return env;
}

static void free_env(char **env);
static void free_envp(char ***env)
{
	free_env(*env);
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static const struct passwd *find_user(const char *name)
{
	const struct passwd *pw = getpwnam(name);
	uint32_t uid;
	if (!pw && parse_u32(name, 10, &uid) == 0)
		pw = getpwuid((uid_t)uid);
	/* root is root without an /etc/passwd too: a minimal root filesystem (a busybox-only
	 * distribution, wsl --import) has none, and its sessions still need a user */
	if (!pw && (!strcmp(name, "root") || !strcmp(name, "0"))) {
		static struct passwd root = { .pw_name = "root", .pw_passwd = "x", .pw_gecos = "root", .pw_shell = "/bin/sh" };
		root.pw_dir = access("/root", X_OK) == 0 ? "/root" : "/";
		pw = &root;
	}
	return pw;
}

/* In the child: everything between fork and exec. Never returns. */
static void child_exec(const struct passwd *pw, const struct proto_exec *spec, char **env, const char *slave,
		       int fds[3], const char *ident)
{
	spawn_reset_signals(); /* the OOM score is already ours, not PID 1's */
	setsid();
	int tty = -1;
	if (slave) {
		tty = open(slave, O_RDWR); /* a session leader's first terminal becomes its ctty */
		if (tty >= 0)
			ioctl(tty, TIOCSCTTY, 0);
	}
	int use[3];
	for (int i = 0; i < 3; i++)
		use[i] = fds[i] >= 0 ? fds[i] : tty;
	/* move out of 0-2 first so that dup2 below cannot clobber one it still needs */
	for (int i = 0; i < 3; i++)
		if (use[i] >= 0 && use[i] < 3)
			use[i] = fcntl(use[i], F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		if (use[i] >= 0)
			dup2(use[i], i);
	spawn_close_from(3);
	if (getuid() == 0 && pw->pw_uid != 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
			fprintf(stderr, "%s: cannot become user %s: %s\n", ident, pw->pw_name, strerror(errno));
			_exit(1);
		}
	} else if (getuid() != pw->pw_uid) {
		fprintf(stderr, "%s: cannot become user %s: not running as root\n", ident, pw->pw_name);
		_exit(1);
	}
	const char *cwd = spec->cwd && *spec->cwd ? spec->cwd : pw->pw_dir;
	char home_rel[PATH_MAX];
	if (cwd[0] == '~' && (cwd[1] == '/' || cwd[1] == '\0')) { /* ~/DIR (wsl --cd): the user's home */
		snprintf(home_rel, sizeof(home_rel), "%s%s", pw->pw_dir, cwd + 1);
		cwd = home_rel;
	}
	if (chdir(cwd) < 0) {
		if (spec->cwd && *spec->cwd) {
			fprintf(stderr, "%s: cannot change to directory '%s': %s\n", ident, cwd, strerror(errno));
			_exit(1);
		}
		(void)!chdir("/"); /* a user without a home still gets a shell, as login(1) gives */
	}
	if (spec->argc == 0) { /* the login shell, with "-" in front of its name */
		const char *shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
		const char *base = strrchr(shell, '/') ? strrchr(shell, '/') + 1 : shell;
		char arg0[256];
		snprintf(arg0, sizeof(arg0), "-%s", base);
		char *argv[] = { arg0, NULL };
		execve(shell, argv, env);
		int e = errno;
		fprintf(stderr, "%s: %s: %s\n", ident, shell, strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	if (spec->program) { /* a file of its own (the host's interpreter for a Windows program) */
		execve(spec->program, spec->argv, env);
		int e = errno;
		fprintf(stderr, "%s: %s: %s\n", ident, spec->program, strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	/* PATH as the command will see it */
	for (char **e = env; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			setenv("PATH", *e + 5, 1);
	execvpe(spec->argv[0], spec->argv, env);
	int e = errno;
	if (e == ENOENT)
		fprintf(stderr, "%s: %s: %s\n", ident, spec->argv[0],
			strchr(spec->argv[0], '/') ? "No such file or directory" : "command not found");
	else
		fprintf(stderr, "%s: %s: %s\n", ident, spec->argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static int on_frame(struct relay *rl, const struct proto_hdr *h, const uint8_t *payload, void *ctx)
{
	(void)rl;
	struct runner *r = ctx;
	const char *why = "";
	switch (h->type) {
	case MSG_WINSIZE: {
		struct proto_reader rd;
		struct proto_field f;
		uint32_t rows = 0, cols = 0;
		proto_reader_init(&rd, payload, h->len);
		while (proto_next(&rd, &f) > 0) {
			if (f.tag == TAG_ROWS)
				proto_field_u32(&f, &rows);
			else if (f.tag == TAG_COLS)
				proto_field_u32(&f, &cols);
		}
		if (r->master >= 0 && rows && cols && rows <= 0xffff && cols <= 0xffff) {
			struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
			ioctl(r->master, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground */
		}
		return 0;
	}
	case MSG_SIGNAL: {
		uint32_t sig;
		if (proto_decode_u32(payload, h->len, TAG_SIGNAL, &sig, &why) < 0 || sig == 0 || sig > 64)
			return 0; /* a signal we cannot name is dropped, not fatal */
		if (r->exited)
			return 0;
		pid_t pg = r->master >= 0 ? tcgetpgrp(r->master) : -1;
		kill(pg > 0 ? -pg : -r->pid, (int)sig);
		return 0;
	}
	default:
		return 0; /* frames of later versions */
	}
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)loop;
	(void)si;
	struct runner *r = data;
	int st;
	while (!r->exited && waitpid(r->pid, &st, WNOHANG) == r->pid) {
		r->exited = true;
		r->wstatus = st;
	}
}

static void pty_linger_cb(struct evloop *loop, void *data)
{
	(void)loop;
	struct runner *r = data;
	if (r->pty_stream >= 0)
		relay_drain_source(r->relay, (enum proto_stream)r->pty_stream);
	for (int s = STREAM_STDOUT; r->drain_pipes && s <= STREAM_STDERR; s++)
		if (s != r->pty_stream && !relay_source_done(r->relay, (enum proto_stream)s))
			relay_drain_source(r->relay, (enum proto_stream)s);
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* bigger pipes, fewer wake-ups for bulk data; the kernel may refuse, which is fine */
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	return 0;
}

/* The EXEC that starts a session (waited for EXEC_WAIT_MS, or for ever on a spare): 0 with
 * *spec, or -errno after telling the client why. */
static int read_exec(int conn, const struct exec_runner_opts *o, const char *ident, struct proto_exec *spec)
{
	struct timeval tv = { .tv_sec = o->wait_forever ? 0 : EXEC_WAIT_MS / 1000 };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	_cleanup_free_ uint8_t *payload = NULL;
	int rc = proto_recv(conn, &h, &payload);
	if (rc < 0)
		return rc;
	struct timeval none = { 0, 0 };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	const char *why = "";
	if (h.type != MSG_EXEC) {
		send_exec_error(conn, EPROTO, 1, "%s: expected EXEC, got %s", ident, proto_type_name(h.type));
		return -EPROTO;
	}
	if (proto_decode_exec(payload, h.len, spec, &why) < 0) {
		send_exec_error(conn, EPROTO, 1, "%s: bad EXEC message: %s", ident, why);
		return -EPROTO;
	}
	return 0;
}

/* Who the command runs as, copied (getpw* results do not survive the next call). */
struct user {
	struct passwd pw;
	char *name, *dir, *shell;
};

static void user_free(struct user *u)
{
	free(u->name);
	free(u->dir);
	free(u->shell);
}

static int resolve_user(int conn, const struct exec_runner_opts *o, const char *ident, const struct proto_exec *spec,
			struct user *u)
{
	const char *uname = spec->user && *spec->user ? spec->user : NULL;
	if (!uname) {
		const char *def = o->default_user ? o->default_user(o->ctx) : NULL;
		uname = def && *def ? def : spec->default_user && *spec->default_user ? spec->default_user : "root";
	}
	const struct passwd *pw = find_user(uname);
	if (!pw && uname == spec->default_user) /* the host's default user is gone: root, as before it */
		pw = find_user("root");
	if (!pw) {
		send_exec_error(conn, ENOENT, 1, "%s: user '%s' does not exist here", ident, uname);
		return -ENOENT;
	}
	u->pw = *pw;
	u->pw.pw_name = u->name = strdup(pw->pw_name);
	u->pw.pw_dir = u->dir = strdup(pw->pw_dir);
	u->pw.pw_shell = u->shell = strdup(pw->pw_shell ? pw->pw_shell : "");
	if (!u->name || !u->dir || !u->shell) {
		send_exec_error(conn, ENOMEM, 1, "%s: out of memory", ident);
		return -ENOMEM;
	}
	return 0;
}

/* The command's stdio: a pty for the streams that are terminals on the client's side, pipes
 * for the rest (WSL's rule). The child's ends and ours. */
struct streams {
	int child[3], ours[3];
	char slave[64];
};

static void streams_close(struct streams *st)
{
	for (int i = 0; i < 3; i++) {
		if (st->child[i] >= 0)
			close(st->child[i]);
		if (st->ours[i] >= 0)
			close(st->ours[i]);
		st->child[i] = st->ours[i] = -1;
	}
}

static int make_streams(int conn, const char *ident, const struct proto_exec *spec, struct runner *r,
			struct streams *st)
{
	if (spec->tty_mask) {
		r->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (r->master < 0 || grantpt(r->master) < 0 || unlockpt(r->master) < 0 ||
		    ptsname_r(r->master, st->slave, sizeof(st->slave)) != 0) {
			int e = errno;
			send_exec_error(conn, e, 1, "%s: cannot allocate a terminal: %s", ident, strerror(e));
			return -e;
		}
		if (spec->rows && spec->cols) {
			struct winsize ws = { .ws_row = (unsigned short)spec->rows, .ws_col = (unsigned short)spec->cols };
			ioctl(r->master, TIOCSWINSZ, &ws);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (spec->tty_mask & (1u << i))
			continue;
		int p[2];
		int rc = make_pipe(p);
		if (rc < 0) {
			send_exec_error(conn, -rc, 1, "%s: pipe: %s", ident, strerror(-rc));
			return rc;
		}
		st->child[i] = i == 0 ? p[0] : p[1];
		st->ours[i] = i == 0 ? p[1] : p[0];
	}
	return 0;
}

/* The loop (with SIGCHLD), then the child. */
static int start_command(int conn, const char *ident, const struct proto_exec *spec, const struct user *u,
			 const struct exec_runner_opts *o, struct runner *r, struct streams *st)
{
	__attribute__((cleanup(free_envp))) char **env = build_env(&u->pw, spec, spec->tty_mask != 0, o);
	if (!env) {
		send_exec_error(conn, ENOMEM, 1, "%s: out of memory", ident);
		return -ENOMEM;
	}
	/* SIGCHLD must be blocked before the fork, or an instant exit could go unnoticed; and not
	 * ignored, as it may be in the process that forked us, or the status would be lost */
	signal(SIGCHLD, SIG_DFL);
	int rc = evloop_new(&r->loop);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (rc == 0)
		rc = evloop_set_signals(r->loop, &set, on_signal, r);
	if (rc < 0) {
		send_exec_error(conn, -rc, 1, "%s: event loop: %s", ident, strerror(-rc));
		return rc;
	}
	r->pid = fork();
	if (r->pid == 0)
		child_exec(&u->pw, spec, env, spec->tty_mask ? st->slave : NULL, st->child, ident);
	if (r->pid < 0) {
		int e = errno;
		send_exec_error(conn, e, 1, "%s: fork: %s", ident, strerror(e));
		return -e;
	}
	for (int i = 0; i < 3; i++) /* the child's ends are the child's now */
		if (st->child[i] >= 0) {
			close(st->child[i]);
			st->child[i] = -1;
		}
	return 0;
}

/* Relays until the command has exited and its output is out, then EXIT. The relay owns conn
 * and our stream ends from the start (also on failure). */
static int relay_until_exit(int conn, const struct proto_exec *spec, struct runner *r, struct streams *st)
{
	static const struct relay_ops ops = { .on_frame = on_frame };
	int rc = relay_new(r->loop, conn, &ops, r, &r->relay);
	if (rc < 0) {
		close(conn);
		return rc;
	}
	/* the pty: keystrokes in on stream 0 if stdin is the terminal; output out on the first of
	 * stdout/stderr that is (the other, if also the terminal, shares it) */
	if (spec->tty_mask & 1)
		rc = relay_add_sink(r->relay, STREAM_STDIN, r->master, true);
	else
		rc = relay_add_sink(r->relay, STREAM_STDIN, take_fd(&st->ours[0]), false);
	for (int s = STREAM_STDOUT; s <= STREAM_STDERR && rc == 0; s++) {
		if (!(spec->tty_mask & (1u << s))) {
			rc = relay_add_source(r->relay, (enum proto_stream)s, take_fd(&st->ours[s]));
		} else if (r->pty_stream < 0) {
			r->pty_stream = s;
			int d = fcntl(r->master, F_DUPFD_CLOEXEC, 3);
			rc = d < 0 ? -errno : relay_add_source(r->relay, (enum proto_stream)s, d);
		}
	}
	if (!(spec->tty_mask & 1) && r->master >= 0) {
		close(r->master); /* nobody types into it */
		r->master = -1;
	}
	if (rc == 0) {
		struct proto_buf b;
		proto_buf_init(&b);
		proto_begin(&b, MSG_STARTED, 0);
		proto_put_u32(&b, TAG_PID, (uint32_t)r->pid);
		proto_end(&b);
		relay_send(r->relay, &b);
		proto_buf_free(&b);
		if (r->stdin_peek >= 0)
			evloop_add_timer(r->loop, 1, stdin_check_cb, r);
	}
	bool lingering = false;
	while (rc == 0) {
		if (r->exited && relay_source_done(r->relay, STREAM_STDOUT) && relay_source_done(r->relay, STREAM_STDERR))
			break;
		if (r->exited && (r->pty_stream >= 0 || r->drain_pipes) && !lingering) {
			lingering = true;
			evloop_add_timer(r->loop, PTY_LINGER_MS, pty_linger_cb, r);
		}
		rc = relay_run_once(r->relay, -1);
		/* whatever woke us (most often the command's output) may come with its reading:
		 * the client waits for that to send more, so it is told now, not at the next tick;
		 * at most every STDIN_PEEK_US, since each look takes the pipe's lock the command
		 * reads under */
		uint64_t now;
		if (rc == 0 && r->stdin_peek >= 0 && (now = mono_us()) - r->stdin_peeked_us >= STDIN_PEEK_US) {
			r->stdin_peeked_us = now;
			stdin_report(r, false);
		}
	}
	if (rc == 0) {
		stdin_report(r, true); /* the last word on stdin comes before EXIT */
		struct proto_exit ex = { .status = WIFSIGNALED(r->wstatus) ? 128u + (uint32_t)WTERMSIG(r->wstatus)
									  : (uint32_t)WEXITSTATUS(r->wstatus),
					 .signal = WIFSIGNALED(r->wstatus) ? (uint32_t)WTERMSIG(r->wstatus) : 0 };
		struct proto_buf b;
		proto_buf_init(&b);
		proto_encode_exit(&b, &ex);
		relay_send(r->relay, &b);
		proto_buf_free(&b);
		relay_finish(r->relay, FINISH_WAIT_MS);
	} else if (!r->exited) {
		if (rc != -EPIPE)
			log_warn("session", "%s", relay_error_text(r->relay));
		/* the client is gone: hang up on the command, as a closing terminal would */
		signal_stopped_too(-r->pid, SIGHUP);
	}
	relay_free(r->relay); /* closes the pty master too: a hangup for whatever still holds it */
	r->relay = NULL;
	r->master = -1;
	return rc;
}

/* A hung-up command gets a moment to go before the session process does (then PID 1 or the
 * subreaper reaps it): a wait on its pidfd, not a sleeping loop. */
static void reap_command(struct runner *r, int ms)
{
	if (r->exited || r->pid <= 0)
		return;
	int pfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (pfd >= 0) {
		struct pollfd p = { pfd, POLLIN, 0 };
		poll(&p, 1, ms);
		close(pfd);
	}
	int st;
	if (waitpid(r->pid, &st, WNOHANG) == r->pid)
		r->exited = true;
}

/* A raw session: STARTED, then this process becomes the command with the connection as its
 * stdin and stdout (stderr stays the session's, the guest's log). Nothing is relayed, so
 * nothing is framed: no EXIT either, the end of the stream is the end of the command. */
static void serve_raw(int conn, const char *ident, const struct proto_exec *spec, const struct user *u,
		      const struct exec_runner_opts *o)
{
	char **env = build_env(&u->pw, spec, false, o);
	if (!env) {
		send_exec_error(conn, ENOMEM, 1, "%s: out of memory", ident);
		return;
	}
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_STARTED, 0);
	proto_put_u32(&b, TAG_PID, (uint32_t)getpid());
	proto_end(&b);
	int rc = proto_send(conn, &b);
	proto_buf_free(&b);
	if (rc < 0) {
		free_env(env);
		return;
	}
	int fds[3] = { conn, conn, -1 };
	child_exec(&u->pw, spec, env, NULL, fds, ident);
}

int exec_runner_serve(int conn, const struct exec_runner_opts *o)
{
	const char *ident = o->log_ident ? o->log_ident : "guestinit";
	/* the command may close its stdin (or die) while we write to it: that is an EPIPE for
	 * the relay to handle, not a signal that kills the session; the child gets the default
	 * back before exec */
	signal(SIGPIPE, SIG_IGN);
	struct proto_exec spec;
	int rc = read_exec(conn, o, ident, &spec);
	if (rc < 0) {
		close(conn);
		return rc == -EPROTO ? -EPROTO : rc;
	}
	struct user u = { 0 };
	struct runner r = { .master = -1, .pty_stream = -1, .drain_pipes = o->outputs_linger, .stdin_peek = -1,
			    .stdin_check_ms = 1 };
	struct streams st = { { -1, -1, -1 }, { -1, -1, -1 }, "" };
	char why[512] = "";
	if (o->prepare && o->prepare(&spec, o->ctx, why, sizeof(why)) < 0) {
		send_exec_error(conn, EPERM, 1, "%s", why[0] ? why : "refused");
		proto_exec_free(&spec);
		close(conn);
		return 0;
	}
	rc = resolve_user(conn, o, ident, &spec, &u);
	if (rc == 0 && spec.raw) {
		serve_raw(conn, ident, &spec, &u, o); /* returns only when it could not start */
		rc = -EIO;
	}
	if (rc == 0 && !spec.raw)
		rc = make_streams(conn, ident, &spec, &r, &st);
	if (rc == 0 && o->report_stdin && st.child[0] >= 0)
		r.stdin_peek = fcntl(st.child[0], F_DUPFD_CLOEXEC, 3);
	if (rc == 0)
		rc = start_command(conn, ident, &spec, &u, o, &r, &st);
	if (rc < 0) { /* the client was told; the session simply ends */
		if (r.stdin_peek >= 0)
			close(r.stdin_peek);
		streams_close(&st);
		if (r.master >= 0)
			close(r.master);
		evloop_free(r.loop);
		user_free(&u);
		proto_exec_free(&spec);
		close(conn);
		return 0;
	}
	/* a login only once the command runs: its pid and the terminal's name are in the record */
	bool login = o->login_records && spec.tty_mask && st.slave[0];
	if (login && utmp_login(UTMP_PATH, WTMP_PATH, r.pid, st.slave, u.pw.pw_name, o->login_host) < 0)
		login = false; /* no utmp here (a bare root): nothing to undo either */
	rc = relay_until_exit(conn, &spec, &r, &st);
	if (r.stdin_peek >= 0)
		close(r.stdin_peek);
	streams_close(&st);
	reap_command(&r, 1000);
	if (login)
		utmp_logout(UTMP_PATH, WTMP_PATH, r.pid, st.slave);
	evloop_free(r.loop);
	user_free(&u);
	proto_exec_free(&spec);
	return rc == -EPIPE ? 0 : rc;
}
