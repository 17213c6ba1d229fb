/* The host's side of interop (see agent_interop.h). */
#include "agent_interop.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "child.h"
#include "exec_session.h"
#include "guestmount.h"
#include "fdpass.h"
#include "interop_msg.h"
#include "log.h"
#include "session_msg.h"
#include "spawn.h"
#include "winpath.h"
#include "wslenv.h"

int agent_interop_add_alias(struct agent_interop *io, const char *spec, struct gi_error *err)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec)
		return gi_error_set(err, EINVAL, "--alias %s: expected NAME=COMMAND [ARGS] (explorer.exe=xdg-open)", spec);
	size_t nlen = (size_t)(eq - spec);
	if (nlen >= sizeof(io->aliases[0].name))
		return gi_error_set(err, EINVAL, "--alias %s: the name is longer than 64 characters", spec);
	for (size_t i = 0; i < nlen; i++)
		if (!isalnum((unsigned char)spec[i]) && !strchr("._+-", spec[i]))
			return gi_error_set(err, EINVAL, "--alias %s: a name is letters, digits and . _ + - only", spec);
	if (spec[0] == '.')
		return gi_error_set(err, EINVAL, "--alias %s: a name does not start with '.'", spec);
	if (io->naliases == AGENT_MAX_ALIASES)
		return gi_error_set(err, ENOSPC, "--alias %s: at most %d aliases", spec, AGENT_MAX_ALIASES);
	struct agent_alias *a = &io->aliases[io->naliases];
	memset(a, 0, sizeof(*a));
	memcpy(a->name, spec, nlen);
	for (size_t i = 0; i < io->naliases; i++)
		if (!strcasecmp(io->aliases[i].name, a->name))
			return gi_error_set(err, EEXIST, "--alias %s: %s is aliased twice", spec, a->name);
	char *cmd = strdup(eq + 1);
	if (!cmd)
		return gi_error_set(err, ENOMEM, "out of memory");
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(cmd, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == AGENT_ALIAS_MAX_ARGS)
			return gi_error_set(err, E2BIG, "--alias %s: at most %d words", spec, AGENT_ALIAS_MAX_ARGS);
		a->argv[n++] = w;
	}
	if (!n)
		return gi_error_set(err, EINVAL, "--alias %s: no command after '='", spec);
	io->naliases++;
	return 0;
}

int agent_interop_set_wine(struct agent_interop *io, const char *prefix, struct gi_error *err)
{
	char real[PATH_MAX], sys32[PATH_MAX + 32];
	if (!realpath(prefix, real))
		return gi_error_errno(err, errno, "--wine %s", prefix);
	snprintf(sys32, sizeof(sys32), "%s/drive_c/windows/system32", real);
	struct stat st;
	if (stat(sys32, &st) < 0 || !S_ISDIR(st.st_mode))
		return gi_error_set(err, ENOENT, "--wine %s: not a Wine prefix (no drive_c/windows/system32; make one with "
						 "WINEPREFIX=%s wineboot -i)", prefix, real);
	if (child_which("wine", io->wine, sizeof(io->wine)) < 0)
		return gi_error_set(err, ENOENT, "--wine %s: no wine on PATH (apt-get install wine wine64)", prefix);
	snprintf(io->wine_prefix, sizeof(io->wine_prefix), "%s", real);
	return 0;
}

void agent_interop_alias_names(const struct agent_interop *io, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < io->naliases && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ";" : "", io->aliases[i].name);
}

/* ---- mapping what the guest names ---------------------------------------------------------- */

/* base, then each part of the Windows path rest ("a\\b", either separator) as a folder below
 * it: "." and empty parts are dropped, ".." is -EPERM (nothing climbs out). */
