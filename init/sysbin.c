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

#include "atomicfile.h"
#include "log.h"

/* every name README and guestinit(8) promise in the guest (mount.drvfs is put in /sbin by
 * the image, where mount(8) looks for it) */
static const char *const names[] = { "reboot",  "poweroff",  "halt",      "shutdown", "runlevel",
				     "telinit", "service",   "systemctl", "guestinit", "wslpath" };
/* the ones every user types (Debian's user PATH has no sbin) */
static const char *const user_names[] = { "guestinit", "wslpath" };

static const char *local_dir(const char *name)
{
	for (size_t i = 0; i < sizeof(user_names) / sizeof(user_names[0]); i++)
		if (!strcmp(name, user_names[i]))
			return "/usr/local/bin";
	return "/usr/local/sbin";
}
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

/* Debian's invoke-rc.d (apt's maintainer scripts start services with it) runs /sbin/runlevel
 * and refuses to start anything when /sbin/init is missing, both by absolute path. A minimal
 * root without an init package has neither: a link to us is made there. It overwrites
 * nothing; dpkg replaces it if an init package is installed later. */
static void link_in_sbin(const char *self, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sbin/%s", name);
	struct stat st;
	if (lstat(path, &st) == 0)
		return;
	(void)mkdir("/sbin", 0755); /* a minimal root filesystem (wsl --import of busybox) has none */
	if (symlink(self, path) < 0)
		log_warn("sysbin", "cannot link %s: %s; invoke-rc.d will not start services", path, strerror(errno));
}

/* Debian's init scripts source /lib/lsb/init-functions, which runs the hooks in
 * init-functions.d; systemd's 40-systemd there turns `/etc/init.d/X start` into systemctl when X
 * has a unit. Ours does the same for our supervisor, before 40-systemd, so that a service that
 * invoke-rc.d (apt) or a user starts through its script is the unit the supervisor runs.
 * `service` answers 100 when X has no unit, and the script then goes on as it would. */
static const char initd_hook[] =
	"# guestinit: a service with a unit is run by guestinit's supervisor, also when its init\n"
	"# script is called directly (invoke-rc.d, /etc/init.d/NAME start). See man 8 service.\n"
	"# Written at boot by guestinit; removing the file turns this off until the next boot.\n"
	"if [ -z \"${GUESTINIT_INITD_HOOK:-}${GUESTINIT_SUPERVISED:-}\" ] && [ -S /run/guestinit/services ] &&\n"
	"   [ ! -d /run/systemd/system ]; then\n"
	"  case \"${1:-}\" in\n"
	"    start|stop|restart|reload|force-reload|try-restart|status)\n"
	"      GUESTINIT_INITD_HOOK=1 %s service \"${0##*/}\" \"$1\"\n"
	"      _guestinit_rc=$?\n"
	"      [ \"$_guestinit_rc\" = 100 ] || exit \"$_guestinit_rc\"\n"
	"      ;;\n"
	"  esac\n"
	"fi\n";

/* dpkg runs these around every run (dpkg.cfg(5) pre-invoke/post-invoke): a package that ships
 * only a unit (rsyslog) starts on install as under systemd. See services/dpkg_hook.h. */
static const char dpkg_hook[] =
	"# guestinit: a package that ships only a systemd unit starts, restarts and stops with dpkg as\n"
	"# under systemd (its maintainer scripts act only when systemd runs). See man 8 service.\n"
	"# Written at boot by guestinit; removing the file turns this off until the next boot.\n"
	"pre-invoke=if [ -S /run/guestinit/services ] && [ ! -d /run/systemd/system ]; then %s service --dpkg-hook pre; fi\n"
	"post-invoke=if [ -S /run/guestinit/services ] && [ ! -d /run/systemd/system ]; then %s service --dpkg-hook post; fi\n";

/* Writes a hook file of ours into a distro's hook directory (never over a file of the distro:
 * the names are ours), only when its text changed. */
static void install_hook(const char *self, const char *dir, const char *path, const char *fmt, const char *lost)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return; /* the hook's user is not installed */
	char want[1024 + 2 * PATH_MAX];
	snprintf(want, sizeof(want), fmt, self, self);
	char have[sizeof(want)];
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(have, 1, sizeof(have) - 1, f) : 0;
	if (f)
		fclose(f);
	have[n] = '\0';
	if (!strcmp(have, want))
		return;
	int r = atomic_write(path, want, strlen(want), 0644, false);
	if (r < 0)
		log_debug("sysbin", "cannot write %s: %s; %s", path, strerror(-r), lost);
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
	/* Nothing of the distro's: a link in the local admin's directory (bin or sbin, as the
	 * command is everyone's or root's), except for runlevel,
	 * which invoke-rc.d runs as /sbin/runlevel (see link_in_sbin). */
	if (!strcmp(name, "runlevel")) {
		link_in_sbin(self, name);
		return;
	}
	const char *dir = local_dir(name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)mkdir("/usr", 0755); /* a minimal root filesystem has no /usr/local */
	(void)mkdir("/usr/local", 0755);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_warn("sysbin", "%s: no such command and cannot create %s: %s", name, dir, strerror(errno));
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
	(void)mkdir("/sbin", 0755);
	if (symlink(self, path) < 0)
		log_warn("sysbin", "cannot link %s: %s; mount -t drvfs will not work", path, strerror(errno));
}

void sysbin_expose(const char *self)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expose_one(self, names[i]);
	expose_mount_helper(self);
	link_in_sbin(self, "init");
	install_hook(self, "/lib/lsb/init-functions.d", "/lib/lsb/init-functions.d/35-guestinit", initd_hook,
		     "init scripts started directly are not supervised");
	install_hook(self, "/etc/dpkg/dpkg.cfg.d", "/etc/dpkg/dpkg.cfg.d/guestinit-services", dpkg_hook,
		     "packages that ship only a unit do not start on install");
}
