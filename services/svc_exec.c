/* The child side of starting a service process. */
#include "svc_exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svc_cgroup.h"
#include "svc_socket.h"
#include "cleanup.h"
#include "spawn.h"

#define SVC_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void svc_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

struct strv {
	char **v;
	size_t n, cap;
	bool oom;
};

static void sv_push(struct strv *s, char *owned)
{
	if (!owned || s->oom) {
		free(owned);
		s->oom = true;
		return;
	}
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			free(owned);
			s->oom = true;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = owned;
	s->v[s->n] = NULL;
}

/* Sets NAME=VALUE, replacing an earlier NAME. */
static void env_set(struct strv *s, const char *assignment)
{
	size_t k = strcspn(assignment, "=");
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->v[i], assignment, k) && s->v[i][k] == '=') {
			char *c = strdup(assignment);
			if (!c) {
				s->oom = true;
				return;
			}
			free(s->v[i]);
			s->v[i] = c;
			return;
		}
	sv_push(s, strdup(assignment));
}

static void env_setf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_setf(struct strv *s, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	env_set(s, buf);
}

/* EnvironmentFile=: NAME=VALUE lines, '#' and ';' comments, optional quotes, "export "
 * prefixes tolerated. */
static int read_env_file(struct strv *s, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		size_t n = strlen(p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			p[--n] = '\0';
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (!strncmp(p, "export ", 7))
			p += 7;
		char *eq = strchr(p, '=');
		if (!eq || eq == p)
			continue;
		char *v = eq + 1;
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			memmove(v, v + 1, vl - 1);
		}
		env_set(s, p);
	}
	return 0;
}

char **svc_exec_environment(const struct unit *u, char *const *extra, char *err, size_t errcap)
{
	struct strv s = { 0 };
	env_set(&s, "PATH=" SVC_PATH);
	/* a unit whose commands run its own init script must not be sent back to us by the
	 * init-functions hook (it would wait for itself) */
	env_set(&s, "GUESTINIT_SUPERVISED=1");
	/* the system locale, as systemd passes it (Debian keeps it in /etc/default/locale) */
	read_env_file(&s, "/etc/locale.conf");
	read_env_file(&s, "/etc/default/locale");
	if (u && u->user) {
		struct passwd *pw = getpwnam(u->user);
		if (pw) {
			env_setf(&s, "HOME=%s", pw->pw_dir);
			env_setf(&s, "USER=%s", pw->pw_name);
			env_setf(&s, "LOGNAME=%s", pw->pw_name);
			env_setf(&s, "SHELL=%s", pw->pw_shell);
		}
	}
	for (size_t i = 0; u && i < u->env.n; i++)
		env_set(&s, u->env.v[i]);
	for (size_t i = 0; u && i < u->env_files.n; i++) {
		const char *path = u->env_files.v[i];
		bool optional = *path == '-';
		int r = read_env_file(&s, optional ? path + 1 : path);
		if (r < 0 && !optional) {
			snprintf(err, errcap, "EnvironmentFile=%s: %s", path, strerror(-r));
			svc_strv_free(s.v);
			return NULL;
		}
	}
	for (char *const *e = extra; e && *e; e++)
		env_set(&s, *e);
	if (s.oom || !s.v) {
		snprintf(err, errcap, "out of memory");
		svc_strv_free(s.v);
		return NULL;
	}
	return s.v;
}

