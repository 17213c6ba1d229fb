/* The requests on one file's contents and attributes: setattr, lopen, lcreate, read, write,
 * fsync, lock. Each acts on the fid's own descriptor (node.h), re-opened for I/O through
 * /proc/self/fd, never on a path. */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta.h"

#define LOCK_SUCCESS 0
#define LOCK_BLOCKED 1

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

/* With metadata: owner and mode into the extended attributes. A chown takes set-uid off a
 * file, and set-gid where the group may execute (as Linux does, for root too), unless the
 * same request sets the mode. */
static int set_owner_mode(struct p9_fid *f, const struct p9_tmsg *t)
{
	uint32_t valid = t->setattr.valid;
	struct p9_node *n = f->node;
	if ((valid & SETATTR_MODE) && S_ISLNK(n->type))
		return -EOPNOTSUPP; /* lchmod: Linux has no mode on a symlink either */
	struct p9_meta cur, m = { 0 };
	p9_meta_get(n->fd, n->type, &cur);
	if (valid & SETATTR_MODE) {
		mode_t type = cur.has_mode ? cur.mode & S_IFMT : n->type;
		m.has_mode = true;
		m.mode = type | (t->setattr.mode & 07777);
	} else if ((valid & (SETATTR_UID | SETATTR_GID)) && cur.has_mode && !S_ISDIR(n->type)) {
		uint32_t drop = S_ISUID | ((cur.mode & S_IXGRP) ? S_ISGID : 0);
		if (cur.mode & drop) {
			m.has_mode = true;
			m.mode = cur.mode & ~drop;
		}
	}
	if (valid & SETATTR_UID) {
		m.has_uid = true;
		m.uid = t->setattr.uid;
	}
	if (valid & SETATTR_GID) {
		m.has_gid = true;
		m.gid = t->setattr.gid;
	}
	return p9_meta_set(n->fd, n->type, &m);
}

/* Native: the real chmod and chown, with the server's own rights. A chmod goes through
 * /proc/self/fd, as fchmod takes no O_PATH descriptor. */
