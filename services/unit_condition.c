/* Condition*= and Assert*= as systemd checks them before a start: a condition not met skips
 * the start (the unit stays inactive and start succeeds), an assertion not met fails it.
 * Debian's units use them to stay out of places they do not belong (e2scrub_reap needs
 * CAP_SYS_ADMIN, many units need a file to exist), so starting them anyway would be wrong. */
#include "unit_condition.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cleanup.h"

#include <sys/capability.h>

static const char *const checks[] = { "PathExists",      "PathExistsGlob",   "PathIsDirectory",
				      "PathIsSymbolicLink", "PathIsMountPoint", "PathIsReadWrite",
				      "DirectoryNotEmpty", "FileNotEmpty",     "FileIsExecutable",
				      "Capability",      "Virtualization",   "KernelCommandLine" };

bool unit_condition_known(const char *key)
{
	const char *check = !strncmp(key, "Condition", 9) ? key + 9 : !strncmp(key, "Assert", 6) ? key + 6 : NULL;
	if (!check)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (!strcmp(check, checks[i]))
			return true;
	return false;
}

static bool dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	bool any = false;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

/* A mount point: a different device than its parent, or the same directory as its parent (/). */
static bool is_mount_point(const char *path)
{
	struct stat st, up;
	char parent[PATH_MAX + 4];
	snprintf(parent, sizeof(parent), "%s/..", path);
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || stat(parent, &up) < 0)
		return false;
	return st.st_dev != up.st_dev || st.st_ino == up.st_ino;
}

static bool has_capability(const char *name)
{
	cap_value_t c;
	if (cap_from_name(name, &c) < 0)
		return false;
	/* systemd asks the bounding set of the manager, which is ours */
	return prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
}

static bool cpu_has_hypervisor(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			return strstr(line, " hypervisor") != NULL;
	return false;
}

/* We are a WSL-style utility VM: "yes", "vm" and "wsl" hold; "container" and the names of
 * container managers do not; a hypervisor's name holds when the firmware's vendor says so. */
static bool virtualization_is(const char *what)
{
	if (!strcmp(what, "wsl"))
		return true;
	if (!strcmp(what, "container") || !strcmp(what, "docker") || !strcmp(what, "podman") ||
	    !strcmp(what, "lxc") || !strcmp(what, "lxc-libvirt") || !strcmp(what, "systemd-nspawn") ||
	    !strcmp(what, "openvz") || !strcmp(what, "rkt") || !strcmp(what, "proot") || !strcmp(what, "pouch"))
		return false;
	int b = !strcmp(what, "yes") || !strcmp(what, "true") || !strcmp(what, "1") || !strcmp(what, "on") ? 1
		: !strcmp(what, "no") || !strcmp(what, "false") || !strcmp(what, "0") || !strcmp(what, "off") ? 0
		: -1;
	if (b >= 0)
		return b == 1; /* a VM, whatever the CPU flags of the machine under it say */
	if (!strcmp(what, "vm"))
		return true;
	char vendor[128] = "";
	_cleanup_fclose_ FILE *f = fopen("/sys/class/dmi/id/sys_vendor", "re");
	if (f && fgets(vendor, sizeof(vendor), f))
		vendor[strcspn(vendor, "\n")] = '\0';
	if (!strcmp(what, "qemu"))
		return !strcmp(vendor, "QEMU") && !cpu_has_hypervisor();
	if (!strcmp(what, "kvm"))
		return !strcmp(vendor, "QEMU") && cpu_has_hypervisor();
	return false;
}

static bool kernel_cmdline_has(const char *what)
{
	char buf[4096];
	_cleanup_close_ int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	bool bare = !strchr(what, '='); /* "quiet" matches quiet and quiet=...; "a=b" only itself */
	size_t wl = strlen(what);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (!strcmp(w, what) || (bare && !strncmp(w, what, wl) && w[wl] == '='))
			return true;
	return false;
}

static bool holds(const char *check, const char *v)
{
	struct stat st;
	if (!strcmp(check, "PathExists"))
		return access(v, F_OK) == 0;
	if (!strcmp(check, "PathExistsGlob")) {
		glob_t g;
		bool any = glob(v, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
		globfree(&g);
		return any;
	}
	if (!strcmp(check, "PathIsDirectory"))
		return stat(v, &st) == 0 && S_ISDIR(st.st_mode);
	if (!strcmp(check, "PathIsSymbolicLink"))
		return lstat(v, &st) == 0 && S_ISLNK(st.st_mode);
	if (!strcmp(check, "PathIsMountPoint"))
		return is_mount_point(v);
	if (!strcmp(check, "PathIsReadWrite")) {
		struct statvfs sv;
		return statvfs(v, &sv) == 0 && !(sv.f_flag & ST_RDONLY);
	}
	if (!strcmp(check, "DirectoryNotEmpty"))
		return dir_has_entries(v);
	if (!strcmp(check, "FileNotEmpty"))
		return stat(v, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
	if (!strcmp(check, "FileIsExecutable"))
		return stat(v, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	if (!strcmp(check, "Capability"))
		return has_capability(v);
	if (!strcmp(check, "Virtualization"))
		return virtualization_is(v);
	if (!strcmp(check, "KernelCommandLine"))
		return kernel_cmdline_has(v);
	return true;
}

/* One family (Condition or Assert) of the list: all plain ones hold, and one of the
 * triggering ('|') ones does when there are any. */
static bool family_holds(const struct unit_strv *list, const char *family, char *failed, size_t cap)
{
	size_t fl = strlen(family);
	bool any_trigger = false, trigger_held = false;
	const char *first_trigger = NULL;
	for (size_t i = 0; i < list->n; i++) {
		const char *entry = list->v[i];
		if (strncmp(entry, family, fl))
			continue;
		const char *eq = strchr(entry, '=');
		if (!eq)
			continue;
		char check[64];
		snprintf(check, sizeof(check), "%.*s", (int)(eq - entry - fl), entry + fl);
		const char *v = eq + 1;
		bool trigger = *v == '|';
		v += trigger;
		bool negate = *v == '!';
		v += negate;
		bool ok = holds(check, v) != negate;
		if (trigger) {
			if (!any_trigger)
				first_trigger = entry;
			any_trigger = true;
			trigger_held |= ok;
		} else if (!ok) {
			snprintf(failed, cap, "%s", entry);
			return false;
		}
	}
	if (any_trigger && !trigger_held) {
		snprintf(failed, cap, "%s (and the other |-conditions)", first_trigger);
		return false;
	}
	return true;
}

enum unit_condition_result unit_conditions_check(const struct unit *u, char *failed, size_t cap)
{
	if (cap)
		failed[0] = '\0';
	if (!family_holds(&u->conditions, "Assert", failed, cap))
		return UNIT_ASSERT_FAILED;
	if (!family_holds(&u->conditions, "Condition", failed, cap))
		return UNIT_CONDITION_UNMET;
	return UNIT_CONDITIONS_MET;
}
