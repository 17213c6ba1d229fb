/* cgroup v2 groups of services. */
#include "sigsend.h"
#include "svc_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "parse.h"
#include "readfile.h"

static bool available, pids_available;

static void group_path(char *buf, size_t cap, const char *name, const char *file)
{
	snprintf(buf, cap, SVC_CGROUP_ROOT "/" SVC_CGROUP_DIR "%s%s%s%s", name ? "/" : "", name ? name : "",
		 file ? "/" : "", file ? file : "");
}

static int write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = (ssize_t)strlen(v);
	int r = write(fd, v, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/* Whether the group in dir delegates controller (its cgroup.subtree_control names it). */
static bool subtree_has(const char *dir, const char *controller)
{
	char path[PATH_MAX], *text = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_file(path, 4096, &text, NULL) < 0)
		return false;
	bool found = false;
	for (char *save = NULL, *w = strtok_r(text, " \n", &save); w && !found; w = strtok_r(NULL, " \n", &save))
		found = !strcmp(w, controller);
	free(text);
	return found;
}

/* Turns on in the subtree of the group in dir each controller the group has, one at a time,
 * so that one the kernel refuses (a threaded group's, say) leaves the rest on. */
static void delegate_all(const char *dir)
{
	char path[PATH_MAX], subtree_control[PATH_MAX], *text = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	snprintf(subtree_control, sizeof(subtree_control), "%s/cgroup.subtree_control", dir);
	if (read_file(path, 4096, &text, NULL) < 0)
		return;
	for (char *save = NULL, *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		char plus[64];
		snprintf(plus, sizeof(plus), "+%s", w);
		if (write_file(subtree_control, plus) < 0)
			log_debug("services", "%s: cannot turn on %s: %s", subtree_control, w, strerror(errno));
	}
	free(text);
}

int svc_cgroup_init(void)
{
	if (access(SVC_CGROUP_ROOT "/cgroup.procs", W_OK) < 0)
		return -errno;
	char p[PATH_MAX];
	group_path(p, sizeof(p), NULL, NULL);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	available = true;
	/* Every controller the kernel has, down to each service, as systemd delegates them: a
	 * service's cgroup.controllers is what a container engine in it finds (dockerd reads its
	 * own group's to decide whether --memory or --cpus can work), and pids is TasksMax=, so
	 * that a fork bomb in one service fails its own forks instead of filling the machine's
	 * process table. The root's processes (PID 1, sessions) do not stand in the way: the root
	 * is exempt from the rule that a group with processes delegates nothing. */
	delegate_all(SVC_CGROUP_ROOT);
	delegate_all(p);
	pids_available = subtree_has(SVC_CGROUP_ROOT, "pids") && subtree_has(p, "pids");
	return 0;
}

bool svc_cgroup_pids_available(void)
{
	return pids_available;
}

int svc_cgroup_set_tasks_max(const char *name, unsigned long long max)
{
	if (!pids_available)
		return -ENOTSUP;
	char p[PATH_MAX], v[32];
	group_path(p, sizeof(p), name, "pids.max");
	if (max)
		snprintf(v, sizeof(v), "%llu", max);
	else
		snprintf(v, sizeof(v), "max");
	return write_file(p, v);
}

unsigned long long svc_cgroup_tasks_max(const char *name)
{
	char p[PATH_MAX], v[32] = "";
	group_path(p, sizeof(p), name, "pids.max");
	_cleanup_fclose_ FILE *f = pids_available ? fopen(p, "re") : NULL;
	if (!f || !fgets(v, sizeof(v), f))
		return 0;
	v[strcspn(v, "\n")] = '\0';
	uint64_t max;
	return parse_uint(v, 10, UINT64_MAX, &max) == 0 ? max : 0; /* "max" reads as 0: no limit */
}

bool svc_cgroup_available(void)
{
	return available;
}

int svc_cgroup_create(const char *name)
{
	if (!available)
		return -ENOTSUP;
	char p[PATH_MAX];
	group_path(p, sizeof(p), name, NULL);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int svc_cgroup_enter(const char *name)
{
	if (!available)
		return -ENOTSUP;
	char p[PATH_MAX];
	group_path(p, sizeof(p), name, "cgroup.procs");
	return write_file(p, "0");
}

size_t svc_cgroup_pids(const char *name, pid_t *pids, size_t cap)
{
	if (!available)
		return 0;
	char p[PATH_MAX];
	group_path(p, sizeof(p), name, "cgroup.procs");
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	if (!f)
		return 0;
	size_t n = 0;
	char line[32];
	uint64_t v;
	/* one pid a line; the kernel writes them, a line that is no pid ends the list */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (parse_uint(line, 10, INT32_MAX, &v) < 0)
			break;
		if (n < cap)
			pids[n] = (pid_t)v;
		n++;
	}
	return n;
}

int svc_cgroup_kill(const char *name, int sig)
{
	if (!available)
		return -ENOTSUP;
	char p[PATH_MAX];
	if (sig == SIGKILL) {
		group_path(p, sizeof(p), name, "cgroup.kill");
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t w = write(fd, "1", 1);
			close(fd);
			if (w == 1)
				return 0;
		}
	}
	/* Signals one pass over the list; a process forked meanwhile is caught by the caller's
	 * next pass (stop repeats until the group is empty, then SIGKILL). */
	pid_t pids[1024];
	size_t n = svc_cgroup_pids(name, pids, ARRAY_SIZE(pids));
	for (size_t i = 0; i < n && i < ARRAY_SIZE(pids); i++)
		signal_stopped_too(pids[i], sig);
	return 0;
}

void svc_cgroup_remove(const char *name)
{
	if (!available)
		return;
	char p[PATH_MAX];
	group_path(p, sizeof(p), name, NULL);
	rmdir(p);
}

int svc_cgroup_of_pid(pid_t pid, char *name, size_t cap)
{
	char p[64], line[PATH_MAX + 8];
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* the path may be /services/NAME or, in a cgroup namespace's view, deeper */
		char *s = strstr(line, "/" SVC_CGROUP_DIR "/");
		if (!s)
			return -ENOENT;
		s += strlen(SVC_CGROUP_DIR) + 2;
		size_t n = strcspn(s, "/");
		if (n == 0 || n >= cap)
			return -ENOENT;
		memcpy(name, s, n);
		name[n] = '\0';
		return 0;
	}
	return -ENOENT;
}
