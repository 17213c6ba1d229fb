/* The interop client (see client.h). */
#include "interop_client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec_session.h"
#include "hub.h"
#include "interop_msg.h"
#include "readfile.h"
#include "winpath.h"
#include "wslconf.h"
#include "wslenv.h"
#include "wslpath.h"

#define DIAL_TIMEOUT_MS 2000  /* "host unreachable" within 2 s, never a hang */
#define REPLY_TIMEOUT_MS 5000 /* the host accepted; its answer comes at once */

bool interop_is_binfmt_call(int argc, char **argv)
{
	/* argv[1] is the program as execve(2) got it: absolute from a PATH search, relative for
	 * ./x.exe; no applet of ours takes a file starting with "MZ" there */
	if (argc < 3 || !argv[1][0])
		return false;
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char magic[2];
	bool mz = read(fd, magic, 2) == 2 && magic[0] == 'M' && magic[1] == 'Z';
	close(fd);
	return mz;
}

static pid_t parent_of(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	char *text;
	if (read_file(p, 4096, &text, NULL) < 0)
		return 0;
	/* "PID (COMM) STATE PPID ...": COMM may hold anything, so after the last ')' */
	char *rp = strrchr(text, ')');
	int ppid = 0;
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	free(text);
	return (pid_t)ppid;
}

/* The errors of a socket that is not there or not served: the next candidate is tried. */
static bool unreachable(int r)
{
	return r == -ENOENT || r == -ECONNREFUSED || r == -ENOTSOCK || r == -ENOTDIR || r == -EPROTOTYPE;
}

/* One candidate: the connection, or -errno (unreachable(): try the next). */
static int try_dial(const char *path, const void *frame, size_t len, struct gi_error *err)
{
	if (access(path, F_OK) < 0)
		return -ENOENT;
	gi_error_clear(err);
	return hub_dial_at(path, frame, len, DIAL_TIMEOUT_MS, err);
}

/* WSL's search for the host, which ours extends: $WSL_INTEROP when it answers (WSL gives
 * up when the variable names a dead socket, microsoft/WSL#4148), then /run/WSL/<pid>_interop
 * up the parent chain, then /run/WSL/1_interop, then the hub's own socket. The connection
 * dialled, or -errno with err. */
static int dial_host(const void *frame, size_t len, struct gi_error *err)
{
	char path[PATH_MAX];
	int r = -ENOENT;
	const char *env = getenv("WSL_INTEROP");
	/* the parents are looked up only when the variable does not answer: the common case
	 * reads no /proc */
	if (env && env[0] == '/' && ((r = try_dial(env, frame, len, err)) >= 0 || !unreachable(r)))
		return r;
	for (pid_t p = getppid(), k = 0; p > 1 && k < 64; p = parent_of(p), k++) {
		snprintf(path, sizeof(path), INTEROP_SESSION_SOCKET_FMT, (int)p);
		if ((r = try_dial(path, frame, len, err)) >= 0 || !unreachable(r))
			return r;
	}
	static const char *const last[] = { INTEROP_INIT_SOCKET, HUB_SOCKET_PATH };
	for (size_t i = 0; i < 2; i++)
		if ((r = try_dial(last[i], frame, len, err)) >= 0 || !unreachable(r))
			return r;
	if (!gi_error_is_set(err))
		gi_error_set(err, EHOSTUNREACH, "no interop socket answers (%s, %s)", INTEROP_INIT_SOCKET, HUB_SOCKET_PATH);
	return r < 0 ? r : -EHOSTUNREACH;
}

/* INTEROP_REPLY: 0, or -1 with the host's reason printed. */
static int read_reply(int fd, const char *guest_path)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_MS / 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	_cleanup_free_ uint8_t *payload = NULL;
	int r = proto_recv(fd, &h, &payload);
	struct timeval none = { 0, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	if (r < 0) {
		fprintf(stderr, "%s: the host did not answer: %s\n", guest_path,
			r == -EAGAIN ? "no reply within 5 s" : strerror(-r));
		return -1;
	}
	struct proto_interop_reply rep;
	const char *why = "";
	if (h.type == MSG_REJECT) {
		char *reason = NULL;
		proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
		fprintf(stderr, "%s: the host refused: %s\n", guest_path, reason ? reason : "no reason given");
		free(reason);
		return -1;
	}
	if (h.type != MSG_INTEROP_REPLY || proto_decode_interop_reply(payload, h.len, &rep, &why) < 0) {
		fprintf(stderr, "%s: the host's answer is not INTEROP_REPLY (%s)%s%s\n", guest_path, proto_type_name(h.type),
			why[0] ? ": " : "", why);
		return -1;
	}
	int ok = rep.ok ? 0 : -1;
	if (!rep.ok)
		fprintf(stderr, "%s: %s\n", guest_path, rep.reason ? rep.reason : "the host refused");
	proto_interop_reply_free(&rep);
	return ok;
}

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "interop: %s\n", msg);
}

