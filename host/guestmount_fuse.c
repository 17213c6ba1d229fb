/* The FUSE file system of a guest mount (guestmount.h): each FUSE request becomes 9P requests
 * to the guest's server, queued together so that one costs one round trip. Paths are walked
 * from the root fid each time (a walk of up to 16 names is one message); open files and
 * folders keep a fid of their own in fi->fh. */
#define FUSE_USE_VERSION 31
#include "guestmount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "p9client.h"

/* Tsetattr's valid bits (the kernel's P9_ATTR_*) */
enum {
	SA_MODE = 1, SA_UID = 2, SA_GID = 4, SA_SIZE = 8, SA_ATIME = 0x10, SA_MTIME = 0x20,
	SA_ATIME_SET = 0x80, SA_MTIME_SET = 0x100,
};
#define P9_IOHDR 24 /* Tread/Twrite/Rread's header before the data */
#define AT_REMOVEDIR_9P 0x200
#define READDIR_BATCH 256 /* entries whose attributes go out in one batch */

static struct p9c *conn(void)
{
	return fuse_get_context()->private_data;
}

static void to_stat(const struct p9_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t)a->qid.path;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_nlink = (nlink_t)a->nlink;
	st->st_rdev = (dev_t)a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = (blksize_t)a->blksize;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim = (struct timespec){ (time_t)a->atime_sec, (long)(a->atime_nsec % 1000000000) };
	st->st_mtim = (struct timespec){ (time_t)a->mtime_sec, (long)(a->mtime_nsec % 1000000000) };
	st->st_ctim = (struct timespec){ (time_t)a->ctime_sec, (long)(a->ctime_nsec % 1000000000) };
}

/* The walk of the operation under way that stopped short of its end (single-threaded). */
static struct {
	bool set;
	unsigned failed; /* the index of the name it stopped at */
	char path[PATH_MAX];
} stopped;

/* A Twalk of several names that stops short says only how far it got; the name it stopped at,
 * walked alone, says why (EACCES from a folder the user may not enter, ENOENT, ...). */
static int why_walk_stopped(struct p9c *c, const char *path, unsigned failed)
{
	const char *p = path, *start = NULL;
	size_t len = 0;
	for (unsigned i = 0; i <= failed; i++) {
		while (*p == '/')
			p++;
		start = p;
		len = strcspn(p, "/");
		p += len;
	}
	char prefix[PATH_MAX], name[256];
	size_t pl = (size_t)(start - path);
	if (pl >= sizeof(prefix) || len >= sizeof(name) || !len)
		return -ENOENT;
	memcpy(prefix, path, pl);
	prefix[pl] = '\0';
	memcpy(name, start, len);
	name[len] = '\0';
	uint32_t a = p9c_fid_new(c), b = p9c_fid_new(c);
	if (p9c_queue_walk(c, P9C_ROOT_FID, a, prefix) < 0 || p9c_queue_walk(c, a, b, name) < 0)
		return -ENOENT;
	unsigned msgs = failed ? (failed + P9_MAXWELEM - 1) / P9_MAXWELEM : 1;
	struct p9_rmsg r;
	int e = 0;
	for (unsigned i = 0; i < msgs; i++)
		p9c_reply(c, P9_RWALK, &r);
	e = p9c_reply(c, P9_RWALK, &r);
	p9c_clunk_nowait(c, b);
	p9c_clunk_nowait(c, a);
	return e < 0 && e != -EIO ? e : -ENOENT; /* it is there now: it was not a moment ago */
}

/* The replies of a queued walk (as many Twalks as p9c_queue_walk sent, one per 16 names):
 * the first error. */
