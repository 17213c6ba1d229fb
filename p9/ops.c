/* What each 9P2000.L request does to the host's files.
 *
 * A fid is a path below its attach's root, resolved with the *at calls from the root's O_PATH
 * fd. A walk steps through real folders only (never through a symlink: the client resolves
 * those itself) and ".." stops at the root, so no path leaves the shared folder. Names the
 * guest sends may differ in case from the host's where the folder is case-insensitive
 * (WSL's rule: unless the folder carries the case flag). */
#include "conn.h"

#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"

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
#define LOCK_SUCCESS 0
#define LOCK_BLOCKED 1
#define XATTR_MAX (64u << 10)
#ifndef XATTR_NAME_MAX
#define XATTR_NAME_MAX 255 /* linux/limits.h; musl does not export it */
#endif

/* A fid that names a file (not an xattr being read or written), or NULL. */
static struct p9_fid *path_fid(struct p9_conn *c, uint32_t fid)
{
	struct p9_fid *f = p9_fid_get(c, fid);
	return f && f->kind == FID_PATH ? f : NULL;
}

static const char *rel(const struct p9_fid *f)
{
	return f->path[0] ? f->path : ".";
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = dir[0] ? snprintf(out, cap, "%s/%s", dir, name) : snprintf(out, cap, "%s", name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int abs_of(char *out, size_t cap, const struct p9_view *v, const char *relpath)
{
	int n = snprintf(out, cap, "%s%s%s", v->root, relpath[0] ? "/" : "", relpath);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* A name as one path element: no '/', not "." or "..", not empty. */
static int name_ok(const struct p9_str *s, char *out)
{
	if (!s->len || s->len > NAME_MAX || memchr(s->s, '/', s->len))
		return -EINVAL;
	memcpy(out, s->s, s->len);
	out[s->len] = '\0';
	if (!strcmp(out, ".") || !strcmp(out, ".."))
		return -EINVAL;
	return 0;
}

static struct p9_qid qid_of(const struct stat *st)
{
	struct p9_qid q = {
		.type = S_ISDIR(st->st_mode) ? QID_DIR : S_ISLNK(st->st_mode) ? QID_SYMLINK : 0,
		.version = (uint32_t)(st->st_mtim.tv_sec ^ st->st_mtim.tv_nsec ^ (st->st_size << 8)),
		.path = (uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 48),
	};
	return q;
}

static int stat_rel(const struct p9_view *v, const char *relpath, struct stat *st)
{
	return fstatat(v->root_fd, relpath[0] ? relpath : ".", st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static bool insensitive_folder(const struct p9_view *v, const char *dirrel)
{
	char abs[PATH_MAX];
	return abs_of(abs, sizeof(abs), v, dirrel) == 0 && !p9_meta_case_sensitive(abs);
}

/* dir/name as the host spells it: exact first; in a case-insensitive folder, a name that
 * differs only in ASCII case. *st is the found one's. 0 or -errno. */
static int lookup(struct p9_conn *c, const struct p9_view *v, const char *dirrel, const char *name, char *out,
		  size_t cap, struct stat *st)
{
	int r = join(out, cap, dirrel, name);
	if (r < 0)
		return r;
	r = stat_rel(v, out, st);
	if (r != -ENOENT || !insensitive_folder(v, dirrel))
		return r;
	char real[NAME_MAX + 1];
	if (p9_names_find(&c->names, v->root_fd, dirrel, name, real, sizeof(real)) < 0 ||
	    join(out, cap, dirrel, real) < 0)
		return -ENOENT;
	return stat_rel(v, out, st);
}

/* A child of a folder fid by the name the guest gave, for calls on an existing entry. */
static int child(struct p9_conn *c, const struct p9_fid *dir, const struct p9_str *s, char *out, size_t cap)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int r = name_ok(s, name);
	return r < 0 ? r : lookup(c, dir->view, dir->path, name, out, cap, &st);
}

/* A new child: the name must not exist, in any case where the folder ignores case. */
static int new_child(struct p9_conn *c, const struct p9_fid *dir, const struct p9_str *s, char *out, size_t cap)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int r = name_ok(s, name);
	if (r < 0)
		return r;
	r = lookup(c, dir->view, dir->path, name, out, cap, &st);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	return join(out, cap, dir->path, name);
}

/* A name we made in a folder: the case cache learns it instead of reading the folder again. */
static void created(struct p9_conn *c, const struct p9_fid *dir, const char *path)
{
	const char *slash = strrchr(path, '/');
	p9_names_added(&c->names, dir->view->root_fd, dir->path, slash ? slash + 1 : path);
}

static void put_attr(struct p9_out *o, const struct p9_view *v, const char *relpath, struct stat *st)
{
	char abs[PATH_MAX];
	if (abs_of(abs, sizeof(abs), v, relpath) == 0)
		p9_view_present(v, abs, st);
	struct p9_qid q = qid_of(st);
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

/* With metadata: what a new file records (its creator and the mode asked for). */
static int record_new(const struct p9_fid *dir, const char *relpath, uint32_t mode, uint32_t gid, uint32_t major,
		      uint32_t minor)
{
	if (!dir->view->metadata)
		return 0;
	char abs[PATH_MAX];
	int r = abs_of(abs, sizeof(abs), dir->view, relpath);
	if (r < 0)
		return r;
	struct p9_meta m = {
		.has_uid = true, .uid = dir->uid, .has_gid = true, .gid = gid, .has_mode = true, .mode = mode,
		.has_dev = S_ISCHR(mode) || S_ISBLK(mode), .major = major, .minor = minor,
	};
	return p9_meta_set(abs, &m);
}

static void put_qid_of(struct p9_out *o, const struct p9_view *v, const char *relpath)
{
	struct stat st;
	struct p9_qid q = { 0 };
	if (stat_rel(v, relpath, &st) == 0)
		q = qid_of(&st);
	p9_put_qid(o, &q);
}

/* open(2) flags from 9P2000.L's: the ones a server should act on (their values are Linux's
 * on the common architectures, but spelled out so that no client bit passes unchecked). */
static int open_flags(uint32_t l)
{
	int f = (int)(l & 3) == 3 ? O_RDONLY : (int)(l & 3);
	if (l & 01000)
		f |= O_TRUNC;
	if (l & 02000)
		f |= O_APPEND;
	if (l & 010000)
		f |= O_DSYNC;
	if (l & 0200000)
		f |= O_DIRECTORY;
	if (l & 04000000)
		f |= O_SYNC;
	return f | O_CLOEXEC | O_NOFOLLOW;
}

/* ---- the requests --------------------------------------------------------------------- */

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
	char err[256];
	int r = p9_view_open(t->attach.aname.s, t->attach.aname.len, c->srv->ex, c->srv->nex, &v, err, sizeof(err));
	if (r < 0) {
		log_warn("p9", "attach refused: %s", err);
		return r;
	}
	uint32_t uid = t->attach.n_uname == P9_NOFID ? 0 : t->attach.n_uname;
	struct p9_fid *f = p9_fid_new(c, t->attach.fid, v, "", uid);
	p9_view_put(v);
	if (!f)
		return -errno;
	p9_begin(o, P9_RATTACH, t->tag);
	put_qid_of(o, f->view, "");
	return 0;
}

static int op_walk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->walk.fid);
	if (!f)
		return -EBADF;
	if (t->walk.newfid != t->walk.fid && p9_fid_get(c, t->walk.newfid))
		return -EBADF;
	char path[PATH_MAX], next[PATH_MAX];
	snprintf(path, sizeof(path), "%s", f->path);
	struct p9_qid qids[P9_MAXWELEM];
	uint16_t n = 0;
	int err = 0;
	for (; n < t->walk.nwname; n++) {
		const struct p9_str *w = &t->walk.wname[n];
		struct stat st;
		if ((err = stat_rel(f->view, path, &st)) < 0)
			break;
		if (!S_ISDIR(st.st_mode)) {
			err = -ENOTDIR;
			break;
		}
		if (w->len == 2 && !memcmp(w->s, "..", 2)) {
			char *slash = strrchr(path, '/');
			if (slash)
				*slash = '\0';
			else
				path[0] = '\0'; /* at or just below the root: the root */
			err = stat_rel(f->view, path, &st);
		} else {
			char name[NAME_MAX + 1];
			if ((err = name_ok(w, name)) < 0 || (err = lookup(c, f->view, path, name, next, sizeof(next), &st)) < 0)
				break;
			memcpy(path, next, strlen(next) + 1);
		}
		if (err < 0)
			break;
		qids[n] = qid_of(&st);
	}
	if (n == 0 && t->walk.nwname > 0)
		return err;
	if (n == t->walk.nwname) { /* all of it: newfid names the end */
		if (t->walk.newfid == t->walk.fid) {
			char *np = strdup(path);
			if (!np)
				return -ENOMEM;
			free(f->path);
			f->path = np;
		} else if (!p9_fid_new(c, t->walk.newfid, f->view, path, f->uid)) {
			return -errno;
		}
	}
	p9_begin(o, P9_RWALK, t->tag);
	p9_put16(o, n);
	for (uint16_t i = 0; i < n; i++)
		p9_put_qid(o, &qids[i]);
	return 0;
}

static int op_getattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->getattr.fid);
	if (!f)
		return -EBADF;
	struct stat st;
	int r = f->fd >= 0 ? (fstat(f->fd, &st) < 0 ? -errno : 0) : stat_rel(f->view, f->path, &st);
	if (r < 0)
		return r;
	p9_begin(o, P9_RGETATTR, t->tag);
	put_attr(o, f->view, f->path, &st);
	return 0;
}

