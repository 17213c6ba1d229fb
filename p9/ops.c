/* The 9P2000.L requests: the session (version, attach, walk, clunk, flush, statfs), the
 * helpers every handler shares (ops.h), and the dispatch.
 *
 * A fid names a node: an O_PATH descriptor of a host file (node.h). A walk steps from a
 * folder node by one name at a time with openat(O_PATH | O_NOFOLLOW), never through a
 * symlink (the client resolves those itself), and ".." stops at the attach's root, so no fid
 * leaves the shared folder, whatever another connection or the host renames or swaps. Names
 * the guest sends may differ in case from the host's where the folder is case-insensitive
 * (WSL's rule: unless the folder carries the case flag). */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"

struct p9_fid *p9_path_fid(struct p9_conn *c, uint32_t fid)
{
	struct p9_fid *f = p9_fid_get(c, fid);
	return f && f->kind == FID_PATH ? f : NULL;
}

int p9_name_ok(const struct p9_str *s, char out[NAME_MAX + 1])
{
	if (!s->len || s->len > NAME_MAX || memchr(s->s, '/', s->len) || memchr(s->s, '\0', s->len))
		return -EINVAL;
	memcpy(out, s->s, s->len);
	out[s->len] = '\0';
	if (!strcmp(out, ".") || !strcmp(out, ".."))
		return -EINVAL;
	return 0;
}

uint64_t p9_qid_path(dev_t dev, ino_t ino)
{
	/* the device folded into the top bits, which inode numbers of the usual file systems
	 * leave free; bit 63 stays clear */
	uint64_t d = (uint64_t)dev;
	d = (d ^ (d >> 15) ^ (d >> 30)) & 0x7fff;
	return ((uint64_t)ino ^ (d << 48)) & INT64_MAX;
}

struct p9_qid p9_qid_of(const struct stat *st)
{
	struct p9_qid q = {
		.type = S_ISDIR(st->st_mode) ? QID_DIR : S_ISLNK(st->st_mode) ? QID_SYMLINK : 0,
		.version = (uint32_t)(st->st_mtim.tv_sec ^ st->st_mtim.tv_nsec ^ (st->st_size << 8)),
		.path = p9_qid_path(st->st_dev, st->st_ino),
	};
	return q;
}

static bool insensitive(const struct p9_node *dir)
{
	return !p9_meta_case_sensitive(dir->fd);
}

