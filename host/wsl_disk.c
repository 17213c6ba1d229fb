/* wsl --import, --export and --unregister: a distribution made from a root filesystem
 * tarball, its files written back as one, and its removal. An import works in a folder of its
 * own beside the disk and claims the name first (the registry's folder, locked); whatever
 * fails on the way (a tarball that is no root filesystem, a full disk, a signal) leaves
 * neither a distribution nor a file behind. */
#include "wsl.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else /* musl's toolchain may carry older kernel headers: the ABI is fixed */
struct open_how {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#include "atomicfile.h"
#include "child.h"
#include "cleanup.h"
#include "readfile.h"
#include "session_msg.h"
#include "state.h"

#define MSG_OK "The operation completed successfully."
#define MIN_DISK_MB 4096

static int run(char *const *argv, int in, int out, struct gi_error *err)
{
	int st = child_run(&(struct child_spec){ .argv = argv, .fds = { in, out, 2 } }, err);
	if (st < 0)
		return st;
	if (st != 0)
		return gi_error_set(err, EIO, "%s failed (status %d)", argv[0], st);
	return 0;
}

static void remove_tree(const char *path)
{
	if (!path[0] || access(path, F_OK) < 0)
		return;
	char *argv[] = { "rm", "-rf", "--one-file-system", "--", (char *)path, NULL };
	struct gi_error ignored = GI_ERROR_INIT;
	run(argv, -1, -1, &ignored);
}

/* name inside the tree at root, its links followed within it (never out to the host's
 * files: RESOLVE_IN_ROOT), is of type mode. */
static bool tree_has(const char *root, const char *name, mode_t type)
{
	_cleanup_close_ int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return false;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how));
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static unsigned long long tree_bytes;
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	tree_bytes += (unsigned long long)st->st_blocks * 512 + 256; /* its blocks and its inode */
	return 0;
}

