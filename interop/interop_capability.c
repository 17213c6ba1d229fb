/* interop as a capability (see interop_capability.h). */
#include "interop_capability.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "binfmt.h"
#include "interop_client.h"
#include "exec_session.h"
#include "interop_msg.h"
#include "log.h"
#include "interop_policy.h"
#include "readfile.h"
#include "records.h"
#include "winpath.h"
#include "wslconf.h"
#include "wslenv.h"
#include "wslpath.h"

static int may_dial(pid_t pid, uid_t uid, char *why, size_t cap)
{
	(void)pid;
	return interop_may_run(WSLCONF_PATH, uid, why, cap);
}

static const struct hub_dial_rule interop_dials[] = {
	{ MSG_INTEROP_OPEN, false, may_dial },
};

static const char *const interop_broker_paths[] = { INTEROP_INIT_SOCKET, NULL };

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* PATH: base, then the alias stubs, then the host's Windows PATH as guest paths (entries on
 * no mounted drive are left out, as WSL leaves out what it cannot translate), each only once. */
static char *path_with_host(const char *base, const struct host_conf *hc)
{
	size_t cap = strlen(base) + sizeof(INTEROP_ALIAS_DIR) + 2 + PATH_MAX * 8, n = 0;
	char *path = malloc(cap);
	if (!path)
		return NULL;
	n = (size_t)snprintf(path, cap, "%s", base);
	char *add[WINPATH_MAX_MOUNTS + 1];
	size_t nadd = 0;
	static char guest[WINPATH_MAX_MOUNTS][PATH_MAX];
	if (hc->aliases[0])
		add[nadd++] = INTEROP_ALIAS_DIR;
	struct winpath_table t;
	wslpath_table_load(&t);
	char list[sizeof(hc->windows_path)];
	snprintf(list, sizeof(list), "%s", hc->windows_path);
	char *save = NULL;
	for (char *e = strtok_r(list, ";", &save); e && nadd < WINPATH_MAX_MOUNTS; e = strtok_r(NULL, ";", &save)) {
		char *g = guest[nadd];
		if (!winpath_is_windows_absolute(e) || winpath_to_linux(&t, e, g, PATH_MAX) < 0 || strchr(g, ':'))
			continue;
		size_t len = strlen(g);
		while (len > 1 && g[len - 1] == '/')
			g[--len] = '\0';
		add[nadd++] = g;
	}
	for (size_t i = 0; i < nadd; i++) {
		size_t len = strlen(add[i]);
		bool have = false; /* already in PATH: a login shell's profile ran again */
		for (const char *p = path; p && *p && !have; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL)
			have = !strncmp(p, add[i], len) && (p[len] == ':' || !p[len]);
		if (have || n + len + 2 > cap)
			continue;
		n += (size_t)snprintf(path + n, cap - n, "%s%s", n ? ":" : "", add[i]);
	}
	return path;
}

static size_t session_env(char **env, size_t cap)
{
	static struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, quiet, NULL);
	if (!conf.interop.enabled || cap < 2)
		return 0;
	size_t n = 0;
	/* this process is the session's (lib/chan/exec_runner.c builds the environment before
	 * its fork), whose broker the hub made at its start */
	if (asprintf(&env[n], "WSL_INTEROP=" INTEROP_SESSION_SOCKET_FMT, (int)getpid()) >= 0)
		n++;
	struct host_conf hc;
	char *path;
	if (conf.interop.append_windows_path && host_conf_read(HOST_CONF_PATH, &hc) == 0 &&
	    (path = path_with_host(EXEC_DEFAULT_PATH, &hc))) {
		if (asprintf(&env[n], "PATH=%s", path) >= 0)
			n++;
		free(path);
	}
	return n;
}

static const char *env_value(char *const *env, size_t n, const char *name)
{
	ssize_t i = wslenv_find(env, n, name);
	return i < 0 ? NULL : env[i] + strlen(name) + 1;
}

/* WSLENV from the host, as WSL's init applies it: a path list (/p, /l) comes in Windows form
 * (the agent made it so) and becomes guest paths (none translating: the variable is left
 * out); an empty value removes the variable. */
static size_t session_env_from_host(char *const *env, size_t n, char **out, size_t cap)
{
	const char *wslenv = env_value(env, n, "WSLENV");
	if (!wslenv)
		return 0;
	enum { MAX_ENTRIES = 256 };
	static struct wslenv_entry ents[MAX_ENTRIES];
	size_t ne = wslenv_entries(wslenv, WSLENV_TO_GUEST, ents, MAX_ENTRIES), k = 0;
	struct winpath_table t;
	bool have_table = false;
	for (size_t i = 0; i < ne && k < cap; i++) {
		const char *v = env_value(env, n, ents[i].name);
		if (!v)
			continue;
		if (!*v) {
			if ((out[k] = strdup(ents[i].name)))
				k++;
			continue;
		}
		if (!ents[i].path)
			continue;
		if (!have_table) {
			wslpath_table_load(&t);
			have_table = true;
		}
		char *tr = wslenv_translate_list(v, WSLENV_TO_GUEST, &t, NULL, NULL);
		int r = tr ? asprintf(&out[k], "%s=%s", ents[i].name, tr) : (out[k] = strdup(ents[i].name)) ? 0 : -1;
		free(tr);
		if (r >= 0)
			k++;
	}
	return k;
}

/* guestinit-interop-path: $PATH with the host's folders added, for a login shell, whose
 * /etc/profile sets PATH anew (Debian's does); nothing, status 1, when they are not wanted. */