static int walk_replies(struct p9c *c, const char *path)
{
	unsigned names = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		names++;
		p += strcspn(p, "/");
	}
	unsigned msgs = names ? (names + P9_MAXWELEM - 1) / P9_MAXWELEM : 1;
	int first = 0;
	unsigned failed = 0;
	struct p9_rmsg r;
	for (unsigned i = 0; i < msgs; i++) {
		int e = p9c_reply(c, P9_RWALK, &r);
		if (e < 0 && !first) {
			first = e;
			failed = i * P9_MAXWELEM + (r.type == P9_RWALK ? r.walk.nwqid : 0);
		}
	}
	/* a stop after the first name of a Twalk (the first one fails with Rlerror itself): why
	 * is asked once the request's other replies are read (done()) */
	if (first == -ENOENT && failed % P9_MAXWELEM && strlen(path) < sizeof(stopped.path)) {
		stopped.set = true;
		stopped.failed = failed;
		strcpy(stopped.path, path);
	}
	return first;
}

/* What an operation returns: its ENOENT made the real reason of a walk that stopped short. */
static int done(int e)
{
	if (!stopped.set)
		return e;
	stopped.set = false;
	return e == -ENOENT ? why_walk_stopped(conn(), stopped.path, stopped.failed) : e;
}

/* Queues a walk from the root to a new fid at path (its replies: walk_replies). */
static int walk_then(struct p9c *c, const char *path, uint32_t *fid_out)
{
	uint32_t f = p9c_fid_new(c);
	int e = p9c_queue_walk(c, P9C_ROOT_FID, f, path);
	if (e < 0) {
		p9c_fid_free(c, f);
		return e;
	}
	*fid_out = f;
	return 0;
}

static void clunk(struct p9c *c, uint32_t fid)
{
	struct p9_rmsg r;
	p9c_queue_fid(c, P9_TCLUNK, fid);
	p9c_rpc(c, P9_RCLUNK, &r);
	p9c_fid_free(c, fid);
}

/* path's parent folder and last name: "/a/b" → "/a", "b". */
static int split(const char *path, char *parent, size_t cap, const char **name)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	size_t n = (size_t)(slash - path);
	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(parent, path, n);
	parent[n] = '\0';
	*name = slash + 1;
	return strlen(*name) > 255 ? -ENAMETOOLONG : 0;
}

/* Walks to path's parent: the fid and the name within it. */
static int walk_parent(struct p9c *c, const char *path, uint32_t *dfid, const char **name)
{
	char parent[PATH_MAX];
	int e = split(path, parent, sizeof(parent), name);
	if (e < 0 || (e = walk_then(c, parent, dfid)) < 0)
		return e;
	if ((e = walk_replies(c, parent)) < 0) {
		clunk(c, *dfid);
		return e;
	}
	return 0;
}

/* ---- attributes ------------------------------------------------------------------------- */

static int gf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct p9c *c = conn();
	struct p9_rmsg r;
	int e;
	(void)fi; /* by path always: fi->fh is a fid for a file, a struct dir for a folder */
	uint32_t f;
	if ((e = walk_then(c, path, &f)) < 0)
		return e;
	p9c_queue_getattr(c, f);
	c->unwanted[c->next_tag] = true;
	p9c_queue_fid(c, P9_TCLUNK, f);
	int w = walk_replies(c, path);
	int g = p9c_reply(c, P9_RGETATTR, &r);
	if (!w && !g)
		to_stat(&r.getattr, st);
	p9c_fid_free(c, f);
	return w ? w : g;
}