int p9_find_name(struct p9_conn *c, struct p9_node *dir, const char *name, char real[NAME_MAX + 1], struct stat *st)
{
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	snprintf(real, NAME_MAX + 1, "%s", name);
	if (fstatat(dir->fd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT || !insensitive(dir))
		return -errno;
	if (p9_names_find(&c->names, dir->fd, name, real, NAME_MAX + 1) < 0)
		return -ENOENT;
	return fstatat(dir->fd, real, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int p9_lookup(struct p9_conn *c, struct p9_node *dir, const char *name, struct stat *st, struct p9_node **out)
{
	int r = p9_node_child(&c->srv->nodes, dir, name, st, out);
	if (r != -ENOENT || !insensitive(dir))
		return r;
	char real[NAME_MAX + 1];
	if (p9_names_find(&c->names, dir->fd, name, real, sizeof(real)) < 0)
		return -ENOENT;
	return p9_node_child(&c->srv->nodes, dir, real, st, out);
}

int p9_new_name(struct p9_conn *c, struct p9_node *dir, const struct p9_str *s, char out[NAME_MAX + 1])
{
	int r = p9_name_ok(s, out);
	if (r < 0)
		return r;
	char real[NAME_MAX + 1];
	struct stat st;
	r = p9_find_name(c, dir, out, real, &st);
	return r == 0 ? -EEXIST : r == -ENOENT ? 0 : r;
}

void p9_created(struct p9_conn *c, struct p9_node *dir, const char *name)
{
	p9_names_added(&c->names, dir->fd, name);
}

void p9_put_attr(struct p9_out *o, const struct p9_view *v, int fd, struct stat *st)
{
	p9_view_present(v, fd, st);
	struct p9_qid q = p9_qid_of(st);
	p9_put64(o, GETATTR_BASIC);
	p9_put_qid(o, &q);
	p9_put32(o, st->st_mode);
	p9_put32(o, st->st_uid);
	p9_put32(o, st->st_gid);
	p9_put64(o, st->st_nlink);
	p9_put64(o, st->st_rdev);
	p9_put64(o, (uint64_t)st->st_size);
	p9_put64(o, (uint64_t)st->st_blksize);
	p9_put64(o, (uint64_t)st->st_blocks);
	p9_put64(o, (uint64_t)st->st_atim.tv_sec);
	p9_put64(o, (uint64_t)st->st_atim.tv_nsec);
	p9_put64(o, (uint64_t)st->st_mtim.tv_sec);
	p9_put64(o, (uint64_t)st->st_mtim.tv_nsec);
	p9_put64(o, (uint64_t)st->st_ctim.tv_sec);
	p9_put64(o, (uint64_t)st->st_ctim.tv_nsec);
	p9_put64(o, 0); /* btime, gen, data_version: not in the basic mask */
	p9_put64(o, 0);
	p9_put64(o, 0);
	p9_put64(o, 0);
}

void p9_put_qid_at(struct p9_out *o, int dirfd, const char *name)
{
	struct stat st;
	struct p9_qid q = { 0 };
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		q = p9_qid_of(&st);
	p9_put_qid(o, &q);
}

int p9_record_new(const struct p9_fid *dir, int fd, mode_t type, uint32_t mode, uint32_t gid, uint32_t major,
		  uint32_t minor)
{
	if (!dir->view->metadata)
		return 0;
	struct p9_meta m = {
		.has_uid = true, .uid = dir->uid, .has_gid = true, .gid = gid, .has_mode = true, .mode = mode,
		.has_dev = S_ISCHR(mode) || S_ISBLK(mode), .major = major, .minor = minor,
	};
	int r = p9_meta_set(fd, type, &m);
	/* a symlink's owner needs CAP_SYS_ADMIN on the host (meta.h): without it the link
	 * simply shows the mount's owner, and making it still succeeds */
	return S_ISLNK(type) && r == -EPERM ? 0 : r;
}

void p9_drop_setid_after_write(const struct p9_fid *f)
{
	if (!f->view->metadata || f->uid == 0 || !S_ISREG(f->node->type))
		return;
	struct p9_meta m;
	p9_meta_get(f->node->fd, f->node->type, &m);
	if (!m.has_mode)
		return;
	uint32_t drop = S_ISUID | ((m.mode & S_IXGRP) ? S_ISGID : 0);
	if (!(m.mode & drop))
		return;
	struct p9_meta set = { .has_mode = true, .mode = m.mode & ~drop };
	if (p9_meta_set(f->node->fd, f->node->type, &set) < 0)
		log_warn("p9", "could not clear the set-id bits of a file written by uid %u", f->uid);
}

/* ---- the session -------------------------------------------------------------------- */

static int op_version(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	p9_fid_drop_all(c); /* Tversion starts a new session */
	uint32_t msize = t->version.msize < P9_SERVER_MAX_MSIZE ? t->version.msize : P9_SERVER_MAX_MSIZE;
	if (msize < 4096)
		return -EINVAL;
	bool ok = t->version.version.len >= 8 && !memcmp(t->version.version.s, "9P2000.L", 8);
	p9_begin(o, P9_RVERSION, t->tag);
	p9_put32(o, msize);
	p9_put_str(o, ok ? "9P2000.L" : "unknown", ok ? 8 : 7);
	if (ok)
		c->msize = msize;
	return 0;
}

static int op_attach(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	if (t->attach.afid != P9_NOFID)
		return -EINVAL; /* no authentication: the transport is the boundary */
	struct p9_view *v;
	struct gi_error err = GI_ERROR_INIT;
	int r = p9_view_open(t->attach.aname.s, t->attach.aname.len, c->srv->ex, c->srv->nex, c->srv->native, &v, &err);
	if (r < 0) {
		log_warn("p9", "attach refused: %s", err.msg);
		return r;
	}
	int fd = fcntl(v->root_fd, F_DUPFD_CLOEXEC, 0);
	struct p9_node *root;
	if (fd < 0 || (r = p9_node_from_fd(&c->srv->nodes, fd, &root)) < 0) {
		r = fd < 0 ? -errno : r;
		p9_view_put(v);
		return r;
	}
	uint32_t uid = t->attach.n_uname == P9_NOFID ? 0 : t->attach.n_uname;
	struct p9_fid *f = p9_fid_new(c, t->attach.fid, v, root, uid);
	r = f ? 0 : -errno;
	p9_node_put(&c->srv->nodes, root);
	p9_view_put(v);
	if (r < 0)
		return r;
	struct stat st;
	struct p9_qid q = { 0 };
	if (fstat(f->node->fd, &st) == 0)
		q = p9_qid_of(&st);
	p9_begin(o, P9_RATTACH, t->tag);
	p9_put_qid(o, &q);
	return 0;
}

static bool is_root(const struct p9_view *v, const struct p9_node *n)
{
	return p9_node_same(n, v->root_dev, v->root_ino);
}

/* One step of a walk from folder cur: the node reached, referenced, and its fstat. */
static int step(struct p9_conn *c, const struct p9_view *v, struct p9_node *cur, const struct p9_str *w,
		struct p9_node **next, struct stat *st)
{
	if (!S_ISDIR(cur->type))
		return -ENOTDIR;
	if (w->len == 2 && !memcmp(w->s, "..", 2)) {
		int r = 0;
		if (is_root(v, cur)) /* ".." at the root is the root */
			*next = p9_node_ref(cur);
		else
			r = p9_node_parent(&c->srv->nodes, cur, v->drive_dev, v->drive_ino, next);
		if (r == 0 && fstat((*next)->fd, st) < 0) {
			r = -errno;
			p9_node_put(&c->srv->nodes, *next);
		}
		return r;
	}
	char name[NAME_MAX + 1];
	int r = p9_name_ok(w, name);
	return r < 0 ? r : p9_lookup(c, cur, name, st, next);
}

static int op_walk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->walk.fid);
	if (!f)
		return -EBADF;
	if (t->walk.newfid != t->walk.fid && p9_fid_get(c, t->walk.newfid))
		return -EBADF;
	struct p9_qid qids[P9_MAXWELEM];
	struct p9_node *cur = p9_node_ref(f->node);
	uint16_t n = 0;
	int err = 0;
	for (; n < t->walk.nwname; n++) {
		struct p9_node *next;
		struct stat st;
		if ((err = step(c, f->view, cur, &t->walk.wname[n], &next, &st)) < 0)
			break;
		p9_node_put(&c->srv->nodes, cur);
		cur = next;
		qids[n] = p9_qid_of(&st);
	}
	if (n == 0 && t->walk.nwname > 0) {
		p9_node_put(&c->srv->nodes, cur);
		return err;
	}
	if (n == t->walk.nwname) { /* all of it: newfid names the end */
		if (t->walk.newfid == t->walk.fid) {
			p9_fid_set_node(c, f, cur);
			cur = NULL;
		} else if (!p9_fid_new(c, t->walk.newfid, f->view, cur, f->uid)) {
			int r = -errno;
			p9_node_put(&c->srv->nodes, cur);
			return r;
		}
	}
	p9_node_put(&c->srv->nodes, cur);
	p9_begin(o, P9_RWALK, t->tag);
	p9_put16(o, n);
	for (uint16_t i = 0; i < n; i++)
		p9_put_qid(o, &qids[i]);
	return 0;
}

int p9_op_getattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->getattr.fid);
	if (!f)
		return -EBADF;
	struct stat st;
	int fd = f->fd >= 0 ? f->fd : f->node->fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	p9_begin(o, P9_RGETATTR, t->tag);
	p9_put_attr(o, f->view, fd, &st);
	return 0;
}