static const char *env_get(char *const *env, const char *name, size_t n)
{
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static bool is_var_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

char **svc_exec_expand(char *const *argv, char *const *env)
{
	struct strv out = { 0 };
	for (char *const *a = argv; *a; a++) {
		const char *w = *a;
		/* a word that is exactly $VAR becomes the variable's words */
		if (w[0] == '$' && w[1] != '{' && is_var_char(w[1])) {
			size_t n = 1;
			while (is_var_char(w[n]))
				n++;
			if (!w[n]) {
				const char *v = env_get(env, w + 1, n - 1);
				char *copy = strdup(v ? v : "");
				if (!copy) {
					out.oom = true;
					break;
				}
				char *save = NULL;
				for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
					sv_push(&out, strdup(t));
				free(copy);
				continue;
			}
		}
		size_t cap = strlen(w) + 1, len = 0;
		char *buf = malloc(cap);
		for (const char *p = w; buf && *p;) {
			const char *val = NULL;
			size_t skip = 0;
			if (p[0] == '$' && p[1] == '$') {
				val = "$";
				skip = 2;
			} else if (p[0] == '$' && p[1] == '{') {
				const char *end = strchr(p + 2, '}');
				if (end) {
					val = env_get(env, p + 2, (size_t)(end - p - 2));
					if (!val)
						val = "";
					skip = (size_t)(end - p) + 1;
				}
			}
			/* $VAR inside a word stays as it is: systemd expands only ${VAR} there, so
			 * that a shell's $n or $(...) in "sh -c '...'" reaches the shell */
			if (!skip) {
				val = p;
				skip = 1;
			}
			size_t vl = val == p ? 1 : strlen(val);
			if (len + vl + 1 > cap) {
				cap = (len + vl + 1) * 2;
				char *nb = realloc(buf, cap);
				if (!nb) {
					free(buf);
					buf = NULL;
					break;
				}
				buf = nb;
			}
			memcpy(buf + len, val, vl);
			len += vl;
			p += skip;
		}
		if (buf)
			buf[len] = '\0';
		sv_push(&out, buf);
	}
	if (out.oom || !out.v) {
		svc_strv_free(out.v);
		return NULL;
	}
	return out.v;
}

/* ---- in the child ----------------------------------------------------------------------- */

static void fail(int report, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
static void fail(int report, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && write(report, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) < 0) {
		/* nothing left to tell it with */
	}
	_exit(code);
}

static void find_program(const char *name, char *path, size_t cap)
{
	if (strchr(name, '/')) {
		snprintf(path, cap, "%s", name);
		return;
	}
	char dirs[] = SVC_PATH;
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, cap, "%s/%s", d, name);
		if (access(path, X_OK) == 0)
			return;
	}
	snprintf(path, cap, "%s", name);
}

static void apply_caps(const struct unit *u, int report, bool after_setuid)
{
	if (!after_setuid) {
		if (!u->bounding_set)
			return;
		for (cap_value_t c = 0; c <= 63 && CAP_IS_SUPPORTED(c); c++)
			if (!(u->bounding_caps & (1ULL << c)) && cap_drop_bound(c) < 0)
				fail(report, SVC_EXIT_CAPABILITIES, "CapabilityBoundingSet=: cannot drop %s: %s",
				     cap_to_name(c), strerror(errno));
		return;
	}
	if (!u->ambient_set || !u->ambient_caps)
		return;
	cap_t caps = cap_get_proc();
	if (!caps)
		fail(report, SVC_EXIT_CAPABILITIES, "AmbientCapabilities=: %s", strerror(errno));
	for (cap_value_t c = 0; c <= 63 && CAP_IS_SUPPORTED(c); c++)
		if (u->ambient_caps & (1ULL << c)) {
			cap_flag_t flags[] = { CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE };
			for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
				cap_set_flag(caps, flags[i], 1, &c, CAP_SET);
		}
	if (cap_set_proc(caps) < 0)
		fail(report, SVC_EXIT_CAPABILITIES, "AmbientCapabilities=: %s", strerror(errno));
	cap_free(caps);
	for (cap_value_t c = 0; c <= 63 && CAP_IS_SUPPORTED(c); c++)
		if ((u->ambient_caps & (1ULL << c)) && cap_set_ambient(c, CAP_SET) < 0)
			fail(report, SVC_EXIT_CAPABILITIES, "AmbientCapabilities=%s: %s", cap_to_name(c), strerror(errno));
}

static int open_output(enum unit_output o, const char *path)
{
	int flags = O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC;
	if (o == OUT_APPEND)
		flags |= O_APPEND;
	else if (o == OUT_TRUNCATE)
		flags |= O_TRUNC;
	return open(path, flags, 0644);
}


/* fs.nr_open: the most files a process may have open, which RLIMIT_NOFILE cannot pass */
static rlim_t nr_open(void)
{
	char buf[32] = { 0 };
	int fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n > 0 ? (rlim_t)strtoull(buf, NULL, 10) : 0;
}

/* A limit the kernel will not take is set to the nearest it will, as systemd does
 * (setrlimit_closest): LimitNOFILE=infinity, which containerd's and docker's units ask for,
 * is more than fs.nr_open and fails with EPERM even for root; systemd gives such a service
 * nr_open. Past nr_open, the closest is the current hard limit. */
