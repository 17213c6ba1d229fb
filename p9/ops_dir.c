/* The requests on folders and names: readdir, mkdir, symlink, readlink, mknod, link, rename,
 * renameat, unlinkat, remove. Each acts on a folder node's descriptor plus one name (the *at
 * calls), so a swapped symlink anywhere above never redirects one. */
#include "ops.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "meta.h"

/* getdents64's record, spelt out: libcs disagree on whether and how they name it */
struct dent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int p9_op_readdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->io.fid);
	if (!f || f->fd < 0 || !S_ISDIR(f->node->type))
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
			/* the same inode number a walk to the entry gives (a mount point inside the
			 * folder aside, whose device differs) */
			struct p9_qid q = { .type = e->d_type == DT_DIR ? QID_DIR : e->d_type == DT_LNK ? QID_SYMLINK : 0,
					    .path = p9_qid_path(f->node->dev, e->d_ino) };
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

int p9_op_mkdir(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = p9_path_fid(c, t->mkdir.dfid);
	if (!d)
		return -EBADF;
	char name[NAME_MAX + 1];
	int r = p9_new_name(c, d->node, &t->mkdir.name, name);
	if (r < 0)
		return r;
	if (mkdirat(d->node->fd, name, p9_host_mode(t->mkdir.mode)) < 0)
		return -errno;
	int fd = openat(d->node->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (r = p9_record_new(d, fd, S_IFDIR, S_IFDIR | (t->mkdir.mode & 07777), t->mkdir.gid, 0, 0)) < 0) {
		r = fd < 0 ? -errno : r;
		if (fd >= 0)
			close(fd);
		unlinkat(d->node->fd, name, AT_REMOVEDIR);
		return r;
	}
	p9_created(c, d->node, name);
	/* case=dir: a folder made from Linux matches names exactly, as Linux users expect */
	if (d->view->case_mode == P9_CASE_DIR)
		p9_meta_set_case_sensitive(fd);
	struct stat st;
	struct p9_qid q = { 0 };
	if (fstat(fd, &st) == 0)
		q = p9_qid_of(&st);
	close(fd);
	p9_begin(o, P9_RMKDIR, t->tag);
	p9_put_qid(o, &q);
	return 0;
}

/* "mnt/" + letter: where the guest mounts the drive under symlinkroot */
static void guest_mount(const struct p9_view *v, char *out, size_t cap)
{
	size_t sl = strlen(v->symlinkroot);
	snprintf(out, cap, "%s%s%c", v->symlinkroot, sl && v->symlinkroot[sl - 1] == '/' ? "" : "/", v->letter);
}

static bool has_prefix(const char *s, const char *prefix, size_t n)
{
	return !strncmp(s, prefix, n) && (s[n] == '/' || !s[n]);
}

/* symlinkroot: an absolute host target inside the drive reads as the guest's mount of it
 * (/home/me/drive-c/x → /mnt/c/x), and the guest's /mnt/c/x is stored as the host's. These
 * rewrite link text only; nothing here is resolved. */
