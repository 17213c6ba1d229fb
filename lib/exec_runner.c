/* The runner end of an exec session: starts the command as its own session leader, on a pty
 * and/or pipes, and relays it. */
#include "exec_session.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "evloop.h"
#include "log.h"
#include "relay.h"
#include "sigsend.h"
#include "spawn.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
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
};

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

/* NAME=VALUE entries: the base, then the client's, a later NAME replacing an earlier one. */
static char **build_env(const struct passwd *pw, const struct proto_exec *spec, bool tty)
{
	size_t cap = spec->nenv + 8, n = 0;
	char **env = calloc(cap + 1, sizeof(char *));
	if (!env)
		return NULL;
	char *base[7];
	size_t nb = 0;
	if (asprintf(&base[nb], "HOME=%s", pw->pw_dir) >= 0) nb++;
	if (asprintf(&base[nb], "USER=%s", pw->pw_name) >= 0) nb++;
	if (asprintf(&base[nb], "LOGNAME=%s", pw->pw_name) >= 0) nb++;
	if (asprintf(&base[nb], "SHELL=%s", pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") >= 0) nb++;
	if (asprintf(&base[nb], "PATH=%s", DEFAULT_PATH) >= 0) nb++;
	if (tty && asprintf(&base[nb], "TERM=xterm-256color") >= 0) nb++;
	for (size_t i = 0; i < nb; i++)
		env[n++] = base[i];
	for (size_t i = 0; i < spec->nenv; i++) {
		const char *e = spec->env[i];
		size_t klen = (size_t)(strchr(e, '=') - e);
		size_t j;
		for (j = 0; j < n; j++)
			if (!strncmp(env[j], e, klen + 1))
				break;
		char *copy = strdup(e);
		if (!copy)
			continue;
		if (j < n) {
			free(env[j]);
			env[j] = copy;
		} else {
			env[n++] = copy;
		}
	}
	env[n] = NULL;
	return env;
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
	if (!pw && name[0] && strspn(name, "0123456789") == strlen(name))
		pw = getpwuid((uid_t)strtoul(name, NULL, 10));
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
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* bigger pipes, fewer wake-ups for bulk data; the kernel may refuse, which is fine */
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	return 0;
}

int exec_runner_serve(int conn, const struct exec_runner_opts *o)
{
	const char *ident = o->log_ident ? o->log_ident : "guestinit";
	/* the command may close its stdin (or die) while we write to it: that is an EPIPE for
	 * the relay to handle, not a signal that kills the session; the child gets the default
	 * back before exec */
	signal(SIGPIPE, SIG_IGN);
	struct timeval tv = { .tv_sec = o->wait_forever ? 0 : EXEC_WAIT_MS / 1000 };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	uint8_t *payload = NULL;
	int rc = proto_recv(conn, &h, &payload);
	if (rc < 0) {
		close(conn);
		return rc;
	}
	struct timeval none = { 0, 0 };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	struct proto_exec spec;
	const char *why = "";
	if (h.type != MSG_EXEC) {
		send_exec_error(conn, EPROTO, 1, "%s: expected EXEC, got %s", ident, proto_type_name(h.type));
		free(payload);
		close(conn);
		return -EPROTO;
	}
	rc = proto_decode_exec(payload, h.len, &spec, &why);
	free(payload);
	if (rc < 0) {
		send_exec_error(conn, EPROTO, 1, "%s: bad EXEC message: %s", ident, why);
		close(conn);
		return -EPROTO;
	}
	const char *uname = spec.user && *spec.user ? spec.user : NULL;
	if (!uname) {
		const char *def = o->default_user ? o->default_user(o->ctx) : NULL;
		uname = def && *def ? def : "root";
	}
	const struct passwd *pw = find_user(uname);
	if (!pw) {
		send_exec_error(conn, ENOENT, 1, "%s: user '%s' does not exist here", ident, uname);
		proto_exec_free(&spec);
		close(conn);
		return 0;
	}
	struct passwd pwc = *pw; /* getpw* results do not survive the next call */
	_cleanup_free_ char *pname = strdup(pw->pw_name), *pdir = strdup(pw->pw_dir),
			    *pshell = strdup(pw->pw_shell ? pw->pw_shell : "");
	pwc.pw_name = pname;
	pwc.pw_dir = pdir;
	pwc.pw_shell = pshell;

	struct runner r = { .master = -1, .pty_stream = -1 };
	int child_fds[3] = { -1, -1, -1 }, our_fds[3] = { -1, -1, -1 };
	char slave[64] = "";
	rc = 0;
	if (spec.tty_mask) {
		r.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (r.master < 0 || grantpt(r.master) < 0 || unlockpt(r.master) < 0 ||
		    ptsname_r(r.master, slave, sizeof(slave)) != 0) {
			rc = -errno;
			send_exec_error(conn, errno, 1, "%s: cannot allocate a terminal: %s", ident, strerror(errno));
		} else if (spec.rows && spec.cols) {
			struct winsize ws = { .ws_row = (unsigned short)spec.rows, .ws_col = (unsigned short)spec.cols };
			ioctl(r.master, TIOCSWINSZ, &ws);
		}
	}
	for (int i = 0; i < 3 && rc == 0; i++) {
		if (spec.tty_mask & (1u << i))
			continue;
		int p[2];
		rc = make_pipe(p);
		if (rc < 0) {
			send_exec_error(conn, -rc, 1, "%s: pipe: %s", ident, strerror(-rc));
			break;
		}
		child_fds[i] = i == 0 ? p[0] : p[1];
		our_fds[i] = i == 0 ? p[1] : p[0];
	}
	char **env = rc == 0 ? build_env(&pwc, &spec, spec.tty_mask != 0) : NULL;
	if (rc == 0 && !env) {
		rc = -ENOMEM;
		send_exec_error(conn, ENOMEM, 1, "%s: out of memory", ident);
	}
	/* SIGCHLD must be blocked before the fork, or an instant exit could go unnoticed; and not
	 * ignored, as it may be in the process that forked us, or the status would be lost */
	signal(SIGCHLD, SIG_DFL);
	if (rc == 0)
		rc = evloop_new(&r.loop);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (rc == 0)
		rc = evloop_set_signals(r.loop, &set, on_signal, &r);
	if (rc == 0) {
		r.pid = fork();
		if (r.pid == 0)
			child_exec(&pwc, &spec, env, spec.tty_mask ? slave : NULL, child_fds, ident);
		if (r.pid < 0) {
			rc = -errno;
			send_exec_error(conn, errno, 1, "%s: fork: %s", ident, strerror(errno));
		}
	}
	for (int i = 0; i < 3; i++)
		if (child_fds[i] >= 0)
			close(child_fds[i]);
	free_env(env);
	if (rc < 0) {
		for (int i = 0; i < 3; i++)
			if (our_fds[i] >= 0)
				close(our_fds[i]);
		if (r.master >= 0)
			close(r.master);
		evloop_free(r.loop);
		proto_exec_free(&spec);
		close(conn);
		return 0;
	}

	static const struct relay_ops ops = { .on_frame = on_frame };
	rc = relay_new(r.loop, conn, &ops, &r, &r.relay);
	if (rc == 0) {
		/* the pty: keystrokes in on stream 0 if stdin is the terminal; output out on the
		 * first of stdout/stderr that is (the other, if also the terminal, shares it) */
		if (spec.tty_mask & 1)
			rc = relay_add_sink(r.relay, STREAM_STDIN, r.master, true);
		else
			rc = relay_add_sink(r.relay, STREAM_STDIN, our_fds[0], false);
		for (int s = STREAM_STDOUT; s <= STREAM_STDERR && rc == 0; s++) {
			if (!(spec.tty_mask & (1u << s)))
				rc = relay_add_source(r.relay, (enum proto_stream)s, our_fds[s]);
			else if (r.pty_stream < 0) {
				r.pty_stream = s;
				int d = fcntl(r.master, F_DUPFD_CLOEXEC, 3);
				rc = d < 0 ? -errno : relay_add_source(r.relay, (enum proto_stream)s, d);
			}
		}
		if (!(spec.tty_mask & 1) && r.master >= 0)
			close(r.master), r.master = -1; /* nobody types into it */
	}
	if (rc == 0) {
		struct proto_buf b;
		proto_buf_init(&b);
		proto_begin(&b, MSG_STARTED, 0);
		proto_put_u32(&b, TAG_PID, (uint32_t)r.pid);
		proto_end(&b);
		relay_send(r.relay, &b);
		proto_buf_free(&b);
	}
	bool lingering = false;
	while (rc == 0) {
		if (r.exited && relay_source_done(r.relay, STREAM_STDOUT) && relay_source_done(r.relay, STREAM_STDERR))
			break;
		if (r.exited && r.pty_stream >= 0 && !lingering) {
			lingering = true;
			evloop_add_timer(r.loop, PTY_LINGER_MS, pty_linger_cb, &r);
		}
		rc = relay_run_once(r.relay, -1);
	}
	if (rc == 0) {
		struct proto_exit ex = { .status = WIFSIGNALED(r.wstatus) ? 128u + (uint32_t)WTERMSIG(r.wstatus)
									 : (uint32_t)WEXITSTATUS(r.wstatus),
					 .signal = WIFSIGNALED(r.wstatus) ? (uint32_t)WTERMSIG(r.wstatus) : 0 };
		struct proto_buf b;
		proto_buf_init(&b);
		proto_encode_exit(&b, &ex);
		relay_send(r.relay, &b);
		proto_buf_free(&b);
		relay_finish(r.relay, FINISH_WAIT_MS);
	} else if (!r.exited) {
		if (rc != -EPIPE)
			log_warn("session", "%s", relay_error_text(r.relay));
		/* the client is gone: hang up on the command, as a closing terminal would */
		signal_stopped_too(-r.pid, SIGHUP);
	}
	relay_free(r.relay); /* closes the pty master too: a hangup for whatever still holds it */
	for (int i = 0; i < 50 && !r.exited; i++) {
		int st;
		if (waitpid(r.pid, &st, WNOHANG) == r.pid)
			r.exited = true;
		else
			usleep(20000);
	}
	evloop_free(r.loop);
	proto_exec_free(&spec);
	return rc == -EPIPE ? 0 : rc;
}