static int setattr(const char *path, uint32_t valid, mode_t mode, uid_t uid, gid_t gid, off_t size,
		   const struct timespec *ts)
{
	struct p9c *c = conn();
	uint32_t f;
	int e = walk_then(c, path, &f);
	if (e < 0)
		return e;
	struct p9_out o;
	p9c_begin(c, &o, P9_TSETATTR);
	p9_put32(&o, f);
	p9_put32(&o, valid);
	p9_put32(&o, mode);
	p9_put32(&o, uid);
	p9_put32(&o, gid);
	p9_put64(&o, (uint64_t)size);
	p9_put64(&o, ts ? (uint64_t)ts[0].tv_sec : 0);
	p9_put64(&o, ts ? (uint64_t)ts[0].tv_nsec : 0);
	p9_put64(&o, ts ? (uint64_t)ts[1].tv_sec : 0);
	p9_put64(&o, ts ? (uint64_t)ts[1].tv_nsec : 0);
	p9c_end(c, &o);
	c->unwanted[c->next_tag] = true;
	p9c_queue_fid(c, P9_TCLUNK, f);
	struct p9_rmsg r;
	int w = walk_replies(c, path);
	int a = p9c_reply(c, P9_RSETATTR, &r);
	p9c_fid_free(c, f);
	return w ? w : a;
}

/* by path, as getattr (fi is a folder's struct dir as often as a file's fid) */
static int gf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)fi;
	return setattr(path, SA_MODE, mode, 0, 0, 0, NULL);
}

static int gf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)fi;
	uint32_t valid = (uid != (uid_t)-1 ? SA_UID : 0) | (gid != (gid_t)-1 ? SA_GID : 0);
	return valid ? setattr(path, valid, 0, uid, gid, 0, NULL) : 0;
}

static int gf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	return setattr(path, SA_SIZE, 0, 0, 0, size, NULL);
}

static int gf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void)fi;
	uint32_t valid = 0;
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_nsec == UTIME_OMIT)
			continue;
		valid |= i ? SA_MTIME : SA_ATIME;
		if (tv[i].tv_nsec != UTIME_NOW) {
			valid |= i ? SA_MTIME_SET : SA_ATIME_SET;
			ts[i] = tv[i];
		}
	}
	return valid ? setattr(path, valid, 0, 0, 0, 0, ts) : 0;
}

static int gf_readlink(const char *path, char *buf, size_t size)
{
	struct p9c *c = conn();
	uint32_t f;
	int e = walk_then(c, path, &f);
	if (e < 0)
		return e;
	p9c_queue_fid(c, P9_TREADLINK, f);
	p9c_queue_fid(c, P9_TCLUNK, f);
	struct p9_rmsg r;
	int w = walk_replies(c, path);
	int l = p9c_reply(c, P9_RREADLINK, &r);
	if (!w && !l && size) {
		size_t n = r.readlink.target.len < size - 1 ? r.readlink.target.len : size - 1;
		memcpy(buf, r.readlink.target.s, n);
		buf[n] = '\0';
	}
	p9c_reply(c, P9_RCLUNK, &r);
	p9c_fid_free(c, f);
	return w ? w : l;
}

static int gf_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	struct p9c *c = conn();
	struct p9_rmsg r;
	p9c_queue_fid(c, P9_TSTATFS, P9C_ROOT_FID);
	int e = p9c_rpc(c, P9_RSTATFS, &r);
	if (e < 0)
		return e;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = r.statfs.bsize;
	sv->f_blocks = r.statfs.blocks;
	sv->f_bfree = r.statfs.bfree;
	sv->f_bavail = r.statfs.bavail;
	sv->f_files = r.statfs.files;
	sv->f_ffree = r.statfs.ffree;
	sv->f_namemax = r.statfs.namelen;
	return 0;
}

/* ---- names ------------------------------------------------------------------------------ */

/* One request on path's parent folder (its fid first, then the name), then its clunk. */
static int in_parent(const char *path, uint8_t type, uint8_t rtype, uint32_t a, uint32_t b, const char *target)
{
	struct p9c *c = conn();
	uint32_t d;
	const char *name;
	int e = walk_parent(c, path, &d, &name);
	if (e < 0)
		return e;
	struct p9_out o;
	p9c_begin(c, &o, type);
	p9_put32(&o, d);
	p9_put_str(&o, name, strlen(name));
	if (type == P9_TSYMLINK) {
		p9_put_str(&o, target, strlen(target));
		p9_put32(&o, a);
	} else if (type == P9_TMKNOD) {
		p9_put32(&o, a);
		p9_put32(&o, major(b));
		p9_put32(&o, minor(b));
		p9_put32(&o, 0);
	} else if (type == P9_TMKDIR) {
		p9_put32(&o, a);
		p9_put32(&o, 0); /* gid: the guest user's own */
	} else { /* Tunlinkat */
		p9_put32(&o, a);
	}
	p9c_end(c, &o);
	struct p9_rmsg r;
	int s = p9c_rpc(c, rtype, &r);
	clunk(c, d);
	return s;
}

