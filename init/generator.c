/* The hand-off's systemd generator (see generator.h). */
#include "generator.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "readfile.h"

/* Each with its reason; docs/systemd.md has the same list. */
static const char *const masked[] = {
	/* guestinit configured the network before systemd started: nothing comes online later,
	 * and these would hold boot for 2 min and 60 s (WSL's #13186, #13772) */
	"systemd-networkd-wait-online.service",
	"NetworkManager-wait-online.service",
	/* the console is the host's log of the VM (console.log), not a terminal anyone types
	 * on: sessions come through the host channel */
	"console-getty.service",
	/* guestinit mounts binfmt_misc before systemd starts (WSLInterop is registered there):
	 * an autofs over it is refused ("already a mount point") and the boot is degraded */
	"proc-sys-fs-binfmt_misc.automount",
};

static int mask(const char *dir, const char *unit)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, unit) >= sizeof(path))
		return -ENAMETOOLONG;
	if (symlink("/dev/null", path) < 0 && errno != EEXIST)
		return -errno;
	return 1;
}

int generator_write_masks(const char *dir, const char *consoles)
{
	int n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		int r = mask(dir, masked[i]);
		if (r < 0)
			return r;
		n += r;
	}
	/* systemd-getty-generator starts a login prompt on each serial console: ours is the
	 * host's log, as above */
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", consoles ? consoles : "");
	char *save = NULL;
	for (char *c = strtok_r(copy, " \t\n", &save); c; c = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(c, "tty", 3) && c[3] >= '0' && c[3] <= '9')
			continue; /* a virtual terminal: getty@ttyN is the distro's business */
		char unit[128];
		snprintf(unit, sizeof(unit), "serial-getty@%s.service", c);
		int r = mask(dir, unit);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

int generator_main(int argc, char **argv)
{
	log_init("guestinit-generator");
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: guestinit-generator NORMAL-DIR [EARLY-DIR LATE-DIR] (systemd runs it)\n");
		return 2;
	}
	_cleanup_free_ char *consoles = NULL; /* sysfs: a regular file, whatever its size says */
	if (read_file("/sys/class/tty/console/active", 4096, &consoles, NULL) < 0)
		consoles = NULL;
	int r = generator_write_masks(argv[1], consoles);
	if (r < 0) {
		log_err(NULL, "masking in %s: %s", argv[1], strerror(-r));
		return 1; /* systemd logs it and goes on */
	}
	return 0;
}
