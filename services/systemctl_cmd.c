/* systemctl without systemd: the verbs scripts and people use most, for units and init.d
 * scripts alike, answered by the supervisor with systemctl's exit codes. Anything else gets
 * one line saying what is supported, never "System has not been booted with systemd". */
#include "service_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "svc_definition.h"
#include "svc_names.h"
#include "unitfile.h"

static const char *const supported = "start stop restart reload try-restart reload-or-restart status enable "
				     "disable is-active is-enabled is-failed list-units daemon-reload reset-failed "
				     "log-level poweroff reboot halt";

static bool quiet, now_flag, all_flag, no_legend;
static const char *state_filter; /* --state=: comma-separated ACTIVE or SUB values */


static int run_quiet(char *const argv[], bool silent)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (silent) {
			freopen("/dev/null", "w", stdout);
			freopen("/dev/null", "w", stderr);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static void unit_of(const char *arg, char *name, size_t cap)
{
	snprintf(name, cap, "%s", arg);
	svc_name_strip(name);
}

/* The script's own status, as the caller, for init.d services: its exit code is the answer. */
static int script_status(const char *name, bool silent)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", name);
	char *argv[] = { path, "status", NULL };
	return run_quiet(argv, silent);
}

static int change(const char *verb, const char *name)
{
	if (geteuid() != 0) {
		fprintf(stderr, "Failed to %s %s.service: Access denied (only root may; try sudo)\n", verb, name);
		return 4;
	}
	struct svc_reply r;
	const char *v = !strcmp(verb, "reload-or-restart") ? "force-reload" : verb;
	/* an init.d script gets what Debian's service would give it */
	const char *path = getenv("PATH"), *lang = getenv("LANG"), *term = getenv("TERM");
	char e_path[4096], e_lang[256], e_term[128];
	snprintf(e_path, sizeof(e_path), "PATH=%s", path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(e_lang, sizeof(e_lang), "LANG=%s", lang ? lang : "");
	snprintf(e_term, sizeof(e_term), "TERM=%s", term ? term : "");
	char *env[] = { e_path, e_lang, e_term, NULL };
	int rc = svc_call(v, name, NULL, env, true, &r);
	if (rc < 0) {
		fprintf(stderr, "Failed to %s %s.service: guestinit's service supervisor cannot be reached: %s\n", verb,
			name, strerror(-rc));
		return 1;
	}
	int status = r.status;
	if (status != 0 && r.err && strstr(r.err, "unrecognized service")) {
		fprintf(stderr, "Failed to %s %s.service: Unit %s.service not found.\n", verb, name, name);
		status = 5;
	} else {
		svc_reply_print(&r);
		if (status != 0)
			status = 1;
	}
	svc_reply_free(&r);
	return status;
}

static int status(const char *name)
{
	enum svc_kind k = svc_resolve("", name);
	if (k == SVC_NONE) {
		fprintf(stderr, "Unit %s.service could not be found.\n", name);
		return 4;
	}
	if (k == SVC_INITD) {
		printf("%s.service - LSB init script " INITD_DIR "/%s\n", name, name);
		fflush(stdout);
		int rc = script_status(name, false);
		return rc == 0 ? 0 : 3;
	}
	struct svc_reply r;
	int rc = svc_call("status", name, NULL, NULL, false, &r);
	if (rc < 0) {
		fprintf(stderr, "Failed to get the status of %s.service: %s\n", name, strerror(-rc));
		return 4;
	}
	svc_reply_print(&r);
	int st = r.status;
	svc_reply_free(&r);
	return st == 0 ? 0 : st == 4 ? 4 : 3;
}

static int is_active(const char *name, bool failed_q)
{
	enum svc_kind k = svc_resolve("", name);
	const char *state = "inactive";
	if (k == SVC_INITD) {
		state = script_status(name, true) == 0 ? "active" : "inactive";
	} else if (k == SVC_UNIT) {
		struct svc_reply r;
		if (svc_call("is-active", name, NULL, NULL, false, &r) == 0 && r.out) {
			static char buf[32];
			snprintf(buf, sizeof(buf), "%s", r.out);
			buf[strcspn(buf, "\n")] = '\0';
			state = buf;
		}
		svc_reply_free(&r);
	}
	if (!quiet)
		printf("%s\n", state);
	if (failed_q)
		return !strcmp(state, "failed") ? 0 : 1;
	return !strcmp(state, "active") || !strcmp(state, "reloading") ? 0 : 3;
}

/* Enablement: [Install] WantedBy= links for units (as systemctl makes them), update-rc.d for
 * init.d scripts (as Debian's systemctl does through systemd-sysv-install). */
static bool unit_enabled(const char *name, const struct unit *u, bool *has_install)
{
	*has_install = u->wanted_by.n > 0;
	for (size_t i = 0; i < u->wanted_by.n; i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "/etc/systemd/system/%s.wants/%s.service", u->wanted_by.v[i], name);
		struct stat st;
		if (lstat(p, &st) == 0)
			return true;
	}
	return false;
}