static int op_setattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->setattr.fid);
	if (!f)
		return -EBADF;
	uint32_t valid = t->setattr.valid;
	struct p9_view *v = f->view;
	char abs[PATH_MAX];
	int r = abs_of(abs, sizeof(abs), v, f->path);
	if (r < 0)
		return r;
	if (valid & (SETATTR_MODE | SETATTR_UID | SETATTR_GID)) {
		/* Without metadata there is nowhere to keep them: like WSL, the call succeeds and
		 * the presented owner and mode stay those of the mount options. */
		if (v->metadata) {
			struct stat st;
			if ((r = stat_rel(v, f->path, &st)) < 0)
				return r;
			if (S_ISLNK(st.st_mode))
				return -EOPNOTSUPP; /* no user.* attributes on a symlink */
			struct p9_meta cur, m = { 0 };
			p9_meta_get(abs, &cur);
			if (valid & SETATTR_MODE) {
				mode_t type = cur.has_mode ? cur.mode & S_IFMT : st.st_mode & S_IFMT;
				m.has_mode = true;
				m.mode = type | (t->setattr.mode & 07777);
			}
			if (valid & SETATTR_UID) {
				m.has_uid = true;
				m.uid = t->setattr.uid;
			}
			if (valid & SETATTR_GID) {
				m.has_gid = true;
				m.gid = t->setattr.gid;
			}
			if ((r = p9_meta_set(abs, &m)) < 0)
				return r;
		}
	}
	if (valid & SETATTR_SIZE) {
		/* never truncate(path): it follows a symlink, and the link may point off the share */
		int fd = f->fd >= 0 && (fcntl(f->fd, F_GETFL) & O_ACCMODE) != O_RDONLY
				 ? dup(f->fd)
				 : openat(v->root_fd, rel(f), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = ftruncate(fd, (off_t)t->setattr.size) < 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			return r;
	}
	if (valid & (SETATTR_ATIME | SETATTR_MTIME)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
		if (valid & SETATTR_ATIME)
			ts[0] = (valid & SETATTR_ATIME_SET) ? (struct timespec){ (time_t)t->setattr.atime_sec, (long)t->setattr.atime_nsec }
							     : (struct timespec){ 0, UTIME_NOW };
		if (valid & SETATTR_MTIME)
			ts[1] = (valid & SETATTR_MTIME_SET) ? (struct timespec){ (time_t)t->setattr.mtime_sec, (long)t->setattr.mtime_nsec }
							     : (struct timespec){ 0, UTIME_NOW };
		if (utimensat(v->root_fd, rel(f), ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	p9_begin(o, P9_RSETATTR, t->tag);
	return 0;
}

static int op_lopen(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->lopen.fid);
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBUSY;
	struct stat st;
	int r = stat_rel(f->view, f->path, &st);
	if (r < 0)
		return r;
	int flags = open_flags(t->lopen.flags);
	if (S_ISDIR(st.st_mode))
		flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	else if (!S_ISREG(st.st_mode))
		return S_ISLNK(st.st_mode) ? -ELOOP : -EOPNOTSUPP;
	f->fd = openat(f->view->root_fd, rel(f), flags);
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	struct p9_qid q = qid_of(&st);
	p9_begin(o, P9_RLOPEN, t->tag);
	p9_put_qid(o, &q);
	p9_put32(o, 0); /* iounit: the client's msize rules */
	return 0;
}

static int op_lcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->lcreate.fid);
	if (!f || f->fd >= 0)
		return -EBADF;
	char path[PATH_MAX];
	int r = new_child(c, f, &t->lcreate.name, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = openat(f->view->root_fd, path, open_flags(t->lcreate.flags) | O_CREAT | O_EXCL, t->lcreate.mode & 07777);
	if (fd < 0)
		return -errno;
	if ((r = record_new(f, path, S_IFREG | (t->lcreate.mode & 07777), t->lcreate.gid, 0, 0)) < 0) {
		unlinkat(f->view->root_fd, path, 0);
		close(fd);
		return r;
	}
	created(c, f, path);
	char *np = strdup(path);
	if (!np) {
		close(fd);
		return -ENOMEM;
	}
	free(f->path);
	f->path = np;
	f->fd = fd;
	struct stat st;
	fstat(fd, &st);
	struct p9_qid q = qid_of(&st);
	p9_begin(o, P9_RLCREATE, t->tag);
	p9_put_qid(o, &q);
	p9_put32(o, 0);
	return 0;
}

static int op_read(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->io.fid);
	if (!f)
		return -EBADF;
	p9_begin(o, P9_RREAD, t->tag);
	size_t room = o->cap - o->len - 4;
	size_t count = t->io.count < room ? t->io.count : room;
	if (f->kind == FID_XATTR_READ) {
		size_t n = t->io.offset >= f->xlen ? 0 : f->xlen - t->io.offset;
		if (n > count)
			n = count;
		p9_put32(o, (uint32_t)n);
		p9_put_bytes(o, f->xbuf + (n ? t->io.offset : 0), n);
		return 0;
	}
	if (f->fd < 0 || f->kind != FID_PATH)
		return -EBADF;
	ssize_t n = pread(f->fd, o->buf + o->len + 4, count, (off_t)t->io.offset);
	if (n < 0)
		return -errno;
	p9_put32(o, (uint32_t)n);
	o->len += (size_t)n; /* the data is already in place */
	return 0;
}