int interop_path_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, quiet, NULL);
	struct host_conf hc;
	if (!conf.interop.enabled || !conf.interop.append_windows_path || host_conf_read(HOST_CONF_PATH, &hc) < 0)
		return 1;
	const char *base = getenv("PATH");
	char *path = path_with_host(base ? base : EXEC_DEFAULT_PATH, &hc);
	if (!path)
		return 1;
	printf("%s\n", path);
	free(path);
	return 0;
}

const struct hub_capability interop_capability = {
	.name = "interop",
	.on_welcome = "guestinit-interop-setup",
	.dials = interop_dials,
	.ndials = sizeof(interop_dials) / sizeof(interop_dials[0]),
	.broker_paths = interop_broker_paths,
	.session_broker_fmt = INTEROP_SESSION_SOCKET_FMT,
	.session_env = session_env,
	.session_env_from_host = session_env_from_host,
};

/* ---- the boot hook ------------------------------------------------------------------------ */

static const char stub_text[] = "MZ\n# guestinit: a name of the host's alias table (guesthost(1), ALIASES).\n"
				"# Running it runs the host's program, through binfmt_misc and /init.\n";

static bool alias_name_ok(const char *name)
{
	if (!name[0] || strlen(name) > 64 || name[0] == '.')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._+-", *c)))
			return false;
	return true;
}

/* One stub per alias, and none for a name the host no longer aliases. */
static void make_stubs(const char *aliases)
{
	mkdir(INTEROP_ALIAS_DIR, 0755);
	char list[1024];
	snprintf(list, sizeof(list), "%s", aliases);
	DIR *d = opendir(INTEROP_ALIAS_DIR);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char pat[sizeof(e->d_name) + 2];
		snprintf(pat, sizeof(pat), ";%s;", e->d_name);
		char wrapped[1030];
		snprintf(wrapped, sizeof(wrapped), ";%s;", aliases);
		if (!strstr(wrapped, pat))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
	char *save = NULL;
	for (char *name = strtok_r(list, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
		if (!alias_name_ok(name)) {
			log_warn("interop", "the host aliases '%s', which is not a program name: left out", name);
			continue;
		}
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", INTEROP_ALIAS_DIR, name);
		int r = atomic_write(p, stub_text, sizeof(stub_text) - 1, 0755, false);
		if (r < 0)
			log_warn("interop", "cannot write %s: %s", p, strerror(-r));
	}
}

/* Debian's /etc/profile sets PATH anew, so a login shell (bash -l, su -) would lose the host's
 * folders: a profile.d script puts them back, asking guestinit-interop-path. Its text is the
 * same at every boot (what it prints is decided at login), so it is written once. */
#define PROFILE_SCRIPT "/etc/profile.d/guestinit-interop.sh"
static const char profile_text[] =
	"# guestinit: the host's Windows PATH (and its aliases) at the end of PATH, as WSL's\n"
	"# [interop] appendWindowsPath does; /etc/profile set PATH anew. Written by guestinit.\n"
	"if [ -x /init ] && _gi_path=$(/init guestinit-interop-path 2>/dev/null); then PATH=$_gi_path; fi\n"
	"unset _gi_path\n";

static void write_profile_script(void)
{
	char *have = NULL;
	bool same = read_file(PROFILE_SCRIPT, 4096, &have, NULL) == 0 && !strcmp(have, profile_text);
	free(have);
	if (same)
		return;
	struct stat st;
	if (stat("/etc/profile.d", &st) < 0 || !S_ISDIR(st.st_mode))
		return; /* a root without profile.d: sessions' PATH has them anyway */
	int r = atomic_write(PROFILE_SCRIPT, profile_text, sizeof(profile_text) - 1, 0644, false);
	if (r < 0)
		log_warn("interop", "cannot write %s: %s", PROFILE_SCRIPT, strerror(-r));
}

static bool runs_this_binary(pid_t pid)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	struct stat a, b;
	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Registering a handler is for the guest's own kernel (or a user namespace's private
 * binfmt_misc): only where PID 1 is this very binary, or, after the systemd hand-off, its
 * helper is (HELPER_PID_PATH). */
static bool in_our_guest(void)
{
	pid_t helper;
	return runs_this_binary(1) || ((helper = helper_pid_read()) > 0 && runs_this_binary(helper));
}

int interop_setup_main(int argc, char **argv)
{
	(void)argv;
	log_init("guestinit-interop");
	if (argc > 1) {
		log_err("interop", "usage: guestinit-interop-setup (the hub runs it after the host's WELCOME)");
		return 2;
	}
	if (!in_our_guest()) {
		log_err("interop", "neither PID 1 nor a systemd hand-off's helper is guestinit here: binfmt_misc left alone");
		return 1;
	}
	struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, quiet, NULL);
	struct gi_error err = GI_ERROR_INIT;
	if (!conf.interop.enabled) {
		if (binfmt_unregister(BINFMT_DIR, &err) < 0)
			log_warn("interop", "%s", err.msg);
		log_info("interop", "disabled ([interop] enabled=false): %s not registered", BINFMT_NAME);
		return 0;
	}
	if (binfmt_register(BINFMT_DIR, &err) < 0) {
		log_warn("interop", "%s: Windows programs will not start", err.msg);
		return 0;
	}
	if (conf.boot.protect_binfmt && binfmt_protect(BINFMT_DIR, BINFMT_LOCK_DIR, &err) < 0)
		log_warn("interop", "protectBinfmt: %s", err.msg);
	struct host_conf hc;
	if (host_conf_read(HOST_CONF_PATH, &hc) == 0)
		make_stubs(hc.aliases);
	write_profile_script();
	log_info("interop", "%s registered (%s)%s", BINFMT_NAME, BINFMT_REGISTRATION,
		 conf.boot.protect_binfmt ? ", protected" : "");
	return 0;
}
