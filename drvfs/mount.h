/* mount.drvfs: a host drive on a guest folder (`mount -t drvfs C: /mnt/c`, fstab, automount).
 *
 * The host's drive table comes from WELCOME (the host configuration record, "drive.c=p9" or
 * "drive.c=virtio:TAG"). A "p9" drive is served by the host agent's own 9P server: the hub
 * dials a connection to the host whose first frame is DRIVE_OPEN (the aname; the hub adds the
 * boot token) and, once the host has accepted the options, we give the connection to the
 * kernel as trans=fd. A virtio drive is QEMU's virtio-9p share, which knows nothing of WSL's
 * options. */
#ifndef GUESTINIT_DRVFS_MOUNT_H
#define GUESTINIT_DRVFS_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "options.h"

/* mount(8)'s exit statuses */
#define DRVFS_EXIT_USAGE 1
#define DRVFS_EXIT_FAIL 32

#define DRVFS_DEFAULT_MSIZE 262144u
#define DRVFS_DEFAULT_CACHE "mmap"

struct drvfs_host {
	char source[26][64]; /* by letter - 'a'; "" = not shared */
};

/* Reads the drive table from the host configuration record. 0, or -errno with err saying
 * what is missing. */
int drvfs_host_load(struct drvfs_host *h, const char *conf_path, struct gi_error *err);

/* Mounts source on target. base holds the options already decided (automount's defaults and
 * [automount] options), options the ones given now (-o, fstab), parsed over it. 0, or a
 * mount(8) exit status with err (one line) saying why. Nothing is left mounted or open on
 * failure. */
int drvfs_mount(const struct drvfs_host *h, const char *source, const char *target, const struct drvfs_options *base,
		const char *options, struct gi_error *err);

/* The command: mount.drvfs SOURCE TARGET [-o OPTIONS] [-fnsv] [-t TYPE]. */
int mount_drvfs_main(int argc, char **argv);

#endif
