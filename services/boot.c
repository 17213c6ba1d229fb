/* Boot: tmpfiles.d, then enabled services. A unit is enabled when a link to it sits in
 * /etc/systemd/system/{multi-user,default,graphical}.target.wants (systemctl enable,
 * deb-systemd-helper); an init.d script when /etc/rc2.d has its S link (update-rc.d). Order:
 * After=/Before= between units, Required-Start/Should-Start/X-Start-Before between scripts
 * (facilities matched on Provides), and a service's own Wants=/Requires= come along. */
#include "boot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "cleanup.h"
#include "log.h"
#include "services_capability.h"
#include "lsb.h"
#include "svc_definition.h"
#include "svc_names.h"
#include "supervisor.h"
#include "unitfile.h"
#include "clock.h"
#include "parse.h"

#define BOOTED_MARK "/run/guestinit/services.booted"
#define MAX_BOOT 512

/* ---- tmpfiles.d --------------------------------------------------------------------------- */

static const char *const tmpfiles_dirs[] = { "/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/lib/tmpfiles.d",
					     "/lib/tmpfiles.d" };

static unsigned apply_line(const char *root, const char *file, unsigned lineno, char *line)
{
	char *f[7] = { 0 };
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " \t\n", &save); w && n < 7; w = strtok_r(NULL, n == 5 ? "\n" : " \t\n", &save))
		f[n++] = w;
	if (n < 2 || f[0][0] == '#')
		return 0;
	char type = f[0][0];
	if (type != 'd' && type != 'D' && type != 'L')
		return 0; /* other types (files, cleanups, attributes) are systemd-tmpfiles' alone */
	if (strchr(f[1], '%')) {
		log_debug("services", "%s:%u: specifiers are not expanded here, line skipped", file, lineno);
		return 0;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s%s", root, f[1]);
	if (type == 'L') {
		if (n < 7 || !strcmp(f[6], "-"))
			return 0;
		if (symlink(f[6], path) < 0 && errno != EEXIST) {
			log_warn("services", "%s:%u: cannot link %s: %s", file, lineno, f[1], strerror(errno));
			return 1;
		}
		return 0;
	}
	mode_t mode = 0755;
	if (n > 2 && strcmp(f[2], "-")) {
		uint64_t m;
		if (parse_uint(f[2][0] == '~' ? f[2] + 1 : f[2], 8, 07777, &m) == 0)
			mode = (mode_t)m;
	}
	/* parents first, as systemd-tmpfiles does */
	for (char *q = path + strlen(root) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		mkdir(path, 0755);
		*q = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		log_warn("services", "%s:%u: cannot create %s: %s", file, lineno, f[1], strerror(errno));
		return 1;
	}
	chmod(path, mode);
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	if (n > 3 && strcmp(f[3], "-")) {
		struct passwd *pw = getpwnam(f[3]);
		if (pw)
			uid = pw->pw_uid;
	}
	if (n > 4 && strcmp(f[4], "-")) {
		struct group *gr = getgrnam(f[4]);
		if (gr)
			gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0)
		log_warn("services", "%s:%u: cannot chown %s: %s", file, lineno, f[1], strerror(errno));
	return 0;
}

unsigned tmpfiles_create(const char *root)
{
	/* the same file name in an earlier directory hides a later one */
	char seen[256][NAME_MAX + 1];
	size_t nseen = 0;
	unsigned bad = 0;
	for (size_t d = 0; d < ARRAY_SIZE(tmpfiles_dirs); d++) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s%s", root, tmpfiles_dirs[d]);
		struct dirent **ents;
		int ne = scandir(dir, &ents, NULL, alphasort);
		if (ne < 0)
			continue;
		for (int i = 0; i < ne; i++) {
			const char *nm = ents[i]->d_name;
			size_t l = strlen(nm);
			bool hidden = l < 6 || strcmp(nm + l - 5, ".conf");
			for (size_t k = 0; k < nseen && !hidden; k++)
				hidden = !strcmp(seen[k], nm);
			if (!hidden && nseen < ARRAY_SIZE(seen)) {
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", nm);
				char path[PATH_MAX + NAME_MAX + 2];
				snprintf(path, sizeof(path), "%s/%s", dir, nm);
				FILE *f = fopen(path, "re");
				if (f) {
					char line[4096];
					unsigned ln = 0;
					while (fgets(line, sizeof(line), f))
						bad += apply_line(root, path, ++ln, line);
					fclose(f);
				}
			}
			free(ents[i]);
		}
		free(ents);
	}
	return bad;
}

static pid_t tmpfiles_pid;

static void own_tmpfiles(void)
{
	unsigned bad = tmpfiles_create("");
	if (bad)
		log_warn("services", "tmpfiles.d: %u lines could not be applied", bad);
}

/* systemd-tmpfiles when installed, else our own d/D/L handling. The tool runs as a child whose
 * end continues the boot (boot_reaped): the supervisor never waits on it, so that a stop or a
 * shutdown is answered even while it runs. Returns true when the tool was started. */