static int op_write(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->write.fid);
	if (!f)
		return -EBADF;
	if (f->kind == FID_XATTR_WRITE) {
		if (t->write.offset != f->xlen || t->write.offset + t->write.count > f->xsize)
			return -EINVAL;
		memcpy(f->xbuf + f->xlen, t->write.data, t->write.count);
		f->xlen += t->write.count;
		p9_begin(o, P9_RWRITE, t->tag);
		p9_put32(o, t->write.count);
		return 0;
	}
	if (f->fd < 0 || f->kind != FID_PATH)
		return -EBADF;
	ssize_t n = pwrite(f->fd, t->write.data, t->write.count, (off_t)t->write.offset);
	if (n < 0)
		return -errno;
	p9_begin(o, P9_RWRITE, t->tag);
	p9_put32(o, (uint32_t)n);
	return 0;
}

static int op_clunk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->fid.fid);
	if (!f)
		return -EBADF;
	int r = 0;
	if (f->kind == FID_XATTR_WRITE) { /* the value is whole now: store it */
		char abs[PATH_MAX];
		r = abs_of(abs, sizeof(abs), f->view, f->path);
		if (r == 0 && f->xlen != f->xsize)
			r = -EINVAL;
		else if (r == 0 && f->xsize == 0 && !f->xflags) /* how the client removes one */
			r = lremovexattr(abs, f->xname) < 0 ? -errno : 0;
		else if (r == 0)
			r = lsetxattr(abs, f->xname, f->xbuf, f->xlen, f->xflags) < 0 ? -errno : 0;
	}
	p9_fid_drop(c, f);
	if (r < 0)
		return r;
	p9_begin(o, P9_RCLUNK, t->tag);
	return 0;
}

