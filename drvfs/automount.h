/* The boot's mounts, once the host's drive table is known (the hub runs guestinit-automount
 * after the first WELCOME, drvfs's registered hook, and holds READY until it is done):
 * [automount] mounts each announced drive at root + letter with our defaults (uid/gid 1000,
 * symlinkroot = root) and [automount] options over them; then, with mountFsTab, /etc/fstab in
 * order, drvfs lines through mount.drvfs's code and the others through util-linux's mount,
 * honouring noauto and nofail. A failing mount is logged and the rest go on. */
#ifndef GUESTINIT_DRVFS_AUTOMOUNT_H
#define GUESTINIT_DRVFS_AUTOMOUNT_H

#include "mount.h"
#include "wslconf.h"

/* Each returns how many mounts failed (nofail lines do not count). */
unsigned drvfs_automount(const struct wsl_conf *conf, const struct drvfs_host *h);
unsigned drvfs_fstab(const struct wsl_conf *conf, const struct drvfs_host *h, const char *path);

/* Made once the boot's mounts were done, so that a second run in the same boot does nothing. */
#define DRVFS_MOUNTED_PATH "/run/guestinit/mounted"

/* guestinit-automount: [automount], then fstab, once per boot. */
int drvfs_boot_main(int argc, char **argv);

#endif