static int op_clunk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->fid.fid);
	if (!f)
		return -EBADF;
	int r = f->kind == FID_XATTR_WRITE ? p9_xattr_commit(f) : 0;
	p9_fid_drop(c, f);
	if (r < 0)
		return r;
	p9_begin(o, P9_RCLUNK, t->tag);
	return 0;
}

static int op_statfs(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->fid.fid);
	if (!f)
		return -EBADF;
	struct statfs s;
	if (fstatfs(f->node->fd, &s) < 0)
		return -errno;
	p9_begin(o, P9_RSTATFS, t->tag);
	p9_put32(o, 0x01021997); /* V9FS_MAGIC */
	p9_put32(o, (uint32_t)s.f_bsize);
	p9_put64(o, s.f_blocks);
	p9_put64(o, s.f_bfree);
	p9_put64(o, s.f_bavail);
	p9_put64(o, s.f_files);
	p9_put64(o, s.f_ffree);
	uint64_t fsid;
	memcpy(&fsid, &s.f_fsid, sizeof(fsid));
	p9_put64(o, fsid);
	p9_put32(o, (uint32_t)s.f_namelen);
	return 0;
}

static int op_flush(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	(void)c;
	/* requests are answered in order: the flushed one already was */
	p9_begin(o, P9_RFLUSH, t->tag);
	return 0;
}

