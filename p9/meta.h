/* Linux metadata on a host that has none to give: with drvfs's `metadata` option the owner,
 * mode and device number the guest sets are kept in extended attributes of the host file,
 * named after the NTFS ones WSL uses ($LXUID, $LXGID, $LXMOD, $LXDEV), each a little-endian
 * u32 (LXDEV: major then minor). The host file itself keeps its own owner and mode. */
#ifndef GUESTINIT_P9_META_H
#define GUESTINIT_P9_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define P9_META_UID "user.LXUID"
#define P9_META_GID "user.LXGID"
#define P9_META_MODE "user.LXMOD"
#define P9_META_DEV "user.LXDEV"
/* A folder whose names are matched case-sensitively (WSL's per-directory flag). */
#define P9_META_CASE "user.LXCASE"

struct p9_meta {
	bool has_uid, has_gid, has_mode, has_dev;
	uint32_t uid, gid, mode, major, minor;
};

/* Reads what abspath has; a missing attribute is simply absent. Never follows a symlink. */
void p9_meta_get(const char *abspath, struct p9_meta *m);
/* Stores the attributes marked has_*; 0 or -errno. */
int p9_meta_set(const char *abspath, const struct p9_meta *m);
/* Whether name is one of ours (hidden from and protected against the guest's own xattr calls). */
bool p9_meta_is_internal(const char *name);
/* The per-folder case flag. */
bool p9_meta_case_sensitive(const char *abspath);
int p9_meta_set_case_sensitive(const char *abspath);

#endif