static int set_limit(int r, const struct rlimit *want)
{
	if (setrlimit(r, want) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	rlim_t tops[2] = { r == RLIMIT_NOFILE ? nr_open() : 0, 0 };
	struct rlimit cur;
	if (getrlimit(r, &cur) == 0 && cur.rlim_max != RLIM_INFINITY)
		tops[1] = cur.rlim_max;
	for (int i = 0; i < 2; i++) {
		if (!tops[i])
			continue;
		struct rlimit near = { want->rlim_cur < tops[i] ? want->rlim_cur : tops[i],
				       want->rlim_max < tops[i] ? want->rlim_max : tops[i] };
		if (setrlimit(r, &near) == 0)
			return 0;
	}
	errno = EPERM;
	return -1;
}

static const char *limit_text(const struct rlimit *l, char *buf, size_t cap)
{
	char a[24] = "infinity", b[24] = "infinity";
	if (l->rlim_cur != RLIM_INFINITY)
		snprintf(a, sizeof(a), "%llu", (unsigned long long)l->rlim_cur);
	if (l->rlim_max != RLIM_INFINITY)
		snprintf(b, sizeof(b), "%llu", (unsigned long long)l->rlim_max);
	if (l->rlim_cur == l->rlim_max)
		snprintf(buf, cap, "%s", a);
	else
		snprintf(buf, cap, "%s:%s", a, b);
	return buf;
}

/* The environment with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES (FileDescriptorName=, else
 * the socket unit's name, once per fd) set, replacing any the caller had */
static char *const *listen_environment(char *const *env, const struct unit *u, int nsock)
{
	struct strv s = { 0 };
	for (size_t i = 0; env && env[i]; i++)
		sv_push(&s, strdup(env[i]));
	const char *base = strrchr(u->socket_file, '/');
	const char *name = u->socket_fdname ? u->socket_fdname : base ? base + 1 : u->socket_file;
	char names[sizeof("LISTEN_FDNAMES=") + UNIT_MAX_LISTEN * (NAME_MAX + 1)];
	size_t used = (size_t)snprintf(names, sizeof(names), "LISTEN_FDNAMES=");
	for (int i = 0; i < nsock && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ":" : "", name);
	env_setf(&s, "LISTEN_FDS=%d", nsock);
	env_setf(&s, "LISTEN_PID=%d", (int)getpid());
	env_set(&s, names);
	return s.oom ? env : s.v;
}

static void child(const struct svc_exec *e, int report)
{
	const struct unit *u = e->unit;
	spawn_reset_child();
	if (u && u->ignore_sigpipe)
		signal(SIGPIPE, SIG_IGN); /* systemd's IgnoreSIGPIPE=yes; exec keeps an ignored signal ignored */
	if (setsid() < 0)
		fail(report, SVC_EXIT_SETSID, "setsid: %s", strerror(errno));
	if (svc_cgroup_available() && svc_cgroup_enter(e->name) < 0)
		fail(report, SVC_EXIT_CGROUP, "cannot join the service's cgroup: %s", strerror(errno));
	int fds[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = e->fds[i] >= 0 ? e->fds[i] : open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
		if (u && i > 0 && !e->privileged) {
			enum unit_output o = i == 1 ? u->out : u->err;
			const char *path = i == 1 ? u->out_path : u->err_path;
			if (o == OUT_NULL)
				fds[i] = open("/dev/null", O_WRONLY);
			else if (o != OUT_LOG && path)
				fds[i] = open_output(o, path);
			if (fds[i] < 0)
				fail(report, SVC_EXIT_FDS, "%s=%s: %s", i == 1 ? "StandardOutput" : "StandardError",
				     path ? path : "null", strerror(errno));
		}
	}
	/* move everything above 2 first, so that the dup2s below never overwrite a source */
	for (int i = 0; i < 3; i++)
		if (fds[i] < 3) {
			int c = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
			if (c < 0)
				fail(report, SVC_EXIT_FDS, "fds: %s", strerror(errno));
			fds[i] = c;
		}
	if (report < 10) {
		int c = fcntl(report, F_DUPFD_CLOEXEC, 10);
		if (c >= 0)
			report = c;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			fail(report, SVC_EXIT_FDS, "fds: %s", strerror(errno));
	/* socket activation: the sockets become fds 3.., the report pipe the one after them */
	int nsock = 0, socks[UNIT_MAX_LISTEN];
	if (u && e->pass_sockets)
		for (size_t i = 0; i < u->listen_streams.n && nsock < UNIT_MAX_LISTEN; i++) {
			char why[256];
			int fd = svc_socket_listen(u, u->listen_streams.v[i], why, sizeof(why));
			if (fd < 0)
				fail(report, SVC_EXIT_FDS, "%s: %s", u->socket_file, why);
			int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3 + UNIT_MAX_LISTEN + 10);
			if (hi < 0)
				fail(report, SVC_EXIT_FDS, "fds: %s", strerror(errno));
			close(fd);
			socks[nsock++] = hi;
		}
	if (report < 3 + nsock + 1) {
		int c = fcntl(report, F_DUPFD_CLOEXEC, 3 + UNIT_MAX_LISTEN + 10);
		if (c >= 0)
			report = c;
	}
	for (int i = 0; i < nsock; i++)
		if (dup2(socks[i], 3 + i) < 0) /* dup2's copy is inherited */
			fail(report, SVC_EXIT_FDS, "fds: %s", strerror(errno));
	if (report != 3 + nsock && dup3(report, 3 + nsock, O_CLOEXEC) >= 0)
		report = 3 + nsock;
	spawn_close_from(4 + nsock);
	char *const *envp = e->envp;
	if (nsock)
		envp = listen_environment(e->envp, u, nsock);
	if (chdir("/") < 0)
		fail(report, SVC_EXIT_CHDIR, "chdir /: %s", strerror(errno));
	struct passwd *pw = NULL;
	if (u && !e->privileged) {
		if (u->umask >= 0)
			umask((mode_t)u->umask);
		if (u->nice_set && setpriority(PRIO_PROCESS, 0, u->nice) < 0)
			fail(report, SVC_EXIT_NICE, "Nice=%d: %s", u->nice, strerror(errno));
		for (int r = 0; r < RLIM_NLIMITS; r++)
			if (u->limit_set[r] && set_limit(r, &u->limits[r]) < 0)
				fail(report, SVC_EXIT_LIMITS, "%s=%s: %s", unit_limit_key(r),
				     limit_text(&u->limits[r], (char[64]){ 0 }, 64), strerror(errno));
		if (u->user) {
			pw = getpwnam(u->user);
			if (!pw)
				fail(report, SVC_EXIT_USER, "User=%s: no such user", u->user);
		}
		gid_t gid = pw ? pw->pw_gid : 0;
		if (u->group) {
			struct group *gr = getgrnam(u->group);
			if (!gr)
				fail(report, SVC_EXIT_GROUP, "Group=%s: no such group", u->group);
			gid = gr->gr_gid;
		}
		apply_caps(u, report, false);
		if (pw || u->group || u->supp_groups.n) {
			gid_t groups[64];
			int ng = 0;
			if (pw) {
				ng = (int)ARRAY_SIZE(groups);
				if (getgrouplist(pw->pw_name, gid, groups, &ng) < 0)
					ng = 0;
			}
			for (size_t i = 0; i < u->supp_groups.n && ng < (int)ARRAY_SIZE(groups); i++) {
				struct group *gr = getgrnam(u->supp_groups.v[i]);
				if (!gr)
					fail(report, SVC_EXIT_GROUP, "SupplementaryGroups=%s: no such group", u->supp_groups.v[i]);
				groups[ng++] = gr->gr_gid;
			}
			if (setgroups((size_t)ng, groups) < 0 || setgid(gid) < 0)
				fail(report, SVC_EXIT_GROUP, "Group: %s", strerror(errno));
		}
		if (pw) {
			if (u->ambient_set)
				prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
			if (setuid(pw->pw_uid) < 0)
				fail(report, SVC_EXIT_USER, "User=%s: %s", u->user, strerror(errno));
			apply_caps(u, report, true);
		}
		if (u->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			fail(report, SVC_EXIT_NO_NEW_PRIVILEGES, "NoNewPrivileges=: %s", strerror(errno));
	}
	if (u && u->working_dir) {
		const char *dir = u->working_dir;
		if (!strcmp(dir, "~"))
			dir = pw ? pw->pw_dir : "/root";
		if (chdir(dir) < 0 && !u->working_dir_optional)
			fail(report, SVC_EXIT_CHDIR, "WorkingDirectory=%s: %s", dir, strerror(errno));
	}
	char path[PATH_MAX];
	find_program(e->argv[0], path, sizeof(path));
	/* '@': argv is PATH ARGV0 ARGS...; the program sees ARGV0 ARGS... */
	char *const *argv = e->argv0 ? e->argv + 1 : e->argv;
	execve(path, argv, envp);
	fail(report, SVC_EXIT_EXEC, "cannot run %s: %s", path, strerror(errno));
}

pid_t svc_exec_spawn(const struct svc_exec *e, int *report_fd, char *err, size_t errcap)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errcap, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(p[0]), close(p[1]);
		snprintf(err, errcap, "fork: %s", strerror(saved));
		return -saved;
	}
	if (pid == 0) {
		close(p[0]);
		child(e, p[1]);
	}
	close(p[1]);
	*report_fd = p[0];
	return pid;
}

void svc_exec_failure(int report_fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(report_fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n >= cap - 1)
			break;
	}
	buf[n] = '\0';
	close(report_fd);
}
