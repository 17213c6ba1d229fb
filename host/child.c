/* The host's helpers as children (see child.h). */
#include "child.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

int child_which(const char *name, char *out, size_t cap)
{
	if (strchr(name, '/')) {
		if ((size_t)snprintf(out, cap, "%s", name) >= cap)
			return -ENAMETOOLONG;
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		/* an empty entry is the current folder, as in a shell */
		int k = n ? snprintf(out, cap, "%.*s/%s", (int)n, p, name) : snprintf(out, cap, "./%s", name);
		if (k > 0 && (size_t)k < cap && access(out, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

pid_t child_start(const struct child_spec *c, struct gi_error *err)
{
	char path[PATH_MAX];
	if (child_which(c->argv[0], path, sizeof(path)) < 0)
		return gi_error_set(err, ENOENT, "cannot run %s: it is not in $PATH", c->argv[0]);
	struct spawn_opts o = {
		.path = path,
		.argv = c->argv,
		.envp = environ,
		.fds = { c->fds[0], c->fds[1], c->fds[2] },
		.extra_fds = c->extra_fds,
		.nextra = c->nextra,
		.flags = c->setsid ? SPAWN_SETSID : 0,
	};
	pid_t pid = spawn_process(&o);
	if (pid < 0)
		return gi_error_errno(err, -pid, "cannot start %s", c->argv[0]);
	return pid;
}

int child_wait(pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int child_run(const struct child_spec *c, struct gi_error *err)
{
	pid_t pid = child_start(c, err);
	if (pid < 0)
		return pid;
	int st = child_wait(pid);
	if (st < 0)
		return gi_error_errno(err, -st, "waiting for %s", c->argv[0]);
	return st;
}
