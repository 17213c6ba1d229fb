/* Registering WSLInterop (see binfmt.h). */
#include "binfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "atomicfile.h"
#include "readfile.h"
#include "writeall.h"

#define BINFMTFS_MAGIC 0x42494e4d

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, text, strlen(text));
	close(fd);
	return r;
}

/* A small file's text into buf (cut to fit): its length, or -errno. */
static int read_small(const char *path, char *buf, size_t cap)
{
	char *text;
	size_t len;
	int r = read_file(path, 64 * 1024, &text, &len);
	if (r < 0)
		return r;
	snprintf(buf, cap, "%s", text);
	free(text);
	return (int)strlen(buf);
}

static int ensure_mounted(const char *dir, struct gi_error *err)
{
	struct statfs sf;
	if (statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == BINFMTFS_MAGIC)
		return 0;
	if (mount("binfmt_misc", dir, "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return gi_error_errno(err, errno, "cannot mount binfmt_misc on %s", dir);
	return 0;
}

static void entry_path(const char *dir, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

bool binfmt_registered(const char *dir)
{
	char p[PATH_MAX], text[512];
	entry_path(dir, BINFMT_NAME, p, sizeof(p));
	return read_small(p, text, sizeof(text)) > 0 && !strncmp(text, "enabled", 7);
}

int binfmt_register(const char *dir, struct gi_error *err)
{
	int r = ensure_mounted(dir, err);
	if (r < 0)
		return r;
	char p[PATH_MAX], text[512];
	entry_path(dir, BINFMT_NAME, p, sizeof(p));
	if (read_small(p, text, sizeof(text)) > 0) {
		if (!strncmp(text, "enabled", 7))
			return 0;
		/* there but disabled (`echo 0 > WSLInterop`): enabled again, as a new boot would */
		if ((r = write_text(p, "1")) < 0)
			return gi_error_errno(err, -r, "cannot enable %s", p);
		return 0;
	}
	entry_path(dir, "register", p, sizeof(p));
	if ((r = write_text(p, BINFMT_REGISTRATION "\n")) < 0 && r != -EEXIST)
		return gi_error_errno(err, -r, "cannot register %s in %s", BINFMT_REGISTRATION, p);
	return 0;
}

int binfmt_unregister(const char *dir, struct gi_error *err)
{
	char p[PATH_MAX];
	entry_path(dir, BINFMT_NAME, p, sizeof(p));
	if (access(p, F_OK) < 0)
		return 0;
	int r = write_text(p, "-1");
	if (r < 0)
		return gi_error_errno(err, -r, "cannot remove %s", p);
	return 0;
}

/* A read-only copy of text bound over target. */
static int lock_file(const char *target, const char *copy, const char *text, struct gi_error *err)
{
	int r = atomic_write(copy, text, strlen(text), 0644, false);
	if (r < 0)
		return gi_error_errno(err, -r, "cannot write %s", copy);
	if (mount(copy, target, NULL, MS_BIND, NULL) < 0)
		return gi_error_errno(err, errno, "cannot bind %s over %s", copy, target);
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		int e = errno;
		umount2(target, MNT_DETACH); /* never a writable shadow of the kernel's file */
		return gi_error_errno(err, e, "cannot make %s read-only", target);
	}
	return 0;
}

static bool is_locked(const char *target)
{
	struct statfs sf;
	return statfs(target, &sf) == 0 && (unsigned long)sf.f_type != BINFMTFS_MAGIC;
}

int binfmt_protect(const char *dir, const char *lock_dir, struct gi_error *err)
{
	if (mkdir(lock_dir, 0755) < 0 && errno != EEXIST)
		return gi_error_errno(err, errno, "cannot make %s", lock_dir);
	char target[PATH_MAX], copy[PATH_MAX], text[512];
	entry_path(dir, "status", target, sizeof(target));
	entry_path(lock_dir, "status", copy, sizeof(copy));
	int r = is_locked(target) ? 0 : lock_file(target, copy, "enabled\n", err);
	if (r < 0)
		return r;
	entry_path(dir, BINFMT_NAME, target, sizeof(target));
	entry_path(lock_dir, BINFMT_NAME, copy, sizeof(copy));
	if (is_locked(target))
		return 0;
	int n = read_small(target, text, sizeof(text));
	if (n <= 0)
		return gi_error_set(err, ENOENT, "%s is not registered: nothing to protect", BINFMT_NAME);
	return lock_file(target, copy, text, err);
}