static int op_auth(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	(void)c, (void)t, (void)o;
	return -EOPNOTSUPP;
}

typedef int (*op_fn)(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);

static int op_lock(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	return p9_op_lock(c, t, o, false);
}

static int op_getlock(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	return p9_op_lock(c, t, o, true);
}

/* by request type (the T-message numbers are below 128) */
static const op_fn ops[128] = {
	[P9_TVERSION] = op_version,        [P9_TAUTH] = op_auth,
	[P9_TATTACH] = op_attach,          [P9_TFLUSH] = op_flush,
	[P9_TWALK] = op_walk,              [P9_TGETATTR] = p9_op_getattr,
	[P9_TSETATTR] = p9_op_setattr,     [P9_TLOPEN] = p9_op_lopen,
	[P9_TLCREATE] = p9_op_lcreate,     [P9_TREAD] = p9_op_read,
	[P9_TWRITE] = p9_op_write,         [P9_TCLUNK] = op_clunk,
	[P9_TREMOVE] = p9_op_remove,       [P9_TREADDIR] = p9_op_readdir,
	[P9_TSTATFS] = op_statfs,          [P9_TFSYNC] = p9_op_fsync,
	[P9_TMKDIR] = p9_op_mkdir,         [P9_TSYMLINK] = p9_op_symlink,
	[P9_TREADLINK] = p9_op_readlink,   [P9_TMKNOD] = p9_op_mknod,
	[P9_TLINK] = p9_op_link,           [P9_TRENAME] = p9_op_rename,
	[P9_TRENAMEAT] = p9_op_renameat,   [P9_TUNLINKAT] = p9_op_unlinkat,
	[P9_TXATTRWALK] = p9_op_xattrwalk, [P9_TXATTRCREATE] = p9_op_xattrcreate,
	[P9_TLOCK] = op_lock,              [P9_TGETLOCK] = op_getlock,
};

int p9_op(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	p9_names_request(&c->names);
	op_fn fn = t->type < 128 ? ops[t->type] : NULL;
	return fn ? fn(c, t, o) : -EOPNOTSUPP;
}