static int gf_mkdir(const char *path, mode_t mode)
{
	return in_parent(path, P9_TMKDIR, P9_RMKDIR, mode, 0, NULL);
}

static int gf_mknod(const char *path, mode_t mode, dev_t dev)
{
	return in_parent(path, P9_TMKNOD, P9_RMKNOD, mode, (uint32_t)dev, NULL);
}

static int gf_unlink(const char *path)
{
	return in_parent(path, P9_TUNLINKAT, P9_RUNLINKAT, 0, 0, NULL);
}

static int gf_rmdir(const char *path)
{
	return in_parent(path, P9_TUNLINKAT, P9_RUNLINKAT, AT_REMOVEDIR_9P, 0, NULL);
}

static int gf_symlink(const char *target, const char *path)
{
	return in_parent(path, P9_TSYMLINK, P9_RSYMLINK, 0, 0, target);
}

static int gf_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE / EXCHANGE: 9P's renameat has no flags */
	struct p9c *c = conn();
	uint32_t d1, d2;
	const char *n1, *n2;
	int e = walk_parent(c, from, &d1, &n1);
	if (e < 0)
		return e;
	if ((e = walk_parent(c, to, &d2, &n2)) < 0) {
		clunk(c, d1);
		return e;
	}
	struct p9_out o;
	p9c_begin(c, &o, P9_TRENAMEAT);
	p9_put32(&o, d1);
	p9_put_str(&o, n1, strlen(n1));
	p9_put32(&o, d2);
	p9_put_str(&o, n2, strlen(n2));
	p9c_end(c, &o);
	struct p9_rmsg r;
	int s = p9c_rpc(c, P9_RRENAMEAT, &r);
	clunk(c, d1);
	clunk(c, d2);
	return s;
}

static int gf_link(const char *from, const char *to)
{
	struct p9c *c = conn();
	uint32_t f, d;
	const char *name;
	int e = walk_then(c, from, &f);
	if (e < 0)
		return e;
	if ((e = walk_replies(c, from)) < 0) {
		clunk(c, f);
		return e;
	}
	if ((e = walk_parent(c, to, &d, &name)) < 0) {
		clunk(c, f);
		return e;
	}
	struct p9_out o;
	p9c_begin(c, &o, P9_TLINK);
	p9_put32(&o, d);
	p9_put32(&o, f);
	p9_put_str(&o, name, strlen(name));
	p9c_end(c, &o);
	struct p9_rmsg r;
	int s = p9c_rpc(c, P9_RLINK, &r);
	clunk(c, d);
	clunk(c, f);
	return s;
}

/* ---- files ------------------------------------------------------------------------------ */

/* Linux's open flags are 9P2000.L's on this architecture (the kernel's v9fs passes them on
 * too); what the server must not see is creation, which comes as Tlcreate. */
static uint32_t lflags(int flags)
{
	return (uint32_t)(flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC));
}

/* A new fid at path, opened with flags: 0 and *fid, or -errno. */
static int open_at(struct p9c *c, const char *path, int flags, uint32_t *fid)
{
	uint32_t f;
	int e = walk_then(c, path, &f);
	if (e < 0)
		return e;
	struct p9_out o;
	p9c_begin(c, &o, P9_TLOPEN);
	p9_put32(&o, f);
	p9_put32(&o, lflags(flags));
	p9c_end(c, &o);
	struct p9_rmsg r;
	int w = walk_replies(c, path);
	int l = p9c_reply(c, P9_RLOPEN, &r);
	if (w || l) {
		clunk(c, f);
		return w ? w : l;
	}
	*fid = f;
	return 0;
}

