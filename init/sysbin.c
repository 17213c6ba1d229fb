/* The distro's own shutdown commands talk to systemd or sysvinit and fail under us ("Failed to
 * talk to init daemon"). We answer under their names without touching the disk where the
 * distro has a file: a bind mount of our binary over it lasts until shutdown, dpkg never sees
 * it, and nothing of it survives a boot with systemd. Where the distro has no such command we
 * add a link in /usr/local/sbin, which the distro never owns. See docs/architecture.md. */
#include "sysbin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static const char *const names[] = { "reboot", "poweroff", "halt", "shutdown", "runlevel", "telinit", "service",
				     "systemctl" };
static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Binds self over target unless it already is self (a second boot step, or our own link). */
static void cover(const char *self, const char *name, const char *target)
{
	if (same_file(self, target))
		return;
	if (mount(self, target, NULL, MS_BIND, NULL) < 0)
		log_warn("sysbin", "%s: cannot cover %s: %s", name, target, strerror(errno));
	else
		log_debug("sysbin", "%s: %s now reaches guestinit", name, target);
}

static void expose_one(const char *self, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			cover(self, name, path);
			return;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		char real[PATH_MAX];
		if (!realpath(path, real))
			continue;
		const char *base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
		/* systemd-sysv links these names to systemctl, which without systemd only fails;
		 * covering it makes both the link and `systemctl poweroff` reach us. A link into a
		 * multi-call binary such as busybox is left alone: covering it would take every
		 * other command of that binary. */
		if (strcmp(base, "systemctl") == 0 || strcmp(base, name) == 0)
			cover(self, name, real);
		else if (!same_file(self, real))
			log_info("sysbin", "%s: left %s alone, it is a link to %s", name, path, real);
		return;
	}
	/* Nothing of the distro's: a link in the local admin's directory. */
	snprintf(path, sizeof(path), "/usr/local/sbin/%s", name);
	if (mkdir("/usr/local/sbin", 0755) < 0 && errno != EEXIST) {
		log_warn("sysbin", "%s: no such command and cannot create /usr/local/sbin: %s", name, strerror(errno));
		return;
	}
	if (symlink(self, path) < 0 && errno != EEXIST)
		log_warn("sysbin", "%s: cannot link %s: %s", name, path, strerror(errno));
}

/* mount(8) runs /sbin/mount.TYPE for `mount -t drvfs` and fstab's drvfs lines. No distro
 * ships that name: a link to us, as WSL makes it (/sbin is /usr/sbin on merged-/usr systems). */
static void expose_mount_helper(const char *self)
{
	const char *path = "/sbin/mount.drvfs";
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!same_file(self, path))
			cover(self, "mount.drvfs", path);
		return;
	}
	if (symlink(self, path) < 0)
		log_warn("sysbin", "cannot link %s: %s; mount -t drvfs will not work", path, strerror(errno));
}

void sysbin_expose(const char *self)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expose_one(self, names[i]);
	expose_mount_helper(self);
}
