/* How one attach of the 9P server presents the host's files: WSL's drvfs options, which the
 * guest sends inside aname ("drvfs;path=C:\src;metadata;uid=1000;gid=1000;case=dir").
 *
 * The server exports a table of folders by drive letter; an aname's path= picks one (and a
 * folder within it). An empty aname, or one without path=, is accepted only when the table
 * has exactly one entry, so that plain `mount -t 9p` works against a one-folder server.
 *
 * A native server (p9_server_set_native) has no drvfs view at all: owners, modes and file
 * types are the files' own, and chmod, chown and mknod do what they do. That is how the guest
 * serves its own root to the host (\\wsl$, guestfs/), as a user of its own, whose permissions
 * the kernel applies. The server chooses it, never the client: the host's drive server must
 * not let a guest chmod, chown or mknod for real on the host's files. */
#ifndef GUESTINIT_P9_VIEW_H
#define GUESTINIT_P9_VIEW_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"

struct p9_export {
	char letter;     /* lower case */
	const char *dir; /* absolute host folder */
};

enum p9_case { P9_CASE_OFF, P9_CASE_DIR };

struct p9_view {
	char root[PATH_MAX];       /* the host folder this attach sees */
	char drive_root[PATH_MAX]; /* the drive's folder (symlinkroot rewrites against it) */
	char letter;
	bool metadata;
	bool native;               /* "native": the files as they are (\\wsl$: the guest serving its own) */
	uint32_t uid, gid;
	mode_t fmask, dmask;       /* umask folded in */
	enum p9_case case_mode;
	char symlinkroot[256];     /* "" when not given */
	int root_fd;               /* O_PATH of root */
	dev_t root_dev;            /* ... and its inode: ".." stops there */
	ino_t root_ino;
	dev_t drive_dev;           /* the drive's own folder: nothing above it is ever reached */
	ino_t drive_ino;
	unsigned refs;
};

/* "c=/some/folder" (the letter in either case) into an export: the folder must exist, and is
 * made absolute (dir is malloc'd). 0, or -EINVAL with err naming what is wrong. */
int p9_export_parse(const char *spec, struct p9_export *out, struct gi_error *err);

/* Parses aname against the export table into a view (root_fd opened, refs 1).
 * 0, or -errno with err naming what is wrong ("option 'foo' is not supported by this server",
 * "drive D: is not shared by this host", "C:\src does not exist on the host: ..."). */
int p9_view_open(const char *aname, size_t len, const struct p9_export *ex, size_t nex, bool native,
		 struct p9_view **out, struct gi_error *err);
void p9_view_put(struct p9_view *v);

/* The attributes the guest sees: owner and permission bits per the options, and with
 * metadata the Linux ones kept in extended attributes (p9/meta.h) where a file has them.
 * fd is the object's descriptor (O_PATH is enough), st its fstat. */
void p9_view_present(const struct p9_view *v, int fd, struct stat *st);

#endif
