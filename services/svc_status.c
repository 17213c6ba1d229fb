/* What `service NAME status` and `systemctl list-units` print, from a service's entry. */
#include "supervisor.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "lsb.h"
#include "svc.h"
#include "svc_cgroup.h"
#include "svc_paths.h"

static void format_age(uint64_t ms, char *buf, size_t cap)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(buf, cap, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, cap, "%llumin %llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, cap, "%lluh %llumin", (unsigned long long)(s / 3600), (unsigned long long)(s % 3600 / 60));
}

/* LSB status codes: 0 running, 1 dead but its pidfile exists, 3 not running. */
int svc_status_code(const struct svc *s)
{
	if (svc_is_active(s) || svc_is_starting(s))
		return 0;
	if (svc_shown(s) == SHOWN_FAILED && s->unit.pid_file && access(s->unit.pid_file, F_OK) == 0)
		return 1;
	return 3;
}

void svc_status_text(const struct svc *s, FILE *f)
{
	enum svc_shown shown = svc_shown(s);
	bool failed = shown == SHOWN_FAILED;
	const char *desc = s->unit.description ? s->unit.description : s->name;
	fprintf(f, "%s %s.service - %s\n", svc_is_active(s) ? "*" : failed ? "x" : "o", s->name, desc);
	fprintf(f, "     Loaded: loaded (%s)\n", s->unit_path);
	if (s->unit.not_applied.n) {
		fputs("Not applied:", f);
		for (size_t i = 0; i < s->unit.not_applied.n; i++)
			fprintf(f, " %s=", s->unit.not_applied.v[i]);
		fputs(" (hardening and tuning guestinit does not do; the service runs without them)\n", f);
	}
	char age[64];
	format_age(mono_ms() - s->since_ms, age, sizeof(age));
	fprintf(f, "     Active: %s (%s) for %s%s%s\n", svc_shown_active(shown), svc_shown_sub(shown), age,
		failed && s->result[0] ? "; " : "", failed ? s->result : "");
	if (s->unmet[0] && svc_shown(s) == SHOWN_INACTIVE)
		fprintf(f, "  Condition: start condition unmet: %s\n", s->unmet);
	if (s->main_pid > 0) {
		char comm[64] = "?", p[64];
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)s->main_pid);
		_cleanup_fclose_ FILE *c = fopen(p, "re");
		if (c && fgets(comm, sizeof(comm), c))
			comm[strcspn(comm, "\n")] = '\0';
		fprintf(f, "   Main PID: %d (%s)\n", (int)s->main_pid, comm);
	}
	if (s->status_text[0])
		fprintf(f, "     Status: \"%s\"\n", s->status_text);
	fprintf(f, "   Restarts: %u\n", s->restarts);
	if (s->last_exit[0])
		fprintf(f, "  Last exit: main process %s\n", s->last_exit);
	pid_t pids[1];
	size_t n = svc_cgroup_pids(s->name, pids, 1);
	unsigned long long limit = svc_cgroup_tasks_max(s->name);
	if (svc_cgroup_available() && limit)
		fprintf(f, "      Tasks: %zu (limit: %llu; cgroup /" SVC_CGROUP_DIR "/%s)\n", n, limit, s->name);
	else if (svc_cgroup_available())
		fprintf(f, "      Tasks: %zu (cgroup /" SVC_CGROUP_DIR "/%s)\n", n, s->name);
	char logpath[320];
	snprintf(logpath, sizeof(logpath), SVC_LOG_DIR "/%s.log", s->name);
	fprintf(f, "        Log: %s\n\n", logpath);
	svc_log_tail(logpath, 10, f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of every unit and init.d script there is, sorted, each once. */
static char **all_names(size_t *count)
{
	char **names = NULL;
	size_t n = 0;
	const char *dirs[8];
	size_t nd = 0;
	for (size_t i = 0; i < unit_ndirs && nd < ARRAY_SIZE(dirs) - 1; i++)
		dirs[nd++] = unit_dirs[i];
	dirs[nd++] = INITD_DIR;
	for (size_t d = 0; d < nd; d++) {
		_cleanup_closedir_ DIR *dh = opendir(dirs[d]);
		if (!dh)
			continue;
		struct dirent *e;
		while ((e = readdir(dh))) {
			char nm[SVC_NAME_MAX + 1];
			bool initd = d == nd - 1;
			if (e->d_name[0] == '.' || strlen(e->d_name) > SVC_NAME_MAX)
				continue;
			if (initd)
				snprintf(nm, sizeof(nm), "%s", e->d_name);
			else if (!svc_name_of_unit_file(e->d_name, nm, sizeof(nm)))
				continue;
			bool dup = false;
			for (size_t i = 0; i < n && !dup; i++)
				dup = !strcmp(names[i], nm);
			if (dup)
				continue;
			char **nv = realloc(names, (n + 1) * sizeof(*nv));
			if (!nv)
				break;
			names = nv;
			if (!(names[n] = strdup(nm)))
				break;
			n++;
		}
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	*count = n;
	return names;
}

/* A unit's Description=, else an init script's Short-Description (as systemd shows it,
 * "LSB: ..."), else the kind of definition. */
static void describe(const char *name, const struct svc *s, enum svc_kind k, char *out, size_t cap)
{
	if (s && s->unit.description) {
		snprintf(out, cap, "%s", s->unit.description);
		return;
	}
	if (k == SVC_UNIT) {
		struct unit u;
		char path[PATH_MAX];
		if (svc_resolve_unit("", name, &u, path, sizeof(path), NULL, NULL) == SVC_UNIT && u.description)
			snprintf(out, cap, "%s", u.description);
		else
			snprintf(out, cap, "%s.service", name);
		unit_free(&u);
		return;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", name);
	struct lsb_info l;
	if (lsb_parse_file(path, &l) && l.short_description)
		snprintf(out, cap, "LSB: %s", l.short_description);
	else
		snprintf(out, cap, "init.d script");
	lsb_free(&l);
}

/* Every unit and init.d script there is, with the state of those we know: all of them, for
 * systemctl to choose from (list-units shows the active ones unless --all). */
void svc_list(FILE *f)
{
	size_t n;
	char **names = all_names(&n);
	fprintf(f, "%-32s %-8s %-12s %-13s %s\n", "UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		struct svc *s = svc_find(names[i]);
		enum svc_kind k = s ? s->kind : svc_resolve("", names[i]);
		if (k != SVC_NONE) {
			enum svc_shown shown = s ? svc_shown(s) : SHOWN_INACTIVE;
			char desc[256];
			describe(names[i], s, k, desc, sizeof(desc));
			char unitname[300];
			snprintf(unitname, sizeof(unitname), "%s.service", names[i]);
			fprintf(f, "%-32s %-8s %-12s %-13s %s\n", unitname, "loaded", svc_shown_active(shown),
				svc_shown_sub(shown), desc);
		}
		free(names[i]);
	}
	free(names);
}