/* The tarball at path (or stdin, spooled to spool) into dir. */
static int extract(const char *tar, const char *dir, const char *spool, struct gi_error *err)
{
	const char *from = tar;
	if (!strcmp(tar, "-")) { /* tar finds the compression of a file, not of a pipe */
		_cleanup_close_ int out = open(spool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0)
			return gi_error_errno(err, errno, "cannot create %s", spool);
		char buf[65536];
		ssize_t n;
		while ((n = read(0, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return gi_error_errno(err, errno, "reading the tarball from stdin");
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(out, buf + off, (size_t)(n - off));
				if (w < 0 && errno != EINTR)
					return gi_error_errno(err, errno, "writing %s", spool);
				off += w > 0 ? w : 0;
			}
		}
		from = spool;
	} else if (access(tar, R_OK) < 0) {
		return gi_error_errno(err, errno, "the tarball %s", tar);
	}
	char *argv[] = { "tar", "-x", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-f", (char *)from,
			 "-C", (char *)dir, NULL };
	int r = run(argv, -1, 2, err);
	if (from == spool)
		unlink(spool);
	return r < 0 ? gi_error_wrap(err, "unpacking %s", strcmp(tar, "-") ? tar : "the tarball from stdin") : 0;
}

struct import {
	char state[PATH_MAX];       /* STATE/distributions/NAME, claimed by its lock */
	char tree[PATH_MAX + 96];   /* DIR/.import-NAME.XXXXXX: the unpacked files */
	char spool[PATH_MAX + 96];  /* DIR/.import-NAME.tar: stdin's tarball */
	char tmpimg[PATH_MAX + 8];  /* DIR/ext4.img.tmp */
	char base[PATH_MAX];
	bool made_base;        /* DIR did not exist: it goes with a failure */
	int lock;
};

static void import_undo(struct import *im)
{
	remove_tree(im->tree);
	if (im->spool[0])
		unlink(im->spool);
	if (im->tmpimg[0])
		unlink(im->tmpimg);
	remove_tree(im->state);
	if (im->made_base)
		rmdir(im->base);
}

/* STATE/distributions/NAME made and locked; one that an import killed on its way left (no
 * record, nobody holding its lock) is taken over. */
static int claim(const struct gh *root, const char *name, struct import *im, struct gi_error *err)
{
	int r = distro_state_dir(root, name, im->state, sizeof(im->state), err);
	if (r < 0)
		return r;
	char parent[PATH_MAX + 16];
	snprintf(parent, sizeof(parent), "%s/distributions", root->state);
	if ((r = mkdir_p(parent, 0700)) < 0)
		return gi_error_errno(err, -r, "cannot create %s", parent);
	bool fresh = mkdir(im->state, 0700) == 0;
	if (!fresh && errno != EEXIST)
		return gi_error_errno(err, errno, "cannot create %s", im->state);
	char lock[PATH_MAX + 8];
	snprintf(lock, sizeof(lock), "%s/lock", im->state);
	im->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (im->lock < 0 || flock(im->lock, LOCK_EX | LOCK_NB) < 0) {
		im->state[0] = '\0'; /* not ours to remove */
		return gi_error_set(err, EBUSY, "distribution %s is being imported by another wsl", name);
	}
	struct gh g = *root;
	snprintf(g.state, sizeof(g.state), "%s", im->state);
	struct distro old;
	if (!fresh && distro_record_read(&g, &old, err) != 0) {
		im->state[0] = '\0';
		return gi_error_set(err, EEXIST, "A distribution with the supplied name already exists.");
	}
	return 0;
}

static int make_disk(struct import *im, const char *disk, struct gi_error *err)
{
	tree_bytes = 0;
	if (nftw(im->tree, add_size, 64, FTW_PHYS) < 0)
		return gi_error_errno(err, errno, "measuring %s", im->tree);
	/* room to grow: twice the files and a GiB, at least what our own image has (sparse) */
	unsigned long long mb = (tree_bytes * 2 >> 20) + 1024;
	if (mb < MIN_DISK_MB)
		mb = MIN_DISK_MB;
	char size[32];
	snprintf(size, sizeof(size), "%lluM", mb);
	snprintf(im->tmpimg, sizeof(im->tmpimg), "%s.tmp", disk);
	char *argv[] = { "mkfs.ext4", "-q", "-F", "-L", "guestroot", "-d", im->tree, im->tmpimg, size, NULL };
	int r = run(argv, -1, -1, err); /* -q still says "Creating regular file" on stdout */
	if (r < 0)
		return gi_error_wrap(err, "making the disk %s", disk);
	if (chmod(im->tmpimg, 0600) < 0) /* the distribution's files, /etc/shadow too: the owner's alone */
		return gi_error_errno(err, errno, "chmod 0600 %s", im->tmpimg);
	_cleanup_close_ int fd = open(im->tmpimg, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || rename(im->tmpimg, disk) < 0)
		return gi_error_errno(err, errno, "cannot put the disk in place at %s", disk);
	im->tmpimg[0] = '\0';
	return 0;
}

int wsl_import(const struct gh *root, int argc, char **argv)
{
	if (argc < 3) {
		return wsl_missing("--import");
	}
	const char *name = argv[0], *dir = argv[1], *tar = argv[2];
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--version") && i + 1 < argc) {
			if (!strcmp(argv[i + 1], "1"))
				return wsl_refuse("--version 1", "every distribution here is a VM (version 2)");
			if (strcmp(argv[i + 1], "2")) {
				wsl_error("--version %s: the versions are 1 and 2", argv[i + 1]);
				return 1;
			}
			i++;
		} else if (!strcmp(argv[i], "--vhd")) {
			return wsl_refuse("--import --vhd", "a VHD cannot be attached here; import a root filesystem tarball");
		} else {
			return wsl_invalid(argv[i]);
		}
	}
	struct gi_error err = GI_ERROR_INIT;
	struct distro existing;
	if (distro_name_check(name, &err) < 0)
		return wsl_error("wsl --import: %s", err.msg), 1;
	if (distro_find(root, name, &existing, &err) == 0) {
		wsl_error("A distribution with the supplied name already exists.");
		return 1;
	}
	struct import im = { .lock = -1 };
	/* a signal on the way must not leave half a distribution: it is undone like a failure */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	int r = state_create(root, &err);
	char disk[PATH_MAX], real[PATH_MAX];
	if (r == 0) {
		im.made_base = access(dir, F_OK) < 0;
		if ((r = mkdir_p(dir, 0755)) < 0) {
			im.made_base = false;
			r = gi_error_errno(&err, -r, "cannot create the folder %s", dir);
		}
	}
	if (r == 0 && !realpath(dir, real))
		r = gi_error_errno(&err, errno, "%s", dir);
	if (r == 0) {
		snprintf(im.base, sizeof(im.base), "%s", real);
		if ((size_t)snprintf(disk, sizeof(disk), "%s/%s", real, DISTRO_DISK) >= sizeof(disk))
			r = gi_error_set(&err, ENAMETOOLONG, "the folder's path is too long: %s", real);
		else if (access(disk, F_OK) == 0)
			r = gi_error_set(&err, EEXIST, "%s already holds a distribution's disk (%s)", real, DISTRO_DISK);
	}
	if (r == 0)
		r = claim(root, name, &im, &err);
	if (r == 0) {
		printf("Import in progress, this may take a few minutes.\n");
		snprintf(im.tree, sizeof(im.tree), "%s/.import-%s.XXXXXX", real, name);
		snprintf(im.spool, sizeof(im.spool), "%s/.import-%s.tar", real, name);
		if (!mkdtemp(im.tree)) {
			r = gi_error_errno(&err, errno, "cannot create a folder in %s", real);
			im.tree[0] = '\0';
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		r = extract(tar, im.tree, im.spool, &err);
	sigprocmask(SIG_BLOCK, &block, NULL);
	/* a root filesystem: a shell to run commands with, and /etc (WSL's own check is tar's) */
	if (r == 0 && !tree_has(im.tree, "bin/sh", S_IFREG))
		r = gi_error_set(&err, EINVAL, "%s is no root filesystem: it has no /bin/sh", tar);
	if (r == 0 && !tree_has(im.tree, "etc", S_IFDIR))
		r = gi_error_set(&err, EINVAL, "%s is no root filesystem: it has no /etc", tar);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		r = make_disk(&im, disk, &err);
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (r == 0) {
		struct distro d = { .version = 2 };
		snprintf(d.name, sizeof(d.name), "%s", name);
		snprintf(d.base, sizeof(d.base), "%s", real);
		snprintf(d.disk, sizeof(d.disk), "%s", disk);
		struct gh g = *root;
		snprintf(g.state, sizeof(g.state), "%s", im.state);
		/* its first start shares the host's drives as the default distribution's does */
		char from[PATH_MAX], to[PATH_MAX];
		_cleanup_free_ char *args = NULL;
		size_t len;
		if (read_file(state_file(root, "start.args", from), 65536, &args, &len) == 0 &&
		    (r = atomic_write(state_file(&g, "start.args", to), args, len, 0600, false)) < 0)
			r = gi_error_errno(&err, -r, "cannot write %s", to);
		if (r == 0)
			r = distro_record_write(&g, &d, &err);
		if (r < 0)
			unlink(disk);
	}
	remove_tree(im.tree);
	im.tree[0] = '\0';
	if (r < 0)
		import_undo(&im);
	if (im.lock >= 0)
		close(im.lock);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		wsl_error("wsl --import: %s; nothing was imported", err.msg);
		return 1;
	}
	puts(MSG_OK);
	return 0;
}