static int gf_open(const char *path, struct fuse_file_info *fi)
{
	uint32_t f;
	int e = open_at(conn(), path, fi->flags, &f);
	if (e == 0)
		fi->fh = f;
	return e;
}

static int gf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct p9c *c = conn();
	uint32_t d;
	const char *name;
	int e = walk_parent(c, path, &d, &name);
	if (e < 0)
		return e;
	struct p9_out o;
	p9c_begin(c, &o, P9_TLCREATE);
	p9_put32(&o, d);
	p9_put_str(&o, name, strlen(name));
	p9_put32(&o, lflags(fi->flags));
	p9_put32(&o, mode);
	p9_put32(&o, 0);
	p9c_end(c, &o);
	struct p9_rmsg r;
	if ((e = p9c_rpc(c, P9_RLCREATE, &r)) < 0) {
		clunk(c, d);
		return e;
	}
	fi->fh = d; /* Tlcreate made the folder's fid the new file's */
	return 0;
}

static int gf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	struct p9c *c = conn();
	size_t done = 0;
	while (done < size) {
		uint32_t want = (uint32_t)(size - done < c->msize - P9_IOHDR ? size - done : c->msize - P9_IOHDR);
		struct p9_out o;
		p9c_begin(c, &o, P9_TREAD);
		p9_put32(&o, (uint32_t)fi->fh);
		p9_put64(&o, (uint64_t)off + done);
		p9_put32(&o, want);
		p9c_end(c, &o);
		struct p9_rmsg r;
		int e = p9c_rpc(c, P9_RREAD, &r);
		if (e < 0)
			return done ? (int)done : e;
		if (r.data.count > want) { /* more than asked: a broken or hostile server */
			c->dead = true;
			snprintf(c->why, sizeof(c->why), "Rread holds %u bytes, %u were asked", r.data.count, want);
			return -EIO;
		}
		memcpy(buf + done, r.data.data, r.data.count);
		done += r.data.count;
		if (r.data.count < want)
			break;
	}
	return (int)done;
}

static int gf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	struct p9c *c = conn();
	size_t done = 0;
	while (done < size) {
		uint32_t n = (uint32_t)(size - done < c->msize - P9_IOHDR ? size - done : c->msize - P9_IOHDR);
		struct p9_out o;
		p9c_begin(c, &o, P9_TWRITE);
		p9_put32(&o, (uint32_t)fi->fh);
		p9_put64(&o, (uint64_t)off + done);
		p9_put32(&o, n);
		p9_put_bytes(&o, buf + done, n);
		p9c_end(c, &o);
		struct p9_rmsg r;
		int e = p9c_rpc(c, P9_RWRITE, &r);
		if (e < 0)
			return done ? (int)done : e;
		if (r.write.count > n) {
			c->dead = true;
			snprintf(c->why, sizeof(c->why), "Rwrite counts %u bytes, %u were sent", r.write.count, n);
			return -EIO;
		}
		done += r.write.count;
		if (r.write.count < n)
			break;
	}
	return (int)done;
}

static int gf_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	p9c_clunk_nowait(conn(), (uint32_t)fi->fh);
	return 0;
}

static int gf_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	struct p9c *c = conn();
	struct p9_out o;
	p9c_begin(c, &o, P9_TFSYNC);
	p9_put32(&o, (uint32_t)fi->fh);
	p9_put32(&o, datasync ? 1 : 0);
	p9c_end(c, &o);
	struct p9_rmsg r;
	return p9c_rpc(c, P9_RFSYNC, &r);
}

/* ---- folders ---------------------------------------------------------------------------- */

struct entry {
	char *name;
	uint8_t type; /* DT_* */
	uint64_t ino;
	bool asked, have; /* its attributes asked for; had */
	struct stat st;
};

