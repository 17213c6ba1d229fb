/* What the request handlers share: finding fids and names, qids, attributes, the metadata a
 * new file records, and the set-id rule. Internal to p9/ (ops.c, ops_file.c, ops_dir.c,
 * ops_xattr.c). Every handler acts on a fid's node descriptor or on a folder node plus one
 * name: no host path is ever built, so no path length limit of the host applies beyond
 * NAME_MAX per name, and nothing resolves through a symlink. */
#ifndef GUESTINIT_P9_OPS_H
#define GUESTINIT_P9_OPS_H

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

#include "conn.h"

/* Tsetattr's valid bits, Tgetattr's mask (the Linux client's values) */
#define SETATTR_MODE 0x1
#define SETATTR_UID 0x2
#define SETATTR_GID 0x4
#define SETATTR_SIZE 0x8
#define SETATTR_ATIME 0x10
#define SETATTR_MTIME 0x20
#define SETATTR_ATIME_SET 0x80
#define SETATTR_MTIME_SET 0x100
#define GETATTR_BASIC 0x7ffull
#define QID_DIR 0x80
#define QID_SYMLINK 0x02

/* A fid that names a file (not an xattr being read or written), or NULL. */
struct p9_fid *p9_path_fid(struct p9_conn *c, uint32_t fid);
/* A name as one path element into out: no '/', not "." or "..", not empty, no NUL. */
int p9_name_ok(const struct p9_str *s, char out[NAME_MAX + 1]);
/* The qid of a host file. Its path is below 2^63: the guest's inode numbers then fit a signed
 * 64-bit value, which some programs assume (see docs/drvfs.md). */
struct p9_qid p9_qid_of(const struct stat *st);
uint64_t p9_qid_path(dev_t dev, ino_t ino);

/* name in folder dir as the host spells it: exact first; in a case-insensitive folder, a name
 * that differs only in ASCII case. 0 with real and *st filled, or -errno. */
int p9_find_name(struct p9_conn *c, struct p9_node *dir, const char *name, char real[NAME_MAX + 1], struct stat *st);
/* The node of dir/name under the same rule, referenced, with its fstat in *st. */
int p9_lookup(struct p9_conn *c, struct p9_node *dir, const char *name, struct stat *st, struct p9_node **out);
/* The name a new child of dir gets: s must not exist, in any case where the folder ignores
 * case. 0 with out filled, -EEXIST, or -errno. */
int p9_new_name(struct p9_conn *c, struct p9_node *dir, const struct p9_str *s, char out[NAME_MAX + 1]);
/* We made name in dir: the case cache learns it instead of reading the folder again. */
void p9_created(struct p9_conn *c, struct p9_node *dir, const char *name);

/* Rgetattr's body for the object of fd (fstat'ed into st), as the view presents it. */
void p9_put_attr(struct p9_out *o, const struct p9_view *v, int fd, struct stat *st);
/* The qid of dir/name (zeroes if it is gone already). */
void p9_put_qid_at(struct p9_out *o, int dirfd, const char *name);
/* With metadata: what a new file records (its creator, the group and mode asked for, a
 * device number). fd is the new file's. 0 or -errno. */
int p9_record_new(const struct p9_fid *dir, int fd, mode_t type, uint32_t mode, uint32_t gid, uint32_t major,
		  uint32_t minor);
/* Linux takes set-uid, and set-gid where the group may execute, off a file that someone
 * without CAP_FSETID writes or truncates (the guest's 9p client leaves it to the server).
 * The server does not know the writer's capabilities: it takes uid 0 to hold CAP_FSETID, as
 * root does, and everyone else not to. With metadata only (the bits live in user.LXMOD). */
void p9_drop_setid_after_write(const struct p9_fid *f);

/* The modes a host file is created with: never set-uid, set-gid or sticky, whatever the guest
 * asks (the agent may run as root: a guest must not make the host a set-uid program). */
static inline mode_t p9_host_mode(uint32_t mode)
{
	return (mode_t)(mode & 0777);
}

/* The handlers, by file. */
int p9_op_getattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_setattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_lopen(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_lcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_read(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_write(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_fsync(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_lock(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o, bool get);
int p9_op_readdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_mkdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_symlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_readlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_mknod(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_link(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_rename(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_renameat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_unlinkat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_remove(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_xattrwalk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
int p9_op_xattrcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);
/* Tclunk of an xattr-writing fid: the value is whole, store it. 0 or -errno. */
int p9_xattr_commit(struct p9_fid *f);

#endif
