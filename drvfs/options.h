/* mount.drvfs's SOURCE and -o OPTIONS, as WSL defines them (src/linux/init/drvfs.cpp).
 *
 * The options that change how files look — metadata, uid=, gid=, umask=, fmask=, dmask=,
 * case=, symlinkroot= — cannot be done by the kernel's 9p client: they travel to the host's
 * file server inside aname ("drvfs;path=C:\;metadata;uid=1000"). The generic mount options
 * go to the kernel as mount flags; cache= and msize= to its 9p client; what mount(8) and
 * fstab use themselves (defaults, noauto, nofail, x-*, ...) is accepted and has no effect
 * here. Anything else is refused with the reason: nothing is dropped silently. */
#ifndef GUESTINIT_DRVFS_OPTIONS_H
#define GUESTINIT_DRVFS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* C:, c:, C:\, C:\src\app (a path on a drive) or \\server\share\path (a UNC share). */
struct drvfs_source {
	char letter;     /* lower case; 0 for a UNC share */
	char share[256]; /* UNC: "server\share" */
	char path[1024]; /* within the drive or share, with '\' separators, no leading one; "" = its root */
};

/* 0, or -EINVAL with err naming what is wrong. */
int drvfs_source_parse(const char *text, struct drvfs_source *out, struct gi_error *err);

enum drvfs_transport { DRVFS_TRANSPORT_AUTO, DRVFS_TRANSPORT_TCP, DRVFS_TRANSPORT_PORT };

enum drvfs_case { DRVFS_CASE_DEFAULT, DRVFS_CASE_OFF, DRVFS_CASE_DIR };

struct drvfs_options {
	/* for the server (aname) */
	bool metadata;
	bool has_uid, has_gid, has_umask, has_fmask, has_dmask;
	unsigned uid, gid, umask, fmask, dmask;
	enum drvfs_case case_mode;
	bool case_forced;       /* case=force was asked for; it becomes dir, with a warning */
	char symlinkroot[256];  /* "" when not given */
	/* for the kernel */
	unsigned long flags;    /* MS_RDONLY, MS_NOATIME, ... */
	char cache[16];         /* "" = our default */
	unsigned msize;         /* 0 = our default */
	/* how the 9P travels (ours, not WSL's): auto, a free virtio-serial drive port if the VM
	 * has one, else the host channel's TCP; port: a port or an error; tcp: the host channel */
	enum drvfs_transport transport;
};

/* Parses a comma-separated list (NULL or "" = none) over the values already in out (so that
 * defaults, then [automount] options, then -o can be applied in turn; a later value wins).
 * 0, or -EINVAL with err naming the option and why. */
int drvfs_options_parse(const char *text, struct drvfs_options *out, struct gi_error *err);

/* The server's part: "metadata;uid=1000;gid=1000;umask=022;case=dir;symlinkroot=/mnt/" (only
 * what was given), for aname after "drvfs;path=...". Returns the length, or -ENOSPC. */
int drvfs_options_aname(const struct drvfs_options *o, char *buf, size_t cap);

#endif