static int join_parts(char *out, size_t cap, const char *base, const char *win_rest)
{
	size_t n = (size_t)snprintf(out, cap, "%s", base);
	if (n >= cap)
		return -ENAMETOOLONG;
	char rest[PATH_MAX];
	snprintf(rest, sizeof(rest), "%s", win_rest);
	char *save = NULL;
	for (char *part = strtok_r(rest, "\\/", &save); part; part = strtok_r(NULL, "\\/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, ".."))
			return -EPERM;
		int w = snprintf(out + n, cap - n, "/%s", part);
		if (w < 0 || (size_t)w >= cap - n)
			return -ENAMETOOLONG;
		n += (size_t)w;
	}
	return 0;
}

/* "C:\a\b" (either separator, either case) into its drive's folder and the path below it, with
 * no "." or ".." and no empty parts: -EINVAL when it is not a drive path, -ENOENT when the drive
 * is not shared, -EPERM when it climbs out. */
static int host_path_of(const struct agent_opts *o, const char *win, char *out, size_t cap, const char **drive_dir)
{
	if (!isalpha((unsigned char)win[0]) || win[1] != ':' || (win[2] && win[2] != '\\' && win[2] != '/'))
		return -EINVAL;
	char letter = (char)tolower((unsigned char)win[0]);
	const struct agent_drive *d = NULL;
	for (size_t i = 0; i < o->ndrives; i++)
		if (o->drives[i].letter == letter)
			d = &o->drives[i];
	if (!d)
		return -ENOENT;
	*drive_dir = d->dir;
	return join_parts(out, cap, d->dir, win[2] ? win + 3 : "");
}

/* The real file of a drive path, which must stay under the drive's folder (a link on the
 * drive that points out of it is refused). 0 or -errno; *drive_dir the drive's folder. */
static int real_host_path(const struct agent_opts *o, const char *win, char *out, const char **drive_dir)
{
	char p[PATH_MAX];
	int r = host_path_of(o, win, p, sizeof(p), drive_dir);
	if (r < 0)
		return r;
	if (!realpath(p, out))
		return -errno;
	size_t dl = strlen(*drive_dir);
	if (strncmp(out, *drive_dir, dl) || (out[dl] && out[dl] != '/' && strcmp(*drive_dir, "/")))
		return -EXDEV;
	return 0;
}

/* "\\wsl.localhost\NAME\rest" or "\\wsl$\NAME\rest" of our own distribution into the
 * mount of its files (STATE/guestfs, made now if it is not there: the first such folder
 * costs a mount, the rest nothing), as the real path under it: a guest's symlink that leads
 * out of the mount (to an absolute target, which the host would resolve in its own tree) is
 * refused with -EXDEV. -EINVAL when it is no such path, -ENOENT for another distribution. */
static int guest_files_path(const struct agent_opts *o, const char *win, char *out)
{
	size_t hl;
	if (!strncasecmp(win, "\\\\wsl.localhost\\", 16))
		hl = 16;
	else if (!strncasecmp(win, "\\\\wsl$\\", 7))
		hl = 7;
	else
		return -EINVAL;
	const char *name = win + hl;
	size_t nl = strcspn(name, "\\/");
	if (!o->state || !o->self || nl != strlen(o->distro) || strncasecmp(name, o->distro, nl))
		return -ENOENT;
	struct gh g = { 0 };
	snprintf(g.state, sizeof(g.state), "%s", o->state);
	char dir[PATH_MAX], p[PATH_MAX];
	guestmount_default_dir(&g, dir);
	if (!guestmount_is_mounted(dir)) {
		char *argv[] = { (char *)o->self, "--state", (char *)o->state, "mount-guest", NULL };
		struct gi_error err = GI_ERROR_INIT;
		int st = child_run(&(struct child_spec){ .argv = argv, .fds = { -1, -1, 2 } }, &err);
		if (st != 0 || !guestmount_is_mounted(dir)) {
			log_warn("interop", "cannot mount the guest's files for %s (mount-guest: %s)", win,
				 st < 0 ? err.msg : "failed");
			return -EIO;
		}
	}
	int r = join_parts(p, sizeof(p), dir, name + nl);
	if (r < 0)
		return r;
	char real_dir[PATH_MAX];
	if (!realpath(dir, real_dir) || !realpath(p, out))
		return -errno;
	size_t dl = strlen(real_dir);
	if (strncmp(out, real_dir, dl) || (out[dl] && out[dl] != '/'))
		return -EXDEV;
	return 0;
}

static const char *name_of(const char *win)
{
	const char *b = win;
	for (const char *c = win; *c; c++)
		if (*c == '\\' || *c == '/')
			b = c + 1;
	return b;
}

/* Replaces spec's argv with prefix (n words) and spec's arguments after argv[0]. */
static int set_argv(struct proto_exec *spec, char *const *prefix, size_t n)
{
	size_t total = n + (spec->argc ? spec->argc - 1 : 0);
	char **argv = calloc(total + 1, sizeof(char *));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(argv[i] = strdup(prefix[i])))
			return -ENOMEM;
	for (size_t i = 1; i < spec->argc; i++) {
		argv[n + i - 1] = spec->argv[i];
		spec->argv[i] = NULL;
	}
	for (size_t i = 0; i < spec->argc; i++)
		free(spec->argv[i]);
	free(spec->argv);
	spec->argv = argv;
	spec->argc = total;
	return 0;
}