/* An open folder: its fid, and its entries as far as they are read. */
struct dir {
	uint32_t fid;
	struct entry *v;
	size_t n, cap;
	uint64_t offset; /* of the next Treaddir */
	bool complete;
};

static void dir_free(struct dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d);
}

#define DIRENT_MAX (13 + 8 + 1 + 2 + 255) /* the biggest entry of an Rreaddir */

static void queue_readdir(struct p9c *c, struct dir *d)
{
	struct p9_out o;
	p9c_begin(c, &o, P9_TREADDIR);
	p9_put32(&o, d->fid);
	p9_put64(&o, d->offset);
	p9_put32(&o, c->msize - P9_IOHDR);
	p9c_end(c, &o);
}

/* The entries of one Rreaddir into d. The server fills a reply while the next entry fits (it
 * is ours: p9/ops_dir.c), so a reply with room left for the biggest entry is the last, and
 * the Treaddir that would only say "no more" is never sent. */
static int take_entries(struct p9c *c, struct dir *d, const struct p9_rmsg *r)
{
	uint32_t off = 0;
	struct p9_dirent e;
	int k;
	while ((k = p9_next_dirent(r->data.data, r->data.count, &off, &e)) > 0) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 64;
			struct entry *nv = realloc(d->v, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			d->v = nv;
			d->cap = cap;
		}
		struct entry *en = &d->v[d->n];
		memset(en, 0, sizeof(*en));
		if (!(en->name = strndup(e.name.s, e.name.len)))
			return -ENOMEM;
		en->type = e.type;
		en->ino = e.qid.path;
		d->n++;
		d->offset = e.offset;
	}
	if (k < 0) {
		c->dead = true;
		snprintf(c->why, sizeof(c->why), "Rreaddir holds a bad entry");
		return -EIO;
	}
	if (r->data.count == 0 || r->data.count + DIRENT_MAX <= c->msize - P9_IOHDR)
		d->complete = true;
	return 0;
}

/* opendir: the walk, the open and the first listing in one round trip. */
static int gf_opendir(const char *path, struct fuse_file_info *fi)
{
	struct p9c *c = conn();
	struct dir *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	int e = walk_then(c, path, &d->fid);
	if (e < 0) {
		free(d);
		return e;
	}
	struct p9_out o;
	p9c_begin(c, &o, P9_TLOPEN);
	p9_put32(&o, d->fid);
	p9_put32(&o, O_RDONLY | O_DIRECTORY);
	p9c_end(c, &o);
	queue_readdir(c, d);
	struct p9_rmsg r;
	int w = walk_replies(c, path);
	int l = p9c_reply(c, P9_RLOPEN, &r);
	int g = p9c_reply(c, P9_RREADDIR, &r);
	if (!w && !l && !g)
		g = take_entries(c, d, &r);
	if (w || l || g) {
		p9c_clunk_nowait(c, d->fid);
		d->fid = 0;
		dir_free(d);
		return w ? w : l ? l : g;
	}
	fi->fh = (uintptr_t)d;
	return 0;
}

static int gf_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	struct dir *d = (struct dir *)(uintptr_t)fi->fh;
	p9c_clunk_nowait(conn(), d->fid);
	dir_free(d);
	return 0;
}

static bool dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* The attributes of entries [from, to) of folder fid: a walk, getattr and clunk each, all
 * queued before the first reply is read. */