static bool start_tmpfiles(void)
{
	static const char *const tools[] = { "/usr/bin/systemd-tmpfiles", "/bin/systemd-tmpfiles" };
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		if (access(tools[i], X_OK) < 0)
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			/* servicesd blocks its signals for its signalfd: without this the tool ran
			 * with SIGTERM blocked, and a shutdown waited for it to finish */
			spawn_reset_child();
			/* PID 1 has written the boot's utmp record (runlevel, invoke-rc.d): systemd's
			 * "F! /run/utmp" would empty it */
			execl(tools[i], "systemd-tmpfiles", "--create", "--boot", "--exclude-prefix=/run/utmp",
			      "--exclude-prefix=/var/run/utmp", "--exclude-prefix=/run/guestinit", (char *)NULL);
			_exit(127);
		}
		if (pid > 0) {
			tmpfiles_pid = pid;
			return true;
		}
	}
	own_tmpfiles();
	return false;
}

/* ---- enabled services --------------------------------------------------------------------- */

struct entry {
	char name[SVC_NAME_MAX + 1];
	enum svc_kind kind;
	struct unit_strv provides, after; /* after: names of services or facilities */
	struct unit_strv before;
	int *deps;
	size_t ndeps;
	bool started, done;
};

static struct entry *entries;
static size_t nentries;
static size_t running;
static uint64_t boot_t0;

static void strv_push(struct unit_strv *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
	if (!v)
		return;
	l->v = v;
	if ((v[l->n] = strdup(s)))
		v[++l->n] = NULL;
}

static int find_entry(const char *name)
{
	for (size_t i = 0; i < nentries; i++)
		if (!strcmp(entries[i].name, name))
			return (int)i;
	return -1;
}

static void add_entry(const char *name);

/* Ordering from the unit add_entry read (u, which this frees), else from the script's LSB
 * header. */
static void describe(struct entry *e, struct unit *u)
{
	if (e->kind == SVC_UNIT) {
		for (size_t i = 0; i < u->after.n; i++)
			strv_push(&e->after, u->after.v[i]);
		for (size_t i = 0; i < u->before.n; i++)
			strv_push(&e->before, u->before.v[i]);
		struct unit_strv *pulls[] = { &u->wants, &u->requires, &u->binds_to };
		char pulled[64][SVC_NAME_MAX + 1];
		size_t np = 0;
		for (size_t k = 0; k < ARRAY_SIZE(pulls); k++)
			for (size_t i = 0; i < pulls[k]->n && np < ARRAY_SIZE(pulled); i++) {
				size_t l = strlen(pulls[k]->v[i]);
				if (l > 8 && !strcmp(pulls[k]->v[i] + l - 8, ".service") && !strchr(pulls[k]->v[i], '@'))
					snprintf(pulled[np++], sizeof(pulled[0]), "%s", pulls[k]->v[i]);
			}
		unit_free(u);
		strv_push(&e->provides, e->name);
		/* e may move when entries grows: it is not used after this */
		for (size_t i = 0; i < np; i++) {
			svc_name_strip(pulled[i]);
			add_entry(pulled[i]);
		}
		return;
	}
	unit_free(u);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", e->name);
	struct lsb_info l;
	strv_push(&e->provides, e->name);
	if (lsb_parse_file(path, &l)) {
		for (size_t i = 0; i < l.provides.n; i++)
			strv_push(&e->provides, l.provides.v[i]);
		for (size_t i = 0; i < l.required_start.n; i++)
			strv_push(&e->after, l.required_start.v[i]);
		for (size_t i = 0; i < l.should_start.n; i++)
			strv_push(&e->after, l.should_start.v[i]);
		for (size_t i = 0; i < l.start_before.n; i++)
			strv_push(&e->before, l.start_before.v[i]);
		lsb_free(&l);
	}
}

static void add_entry(const char *name)
{
	const char *why;
	if (svc_name_check(name, &why) < 0 || find_entry(name) >= 0 || nentries >= MAX_BOOT)
		return;
	struct unit u;
	char path[PATH_MAX];
	enum svc_kind k = svc_resolve_unit("", name, &u, path, sizeof(path), NULL, NULL);
	if (k == SVC_NONE)
		return;
	if (k == SVC_UNIT && u.masked) {
		/* Debian masks some units on purpose (sudo.service): the admin's choice, not a failure */
		log_debug("services", "boot: %s is masked, not started", name);
		unit_free(&u);
		return;
	}
	struct entry *ne = realloc(entries, (nentries + 1) * sizeof(*ne));
	if (!ne) {
		unit_free(&u);
		return;
	}
	entries = ne;
	struct entry *e = &entries[nentries++];
	*e = (struct entry){ .kind = k };
	snprintf(e->name, sizeof(e->name), "%s", name);
	describe(&entries[nentries - 1], &u);
}