/* The disk of d: an imported one's, or Debian's (the default image's root.img). */
static void disk_of(const struct distro *d, char *out, size_t cap)
{
	if (d->builtin)
		state_file(&d->g, "root.img", out);
	else
		snprintf(out, cap, "%s", d->disk);
}

/* A running distribution's files, written by tar in the guest as root: from a bind mount of
 * its root, which shows what the mounts on top (/dev, /run, /proc, the drives) hide, with GNU
 * tar's xattrs when the distribution has it, else busybox's tar (which keeps none, said).
 * The guest's stdout is the tarball; what it says goes to our stderr. */
static const char export_script[] =
	"d=/run/guestinit-export.$$\n"
	"mkdir -m 0700 \"$d\" || exit 1\n"
	"if command -v mount >/dev/null 2>&1; then m=mount; u=umount; else m='busybox mount'; u='busybox umount'; fi\n"
	"$m -o bind / \"$d\" || { rmdir \"$d\"; echo 'cannot bind-mount / for the export' >&2; exit 1; }\n"
	"trap 'cd /; $u \"$d\"; rmdir \"$d\"' EXIT\n"
	"if tar --version 2>/dev/null | grep -q 'GNU tar'; then\n"
	"  tar -C \"$d\" -c -p --numeric-owner --xattrs --xattrs-include='*' --exclude=./init --exclude=./lost+found -f - .\n"
	"else\n"
	"  echo 'wsl --export: the distribution has no GNU tar; busybox tar keeps no xattrs' >&2\n"
	"  cd \"$d\" || exit 1\n" /* busybox's tar has no --exclude: the top's entries but those two */
	"  set --; for f in .[!.]* ..?* *; do [ -e \"$f\" ] || [ -L \"$f\" ] || continue\n"
	"    case $f in init|lost+found) continue ;; esac; set -- \"$@\" \"./$f\"; done\n"
	"  busybox tar -c -f - \"$@\"\n"
	"fi\n";