static int op_remove(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->fid.fid);
	if (!f)
		return -EBADF;
	struct stat st;
	int r = stat_rel(f->view, f->path, &st);
	if (r == 0 && !f->path[0])
		r = -EBUSY;
	if (r == 0 && unlinkat(f->view->root_fd, f->path, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		r = -errno;
	p9_fid_drop(c, f); /* Tremove clunks even when it fails */
	if (r < 0)
		return r;
	p9_begin(o, P9_RREMOVE, t->tag);
	return 0;
}

/* getdents64's record, spelt out: libcs disagree on whether and how they name it */
struct dent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int op_readdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->io.fid);
	if (!f || f->fd < 0)
		return -EBADF;
	if (lseek(f->fd, (off_t)t->io.offset, SEEK_SET) < 0)
		return -errno;
	p9_begin(o, P9_RREADDIR, t->tag);
	size_t count_at = o->len;
	p9_put32(o, 0);
	size_t limit = o->len + (t->io.count < o->cap - o->len ? t->io.count : o->cap - o->len);
	char buf[32768] __attribute__((aligned(8)));
	for (;;) {
		long n = syscall(SYS_getdents64, f->fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (long pos = 0; pos < n;) {
			struct dent64 *e = (struct dent64 *)(buf + pos);
			size_t nl = strlen(e->d_name);
			if (o->len + 13 + 8 + 1 + 2 + nl > limit)
				goto full;
			struct p9_qid q = { .type = e->d_type == DT_DIR ? QID_DIR : e->d_type == DT_LNK ? QID_SYMLINK : 0,
					    .path = e->d_ino };
			p9_put_qid(o, &q);
			p9_put64(o, (uint64_t)e->d_off);
			p9_put8(o, e->d_type);
			p9_put_str(o, e->d_name, nl);
			pos += e->d_reclen;
		}
	}
full:;
	uint32_t count = (uint32_t)(o->len - count_at - 4);
	memcpy(o->buf + count_at, &(uint32_t){ htole32(count) }, 4);
	return 0;
}

