/* The one binary: dispatches on the name it was run as (argv[0]), as WSL's /init does. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "automount.h"
#include "generator.h"
#include "guestfs.h"
#include "helper.h"
#include "hub.h"
#include "logd.h"
#include "memreclaimd.h"
#include "mount.h"
#include "pid1.h"
#include "portfwdd.h"
#include "service_cmd.h"
#include "servicesd.h"
#include "stage1.h"
#include "utmp_records.h"
#include "wslpath.h"
#include "interop_client.h"
#include "interop_capability.h"

static int init_main(int argc, char **argv)
{
	if (getpid() == 1)
		pid1_main(argc, argv);
	/* Not PID 1: like sysvinit's and systemd's init, act as telinit ("init 0", "init 6"). */
	if (argc == 2 && argv[1][0] != '-')
		return telinit_main(argc, argv);
	fprintf(stderr, "init: guestinit's init must be PID 1 (this is pid %d); as a command it takes a "
			"runlevel: init 0 (power off) or init 6 (reboot)\n", (int)getpid());
	return 1;
}

static const struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
} applets[] = {
	{ "init", init_main },
	{ "guestinit", guestinit_cmd_main },
	{ "guestinit-logd", logd_main },
	{ "guestinit-hostd", hostd_main },
	{ "guestinit-automount", drvfs_boot_main },
	{ "guestinit-servicesd", servicesd_main },
	{ "guestinit-memreclaimd", memreclaimd_main },
	{ "guestinit-portfwdd", portfwdd_main },
	{ "guestinit-helper", helper_main },
	{ "guestinit-guard", guard_main },
	{ "guestinit-generator", generator_main },
	{ "service", service_main },
	{ "reboot", power_cmd_main },
	{ "poweroff", power_cmd_main },
	{ "halt", power_cmd_main },
	{ "shutdown", shutdown_cmd_main },
	{ "telinit", telinit_main },
	{ "runlevel", runlevel_main },
	{ "systemctl", systemctl_main },
	{ "mount.drvfs", mount_drvfs_main },
	{ "wslpath", wslpath_main },
	{ GUESTFS_APPLET, guestfs_main },
	{ "guestinit-interop-setup", interop_setup_main },
	{ "guestinit-interop-path", interop_path_main },
};

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "init";
	const char *slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	if (getpid() == 1) {
		if (stage1_here())
			stage1_main(argc, argv); /* the initramfs: ends in the root disk's /init */
		pid1_main(argc, argv);   /* whatever the kernel called us */
	}
	/* binfmt_misc's call for a Windows program: [/init, /mnt/c/.../x.exe, x.exe, args...] */
	if (interop_is_binfmt_call(argc, argv))
		return interop_client_main(argc, argv);
	/* `init APPLET ARGS` (or any other name): runs the applet, so that a build tree's init/init
	 * is usable without links. */
	if (argc > 1)
		for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
			if (strcmp(argv[1], applets[i].name) == 0)
				return applets[i].main(argc - 1, argv + 1);
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		if (strcmp(name, applets[i].name) == 0)
			return applets[i].main(argc, argv);
	fprintf(stderr, "guestinit: unknown command name '%s'; known:", name);
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		fprintf(stderr, " %s", applets[i].name);
	fputc('\n', stderr);
	return 1;
}
