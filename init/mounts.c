/* Boot mounts (each only if not already there) and the shutdown unmount order. */
#include "mounts.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "log.h"
#include "parse.h"

#ifndef BINFMTFS_MAGIC
#define BINFMTFS_MAGIC 0x42494e4d
#endif

const struct boot_mount boot_mount_table[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, PROC_SUPER_MAGIC, 0555 },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, SYSFS_MAGIC, 0555 },
	/* devtmpfs reports tmpfs' magic */
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", TMPFS_MAGIC, 0755 },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666",
	  DEVPTS_SUPER_MAGIC, 0755 },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", TMPFS_MAGIC, 01777 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=20%", TMPFS_MAGIC, 0755 },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate",
	  CGROUP2_SUPER_MAGIC, 0555 },
	{ "binfmt_misc", "/proc/sys/fs/binfmt_misc", "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	  BINFMTFS_MAGIC, 0555 },
};
const size_t boot_mount_count = sizeof(boot_mount_table) / sizeof(boot_mount_table[0]);

/* Mounted = a filesystem of the right type whose root is this directory: the type alone is
 * not enough (/dev/shm on a tmpfs /dev is tmpfs but not a mount). */
static int sys_is_mounted(const char *target, unsigned long magic, void *ctx)
{
	(void)ctx;
	struct statfs sf;
	struct stat st, parent;
	if (statfs(target, &sf) < 0 || stat(target, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if ((unsigned long)sf.f_type != magic)
		return 0;
	char up[4096];
	size_t n = strlen(target);
	if (n + 4 > sizeof(up))
		return -ENAMETOOLONG;
	memcpy(up, target, n);
	strcpy(up + n, "/..");
	if (stat(up, &parent) < 0)
		return -errno;
	return st.st_dev != parent.st_dev || st.st_ino == parent.st_ino;
}

static int sys_make_dir(const char *path, mode_t mode, void *ctx)
{
	(void)ctx;
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int sys_do_mount(const struct boot_mount *m, void *ctx)
{
	(void)ctx;
	if (mount(m->source, m->target, m->fstype, m->flags, m->data) == 0)
		return 0;
	int r = -errno;
	/* An older kernel may not know a newer option: retry plain before giving up. */
	if (r == -EINVAL && m->data && mount(m->source, m->target, m->fstype, m->flags, NULL) == 0) {
		log_warn("mount", "%s: options '%s' refused, mounted without them", m->target, m->data);
		return 0;
	}
	return r;
}

const struct mount_ops mount_ops_system = { sys_is_mounted, sys_make_dir, sys_do_mount, NULL };

size_t boot_mounts_apply(const struct boot_mount *table, size_t n, const struct mount_ops *ops)
{
	size_t missing = 0;
	for (size_t i = 0; i < n; i++) {
		const struct boot_mount *m = &table[i];
		int r = ops->is_mounted(m->target, m->magic, ops->ctx);
		if (r > 0) {
			log_debug("mount", "%s: already mounted", m->target);
			continue;
		}
		if (r == 0)
			r = ops->make_dir(m->target, m->dir_mode, ops->ctx);
		if (r == 0)
			r = ops->do_mount(m, ops->ctx);
		if (r < 0) {
			log_warn("mount", "%s (%s): %s; going on without it", m->target, m->fstype, strerror(-r));
			missing++;
		}
	}
	return missing;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int mountinfo_parse_line(char *line, struct mountinfo_entry *e)
{
	/* id parent major:minor root target options [optional...] - fstype source superoptions */
	char *f[6];
	char *save = NULL;
	char *tok = strtok_r(line, " \n", &save);
	int i = 0;
	for (; tok && i < 6; i++) {
		f[i] = tok;
		if (i < 5)
			tok = strtok_r(NULL, " \n", &save);
	}
	if (i < 6)
		return -EINVAL;
	uint64_t id, parent;
	if (parse_uint(f[0], 10, INT32_MAX, &id) < 0 || parse_uint(f[1], 10, INT32_MAX, &parent) < 0)
		return -EINVAL;
	e->id = (int)id;
	e->parent = (int)parent;
	e->target = f[4];
	/* skip optional fields up to the lone "-" */
	for (tok = strtok_r(NULL, " \n", &save); tok && strcmp(tok, "-") != 0; tok = strtok_r(NULL, " \n", &save))
		;
	if (!tok)
		return -EINVAL;
	e->fstype = strtok_r(NULL, " \n", &save);
	e->source = strtok_r(NULL, " \n", &save);
	if (!e->fstype || !e->source)
		return -EINVAL;
	unescape(e->target);
	unescape(e->source);
	return 0;
}

int mountinfo_unmount_order(const char *text, char ***out)
{
	size_t lines = 0, len = strlen(text);
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	lines++;
	/* one block: the pointer array, then a private copy of the text the pointers point into */
	char **v = malloc(lines * sizeof(char *) + len + 1);
	if (!v)
		return -ENOMEM;
	char *copy = (char *)(v + lines);
	memcpy(copy, text, len + 1);
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mountinfo_entry e;
		if (mountinfo_parse_line(line, &e) < 0 || strcmp(e.target, "/") == 0)
			continue;
		v[n++] = e.target;
	}
	for (size_t i = 0; i < n / 2; i++) {
		char *t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	*out = v;
	return (int)n;
}