static void add_wanted(void *ctx, const char *name, const char *link)
{
	(void)ctx;
	(void)link;
	add_entry(name);
}

static void collect(void)
{
	svc_each_wanted_unit(add_wanted, NULL);
	DIR *dh = opendir("/etc/rc2.d");
	if (dh) {
		struct dirent *de;
		while ((de = readdir(dh)))
			if (de->d_name[0] == 'S' && strlen(de->d_name) > 3 && de->d_name[1] >= '0' && de->d_name[1] <= '9' &&
			    de->d_name[2] >= '0' && de->d_name[2] <= '9')
				add_entry(de->d_name + 3);
		closedir(dh);
	}
}

/* i must wait for j when i is After= something j provides, or j is Before= something i is. */
static bool provides(const struct entry *e, const char *what)
{
	char w[SVC_NAME_MAX + 1];
	snprintf(w, sizeof(w), "%s", what);
	svc_name_strip(w);
	for (size_t i = 0; i < e->provides.n; i++)
		if (!strcmp(e->provides.v[i], w))
			return true;
	return false;
}

static void link_deps(void)
{
	for (size_t i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		bool all = false;
		for (size_t a = 0; a < e->after.n; a++)
			all |= !strcmp(e->after.v[a], "$all");
		for (size_t j = 0; j < nentries; j++) {
			if (i == j)
				continue;
			struct entry *o = &entries[j];
			bool wait = false;
			for (size_t a = 0; a < e->after.n && !wait; a++)
				wait = provides(o, e->after.v[a]);
			for (size_t b = 0; b < o->before.n && !wait; b++)
				wait = provides(e, o->before.v[b]);
			if (all) {
				bool other_all = false;
				for (size_t a = 0; a < o->after.n; a++)
					other_all |= !strcmp(o->after.v[a], "$all");
				wait = wait || !other_all;
			}
			if (!wait)
				continue;
			int *nd = realloc(e->deps, (e->ndeps + 1) * sizeof(*nd));
			if (!nd)
				continue;
			e->deps = nd;
			e->deps[e->ndeps++] = (int)j;
		}
	}
}

static void schedule(void);

static void started(void *ctx, int status)
{
	struct entry *e = &entries[(size_t)(uintptr_t)ctx];
	e->done = true;
	running--;
	if (status != 0)
		log_warn("services", "boot: %s did not start (status %d); see: service %s status", e->name, status, e->name);
	else
		log_debug("services", "boot: %s started", e->name);
	schedule();
}

static void schedule(void)
{
	bool launched;
	do {
		launched = false;
		for (size_t i = 0; i < nentries; i++) {
			struct entry *e = &entries[i];
			if (e->started)
				continue;
			bool ready = true;
			for (size_t d = 0; d < e->ndeps && ready; d++)
				ready = entries[e->deps[d]].done;
			if (!ready)
				continue;
			e->started = true;
			running++;
			launched = true;
			supervisor_submit(e->name, "start", started, (void *)(uintptr_t)i);
		}
		if (!launched && running == 0) {
			/* nothing runs and nothing is ready: a cycle; break it at the first one left */
			for (size_t i = 0; i < nentries; i++)
				if (!entries[i].started) {
					log_warn("services", "boot: ordering cycle through %s; starting it anyway", entries[i].name);
					entries[i].ndeps = 0;
					launched = true;
					break;
				}
		}
	} while (launched && running == 0);
	bool all_done = true;
	for (size_t i = 0; i < nentries; i++)
		all_done &= entries[i].done;
	if (all_done && nentries > 0) {
		log_info("services", "boot: %zu enabled services handled in %llu ms", nentries,
			 (unsigned long long)(mono_ms() - boot_t0));
		nentries = 0; /* the entries stay allocated for the callbacks' indices; nothing reads them */
	}
	if (all_done) {
		int fd = open(SERVICES_UP_MARK, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			log_warn("services", "%s: %s; [boot] command waits longer", SERVICES_UP_MARK, strerror(errno));
		else
			close(fd);
	}
}

/* After tmpfiles.d: the enabled services, in order. */
static void start_enabled(void)
{
	collect();
	link_deps();
	if (nentries)
		log_info("services", "boot: starting %zu enabled services", nentries);
	schedule();
}

void boot_services(struct evloop *loop)
{
	(void)loop;
	int fd = open(BOOTED_MARK, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_info("services", "restarted: services were already started at boot");
		return;
	}
	close(fd);
	boot_t0 = mono_ms();
	if (!start_tmpfiles())
		start_enabled();
}

bool boot_reaped(pid_t pid, int wstatus)
{
	if (pid != tmpfiles_pid || pid <= 0)
		return false;
	tmpfiles_pid = 0;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) {
		own_tmpfiles(); /* the tool could not run after all */
	} else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		log_warn("services", "systemd-tmpfiles --create %s %d", WIFEXITED(wstatus) ? "exited with" : "died of signal",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus));
	}
	start_enabled();
	return true;
}
