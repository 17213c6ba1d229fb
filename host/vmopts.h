/* The VM's options as start and the agent take them from the command line: drives, memory,
 * CPUs, the reclaim mode and the boot timeout, each checked with the reason named. */
#ifndef GUESTINIT_HOST_VMOPTS_H
#define GUESTINIT_HOST_VMOPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"
#include "netmode.h"
#include "error.h"

struct vm_opts {
	const char *image; /* the root filesystem, "default" or "systemd" (host/mkimage) */
	const char *disk;  /* an imported distribution's root disk (distro.h), instead of image */
	const char *distro; /* the distribution's name, the guest's WSL_DISTRO_NAME */
	struct agent_drive drives[26];
	size_t ndrives;
	unsigned mem_mb, cpus;
	unsigned drive_ports; /* virtio-serial drive ports (0: none, the drives go over TCP) */
	const char *reclaim;     /* --memory-reclaim: what WELCOME tells the guest; NULL: gradual */
	unsigned boot_timeout_s; /* QEMU's start (or a reboot) to the guest's ready line */
	/* interop (agent_interop.h): the Wine prefix whose drive_c is drive C: unless one is
	 * given, the Windows PATH the guest appends, and the alias table */
	const char *wine_prefix;
	const char *windows_path;
	const char *aliases[AGENT_MAX_ALIASES];
	size_t naliases;
	bool localhost_forwarding_off; /* --localhost-forwarding false (.wslconfig's [wsl2] key) */
	bool mirrored;           /* --networking-mode mirrored (.wslconfig's networkingMode) */
	/* .wslconfig's alone (wslconfig.h) */
	bool page_reporting_off;    /* pageReporting=false: the balloon without free page reporting */
	unsigned swap_mb;           /* swap: a swap disk of that size (0: none) */
	const char *swap_file;      /* swapFile; NULL: STATE/swap.img */
	const char *kernel;         /* kernel: instead of Debian's */
	const char *kernel_cmdline; /* kernelCommandLine: appended to ours */
	unsigned idle_timeout_ms;   /* vmIdleTimeout (agent_idle.h); 0: never */
	struct vm_net net;       /* what the mode came to (netmode.h), for QEMU and the agent */
};

/* --drive L=DIR (our server) or --drive-virtio L=DIR (QEMU's) added to drives. */
int vm_opt_drive(const char *opt, const char *spec, bool virtio, struct agent_drive *drives, size_t *n,
		 struct gi_error *err);
/* --localhost-forwarding true|false: *off set for false. */
int vm_opt_localhost_forwarding(const char *value, bool *off, struct gi_error *err);
/* --memory-reclaim: disabled, gradual or dropcache. */
int vm_opt_reclaim(const char *mode, const char **out, struct gi_error *err);
/* --boot-timeout: seconds, 1 to 86400. */
int vm_opt_seconds(const char *opt, const char *value, unsigned *out, struct gi_error *err);
/* --image: default or systemd. */
int vm_opt_image(const char *name, const char **out, struct gi_error *err);
/* start's options (argv[0] is "start") into vm, which holds the defaults. */
int vm_opts_parse(int argc, char **argv, struct vm_opts *vm, struct gi_error *err);

#endif