static const char *lookup_env(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* Whether WSLENV names a path list for the host (whose guest paths need the drive mounts). */
static bool wslenv_has_paths(void)
{
	enum { MAX_ENTRIES = 64 };
	struct wslenv_entry e[MAX_ENTRIES];
	size_t n = wslenv_entries(getenv("WSLENV"), WSLENV_TO_HOST, e, MAX_ENTRIES);
	for (size_t i = 0; i < n; i++)
		if (e[i].path)
			return true;
	return n == MAX_ENTRIES; /* more than we looked at: assume so */
}

/* The Windows form of the program's drive root ("C:\"), from its Windows path. */
static void drive_root(const char *win, char *out, size_t cap)
{
	snprintf(out, cap, "%c:\\", win[0]);
}

int interop_client_main(int argc, char **argv)
{
	const char *guest_path = argv[1];
	/* who may is the hub's to say (interop_policy.c, its dial rule): its refusal is our 126 */
	/* the program: its real file's Windows path (WSL resolves symlinks) */
	char real[PATH_MAX], win[PATH_MAX], cwd_win[PATH_MAX] = "";
	if (!realpath(guest_path, real)) {
		fprintf(stderr, "%s: %s\n", guest_path, strerror(errno));
		return 1;
	}
	/* the drive mounts (mountinfo costs a tenth of a millisecond) only when something to
	 * translate can be on a drive: an alias started in the home folder needs none */
	struct winpath_table t;
	wslpath_table_load_some(&t, wslpath_on_9p(real) || wslpath_on_9p(".") || wslenv_has_paths());
	if (winpath_to_windows(&t, real, false, win, sizeof(win)) < 0) {
		fprintf(stderr, "%s: it has no Windows path (on no drive, and the distribution's name is unknown)\n",
			guest_path);
		return 1;
	}
	char cwd[PATH_MAX];
	/* a folder on no drive is \\wsl.localhost\DISTRO\...: the host reaches it through its
	 * mount of the guest's files (\\wsl$) */
	if (!getcwd(cwd, sizeof(cwd)) || winpath_to_windows(&t, cwd, false, cwd_win, sizeof(cwd_win)) < 0)
		cwd_win[0] = '\0';
	/* the program itself on no drive: an alias of the host's, which starts in the host's home */
	if (!cwd_win[0] && strncmp(win, "\\\\", 2)) {
		char root[64];
		drive_root(win, root, sizeof(root));
		fprintf(stderr, "interop: the current folder %s is on no drive of the host: %s starts in %s\n",
			getcwd(cwd, sizeof(cwd)) ? cwd : "(unknown)", guest_path, root);
	}
	/* argv: the program's own argv[0], unless it is the full path (then the name alone: cmd.exe
	 * and others mishandle a Linux path there, which is why WSL does the same) */
	struct proto_exec spec = { 0 };
	size_t nargs = (size_t)argc - 2;
	spec.argv = calloc(nargs + 1, sizeof(char *));
	struct wslenv_result env = { 0 };
	if (!spec.argv || wslenv_build(getenv("WSLENV"), WSLENV_TO_HOST, &t, lookup_env, warn_line, NULL, &env) < 0) {
		fprintf(stderr, "%s: out of memory\n", guest_path);
		return 1;
	}
	const char *arg0 = argv[2];
	if (!strcmp(arg0, guest_path)) {
		const char *slash = strrchr(arg0, '/');
		arg0 = slash ? slash + 1 : arg0;
	}
	spec.argv[0] = (char *)arg0;
	for (size_t i = 1; i < nargs; i++)
		spec.argv[i] = argv[2 + i];
	spec.argc = nargs;
	spec.env = env.vars;
	spec.nenv = env.n;
	spec.program = win;
	spec.cwd = cwd_win[0] ? cwd_win : NULL;
	exec_client_prepare(&spec);

	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_interop_open(&b, &(struct proto_interop_open){ 0 });
	struct gi_error err = GI_ERROR_INIT;
	int fd = b.error ? b.error : dial_host(b.data, b.len, &err);
	proto_buf_free(&b);
	int status;
	if (fd < 0) {
		if (fd == -EACCES) { /* the hub's policy: the same as ours, asked again */
			fprintf(stderr, "%s\n", err.msg);
			status = 126;
		} else {
			fprintf(stderr, "%s: cannot reach the host: %s\n", guest_path, err.msg);
			status = 255;
		}
	} else if (read_reply(fd, guest_path) < 0) {
		close(fd);
		status = 1;
	} else {
		status = exec_client_run(fd, &spec,
					 &(struct exec_client_opts){ .progname = guest_path, .error_prefix = guest_path, .exact_stdin = true });
	}
	free(spec.argv);
	wslenv_result_free(&env);
	return status;
}
