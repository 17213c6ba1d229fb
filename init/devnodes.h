/* Device nodes for modules the boot does not load (modules.devname), as `kmod static-nodes`
 * makes them for udev: opening one loads its module (the kernel asks for char-major-M-N), so
 * /dev/net/tun (slirp4netns, rootless podman, VPNs) and /dev/fuse (fuse-overlayfs, sshfs)
 * work on a system without udev, and neither module is loaded at every boot. */
#ifndef GUESTINIT_INIT_DEVNODES_H
#define GUESTINIT_INIT_DEVNODES_H

/* Makes each node listed in devname (lines "MODULE NAME cMAJ:MIN" or "bMAJ:MIN") under devdir,
 * its folders too; one already there is left as it is. Returns how many it made, or -errno
 * when devname cannot be read. A line it cannot use is logged and skipped. */
int devnodes_make(const char *devname, const char *devdir);

#endif