static int export_running(struct distro *d, int out_fd, const char *zflag, struct gi_error *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)export_script, NULL };
	char *env[PROTO_MAX_ENV + 2] = { NULL };
	struct proto_exec spec = { .argv = argv, .argc = 3, .env = env, .user = "root" };
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0)
		return gi_error_errno(err, errno, "/dev/null");
	int pipefd[2] = { -1, -1 };
	pid_t z = 0;
	if (zflag) { /* compressed on the host: the guest may lack gzip or xz */
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return gi_error_errno(err, errno, "pipe");
		char *zargv[] = { !strcmp(zflag, "-z") ? "gzip" : "xz", "-c", NULL };
		z = child_start(&(struct child_spec){ .argv = zargv, .fds = { pipefd[0], out_fd, 2 } }, err);
		close(pipefd[0]);
		if (z < 0) {
			close(pipefd[1]);
			return z;
		}
	}
	int st = gh_exec_with(&d->g, &spec, null, zflag ? pipefd[1] : out_fd, err);
	if (zflag) {
		close(pipefd[1]);
		int zs = child_wait(z);
		if (st == 0 && zs != 0)
			return gi_error_set(err, EIO, "%s failed (status %d)", zflag[1] == 'z' ? "gzip" : "xz", zs);
	}
	if (st < 0)
		return st;
	if (st != 0)
		return gi_error_set(err, EIO, "the guest's tar failed (status %d, see above)", st);
	return 0;
}