static int op_statfs(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->fid.fid);
	if (!f)
		return -EBADF;
	struct statfs s;
	if (fstatfs(f->view->root_fd, &s) < 0)
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

static int op_fsync(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_fid_get(c, t->fsync.fid);
	if (!f || f->fd < 0)
		return -EBADF;
	if ((t->fsync.datasync ? fdatasync(f->fd) : fsync(f->fd)) < 0)
		return -errno;
	p9_begin(o, P9_RFSYNC, t->tag);
	return 0;
}

static int op_mkdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = path_fid(c, t->mkdir.dfid);
	if (!d)
		return -EBADF;
	char path[PATH_MAX], abs[PATH_MAX];
	int r = new_child(c, d, &t->mkdir.name, path, sizeof(path));
	if (r < 0)
		return r;
	if (mkdirat(d->view->root_fd, path, t->mkdir.mode & 07777) < 0)
		return -errno;
	if ((r = record_new(d, path, S_IFDIR | (t->mkdir.mode & 07777), t->mkdir.gid, 0, 0)) < 0) {
		unlinkat(d->view->root_fd, path, AT_REMOVEDIR);
		return r;
	}
	created(c, d, path);
	/* case=dir: a folder made from Linux matches names exactly, as Linux users expect */
	if (d->view->case_mode == P9_CASE_DIR && abs_of(abs, sizeof(abs), d->view, path) == 0)
		p9_meta_set_case_sensitive(abs);
	p9_begin(o, P9_RMKDIR, t->tag);
	put_qid_of(o, d->view, path);
	return 0;
}

/* symlinkroot: an absolute host target inside the drive reads as the guest's mount of it
 * (/home/me/drive-c/x → /mnt/c/x), and the guest's /mnt/c/x is stored as the host's. */
static void link_to_guest(const struct p9_view *v, const char *target, char *out, size_t cap)
{
	size_t rl = strlen(v->drive_root);
	if (v->symlinkroot[0] && !strncmp(target, v->drive_root, rl) && (target[rl] == '/' || !target[rl])) {
		size_t sl = strlen(v->symlinkroot);
		snprintf(out, cap, "%s%s%c%s", v->symlinkroot, sl && v->symlinkroot[sl - 1] == '/' ? "" : "/", v->letter,
			 target + rl);
		return;
	}
	snprintf(out, cap, "%s", target);
}

