/* Linux metadata in extended attributes (see meta.h). An open file's descriptor takes the
 * f*xattr calls; an O_PATH one (which they refuse with EBADF) goes through /proc/self/fd/N,
 * which the kernel follows to the descriptor's own inode, a symlink too. */
#include "meta.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "node.h"

static ssize_t xget(int fd, const char *name, void *buf, size_t n)
{
	ssize_t r = fgetxattr(fd, name, buf, n);
	if (r >= 0 || errno != EBADF)
		return r;
	char path[32];
	return getxattr(p9_fd_path(fd, path), name, buf, n);
}

static int xset(int fd, const char *name, const void *buf, size_t n)
{
	int r = fsetxattr(fd, name, buf, n, 0);
	if (r < 0 && errno == EBADF) {
		char path[32];
		r = setxattr(p9_fd_path(fd, path), name, buf, n, 0);
	}
	return r < 0 ? -errno : 0;
}

static ssize_t xlist(int fd, char *buf, size_t n)
{
	ssize_t r = flistxattr(fd, buf, n);
	if (r >= 0 || errno != EBADF)
		return r;
	char path[32];
	return listxattr(p9_fd_path(fd, path), buf, n);
}

static bool get_u32(int fd, const char *name, uint32_t *out)
{
	uint32_t v;
	if (xget(fd, name, &v, sizeof(v)) != sizeof(v))
		return false;
	*out = le32toh(v);
	return true;
}

static int set_u32(int fd, const char *name, uint32_t v)
{
	v = htole32(v);
	return xset(fd, name, &v, sizeof(v));
}

void p9_meta_get(int fd, mode_t type, struct p9_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (S_ISLNK(type)) {
		m->has_uid = get_u32(fd, P9_META_LINK_UID, &m->uid);
		m->has_gid = get_u32(fd, P9_META_LINK_GID, &m->gid);
		return;
	}
	/* one listing first: most files have no attributes at all, and then this is the only
	 * system call a stat costs */
	char names[1024];
	ssize_t n = xlist(fd, names, sizeof(names));
	if (n == 0 || (n < 0 && errno != ERANGE))
		return;
	if (n > 0 && !memmem(names, (size_t)n, "user.LX", 7))
		return;
	m->has_mode = get_u32(fd, P9_META_MODE, &m->mode);
	m->has_uid = get_u32(fd, P9_META_UID, &m->uid);
	m->has_gid = get_u32(fd, P9_META_GID, &m->gid);
	if (m->has_mode && (S_ISCHR(m->mode) || S_ISBLK(m->mode))) {
		uint32_t dev[2];
		if (xget(fd, P9_META_DEV, dev, sizeof(dev)) == sizeof(dev)) {
			m->has_dev = true;
			m->major = le32toh(dev[0]);
			m->minor = le32toh(dev[1]);
		}
	}
}

int p9_meta_set(int fd, mode_t type, const struct p9_meta *m)
{
	bool link = S_ISLNK(type);
	int r = 0;
	if (m->has_uid && (r = set_u32(fd, link ? P9_META_LINK_UID : P9_META_UID, m->uid)) < 0)
		return r;
	if (m->has_gid && (r = set_u32(fd, link ? P9_META_LINK_GID : P9_META_GID, m->gid)) < 0)
		return r;
	if (link)
		return 0; /* a symlink's mode is always 0777, and it is no device */
	if (m->has_mode && (r = set_u32(fd, P9_META_MODE, m->mode)) < 0)
		return r;
	if (m->has_dev) {
		uint32_t dev[2] = { htole32(m->major), htole32(m->minor) };
		if ((r = xset(fd, P9_META_DEV, dev, sizeof(dev))) < 0)
			return r;
	}
	return 0;
}

bool p9_meta_is_internal(const char *name)
{
	return !strncmp(name, "user.LX", 7) || !strncmp(name, "trusted.LX", 10);
}

bool p9_meta_case_sensitive(int fd)
{
	char c;
	return xget(fd, P9_META_CASE, &c, 1) == 1 && c == '1';
}

int p9_meta_set_case_sensitive(int fd)
{
	return xset(fd, P9_META_CASE, "1", 1);
}