/* The guest chooses what crosses (WSLENV), but not how the host finds its programs or what
 * it loads into them: PATH, LD_* and Wine's own variables stay the host's. */
static bool env_for_host(const char *e)
{
	static const char *const kept_out[] = { "PATH=", "WINEPREFIX=", "WINESERVER=", "WINELOADER=", "WINEDLLPATH=",
						"WINEDLLOVERRIDES=", "WINEARCH=", "IFS=", "BASH_ENV=", "ENV=" };
	if (!strncmp(e, "LD_", 3))
		return false;
	for (size_t i = 0; i < sizeof(kept_out) / sizeof(kept_out[0]); i++)
		if (!strncmp(e, kept_out[i], strlen(kept_out[i])))
			return false;
	return true;
}

static int env_add(struct proto_exec *spec, const char *fmt, const char *value)
{
	char **env = realloc(spec->env, (spec->nenv + 2) * sizeof(char *));
	if (!env)
		return -ENOMEM;
	spec->env = env;
	if (asprintf(&env[spec->nenv], fmt, value) < 0)
		return -ENOMEM;
	env[++spec->nenv] = NULL;
	return 0;
}

static void filter_env(struct proto_exec *spec)
{
	size_t k = 0;
	for (size_t i = 0; i < spec->nenv; i++) {
		if (env_for_host(spec->env[i]))
			spec->env[k++] = spec->env[i];
		else
			free(spec->env[i]);
	}
	spec->nenv = k;
	if (spec->env)
		spec->env[k] = NULL;
}

/* Wine's name for a host file: C:\... inside the prefix's drive_c, Z:\... (Wine's view of
 * the host's /) anywhere else. */
static void wine_name(const struct agent_interop *io, const char *real, char *out, size_t cap)
{
	char c_dir[PATH_MAX + 16];
	snprintf(c_dir, sizeof(c_dir), "%s/drive_c", io->wine_prefix);
	size_t cl = strlen(c_dir);
	const char *rest;
	if (!strncmp(real, c_dir, cl) && (real[cl] == '/' || !real[cl])) {
		rest = real + cl;
		snprintf(out, cap, "C:%s", rest[0] ? rest : "\\");
	} else {
		snprintf(out, cap, "Z:%s", real);
	}
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '\\';
}

/* The reason the guest prints after the program's path; always -EPERM. */
static int refuse(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -EPERM;
}

/* What the guest asked for, made into what the host runs (exec_runner_opts.prepare). */
static int interop_prepare(struct proto_exec *spec, void *ctx, char *why, size_t cap)
{
	const struct agent_opts *o = ctx;
	const struct agent_interop *io = &o->interop;
	free(spec->user); /* always the agent's user: a guest does not pick another */
	spec->user = NULL;
	filter_env(spec);
	if (!spec->program || !spec->argc)
		return refuse(why, cap, "the guest named no program");
	const char *name = name_of(spec->program);
	const char *drive_dir = NULL;
	char real[PATH_MAX], cwd[PATH_MAX] = "";
	/* the folder: the guest's, when it is on a drive; else the program's drive; else home */
	if (spec->cwd && (real_host_path(o, spec->cwd, real, &drive_dir) == 0 || guest_files_path(o, spec->cwd, real) == 0))
		snprintf(cwd, sizeof(cwd), "%s", real);
	for (size_t i = 0; i < io->naliases; i++) {
		if (strcasecmp(io->aliases[i].name, name))
			continue;
		size_t n = 0;
		while (io->aliases[i].argv[n])
			n++;
		if (set_argv(spec, io->aliases[i].argv, n) < 0)
			return refuse(why, cap, "out of memory");
		free(spec->program);
		spec->program = NULL; /* the alias's command, on the host's PATH */
		free(spec->cwd);
		spec->cwd = cwd[0] ? strdup(cwd) : NULL;
		return 0;
	}
	int r = real_host_path(o, spec->program, real, &drive_dir);
	if (r == -EINVAL)
		return refuse(why, cap, "%s is on no drive this host shares (only programs on its drives, or named in "
					"its alias table, run here)", spec->program);
	if (r == -ENOENT && !drive_dir)
		return refuse(why, cap, "drive %c: is not shared by this host", spec->program[0]);
	if (r == -EXDEV || r == -EPERM)
		return refuse(why, cap, "%s leads out of its drive's folder on the host", spec->program);
	if (r < 0)
		return refuse(why, cap, "%s: %s", spec->program, strerror(-r));
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	char magic[4] = { 0 };
	struct stat st;
	bool is_file = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	ssize_t got = is_file ? read(fd, magic, sizeof(magic)) : -1;
	if (fd >= 0)
		close(fd);
	if (!is_file)
		return refuse(why, cap, "%s is not a file on the host", spec->program);
	if (got >= 4 && !memcmp(magic, "\177ELF", 4))
		return refuse(why, cap, "%s is a Linux program (ELF), not a Windows one: it runs in the guest",
			      spec->program);
	if (got < 2 || magic[0] != 'M' || magic[1] != 'Z')
		return refuse(why, cap, "%s is not a Windows program (it does not start with MZ)", spec->program);
	if (!io->wine_prefix[0])
		return refuse(why, cap, "this host runs no Windows programs (its agent has no --wine PREFIX) and aliases "
					"no %s", name);
	char wname[PATH_MAX + 8];
	wine_name(io, real, wname, sizeof(wname));
	char *const prefix[] = { (char *)io->wine, wname };
	if (set_argv(spec, prefix, 2) < 0)
		return refuse(why, cap, "out of memory");
	free(spec->program);
	spec->program = strdup(io->wine);
	if (!cwd[0] && drive_dir)
		snprintf(cwd, sizeof(cwd), "%s", drive_dir);
	free(spec->cwd);
	spec->cwd = cwd[0] ? strdup(cwd) : NULL;
	/* Wine's console noise (fixme:...) only when the host's user asks for it */
	if (env_add(spec, "WINEPREFIX=%s", io->wine_prefix) < 0 ||
	    (!getenv("WINEDEBUG") && env_add(spec, "WINEDEBUG=%s", "-all") < 0))
		return refuse(why, cap, "out of memory");
	return 0;
}

