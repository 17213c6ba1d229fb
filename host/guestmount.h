/* \\wsl$ on this host: a running distribution's files mounted with FUSE (man 1 wsl,
 * docs/guestfs.md). The guest serves its root as a user (guestfs/guestfs.h) over a session
 * of its own; we are its 9P client (p9client.h) and the FUSE file system (guestmount_fuse.c).
 *
 * The mount ends with the session: when the VM stops, the daemon unmounts and exits. */
#ifndef GUESTINIT_HOST_GUESTMOUNT_H
#define GUESTINIT_HOST_GUESTMOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "guesthost.h"

struct p9c;

/* Where a distribution is mounted unless told: STATE/guestfs, in its own state folder (two
 * registries may both hold a "Debian"; a mount point of its own never mixes them up), with
 * ~/.local/share/guestinit/wsl$/NAME ($XDG_DATA_HOME if set) a symlink to it: one folder
 * that holds every distribution's files, as \\wsl$ does. */
void guestmount_default_dir(const struct gh *g, char out[PATH_MAX]);
int guestmount_link_path(const char *name, char *out, size_t cap, struct gi_error *err);
/* Whether dir is a live mount of ours (a FUSE mount of subtype guestfs). */
bool guestmount_is_mounted(const char *dir);

struct guestmount_opts {
	const char *name;   /* the distribution (for the mount's name) */
	const char *dir;    /* NULL: guestmount_default_dir */
	const char *user;   /* the guest user the server runs as; NULL: the default user */
	bool foreground;    /* stay in the foreground (and keep stderr) instead of becoming a daemon */
};

/* Mounts g's guest (running) on o->dir: returns once the mount is there, the daemon in the
 * background (or, with foreground, once it is unmounted). 0 or -errno with err. */
int guestmount(struct gh *g, const struct guestmount_opts *o, struct gi_error *err);

/* `guesthost mount-guest [DIR] [--user U] [--foreground]` */
gh_verb cmd_mount_guest;

/* guestmount_fuse.c: serves c's guest as a FUSE file system on dir until it is unmounted or
 * the guest goes away; detaches first unless foreground. */
int guestfs_fuse_serve(struct p9c *c, const char *dir, const char *fsname, bool foreground, struct gi_error *err);

#endif