static bool rc_enabled(const char *name)
{
	DIR *d = opendir("/etc/rc2.d");
	if (!d)
		return false;
	struct dirent *e;
	bool on = false;
	while ((e = readdir(d)) && !on)
		on = e->d_name[0] == 'S' && strlen(e->d_name) > 3 && !strcmp(e->d_name + 3, name);
	closedir(d);
	return on;
}

static int update_rc(const char *name, const char *what)
{
	const char *tool = "/usr/sbin/update-rc.d";
	if (access(tool, X_OK) < 0) {
		fprintf(stderr, "%s: cannot %s the init script: %s is missing\n", name, what, tool);
		return 1;
	}
	char *argv1[] = { (char *)tool, (char *)name, "defaults", NULL };
	char *argv2[] = { (char *)tool, (char *)name, (char *)what, NULL };
	int rc = run_quiet(argv1, true);
	if (rc == 0)
		rc = run_quiet(argv2, true);
	return rc;
}

static int enable(const char *name, bool on)
{
	if (geteuid() != 0) {
		fprintf(stderr, "Failed to %s unit: Access denied (only root may; try sudo)\n", on ? "enable" : "disable");
		return 4;
	}
	struct unit u;
	char path[PATH_MAX];
	int r = unit_load("", name, &u, path, sizeof(path), NULL, NULL);
	bool script = svc_has_initd("", name);
	if (r <= 0 && !script) {
		unit_free(&u);
		fprintf(stderr, "Failed to %s unit: Unit file %s.service does not exist.\n", on ? "enable" : "disable",
			name);
		return 1;
	}
	int rc = 0;
	if (r > 0) {
		if (u.wanted_by.n == 0 && !script && !quiet)
			fprintf(stderr, "The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\n"
					"Alias= settings in the [Install] section, and DefaultInstance= for template\n"
					"units). This means they are not meant to be enabled or disabled using systemctl.\n");
		for (size_t i = 0; i < u.wanted_by.n; i++) {
			char dir[PATH_MAX], link[PATH_MAX + 64];
			snprintf(dir, sizeof(dir), "/etc/systemd/system/%s.wants", u.wanted_by.v[i]);
			snprintf(link, sizeof(link), "%s/%s.service", dir, name);
			if (on) {
				mkdir("/etc/systemd", 0755);
				mkdir("/etc/systemd/system", 0755);
				mkdir(dir, 0755);
				struct stat st;
				if (lstat(link, &st) == 0)
					continue;
				if (symlink(path, link) < 0) {
					fprintf(stderr, "Failed to enable unit: %s: %s\n", link, strerror(errno));
					rc = 1;
				} else if (!quiet) {
					printf("Created symlink %s \xe2\x86\x92 %s.\n", link, path);
				}
			} else if (unlink(link) == 0 && !quiet) {
				printf("Removed \"%s\".\n", link);
			}
		}
	}
	unit_free(&u);
	if (script) {
		if (!quiet)
			printf("Synchronizing state of %s.service with SysV service script with /lib/systemd/systemd-sysv-install.\n"
			       "Executing: /lib/systemd/systemd-sysv-install %s %s\n", name, on ? "enable" : "disable", name);
		if (update_rc(name, on ? "enable" : "disable") != 0)
			rc = 1;
	}
	if (rc == 0 && now_flag)
		rc = change(on ? "start" : "stop", name);
	return rc;
}