static void link_to_host(const struct p9_view *v, const char *target, char *out, size_t cap)
{
	char mnt[300];
	size_t sl = strlen(v->symlinkroot);
	snprintf(mnt, sizeof(mnt), "%s%s%c", v->symlinkroot, sl && v->symlinkroot[sl - 1] == '/' ? "" : "/", v->letter);
	size_t ml = strlen(mnt);
	if (v->symlinkroot[0] && !strncmp(target, mnt, ml) && (target[ml] == '/' || !target[ml])) {
		snprintf(out, cap, "%s%s", v->drive_root, target + ml);
		return;
	}
	snprintf(out, cap, "%s", target);
}

static int op_symlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = path_fid(c, t->symlink.fid);
	if (!d)
		return -EBADF;
	char path[PATH_MAX], target[PATH_MAX], stored[PATH_MAX];
	int r = new_child(c, d, &t->symlink.name, path, sizeof(path));
	if (r < 0)
		return r;
	if (t->symlink.target.len >= sizeof(target))
		return -ENAMETOOLONG;
	memcpy(target, t->symlink.target.s, t->symlink.target.len);
	target[t->symlink.target.len] = '\0';
	link_to_host(d->view, target, stored, sizeof(stored));
	if (symlinkat(stored, d->view->root_fd, path) < 0)
		return -errno;
	created(c, d, path);
	p9_begin(o, P9_RSYMLINK, t->tag);
	put_qid_of(o, d->view, path);
	return 0;
}

static int op_readlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->fid.fid);
	if (!f)
		return -EBADF;
	char target[PATH_MAX], shown[PATH_MAX];
	ssize_t n = readlinkat(f->view->root_fd, rel(f), target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	link_to_guest(f->view, target, shown, sizeof(shown));
	p9_begin(o, P9_RREADLINK, t->tag);
	p9_put_str(o, shown, strlen(shown));
	return 0;
}

static int op_mknod(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = path_fid(c, t->mknod.dfid);
	if (!d)
		return -EBADF;
	mode_t type = t->mknod.mode & S_IFMT;
	/* a host that is a "Windows drive" holds no device files: with metadata, a plain file
	 * remembers what it is (as WSL does); without, there is nowhere to keep it */
	if (!d->view->metadata && type != S_IFREG)
		return -EPERM;
	char path[PATH_MAX];
	int r = new_child(c, d, &t->mknod.name, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = openat(d->view->root_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, t->mknod.mode & 0777);
	if (fd < 0)
		return -errno;
	close(fd);
	if ((r = record_new(d, path, t->mknod.mode, t->mknod.gid, t->mknod.major, t->mknod.minor)) < 0) {
		unlinkat(d->view->root_fd, path, 0);
		return r;
	}
	created(c, d, path);
	p9_begin(o, P9_RMKNOD, t->tag);
	put_qid_of(o, d->view, path);
	return 0;
}

static int op_link(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = path_fid(c, t->link.dfid), *f = path_fid(c, t->link.fid);
	if (!d || !f)
		return -EBADF;
	if (strcmp(d->view->root, f->view->root))
		return -EXDEV;
	char path[PATH_MAX];
	int r = new_child(c, d, &t->link.name, path, sizeof(path));
	if (r < 0)
		return r;
	if (linkat(f->view->root_fd, rel(f), d->view->root_fd, path, 0) < 0)
		return -errno;
	created(c, d, path);
	p9_begin(o, P9_RLINK, t->tag);
	return 0;
}

static int do_rename(struct p9_conn *c, struct p9_fid *od, const struct p9_str *oname, struct p9_fid *nd,
		     const struct p9_str *nname)
{
	if (strcmp(od->view->root, nd->view->root))
		return -EXDEV;
	char from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 1];
	struct stat st;
	int r = child(c, od, oname, from, sizeof(from));
	if (r < 0)
		return r;
	if ((r = name_ok(nname, name)) < 0)
		return r;
	/* the target keeps the host's spelling if it exists in another case (it is replaced) */
	r = lookup(c, nd->view, nd->path, name, to, sizeof(to), &st);
	if (r == -ENOENT)
		r = join(to, sizeof(to), nd->path, name);
	if (r < 0)
		return r;
	if (renameat(od->view->root_fd, from, nd->view->root_fd, to) < 0)
		return -errno;
	p9_fids_renamed(c, od->view, from, to);
	return 0;
}