static int link_to_guest(const struct p9_view *v, const char *target, char *out, size_t cap)
{
	size_t rl = strlen(v->drive_root);
	char mnt[300];
	guest_mount(v, mnt, sizeof(mnt));
	int n = v->symlinkroot[0] && has_prefix(target, v->drive_root, rl) ? snprintf(out, cap, "%s%s", mnt, target + rl)
									    : snprintf(out, cap, "%s", target);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int link_to_host(const struct p9_view *v, const char *target, char *out, size_t cap)
{
	char mnt[300];
	guest_mount(v, mnt, sizeof(mnt));
	size_t ml = strlen(mnt);
	int n = v->symlinkroot[0] && has_prefix(target, mnt, ml) ? snprintf(out, cap, "%s%s", v->drive_root, target + ml)
								 : snprintf(out, cap, "%s", target);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int p9_op_symlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = p9_path_fid(c, t->symlink.fid);
	if (!d)
		return -EBADF;
	char name[NAME_MAX + 1], target[PATH_MAX], stored[PATH_MAX];
	int r = p9_new_name(c, d->node, &t->symlink.name, name);
	if (r < 0)
		return r;
	if (!t->symlink.target.len || memchr(t->symlink.target.s, '\0', t->symlink.target.len))
		return t->symlink.target.len ? -EINVAL : -ENOENT;
	if (t->symlink.target.len >= sizeof(target))
		return -ENAMETOOLONG;
	memcpy(target, t->symlink.target.s, t->symlink.target.len);
	target[t->symlink.target.len] = '\0';
	if ((r = link_to_host(d->view, target, stored, sizeof(stored))) < 0)
		return r;
	if (symlinkat(stored, d->node->fd, name) < 0)
		return -errno;
	int fd = openat(d->node->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (r = p9_record_new(d, fd, S_IFLNK, S_IFLNK | 0777, t->symlink.gid, 0, 0)) < 0) {
		r = fd < 0 ? -errno : r;
		if (fd >= 0)
			close(fd);
		unlinkat(d->node->fd, name, 0);
		return r;
	}
	p9_created(c, d->node, name);
	struct stat st;
	struct p9_qid q = { 0 };
	if (fstat(fd, &st) == 0)
		q = p9_qid_of(&st);
	close(fd);
	p9_begin(o, P9_RSYMLINK, t->tag);
	p9_put_qid(o, &q);
	return 0;
}

int p9_op_readlink(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->fid.fid);
	if (!f)
		return -EBADF;
	if (!S_ISLNK(f->node->type))
		return -EINVAL;
	char target[PATH_MAX], shown[PATH_MAX];
	ssize_t n = readlinkat(f->node->fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	int r = link_to_guest(f->view, target, shown, sizeof(shown));
	if (r < 0)
		return r;
	p9_begin(o, P9_RREADLINK, t->tag);
	p9_put_str(o, shown, strlen(shown));
	return 0;
}

int p9_op_mknod(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = p9_path_fid(c, t->mknod.dfid);
	if (!d)
		return -EBADF;
	mode_t type = t->mknod.mode & S_IFMT;
	/* a host that is a "Windows drive" holds no device files: with metadata, a plain file
	 * remembers what it is (as WSL does); without, there is nowhere to keep it */
	if (!d->view->metadata && !d->view->native && type != S_IFREG)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK)
		return -EINVAL;
	char name[NAME_MAX + 1];
	int r = p9_new_name(c, d->node, &t->mknod.name, name);
	if (r < 0)
		return r;
	if (d->view->native) { /* the guest's own files: the kernel decides (devices need CAP_MKNOD) */
		if (mknodat(d->node->fd, name, (t->mknod.mode & S_IFMT) | (t->mknod.mode & 07777),
			    makedev(t->mknod.major, t->mknod.minor)) < 0)
			return -errno;
		p9_created(c, d->node, name);
		p9_begin(o, P9_RMKNOD, t->tag);
		p9_put_qid_at(o, d->node->fd, name);
		return 0;
	}
	int fd = openat(d->node->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			p9_host_mode(t->mknod.mode));
	if (fd < 0)
		return -errno;
	if ((r = p9_record_new(d, fd, S_IFREG, t->mknod.mode, t->mknod.gid, t->mknod.major, t->mknod.minor)) < 0) {
		close(fd);
		unlinkat(d->node->fd, name, 0);
		return r;
	}
	close(fd);
	p9_created(c, d->node, name);
	p9_begin(o, P9_RMKNOD, t->tag);
	p9_put_qid_at(o, d->node->fd, name);
	return 0;
}

