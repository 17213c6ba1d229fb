/* The pseudo filesystems PID 1 mounts at boot, and the order it unmounts at shutdown. */
#ifndef GUESTINIT_INIT_MOUNTS_H
#define GUESTINIT_INIT_MOUNTS_H

#include <stddef.h>
#include <sys/types.h>

struct boot_mount {
	const char *source;
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *data;
	unsigned long magic; /* statfs f_type of this filesystem, to tell "already mounted" */
	mode_t dir_mode;     /* mode for the mount point if it has to be created */
};

/* What boot_mounts_apply does to the world; replaceable so that the logic is testable. */
struct mount_ops {
	int (*is_mounted)(const char *target, unsigned long magic, void *ctx); /* 1, 0 or -errno */
	int (*make_dir)(const char *path, mode_t mode, void *ctx);             /* 0 or -errno */
	int (*do_mount)(const struct boot_mount *m, void *ctx);                /* 0 or -errno */
	void *ctx;
};

extern const struct boot_mount boot_mount_table[];
extern const size_t boot_mount_count;
extern const struct mount_ops mount_ops_system;

/* Mounts each entry not already mounted; logs each failure and goes on. Returns the number of
 * entries that are not mounted afterwards. */
size_t boot_mounts_apply(const struct boot_mount *table, size_t n, const struct mount_ops *ops);

struct mountinfo_entry {
	int id, parent;
	char *target; /* unescaped, points into the caller's line buffer */
	char *fstype;
	char *source;
};

/* Parses one line of /proc/self/mountinfo in place (the line is modified). 0 or -EINVAL. */
int mountinfo_parse_line(char *line, struct mountinfo_entry *e);

/* From the text of /proc/self/mountinfo, the mount points to unmount at shutdown, newest
 * first, without "/". *out is one allocation (free it); returns the count or -errno. */
int mountinfo_unmount_order(const char *text, char ***out);

#endif