static int op_rename(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->rename.fid), *d = path_fid(c, t->rename.dfid);
	if (!f || !d || !f->path[0])
		return -EBADF;
	/* Trename names the fid itself: split its path into folder and name */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", f->path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	struct p9_str oname = { base, (uint16_t)strlen(base) };
	struct p9_fid parent = *f;
	char *name_copy = strdup(base);
	if (!name_copy)
		return -ENOMEM;
	oname.s = name_copy;
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	parent.path = dir;
	int r = do_rename(c, &parent, &oname, d, &t->rename.name);
	free(name_copy);
	if (r < 0)
		return r;
	p9_begin(o, P9_RRENAME, t->tag);
	return 0;
}

static int op_renameat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *od = path_fid(c, t->renameat.olddirfid), *nd = path_fid(c, t->renameat.newdirfid);
	if (!od || !nd)
		return -EBADF;
	int r = do_rename(c, od, &t->renameat.oldname, nd, &t->renameat.newname);
	if (r < 0)
		return r;
	p9_begin(o, P9_RRENAMEAT, t->tag);
	return 0;
}

static int op_unlinkat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = path_fid(c, t->unlinkat.dirfid);
	if (!d)
		return -EBADF;
	char path[PATH_MAX];
	int r = child(c, d, &t->unlinkat.name, path, sizeof(path));
	if (r < 0)
		return r;
	if (t->unlinkat.flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(d->view->root_fd, path, (int)t->unlinkat.flags) < 0)
		return -errno;
	p9_begin(o, P9_RUNLINKAT, t->tag);
	return 0;
}

static int op_xattrwalk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->xattrwalk.fid);
	if (!f)
		return -EBADF;
	char abs[PATH_MAX], name[XATTR_NAME_MAX + 1];
	int r = abs_of(abs, sizeof(abs), f->view, f->path);
	if (r < 0)
		return r;
	if (t->xattrwalk.name.len > XATTR_NAME_MAX)
		return -ERANGE;
	memcpy(name, t->xattrwalk.name.s, t->xattrwalk.name.len);
	name[t->xattrwalk.name.len] = '\0';
	uint8_t *buf = malloc(XATTR_MAX);
	if (!buf)
		return -ENOMEM;
	ssize_t n;
	if (!name[0]) { /* the list, without our own */
		n = llistxattr(abs, (char *)buf, XATTR_MAX);
		if (n > 0) {
			size_t w = 0;
			for (size_t i = 0; i < (size_t)n;) {
				size_t l = strlen((char *)buf + i) + 1;
				if (!p9_meta_is_internal((char *)buf + i)) {
					memmove(buf + w, buf + i, l);
					w += l;
				}
				i += l;
			}
			n = (ssize_t)w;
		}
	} else if (p9_meta_is_internal(name)) {
		n = -1;
		errno = ENODATA;
	} else {
		n = lgetxattr(abs, name, buf, XATTR_MAX);
	}
	if (n < 0) {
		free(buf);
		return -errno;
	}
	struct p9_fid *nf = p9_fid_new(c, t->xattrwalk.newfid, f->view, f->path, f->uid);
	if (!nf) {
		free(buf);
		return -errno;
	}
	nf->kind = FID_XATTR_READ;
	nf->xbuf = buf;
	nf->xlen = (size_t)n;
	p9_begin(o, P9_RXATTRWALK, t->tag);
	p9_put64(o, (uint64_t)n);
	return 0;
}

static int op_xattrcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = path_fid(c, t->xattrcreate.fid);
	if (!f || f->fd >= 0)
		return -EBADF;
	if (t->xattrcreate.size > XATTR_MAX)
		return -E2BIG;
	if (!t->xattrcreate.name.len || t->xattrcreate.name.len > XATTR_NAME_MAX)
		return -ERANGE;
	char *name = strndup(t->xattrcreate.name.s, t->xattrcreate.name.len);
	uint8_t *buf = malloc(t->xattrcreate.size ? t->xattrcreate.size : 1);
	if (!name || !buf) {
		free(name);
		free(buf);
		return -ENOMEM;
	}
	if (p9_meta_is_internal(name)) { /* the metadata is changed through chmod/chown only */
		free(name);
		free(buf);
		return -EPERM;
	}
	f->kind = FID_XATTR_WRITE;
	f->xname = name;
	f->xbuf = buf;
	f->xsize = t->xattrcreate.size;
	f->xlen = 0;
	f->xflags = (int)(t->xattrcreate.flags & (XATTR_CREATE | XATTR_REPLACE));
	p9_begin(o, P9_RXATTRCREATE, t->tag);
	return 0;
}

