/* Linux metadata on a host that has none to give: with drvfs's `metadata` option the owner,
 * mode and device number the guest sets are kept in extended attributes of the host file,
 * named after the NTFS ones WSL uses ($LXUID, $LXGID, $LXMOD, $LXDEV), each a little-endian
 * u32 (LXDEV: major then minor). The host file itself keeps its own owner and mode.
 *
 * Linux allows no user.* attribute on a symlink, so a symlink's owner goes to the trusted.*
 * names instead (trusted.LXUID, trusted.LXGID), which a symlink may carry; setting them takes
 * CAP_SYS_ADMIN on the host, which an agent run by root has. An unprivileged agent cannot
 * keep a symlink's owner: there p9_meta_set answers -EPERM and a symlink shows the mount's
 * owner, as on a drive without metadata.
 *
 * Every call takes a descriptor of the object (O_PATH is enough), never a path. */
#ifndef GUESTINIT_P9_META_H
#define GUESTINIT_P9_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define P9_META_UID "user.LXUID"
#define P9_META_GID "user.LXGID"
#define P9_META_MODE "user.LXMOD"
#define P9_META_DEV "user.LXDEV"
#define P9_META_LINK_UID "trusted.LXUID"
#define P9_META_LINK_GID "trusted.LXGID"
/* A folder whose names are matched case-sensitively (WSL's per-directory flag). */
#define P9_META_CASE "user.LXCASE"

struct p9_meta {
	bool has_uid, has_gid, has_mode, has_dev;
	uint32_t uid, gid, mode, major, minor;
};

/* Reads what the object of fd (whose S_IFMT is type) has; a missing attribute is simply
 * absent. */
void p9_meta_get(int fd, mode_t type, struct p9_meta *m);
/* Stores the attributes marked has_*; 0 or -errno. A symlink keeps only its owner. */
int p9_meta_set(int fd, mode_t type, const struct p9_meta *m);
/* Whether name is one of ours (hidden from and protected against the guest's own xattr calls). */
bool p9_meta_is_internal(const char *name);
/* The per-folder case flag of folder fd. */
bool p9_meta_case_sensitive(int fd);
int p9_meta_set_case_sensitive(int fd);

#endif