static void stat_entries(struct p9c *c, uint32_t dfid, struct entry *v, size_t from, size_t to)
{
	uint32_t fids[READDIR_BATCH];
	for (size_t i = from; i < to; i++) {
		v[i].asked = true;
		if (dot(v[i].name))
			continue;
		fids[i - from] = p9c_fid_new(c);
		p9c_queue_walk(c, dfid, fids[i - from], v[i].name);
		p9c_queue_getattr(c, fids[i - from]);
		c->unwanted[c->next_tag] = true; /* its reply is skipped by the next wait */
		p9c_queue_fid(c, P9_TCLUNK, fids[i - from]);
	}
	for (size_t i = from; i < to; i++) {
		if (dot(v[i].name))
			continue;
		struct p9_rmsg r;
		int w = p9c_reply(c, P9_RWALK, &r);
		int g = p9c_reply(c, P9_RGETATTR, &r);
		if (!w && !g) {
			to_stat(&r.getattr, &v[i].st);
			v[i].have = true;
		}
		p9c_fid_free(c, fids[i - from]);
	}
}

/* Entries from offset on, as many as the kernel's buffer takes: each entry's offset is its
 * index + 1. (Filled with offsets, not the whole folder at once: the library passes the
 * attributes on only then, and without them every name costs the kernel a lookup.) */
static int gf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	(void)path;
	struct p9c *c = conn();
	struct dir *d = (struct dir *)(uintptr_t)fi->fh;
	while (!d->complete) {
		struct p9_rmsg r;
		queue_readdir(c, d);
		int e = p9c_rpc(c, P9_RREADDIR, &r);
		if (e < 0 || (e = take_entries(c, d, &r)) < 0)
			return e;
	}
	bool plus = flags & FUSE_READDIR_PLUS;
	for (size_t k = offset < 0 ? 0 : (size_t)offset; k < d->n; k++) {
		struct entry *e = &d->v[k];
		if (plus && !e->asked)
			stat_entries(c, d->fid, d->v, k, d->n - k < READDIR_BATCH ? d->n : k + READDIR_BATCH);
		int full;
		if (plus && e->have) {
			full = fill(buf, e->name, &e->st, (off_t)k + 1, FUSE_FILL_DIR_PLUS);
		} else {
			struct stat t = { .st_ino = (ino_t)e->ino, .st_mode = (mode_t)DTTOIF(e->type) };
			full = fill(buf, e->name, &t, (off_t)k + 1, 0);
		}
		if (full)
			break;
	}
	return c->dead ? -EIO : 0;
}

static void *gf_init(struct fuse_conn_info *ci, struct fuse_config *cfg)
{
	cfg->use_ino = 1;       /* the guest's inode numbers: find and du see hard links as such */
	cfg->attr_timeout = 1;  /* as sshfs and the kernel's 9p in cache=loose keep them */
	cfg->entry_timeout = 1;
	cfg->negative_timeout = 0;
	/* every listing brings its entries' attributes (one round trip per 64), so that ls -l
	 * asks nothing more */
	ci->want |= FUSE_CAP_READDIRPLUS;
	ci->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	return fuse_get_context()->private_data;
}

/* The operations that walk a path, each through done(). */
static int w_getattr(const char *p, struct stat *st, struct fuse_file_info *fi)
{
	return done(gf_getattr(p, st, fi));
}

static int w_readlink(const char *p, char *b, size_t n)
{
	return done(gf_readlink(p, b, n));
}

static int w_mknod(const char *p, mode_t m, dev_t d)
{
	return done(gf_mknod(p, m, d));
}

static int w_mkdir(const char *p, mode_t m)
{
	return done(gf_mkdir(p, m));
}

static int w_unlink(const char *p)
{
	return done(gf_unlink(p));
}

static int w_rmdir(const char *p)
{
	return done(gf_rmdir(p));
}

static int w_symlink(const char *t, const char *p)
{
	return done(gf_symlink(t, p));
}

static int w_rename(const char *a, const char *b, unsigned int f)
{
	return done(gf_rename(a, b, f));
}

static int w_link(const char *a, const char *b)
{
	return done(gf_link(a, b));
}

static int w_chmod(const char *p, mode_t m, struct fuse_file_info *fi)
{
	return done(gf_chmod(p, m, fi));
}

