/* The dpkg hook: see dpkg_hook.h. */
#include "dpkg_hook.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "svc_definition.h"
#include "svc_names.h"
#include "svc_record.h"
#include "unitfile.h"

#define MAX_ACTIONS 256

struct action {
	char name[SVC_NAME_MAX + 1];
	const char *verb;
};

struct plan {
	struct timespec since; /* the pre hook's time: changes at or after it are this run's */
	struct action v[MAX_ACTIONS];
	size_t n;
};

static bool changed_since(const struct stat *st, const struct timespec *t)
{
	/* ctime: dpkg keeps the package's mtimes, but creating or renaming a file sets its ctime */
	return st->st_ctim.tv_sec > t->tv_sec || (st->st_ctim.tv_sec == t->tv_sec && st->st_ctim.tv_nsec >= t->tv_nsec);
}

static bool planned(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return true;
	return false;
}

static void add(struct plan *p, const char *name, const char *verb)
{
	if (p->n < MAX_ACTIONS && !planned(p, name)) {
		snprintf(p->v[p->n].name, sizeof(p->v[0].name), "%s", name);
		p->v[p->n++].verb = verb;
	}
}

/* Only services with a unit and no init script: invoke-rc.d handles the others. */
static bool unit_only(const char *name)
{
	return svc_resolve("", name) == SVC_UNIT && !svc_has_initd("", name);
}

static bool active(const char *name)
{
	struct svc_reply r;
	if (svc_call("is-active", name, NULL, NULL, false, &r) < 0)
		return false;
	bool up = r.status == 0;
	svc_reply_free(&r);
	return up;
}

static void newly_enabled(void *ctx, const char *name, const char *link)
{
	struct plan *p = ctx;
	struct stat st;
	if (lstat(link, &st) == 0 && changed_since(&st, &p->since) && unit_only(name) && !active(name))
		add(p, name, "start");
}

static void replaced_units(struct plan *p)
{
	for (size_t d = 0; d < unit_ndirs; d++) {
		_cleanup_closedir_ DIR *dh = opendir(unit_dirs[d]);
		if (!dh)
			continue;
		struct dirent *de;
		while ((de = readdir(dh))) {
			char path[PATH_MAX], name[SVC_NAME_MAX + 1];
			if (!svc_name_of_unit_file(de->d_name, name, sizeof(name)))
				continue;
			snprintf(path, sizeof(path), "%s/%s", unit_dirs[d], de->d_name);
			struct stat st;
			if (lstat(path, &st) == 0 && changed_since(&st, &p->since) && unit_only(name) && active(name))
				add(p, name, "restart");
		}
	}
}

static void removed_unit(void *ctx, const char *name)
{
	struct plan *p = ctx;
	if (svc_resolve("", name) == SVC_NONE && active(name))
		add(p, name, "stop");
}

/* policy-rc.d, as deb-systemd-invoke asks it: 0 or 104 allow, anything else forbids (101 is
 * "forbidden by policy", what image builds use). */
static bool policy_allows(const char *name, const char *verb)
{
	const char *policy = "/usr/sbin/policy-rc.d";
	if (access(policy, X_OK) < 0)
		return true;
	char unit[SVC_NAME_MAX + 16];
	snprintf(unit, sizeof(unit), "%s.service", name);
	pid_t pid = fork();
	if (pid < 0)
		return true;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 1);
		execl(policy, policy, unit, verb, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 104);
}

static int post(void)
{
	struct stat st;
	if (stat(SVC_DPKG_STAMP, &st) < 0)
		return 0; /* no pre hook ran: nothing is known to be this run's */
	struct plan *p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	p->since = st.st_mtim;
	svc_each_wanted_unit(newly_enabled, p);
	replaced_units(p);
	svc_record_each(removed_unit, p);
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->v[i];
		if (!policy_allows(a->name, a->verb)) {
			fprintf(stderr, "guestinit: %s %s: forbidden by policy-rc.d\n", a->verb, a->name);
			continue;
		}
		struct svc_reply r;
		int e = svc_call(a->verb, a->name, NULL, NULL, false, &r);
		if (e < 0) {
			fprintf(stderr, "guestinit: %s %s: the supervisor cannot be reached: %s\n", a->verb, a->name,
				strerror(-e));
			continue;
		}
		if (r.status != 0)
			fprintf(stderr, "guestinit: %s %s failed (status %d)%s%s; see: service %s status\n", a->verb,
				a->name, r.status, r.err ? ": " : "", r.err ? r.err : "", a->name);
		svc_reply_free(&r);
	}
	free(p);
	return 0;
}

int svc_dpkg_hook(const char *phase)
{
	const char *root = getenv("DPKG_ROOT");
	if (root && *root)
		return 0; /* packages into another root: its services are not this machine's */
	if (!strcmp(phase, "pre")) {
		mkdir("/run/guestinit", 0755);
		int fd = open(SVC_DPKG_STAMP, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || futimens(fd, NULL) < 0) {
			fprintf(stderr, "guestinit: %s: %s; services of packages installed now will not start\n",
				SVC_DPKG_STAMP, strerror(errno));
			if (fd >= 0)
				close(fd);
			return 0;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(phase, "post"))
		return post();
	fprintf(stderr, "service: --dpkg-hook: expected pre or post, not '%s'\n", phase);
	return 2;
}