static int is_enabled(const char *name)
{
	struct unit u;
	char path[PATH_MAX];
	int r = unit_load("", name, &u, path, sizeof(path), NULL, NULL);
	const char *state;
	int rc;
	if (r > 0 && u.masked) {
		state = "masked", rc = 1;
	} else if (r > 0) {
		bool has_install;
		bool on = unit_enabled(name, &u, &has_install);
		if (!has_install && svc_has_initd("", name))
			on = rc_enabled(name), has_install = true;
		state = on ? "enabled" : has_install ? "disabled" : "static";
		rc = on || !has_install ? 0 : 1;
	} else if (svc_has_initd("", name)) {
		bool on = rc_enabled(name);
		state = on ? "enabled" : "disabled";
		rc = on ? 0 : 1;
	} else {
		unit_free(&u);
		fprintf(stderr, "Failed to get unit file state for %s.service: No such file or directory\n", name);
		return 1;
	}
	unit_free(&u);
	if (!quiet)
		printf("%s\n", state);
	return rc;
}

static int simple_request(const char *verb, const char *name)
{
	struct svc_reply r;
	int rc = svc_call(verb, name ? name : "", NULL, NULL, false, &r);
	if (rc < 0) {
		fprintf(stderr, "systemctl %s: guestinit's service supervisor cannot be reached: %s\n", verb, strerror(-rc));
		return 1;
	}
	svc_reply_print(&r);
	int st = r.status;
	svc_reply_free(&r);
	return st;
}

struct unit_row {
	char *unit, *load, *active, *sub, *desc;
};

static bool row_wanted(const struct unit_row *r)
{
	if (state_filter) {
		_cleanup_free_ char *list = strdup(state_filter);
		char *save = NULL;
		for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
			if (!strcmp(t, r->active) || !strcmp(t, r->sub) || !strcmp(t, r->load))
				return true;
		return false;
	}
	/* systemctl's default: what runs, what is on its way, and what failed */
	return all_flag || strcmp(r->active, "inactive") != 0;
}

static size_t widest(size_t w, const char *s)
{
	size_t n = strlen(s);
	return n > w ? n : w;
}

/* The supervisor sends every unit it knows (a header, then UNIT LOAD ACTIVE SUB DESCRIPTION
 * rows); which of them to show, and the legend under them, are systemctl's business. */
static int list_units(void)
{
	struct svc_reply r;
	int rc = svc_call("list", "", NULL, NULL, false, &r);
	if (rc < 0) {
		fprintf(stderr, "systemctl list-units: guestinit's service supervisor cannot be reached: %s\n",
			strerror(-rc));
		return 1;
	}
	if (r.status != 0 || !r.out) {
		svc_reply_print(&r);
		int st = r.status ? r.status : 1;
		svc_reply_free(&r);
		return st;
	}
	struct unit_row *rows = NULL;
	size_t n = 0, cap = 0;
	size_t w_unit = 4, w_load = 4, w_active = 6, w_sub = 3;
	char *save = NULL;
	bool header = true;
	for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (header) {
			header = false;
			continue;
		}
		struct unit_row row;
		char *f = line, **fields[] = { &row.unit, &row.load, &row.active, &row.sub };
		bool ok = true;
		for (size_t i = 0; i < 4 && ok; i++) {
			f += strspn(f, " ");
			*fields[i] = f;
			f += strcspn(f, " ");
			if (*f)
				*f++ = '\0';
			ok = *fields[i][0] != '\0';
		}
		if (!ok)
			continue;
		row.desc = f + strspn(f, " ");
		if (!row_wanted(&row))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct unit_row *grown = realloc(rows, cap * sizeof(*rows));
			if (!grown) {
				free(rows);
				svc_reply_free(&r);
				fprintf(stderr, "systemctl list-units: out of memory\n");
				return 1;
			}
			rows = grown;
		}
		rows[n++] = row;
		w_unit = widest(w_unit, row.unit);
		w_load = widest(w_load, row.load);
		w_active = widest(w_active, row.active);
		w_sub = widest(w_sub, row.sub);
	}
	if (!no_legend && n)
		printf("  %-*s %-*s %-*s %-*s %s\n", (int)w_unit, "UNIT", (int)w_load, "LOAD", (int)w_active, "ACTIVE",
		       (int)w_sub, "SUB", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		bool failed = !strcmp(rows[i].active, "failed");
		printf("%s %-*s %-*s %-*s %-*s %s\n", failed ? "\u25cf" : " ", (int)w_unit, rows[i].unit,
		       (int)w_load, rows[i].load, (int)w_active, rows[i].active, (int)w_sub, rows[i].sub,
		       rows[i].desc);
	}
	if (!no_legend) {
		if (n)
			printf("\nLOAD   = Reflects whether the unit definition was properly loaded.\n"
			       "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n"
			       "SUB    = The low-level unit activation state, values depend on unit type.\n");
		if (all_flag || state_filter)
			printf("%zu loaded units listed.\n", n);
		else
			printf("%zu loaded units listed. Pass --all to see loaded but inactive units, too.\n", n);
		printf("To show all installed unit files use 'systemctl list-unit-files'.\n");
	}
	free(rows);
	svc_reply_free(&r);
	return 0;
}