static int w_chown(const char *p, uid_t u, gid_t g, struct fuse_file_info *fi)
{
	return done(gf_chown(p, u, g, fi));
}

static int w_truncate(const char *p, off_t n, struct fuse_file_info *fi)
{
	return done(gf_truncate(p, n, fi));
}

static int w_open(const char *p, struct fuse_file_info *fi)
{
	return done(gf_open(p, fi));
}

static int w_opendir(const char *p, struct fuse_file_info *fi)
{
	return done(gf_opendir(p, fi));
}

static int w_create(const char *p, mode_t m, struct fuse_file_info *fi)
{
	return done(gf_create(p, m, fi));
}

static int w_utimens(const char *p, const struct timespec tv[2], struct fuse_file_info *fi)
{
	return done(gf_utimens(p, tv, fi));
}

static const struct fuse_operations ops = {
	.init = gf_init,
	.getattr = w_getattr,
	.readlink = w_readlink,
	.mknod = w_mknod,
	.mkdir = w_mkdir,
	.unlink = w_unlink,
	.rmdir = w_rmdir,
	.symlink = w_symlink,
	.rename = w_rename,
	.link = w_link,
	.chmod = w_chmod,
	.chown = w_chown,
	.truncate = w_truncate,
	.open = w_open,
	.read = gf_read,
	.write = gf_write,
	.statfs = gf_statfs,
	.release = gf_release,
	.fsync = gf_fsync,
	.opendir = w_opendir,
	.readdir = gf_readdir,
	.releasedir = gf_releasedir,
	.create = w_create,
	.utimens = w_utimens,
};

int guestfs_fuse_serve(struct p9c *c, const char *dir, const char *fsname, bool foreground, struct gi_error *err)
{
	char opt[PATH_MAX + 64];
	snprintf(opt, sizeof(opt), "fsname=%s,subtype=guestfs", fsname);
	char *argv[] = { "guestfs", "-o", opt, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse *f = fuse_new(&args, &ops, sizeof(ops), c);
	if (!f)
		return gi_error_set(err, EIO, "FUSE could not start (is /dev/fuse there?)");
	if (fuse_mount(f, dir) < 0) {
		fuse_destroy(f);
		return gi_error_set(err, EIO, "cannot mount FUSE on %s (see the line above; fusermount3 from fuse3 "
					      "mounts for a user that is not root)", dir);
	}
	struct fuse_session *se = fuse_get_session(f);
	if (fuse_daemonize(foreground) < 0 || fuse_set_signal_handlers(se) < 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		return gi_error_set(err, EIO, "cannot become the mount's daemon");
	}
	/* fuse_loop, and one more thing: the server's end. Between two requests only the replies
	 * of clunks sent without a wait are owed, so the stream readable with nothing owed, or
	 * hung up, means the guest is gone (its VM stopped): the mount goes with it instead of
	 * answering EIO forever. */
	int ffd = fuse_session_fd(se);
	struct fuse_buf buf = { 0 };
	while (!fuse_session_exited(se)) {
		struct pollfd p[2] = { { .fd = ffd, .events = POLLIN }, { .fd = c->fd, .events = POLLIN | POLLRDHUP } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[1].revents & ~POLLIN) || c->dead)
			break;
		if (p[1].revents & POLLIN) { /* the replies of clunks nobody waited for, or the end */
			if (!c->pending)
				break;
			p9c_drain(c);
			continue;
		}
		if (p[0].revents & POLLIN) {
			int n = fuse_session_receive_buf(se, &buf);
			if (n == -EINTR || n == -EAGAIN)
				continue;
			if (n <= 0)
				break;
			fuse_session_process_buf(se, &buf);
		} else if (p[0].revents) {
			break;
		}
	}
	free(buf.mem);
	if (c->dead)
		log_warn("guestfs", "%s: %s; unmounting", dir, c->why);
	fuse_remove_signal_handlers(se);
	fuse_unmount(f);
	fuse_destroy(f);
	return 0;
}