void agent_interop_start(const struct agent_interop *io)
{
	if (!io->wine_prefix[0])
		return;
	setenv("WINEPREFIX", io->wine_prefix, 1);
	struct gi_error err = GI_ERROR_INIT;
	char *argv[] = { "wineserver", "-p", NULL }; /* persistent; it goes to the background itself */
	int r = child_run(&(struct child_spec){ .argv = argv, .fds = { -1, 2, 2 }, .setsid = true }, &err);
	if (r != 0) {
		log_warn("agent", "wineserver -p: %s", r < 0 ? err.msg : "failed");
		return;
	}
	/* the prefix's own services (explorer /desktop, services.exe, ...) start with its first
	 * program: here, with nothing of a guest's session for them to hold */
	char *first[] = { (char *)io->wine, "cmd.exe", "/c", "exit", NULL };
	if (!getenv("WINEDEBUG"))
		setenv("WINEDEBUG", "-all", 1);
	r = child_run(&(struct child_spec){ .argv = first, .fds = { -1, -1, -1 }, .setsid = true }, &err);
	log_info("agent", "Windows programs run under %s in %s (wineserver and services kept warm%s)", io->wine,
		 io->wine_prefix, r == 0 ? "" : "; the first program failed");
}

void agent_interop_stop(const struct agent_interop *io)
{
	if (!io->wine_prefix[0])
		return;
	struct gi_error err = GI_ERROR_INIT;
	char *argv[] = { "wineserver", "-k", NULL };
	child_run(&(struct child_spec){ .argv = argv, .fds = { -1, 2, 2 }, .setsid = true }, &err);
}

static const char *own_user(void *ctx)
{
	(void)ctx;
	static char name[64];
	struct passwd *pw = getpwuid(getuid());
	snprintf(name, sizeof(name), "%s", pw ? pw->pw_name : "root");
	return name;
}

/* In the child, the connection on fd 3 and nothing else of the agent's. */
static void __attribute__((noreturn)) serve_child(const struct agent_opts *o)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_interop_reply(&b, &(struct proto_interop_reply){ .ok = 1 });
	int r = proto_send(3, &b);
	proto_buf_free(&b);
	if (r < 0)
		_exit(1);
	struct exec_runner_opts opts = { .default_user = own_user, .log_ident = "guesthost", .prepare = interop_prepare,
					 .ctx = (void *)o, .inherit_env = true, .outputs_linger = true,
					 .report_stdin = true };
	_exit(exec_runner_serve(3, &opts) < 0 ? 1 : 0);
}

