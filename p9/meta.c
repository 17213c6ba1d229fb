/* Linux metadata in extended attributes (see meta.h). */
#include "meta.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static bool get_u32(const char *path, const char *name, uint32_t *out)
{
	uint32_t v;
	if (lgetxattr(path, name, &v, sizeof(v)) != sizeof(v))
		return false;
	*out = le32toh(v);
	return true;
}

static int set_u32(const char *path, const char *name, uint32_t v)
{
	v = htole32(v);
	return lsetxattr(path, name, &v, sizeof(v), 0) < 0 ? -errno : 0;
}

void p9_meta_get(const char *abspath, struct p9_meta *m)
{
	memset(m, 0, sizeof(*m));
	/* one listing first: most files have no attributes at all, and then this is the only
	 * system call a stat costs */
	char names[1024];
	ssize_t n = llistxattr(abspath, names, sizeof(names));
	if (n == 0 || (n < 0 && errno != ERANGE))
		return;
	if (n > 0 && !memmem(names, (size_t)n, "user.LX", 7))
		return;
	m->has_mode = get_u32(abspath, P9_META_MODE, &m->mode);
	m->has_uid = get_u32(abspath, P9_META_UID, &m->uid);
	m->has_gid = get_u32(abspath, P9_META_GID, &m->gid);
	if (m->has_mode && (S_ISCHR(m->mode) || S_ISBLK(m->mode))) {
		uint32_t dev[2];
		if (lgetxattr(abspath, P9_META_DEV, dev, sizeof(dev)) == sizeof(dev)) {
			m->has_dev = true;
			m->major = le32toh(dev[0]);
			m->minor = le32toh(dev[1]);
		}
	}
}

int p9_meta_set(const char *abspath, const struct p9_meta *m)
{
	int r = 0;
	if (m->has_uid && (r = set_u32(abspath, P9_META_UID, m->uid)) < 0)
		return r;
	if (m->has_gid && (r = set_u32(abspath, P9_META_GID, m->gid)) < 0)
		return r;
	if (m->has_mode && (r = set_u32(abspath, P9_META_MODE, m->mode)) < 0)
		return r;
	if (m->has_dev) {
		uint32_t dev[2] = { htole32(m->major), htole32(m->minor) };
		if (lsetxattr(abspath, P9_META_DEV, dev, sizeof(dev), 0) < 0)
			return -errno;
	}
	return 0;
}

bool p9_meta_is_internal(const char *name)
{
	return !strncmp(name, "user.LX", 7);
}

bool p9_meta_case_sensitive(const char *abspath)
{
	char c;
	return lgetxattr(abspath, P9_META_CASE, &c, 1) == 1 && c == '1';
}

int p9_meta_set_case_sensitive(const char *abspath)
{
	return lsetxattr(abspath, P9_META_CASE, "1", 1, 0) < 0 ? -errno : 0;
}