int wsl_export(const struct gh *root, int argc, char **argv)
{
	if (argc < 2) {
		return wsl_missing("--export");
	}
	const char *name = argv[0], *out = argv[1], *zflag = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			const char *f = argv[++i];
			if (!strcmp(f, "tar.gz"))
				zflag = "-z";
			else if (!strcmp(f, "tar.xz"))
				zflag = "-J";
			else if (!strcmp(f, "vhd"))
				return wsl_refuse("--export --format vhd", "the disk is ext4 in a raw image, not a VHD; copy it as it is");
			else if (strcmp(f, "tar")) {
				wsl_error("--format %s: the formats are tar, tar.gz and tar.xz", f);
				return 1;
			}
		} else if (!strcmp(argv[i], "--vhd")) {
			return wsl_refuse("--export --vhd", "the disk is ext4 in a raw image, not a VHD; copy it as it is");
		} else {
			return wsl_invalid(argv[i]);
		}
	}
	struct gi_error err = GI_ERROR_INIT;
	struct distro d;
	if (distro_find(root, name, &d, &err) < 0)
		return wsl_error("%s", err.msg), 1;
	char disk[PATH_MAX];
	disk_of(&d, disk, sizeof(disk));
	if (access(disk, R_OK) < 0) {
		wsl_error("wsl --export: %s has no disk yet (%s): start it once", d.name, disk);
		return 1;
	}
	bool to_stdout = !strcmp(out, "-");
	if (!to_stdout)
		printf("Export in progress, this may take a few minutes.\n");
	if (distro_running(&d)) { /* its disk is in use: the guest writes the tarball, as WSL's does */
		_cleanup_close_ int fd = to_stdout ? dup(1) : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int r = fd < 0 ? gi_error_errno(&err, errno, "cannot create %s", out) : export_running(&d, fd, zflag, &err);
		if (r == 0 && !to_stdout && fsync(fd) < 0)
			r = gi_error_errno(&err, errno, "writing %s", out);
		if (r < 0) {
			if (!to_stdout)
				unlink(out);
			wsl_error("wsl --export: %s", err.msg);
			return 1;
		}
		if (!to_stdout)
			puts(MSG_OK);
		return 0;
	}
	char mnt[PATH_MAX + 16];
	snprintf(mnt, sizeof(mnt), "%s/export.XXXXXX", d.g.state);
	if (!mkdtemp(mnt)) {
		wsl_error("wsl --export: cannot create a folder in %s: %s", d.g.state, strerror(errno));
		return 1;
	}
	/* The disk is the guest's work, and the guest is no friend of the host: its ext4 is read
	 * by fuse2fs, a process, read-only, never by the host's kernel (a crafted image would be
	 * the kernel's problem). */
	char *mount_argv[] = { "fuse2fs", disk, mnt, "-o", "ro", NULL };
	int r = run(mount_argv, -1, 2, &err);
	if (r == 0) {
		_cleanup_close_ int fd = to_stdout ? dup(1) : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = gi_error_errno(&err, errno, "cannot create %s", out);
		} else {
			/* our /init is the host's (stage1 puts it there at each boot), not the distribution's */
			char *tar_argv[] = { "tar", "-c", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*",
					     "--exclude=./init", "--exclude=./lost+found", "-f", "-", "-C", mnt,
					     (char *)(zflag ? zflag : "."), zflag ? "." : NULL, NULL };
			r = run(tar_argv, -1, fd, &err);
			if (r == 0 && !to_stdout && fsync(fd) < 0)
				r = gi_error_errno(&err, errno, "writing %s", out);
		}
		char *umount_argv[] = { "umount", mnt, NULL };
		struct gi_error e2 = GI_ERROR_INIT;
		run(umount_argv, -1, 2, &e2);
	}
	rmdir(mnt);
	if (r < 0) {
		if (!to_stdout)
			unlink(out); /* a partial tarball is none */
		wsl_error("wsl --export: %s", err.msg);
		return 1;
	}
	if (!to_stdout)
		puts(MSG_OK);
	return 0;
}

int wsl_unregister(const struct gh *root, int argc, char **argv)
{
	if (argc < 1) {
		return wsl_missing("--unregister");
	}
	if (argc > 1) {
		return wsl_invalid(argv[1]);
	}
	struct gi_error err = GI_ERROR_INIT;
	struct distro d;
	if (distro_find(root, argv[0], &d, &err) < 0)
		return wsl_error("%s", err.msg), 1;
	printf("Unregistering.\n");
	if (wsl_stop(&d, &err) < 0)
		return wsl_error("%s", err.msg), 1;
	_cleanup_close_ int lock = state_lock(&d.g, &err); /* no start of it meanwhile */
	if (lock < 0)
		return wsl_error("%s", err.msg), 1;
	char path[PATH_MAX];
	if (d.builtin) { /* Debian's disks go; its next start makes a fresh one from the image */
		static const char *const files[] = { "root.img", "root.key", "root-systemd.img", "root-systemd.key",
						     "start.args", "boot.info", "default-user" };
		for (size_t i = 0; i < ARRAY_SIZE(files); i++)
			if (unlink(state_file(&d.g, files[i], path)) < 0 && errno != ENOENT) {
				wsl_error("wsl --unregister: cannot remove %s: %s", path, strerror(errno));
				return 1;
			}
	} else {
		if (unlink(d.disk) < 0 && errno != ENOENT) {
			wsl_error("wsl --unregister: cannot remove %s: %s", d.disk, strerror(errno));
			return 1;
		}
		rmdir(d.base); /* the folder --import was given, if nothing else is in it */
		unlink(state_file(&d.g, DISTRO_RECORD, path));
		remove_tree(d.g.state);
	}
	puts(MSG_OK);
	return 0;
}