static int op_lock(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o, bool get)
{
	struct p9_fid *f = p9_fid_get(c, t->lock.fid);
	if (!f || f->fd < 0)
		return -EBADF;
	static const short types[] = { F_RDLCK, F_WRLCK, F_UNLCK };
	if (t->lock.type > 2)
		return -EINVAL;
	struct flock fl = {
		.l_type = types[t->lock.type], .l_whence = SEEK_SET, .l_start = (off_t)t->lock.start,
		.l_len = (off_t)t->lock.length,
	};
	if (get) {
		if (fcntl(f->fd, F_GETLK, &fl) < 0)
			return -errno;
		p9_begin(o, P9_RGETLOCK, t->tag);
		p9_put8(o, fl.l_type == F_RDLCK ? 0 : fl.l_type == F_WRLCK ? 1 : 2);
		p9_put64(o, (uint64_t)fl.l_start);
		p9_put64(o, (uint64_t)fl.l_len);
		p9_put32(o, fl.l_type == F_UNLCK ? t->lock.proc_id : (uint32_t)fl.l_pid);
		p9_put_str(o, t->lock.client_id.s, t->lock.client_id.len);
		return 0;
	}
	/* Never block the server: a blocking lock that is taken answers "blocked" and the
	 * client polls, as the protocol intends. */
	uint8_t status = LOCK_SUCCESS;
	if (fcntl(f->fd, F_SETLK, &fl) < 0) {
		if (errno != EAGAIN && errno != EACCES)
			return -errno;
		status = LOCK_BLOCKED;
	}
	p9_begin(o, P9_RLOCK, t->tag);
	p9_put8(o, status);
	return 0;
}

int p9_op(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	p9_names_request(&c->names);
	switch (t->type) {
	case P9_TVERSION: return op_version(c, t, o);
	case P9_TAUTH: return -EOPNOTSUPP;
	case P9_TATTACH: return op_attach(c, t, o);
	case P9_TFLUSH: /* requests are answered in order: the flushed one already was */
		p9_begin(o, P9_RFLUSH, t->tag);
		return 0;
	case P9_TWALK: return op_walk(c, t, o);
	case P9_TGETATTR: return op_getattr(c, t, o);
	case P9_TSETATTR: return op_setattr(c, t, o);
	case P9_TLOPEN: return op_lopen(c, t, o);
	case P9_TLCREATE: return op_lcreate(c, t, o);
	case P9_TREAD: return op_read(c, t, o);
	case P9_TWRITE: return op_write(c, t, o);
	case P9_TCLUNK: return op_clunk(c, t, o);
	case P9_TREMOVE: return op_remove(c, t, o);
	case P9_TREADDIR: return op_readdir(c, t, o);
	case P9_TSTATFS: return op_statfs(c, t, o);
	case P9_TFSYNC: return op_fsync(c, t, o);
	case P9_TMKDIR: return op_mkdir(c, t, o);
	case P9_TSYMLINK: return op_symlink(c, t, o);
	case P9_TREADLINK: return op_readlink(c, t, o);
	case P9_TMKNOD: return op_mknod(c, t, o);
	case P9_TLINK: return op_link(c, t, o);
	case P9_TRENAME: return op_rename(c, t, o);
	case P9_TRENAMEAT: return op_renameat(c, t, o);
	case P9_TUNLINKAT: return op_unlinkat(c, t, o);
	case P9_TXATTRWALK: return op_xattrwalk(c, t, o);
	case P9_TXATTRCREATE: return op_xattrcreate(c, t, o);
	case P9_TLOCK: return op_lock(c, t, o, false);
	case P9_TGETLOCK: return op_lock(c, t, o, true);
	default: return -EOPNOTSUPP;
	}
}