int systemctl_services_main(int argc, char **argv)
{
	const char *verb = NULL;
	char *names[256];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-') {
			if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
				quiet = true;
			else if (!strcmp(a, "--now"))
				now_flag = true;
			else if (!strcmp(a, "--all") || !strcmp(a, "-a"))
				all_flag = true;
			else if (!strcmp(a, "--no-legend"))
				no_legend = true;
			else if (!strncmp(a, "--state=", 8) && a[8])
				state_filter = a + 8;
			else if (!strcmp(a, "--state") && i + 1 < argc)
				state_filter = argv[++i];
			else if (!strcmp(a, "--no-pager") || !strcmp(a, "--no-block") || !strcmp(a, "--system") ||
				 !strcmp(a, "--full") || !strcmp(a, "-l") || !strcmp(a, "--plain") || !strcmp(a, "--type=service") ||
				 !strcmp(a, "--no-reload") || !strcmp(a, "--no-ask-password"))
				continue;
			else if (!strcmp(a, "-t") || !strcmp(a, "--type")) {
				if (i + 1 < argc && !strcmp(argv[i + 1], "service")) {
					i++;
					continue;
				}
				fprintf(stderr, "systemctl: only --type=service is supported here\n");
				return 1;
			} else {
				fprintf(stderr, "systemctl: option '%s' is not supported under guestinit\n", a);
				return 1;
			}
		} else if (!verb) {
			verb = a;
		} else if (n < 256) {
			names[n++] = argv[i];
		}
	}
	if (!verb) {
		verb = "list-units";
	}
	static const char *const one_or_more[] = { "start", "stop", "restart", "reload", "try-restart",
						   "reload-or-restart", "condrestart", "force-reload", "status",
						   "enable", "disable", "is-active", "is-enabled", "is-failed" };
	bool needs_name = false;
	for (size_t i = 0; i < sizeof(one_or_more) / sizeof(one_or_more[0]); i++)
		needs_name |= !strcmp(verb, one_or_more[i]);
	if (needs_name && n == 0) {
		fprintf(stderr, "Too few arguments.\n");
		return 1;
	}
	if (!strcmp(verb, "list-units"))
		return list_units();
	if (!strcmp(verb, "daemon-reload")) {
		if (geteuid() != 0) {
			fprintf(stderr, "Failed to reload daemon: Access denied\n");
			return 4;
		}
		return simple_request("daemon-reload", NULL);
	}
	if (!strcmp(verb, "log-level"))
		return simple_request("log-level", n ? names[0] : NULL);
	if (!strcmp(verb, "reset-failed")) {
		int rc = 0;
		for (size_t i = 0; i < n; i++) {
			char nm[SVC_NAME_MAX + 1];
			unit_of(names[i], nm, sizeof(nm));
			rc |= simple_request("reset-failed", nm);
		}
		return rc ? 1 : 0;
	}
	if (!needs_name) {
		fprintf(stderr, "systemctl: '%s' is not supported under guestinit (systemd is not PID 1); supported: %s\n",
			verb, supported);
		return 1;
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char nm[SVC_NAME_MAX + 1];
		const char *why;
		unit_of(names[i], nm, sizeof(nm));
		if (svc_name_check(nm, &why) < 0) {
			fprintf(stderr, "systemctl: invalid unit name '%.64s': %s\n", names[i], why);
			rc = rc ? rc : 2;
			continue;
		}
		int r;
		if (!strcmp(verb, "status"))
			r = status(nm);
		else if (!strcmp(verb, "is-active"))
			r = is_active(nm, false);
		else if (!strcmp(verb, "is-failed"))
			r = is_active(nm, true);
		else if (!strcmp(verb, "is-enabled"))
			r = is_enabled(nm);
		else if (!strcmp(verb, "enable"))
			r = enable(nm, true);
		else if (!strcmp(verb, "disable"))
			r = enable(nm, false);
		else
			r = change(!strcmp(verb, "condrestart") ? "try-restart" : verb, nm);
		if (r && !rc)
			rc = r;
	}
	return rc;
}