int p9_op_link(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = p9_path_fid(c, t->link.dfid), *f = p9_path_fid(c, t->link.fid);
	if (!d || !f)
		return -EBADF;
	if (d->view->letter != f->view->letter)
		return -EXDEV;
	if (S_ISDIR(f->node->type))
		return -EPERM;
	char name[NAME_MAX + 1], proc[32];
	int r = p9_new_name(c, d->node, &t->link.name, name);
	if (r < 0)
		return r;
	/* the node itself, through its descriptor: the unprivileged form of AT_EMPTY_PATH */
	if (linkat(AT_FDCWD, p9_fd_path(f->node->fd, proc), d->node->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	p9_created(c, d->node, name);
	p9_begin(o, P9_RLINK, t->tag);
	return 0;
}

/* from/oldname → to/newname, both folder nodes of the same drive. */
static int rename_in(struct p9_conn *c, const struct p9_view *ov, struct p9_node *from, const char *oldname,
		     const struct p9_fid *to, const struct p9_str *newname)
{
	if (ov->letter != to->view->letter)
		return -EXDEV;
	char name[NAME_MAX + 1], real[NAME_MAX + 1];
	struct stat moved, st;
	int r = p9_name_ok(newname, name);
	if (r < 0)
		return r;
	if (fstatat(from->fd, oldname, &moved, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* the target keeps the host's spelling if it exists in another case (it is replaced) */
	r = p9_find_name(c, to->node, name, real, &st);
	if (r < 0 && r != -ENOENT)
		return r;
	if (renameat(from->fd, oldname, to->node->fd, real) < 0)
		return -errno;
	p9_node_moved(&c->srv->nodes, moved.st_dev, moved.st_ino, to->node, real);
	return 0;
}

int p9_op_rename(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->rename.fid), *d = p9_path_fid(c, t->rename.dfid);
	if (!f || !d)
		return -EBADF;
	/* Trename names the fid itself: it goes by where its node was last seen, checked to
	 * still be it, never by a path */
	int r = p9_node_check_place(f->node);
	if (r < 0)
		return r;
	struct p9_node *parent = p9_node_ref(f->node->parent);
	char *oldname = strdup(f->node->name);
	r = oldname ? rename_in(c, f->view, parent, oldname, d, &t->rename.name) : -ENOMEM;
	free(oldname);
	p9_node_put(&c->srv->nodes, parent);
	if (r < 0)
		return r;
	p9_begin(o, P9_RRENAME, t->tag);
	return 0;
}

int p9_op_renameat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *od = p9_path_fid(c, t->renameat.olddirfid), *nd = p9_path_fid(c, t->renameat.newdirfid);
	if (!od || !nd)
		return -EBADF;
	char name[NAME_MAX + 1], real[NAME_MAX + 1];
	struct stat st;
	int r = p9_name_ok(&t->renameat.oldname, name);
	if (r == 0)
		r = p9_find_name(c, od->node, name, real, &st);
	if (r == 0)
		r = rename_in(c, od->view, od->node, real, nd, &t->renameat.newname);
	if (r < 0)
		return r;
	p9_begin(o, P9_RRENAMEAT, t->tag);
	return 0;
}

int p9_op_unlinkat(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *d = p9_path_fid(c, t->unlinkat.dirfid);
	if (!d)
		return -EBADF;
	if (t->unlinkat.flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	char name[NAME_MAX + 1], real[NAME_MAX + 1];
	struct stat st;
	int r = p9_name_ok(&t->unlinkat.name, name);
	if (r == 0)
		r = p9_find_name(c, d->node, name, real, &st);
	if (r < 0)
		return r;
	if (unlinkat(d->node->fd, real, (int)t->unlinkat.flags) < 0)
		return -errno;
	p9_begin(o, P9_RUNLINKAT, t->tag);
	return 0;
}

int p9_op_remove(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->fid.fid);
	if (!f)
		return -EBADF;
	struct p9_node *n = f->node;
	int r = p9_node_same(n, f->view->root_dev, f->view->root_ino) ? -EBUSY : p9_node_check_place(n);
	if (r == 0 && unlinkat(n->parent->fd, n->name, S_ISDIR(n->type) ? AT_REMOVEDIR : 0) < 0)
		r = -errno;
	p9_fid_drop(c, f); /* Tremove clunks even when it fails */
	if (r < 0)
		return r;
	p9_begin(o, P9_RREMOVE, t->tag);
	return 0;
}
