/* Boot mounts: every drive the host announces at [automount] root, then /etc/fstab
 * (see automount.h). */
#include "automount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "records.h"
#include "spawn.h"

/* WSL's automount defaults: the default user owns the files (uid/gid 1000), and absolute
 * links are shown under the automount root. */
#define DEFAULT_UID 1000
#define DEFAULT_GID 1000

static bool is_mount_point(const char *dir)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return false;
	/* getmntent_r: plain getmntent's buffer is shared with the fstab being read */
	bool found = false;
	struct mntent ent;
	char buf[4096];
	while (!found && getmntent_r(f, &ent, buf, sizeof(buf)))
		found = !strcmp(ent.mnt_dir, dir);
	endmntent(f);
	return found;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

unsigned drvfs_automount(const struct wsl_conf *conf, const struct drvfs_host *h)
{
	if (!conf->automount.enabled) {
		log_info("drvfs", "[automount] enabled=false: no drive mounted");
		return 0;
	}
	unsigned failed = 0;
	for (int i = 0; i < 26; i++) {
		if (!h->source[i][0])
			continue;
		char target[PATH_MAX], source[4] = { (char)('A' + i), ':', '\0' };
		const char *root = conf->automount.root;
		size_t rl = strlen(root);
		snprintf(target, sizeof(target), "%s%s%c", root, rl && root[rl - 1] == '/' ? "" : "/", 'a' + i);
		if (is_mount_point(target)) {
			log_info("drvfs", "%s is mounted already", target);
			continue;
		}
		int r = mkdir_p(target);
		if (r < 0) {
			log_warn("drvfs", "%c: cannot create %s: %s", 'A' + i, target, strerror(-r));
			failed++;
			continue;
		}
		struct drvfs_options base = { 0 };
		/* our server's defaults; QEMU's virtio share takes none of them */
		if (!strncmp(h->source[i], "p9", 2)) {
			base.has_uid = base.has_gid = true;
			base.uid = DEFAULT_UID;
			base.gid = DEFAULT_GID;
			snprintf(base.symlinkroot, sizeof(base.symlinkroot), "%s", root);
		}
		struct gi_error err = GI_ERROR_INIT;
		int st = drvfs_mount(h, source, target, &base, conf->automount.options, &err);
		if (st) {
			log_warn("drvfs", "automount: %s", err.msg);
			failed++;
		} else {
			log_info("drvfs", "%s mounted at %s", source, target);
		}
	}
	return failed;
}

/* A non-drvfs line: util-linux's mount knows every type and source syntax (UUID=, LABEL=). */
static int run_mount(const struct mntent *m)
{
	char *argv[] = { "mount", "-t", m->mnt_type, "-o", m->mnt_opts, m->mnt_fsname, m->mnt_dir, NULL };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct spawn_opts o = { .path = "/bin/mount", .argv = argv, .envp = envp, .fds = { -1, 2, 2 } };
	if (access(o.path, X_OK) < 0)
		o.path = "/usr/bin/mount";
	pid_t pid = spawn_process(&o);
	if (pid < 0)
		return pid;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

unsigned drvfs_fstab(const struct wsl_conf *conf, const struct drvfs_host *h, const char *path)
{
	if (!conf->automount.mount_fstab) {
		log_info("drvfs", "[automount] mountFsTab=false: %s not processed", path);
		return 0;
	}
	FILE *f = setmntent(path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_warn("drvfs", "%s: %s", path, strerror(errno));
		return 0;
	}
	unsigned failed = 0;
	for (struct mntent *m; (m = getmntent(f));) {
		if (hasmntopt(m, "noauto") || !strcmp(m->mnt_type, "swap") || !strcmp(m->mnt_dir, "none") ||
		    !strcmp(m->mnt_dir, "/") || is_mount_point(m->mnt_dir))
			continue;
		bool nofail = hasmntopt(m, "nofail") != NULL;
		struct gi_error err = GI_ERROR_INIT;
		int r;
		if (!strcmp(m->mnt_type, "drvfs")) {
			struct drvfs_options base = { 0 };
			r = drvfs_mount(h, m->mnt_fsname, m->mnt_dir, &base, m->mnt_opts, &err);
		} else {
			r = run_mount(m);
			if (r)
				gi_error_set(&err, EIO, "mount %s on %s (%s) failed", m->mnt_fsname, m->mnt_dir, m->mnt_type);
		}
		if (!r)
			log_info("drvfs", "fstab: %s mounted at %s", m->mnt_fsname, m->mnt_dir);
		else if (nofail)
			log_info("drvfs", "fstab: %s (nofail: going on)", err.msg);
		else {
			log_warn("drvfs", "fstab: %s", err.msg);
			failed++;
		}
	}
	endmntent(f);
	return failed;
}

int drvfs_boot_main(int argc, char **argv)
{
	(void)argv;
	log_init("guestinit-automount");
	if (argc > 1) {
		fprintf(stderr, "usage: guestinit-automount   (the hub runs it once per boot, after WELCOME)\n");
		return 2;
	}
	/* once per boot: a restarted hub, or a host that came back, runs the hook again */
	int fd = open(DRVFS_MOUNTED_PATH, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0;
	close(fd);
	struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, NULL, NULL);
	struct drvfs_host dh;
	struct gi_error err = GI_ERROR_INIT;
	if (drvfs_host_load(&dh, HOST_CONF_PATH, &err) < 0) {
		log_warn("drvfs", "%s", err.msg);
		return 1;
	}
	unsigned failed = drvfs_automount(&conf, &dh);
	failed += drvfs_fstab(&conf, &dh, "/etc/fstab");
	return failed ? 1 : 0;
}