/* A spare: a child forked ahead that waits on a socketpair for the next guest connection, so
 * that a launch does not wait for the agent's fork. It ends when the agent does (its end of
 * the pair closes). */
static pid_t spare_pid = -1;
static int spare_fd = -1;

static void spare_make(const struct agent_opts *o)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid > 0) {
		close(sv[1]);
		spare_pid = pid;
		spare_fd = sv[0];
		return;
	}
	/* nothing of the agent's: a held copy of the control connection would hide its death */
	if (dup2(sv[1], 3) < 0)
		_exit(1);
	spawn_close_from(4);
	spawn_reset_signals();
	log_init("guesthost-interop");
	char byte;
	int fd = -1;
	size_t nfds = 0;
	ssize_t n = fdpass_recv(3, &byte, 1, &fd, &nfds, 1);
	if (n <= 0 || nfds != 1)
		_exit(0); /* the agent ended, or passes nothing */
	if (dup2(fd, 3) < 0)
		_exit(1);
	if (fd != 3)
		close(fd);
	serve_child(o);
}

pid_t agent_interop_serve(const struct agent_opts *o, int fd)
{
	pid_t pid = -1;
	if (spare_fd >= 0) {
		/* a spare that died (the agent reaps every child) refuses the message: fork then */
		if (fdpass_send(spare_fd, "c", 1, &fd, 1) == 1)
			pid = spare_pid;
		close(spare_fd);
		spare_fd = -1;
		spare_pid = -1;
	}
	if (pid < 0) {
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			if (dup2(fd, 3) < 0)
				_exit(1);
			spawn_close_from(4);
			spawn_reset_signals();
			log_init("guesthost-interop");
			serve_child(o);
		}
	}
	spare_make(o); /* for the next one, while this one answers */
	return pid;
}

void agent_interop_spare(const struct agent_opts *o)
{
	if (spare_fd < 0)
		spare_make(o);
}

int agent_interop_session_wslenv(const struct agent_opts *o, uint8_t **frame, size_t *len)
{
	if (*len < PROTO_HDR_SIZE)
		return -EBADMSG;
	struct proto_exec spec;
	const char *why = "";
	if (proto_decode_exec(*frame + PROTO_HDR_SIZE, *len - PROTO_HDR_SIZE, &spec, &why) < 0)
		return -EBADMSG;
	ssize_t w = wslenv_find(spec.env, spec.nenv, "WSLENV");
	if (w < 0) {
		proto_exec_free(&spec);
		return 0;
	}
	struct winpath_table t = { 0 };
	for (size_t i = 0; i < o->ndrives; i++) {
		char letter[4] = { (char)toupper((unsigned char)o->drives[i].letter), ':', '\\', '\0' };
		winpath_table_add(&t, letter, o->drives[i].dir);
	}
	enum { MAX_ENTRIES = 256 };
	static struct wslenv_entry ents[MAX_ENTRIES];
	size_t ne = wslenv_entries(spec.env[w] + strlen("WSLENV="), WSLENV_TO_GUEST, ents, MAX_ENTRIES);
	bool changed = false;
	for (size_t e = 0; e < ne; e++) {
		ssize_t i;
		if (!ents[e].path || (i = wslenv_find(spec.env, spec.nenv, ents[e].name)) < 0 || !strchr(spec.env[i], '=')[1])
			continue;
		/* the host's own paths, a ':' list, as the guest's Windows host would have them */
		char *tr = wslenv_translate_list(strchr(spec.env[i], '=') + 1, WSLENV_TO_HOST, &t, NULL, NULL);
		char *var = NULL;
		if (tr && asprintf(&var, "%s=%s", ents[e].name, tr) < 0)
			var = NULL;
		free(tr);
		free(spec.env[i]);
		if (var) {
			spec.env[i] = var;
		} else {
			log_info("agent", "WSLENV: %s is on no drive the guest has: not passed", ents[e].name);
			memmove(&spec.env[i], &spec.env[i + 1], (spec.nenv - (size_t)i) * sizeof(char *));
			spec.nenv--;
		}
		changed = true;
	}
	int r = 0;
	if (changed) {
		struct proto_buf b;
		proto_buf_init(&b);
		proto_encode_exec(&b, &spec);
		if (b.error) {
			r = b.error;
		} else {
			free(*frame);
			*frame = b.data; /* the buffer is the caller's now */
			*len = b.len;
			b.data = NULL;
		}
		proto_buf_free(&b);
	}
	proto_exec_free(&spec);
	return r;
}