static int set_native(struct p9_fid *f, const struct p9_tmsg *t)
{
	uint32_t valid = t->setattr.valid;
	struct p9_node *n = f->node;
	if (valid & (SETATTR_UID | SETATTR_GID)) {
		uid_t u = (valid & SETATTR_UID) ? t->setattr.uid : (uid_t)-1;
		gid_t g = (valid & SETATTR_GID) ? t->setattr.gid : (gid_t)-1;
		if (fchownat(n->fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (valid & SETATTR_MODE) {
		if (S_ISLNK(n->type))
			return -EOPNOTSUPP;
		char path[32];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n->fd);
		if (chmod(path, t->setattr.mode & 07777) < 0)
			return -errno;
	}
	return 0;
}

static int truncate_to(struct p9_fid *f, uint64_t size)
{
	int fd;
	if (f->fd >= 0 && (fcntl(f->fd, F_GETFL) & O_ACCMODE) != O_RDONLY) {
		if ((fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0)) < 0)
			return -errno;
	} else if ((fd = p9_node_open(f->node, O_WRONLY)) < 0) {
		return fd; /* a symlink: -ELOOP, never its target */
	}
	int r = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		p9_drop_setid_after_write(f);
	return r;
}

static struct timespec time_of(uint32_t valid, uint32_t given, uint32_t set, uint64_t sec, uint64_t nsec)
{
	if (!(valid & given))
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	if (!(valid & set))
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	return (struct timespec){ (time_t)sec, (long)nsec };
}

int p9_op_setattr(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->setattr.fid);
	if (!f)
		return -EBADF;
	uint32_t valid = t->setattr.valid;
	int r;
	/* Without metadata there is nowhere to keep owner and mode: like WSL, the call succeeds
	 * and the presented ones stay those of the mount options. */
	if ((valid & (SETATTR_MODE | SETATTR_UID | SETATTR_GID)) && f->view->native && (r = set_native(f, t)) < 0)
		return r;
	if ((valid & (SETATTR_MODE | SETATTR_UID | SETATTR_GID)) && f->view->metadata && (r = set_owner_mode(f, t)) < 0)
		return r;
	if ((valid & SETATTR_SIZE) && (r = truncate_to(f, t->setattr.size)) < 0)
		return r;
	if (valid & (SETATTR_ATIME | SETATTR_MTIME)) {
		if (t->setattr.atime_nsec >= 1000000000 || t->setattr.mtime_nsec >= 1000000000)
			return -EINVAL;
		struct timespec ts[2] = {
			time_of(valid, SETATTR_ATIME, SETATTR_ATIME_SET, t->setattr.atime_sec, t->setattr.atime_nsec),
			time_of(valid, SETATTR_MTIME, SETATTR_MTIME_SET, t->setattr.mtime_sec, t->setattr.mtime_nsec),
		};
		if (utimensat(f->node->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	p9_begin(o, P9_RSETATTR, t->tag);
	return 0;
}

int p9_op_lopen(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->lopen.fid);
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBUSY;
	int flags = S_ISDIR(f->node->type) ? O_RDONLY | O_DIRECTORY : open_flags(t->lopen.flags);
	int fd = p9_node_open(f->node, flags);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	f->fd = fd;
	if (flags & O_TRUNC)
		p9_drop_setid_after_write(f);
	struct p9_qid q = p9_qid_of(&st);
	p9_begin(o, P9_RLOPEN, t->tag);
	p9_put_qid(o, &q);
	p9_put32(o, 0); /* iounit: the client's msize rules */
	return 0;
}

int p9_op_lcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->lcreate.fid);
	if (!f || f->fd >= 0)
		return -EBADF;
	struct p9_node *dir = f->node;
	char name[NAME_MAX + 1];
	int r = p9_new_name(c, dir, &t->lcreate.name, name);
	if (r < 0)
		return r;
	int fd = openat(dir->fd, name, open_flags(t->lcreate.flags) | O_CREAT | O_EXCL, p9_host_mode(t->lcreate.mode));
	if (fd < 0)
		return -errno;
	char proc[32];
	struct stat st;
	int pfd = open(p9_fd_path(fd, proc), O_PATH | O_CLOEXEC); /* the node: the very file just made */
	struct p9_node *n = NULL;
	if (pfd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		if (pfd >= 0)
			close(pfd);
	} else if ((r = p9_node_at(&c->srv->nodes, pfd, &st, dir, name, &n)) == 0) {
		r = p9_record_new(f, fd, S_IFREG, S_IFREG | (t->lcreate.mode & 07777), t->lcreate.gid, 0, 0);
	}
	if (r < 0) {
		unlinkat(dir->fd, name, 0);
		close(fd);
		if (n)
			p9_node_put(&c->srv->nodes, n);
		return r;
	}
	p9_created(c, dir, name);
	p9_fid_set_node(c, f, n); /* the fid names the new file now */
	f->fd = fd;
	struct p9_qid q = p9_qid_of(&st);
	p9_begin(o, P9_RLCREATE, t->tag);
	p9_put_qid(o, &q);
	p9_put32(o, 0);
	return 0;
}

int p9_op_read(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
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

int p9_op_write(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
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
	if (n > 0)
		p9_drop_setid_after_write(f);
	p9_begin(o, P9_RWRITE, t->tag);
	p9_put32(o, (uint32_t)n);
	return 0;
}

int p9_op_fsync(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->fsync.fid);
	if (!f || f->fd < 0)
		return -EBADF;
	if ((t->fsync.datasync ? fdatasync(f->fd) : fsync(f->fd)) < 0)
		return -errno;
	p9_begin(o, P9_RFSYNC, t->tag);
	return 0;
}

int p9_op_lock(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o, bool get)
{
	struct p9_fid *f = p9_path_fid(c, t->lock.fid);
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
