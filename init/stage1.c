/* Stage 1 in the initramfs (see stage1.h). */
#include "stage1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "clock.h"
#include "cmdline.h"
#include "log.h"
#include "readfile.h"

#define NEWROOT "/newroot"
#define TOKEN_PATH "/sys/firmware/qemu_fw_cfg/by_name/opt/guestinit/token/raw"
#define ROOT_WAIT_MS 5000

bool stage1_here(void)
{
	return access(STAGE1_MODULES, F_OK) == 0;
}

static _Noreturn void give_up(void)
{
	/* the host sees QEMU end and finds the reason above in the console log */
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* The modules, each a path under /lib/modules/RELEASE, loaded by one worker per CPU (at most
 * MAX_WORKERS): a module starts once those it needs (modules.dep) are in, and the order of
 * STAGE1_MODULES decides between the ready ones. Under TCG ext4 alone takes a quarter of a
 * second, so the 9P, network and vsock modules load beside the root disk's chain. A module
 * that will not load is said and skipped: a kernel of the user's own (.wslconfig's kernel) may
 * have it built in or lack it. */
#define MAX_MODULES 128
#define MAX_DEPS 16
#define MAX_WORKERS 4

struct module {
	const char *path;
	int deps[MAX_DEPS];
	int ndeps;
	enum { MOD_WAITING, MOD_LOADING, MOD_DONE } state;
};

static struct loader {
	struct module mods[MAX_MODULES];
	int n;
	int dir;
	const char *dirname;
	unsigned loaded;
	pthread_mutex_t lock;
	pthread_cond_t changed;
} ld = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

static int module_index(const char *path, size_t len)
{
	for (int i = 0; i < ld.n; i++)
		if (strlen(ld.mods[i].path) == len && !memcmp(ld.mods[i].path, path, len))
			return i;
	return -1;
}

/* modules.dep's "PATH: DEP DEP...": the dependencies among our modules */
static void read_deps(void)
{
	_cleanup_free_ char *dep = NULL;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/modules.dep", ld.dirname);
	int r = read_file(p, 1024 * 1024, &dep, NULL);
	if (r < 0) {
		log_warn("stage1", "cannot read %s (%s): loading the modules one by one", p, strerror(-r));
		for (int i = 1; i < ld.n; i++)
			ld.mods[i].deps[ld.mods[i].ndeps++] = i - 1;
		return;
	}
	for (char *line = dep, *next; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		int m = colon ? module_index(line, (size_t)(colon - line)) : -1;
		if (m < 0)
			continue;
		for (char *d = colon + 1; *d;) {
			d += strspn(d, " ");
			size_t len = strcspn(d, " ");
			int i = len ? module_index(d, len) : -1;
			if (i >= 0 && ld.mods[m].ndeps < MAX_DEPS)
				ld.mods[m].deps[ld.mods[m].ndeps++] = i;
			d += len;
		}
	}
}

static int next_ready(void)
{
	for (int i = 0; i < ld.n; i++) {
		struct module *m = &ld.mods[i];
		if (m->state != MOD_WAITING)
			continue;
		int d = 0;
		while (d < m->ndeps && ld.mods[m->deps[d]].state == MOD_DONE)
			d++;
		if (d == m->ndeps)
			return i;
	}
	return -1;
}

static void *load_worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&ld.lock);
	for (;;) {
		int i = next_ready();
		if (i < 0) {
			bool left = false;
			for (int j = 0; j < ld.n; j++)
				left |= ld.mods[j].state != MOD_DONE;
			if (!left)
				break;
			pthread_cond_wait(&ld.changed, &ld.lock);
			continue;
		}
		ld.mods[i].state = MOD_LOADING;
		pthread_mutex_unlock(&ld.lock);
		int fd = openat(ld.dir, ld.mods[i].path, O_RDONLY | O_CLOEXEC);
		bool ok = fd >= 0 && (syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST);
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (!ok)
			log_warn("stage1", "module %s/%s not loaded: %s", ld.dirname, ld.mods[i].path, strerror(err));
		pthread_mutex_lock(&ld.lock);
		ld.mods[i].state = MOD_DONE;
		ld.loaded += ok;
		pthread_cond_broadcast(&ld.changed);
	}
	pthread_mutex_unlock(&ld.lock);
	return NULL;
}

static void load_modules(void)
{
	_cleanup_free_ char *list = NULL;
	int r = read_file(STAGE1_MODULES, 64 * 1024, &list, NULL);
	if (r < 0) {
		log_err("stage1", "cannot read %s: %s", STAGE1_MODULES, strerror(-r));
		return;
	}
	struct utsname u;
	uname(&u);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_warn("stage1", "the initramfs has no modules for kernel %s (%s): loading none", u.release,
			 strerror(errno));
		return;
	}
	ld.dir = dfd;
	ld.dirname = dir;
	for (char *line = list, *next; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (ld.n == MAX_MODULES) {
			log_warn("stage1", "more than %d modules in %s: the rest are not loaded", MAX_MODULES, STAGE1_MODULES);
			break;
		}
		ld.mods[ld.n++] = (struct module){ .path = line };
	}
	read_deps();
	uint64_t t0 = mono_ms();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int workers = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus;
	pthread_t t[MAX_WORKERS];
	int started = 0;
	while (started < workers - 1 && pthread_create(&t[started], NULL, load_worker, NULL) == 0)
		started++;
	load_worker(NULL);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	log_info("stage1", "%u of %d modules loaded by %d workers (%llu ms)", ld.loaded, ld.n, started + 1,
		 (unsigned long long)(mono_ms() - t0));
}

static void wait_for_block(const char *dev)
{
	struct stat st;
	for (int waited = 0; waited < ROOT_WAIT_MS; waited += 10) {
		if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
			return;
		usleep(10000);
	}
	log_err("stage1", "no root device %s after %d ms; powering off", dev, ROOT_WAIT_MS);
	give_up();
}

/* The disk keeps the user's files; its /init follows the host's build: this binary. A copy
 * that cannot be made is said, and the disk's own /init runs. */
#define INIT_MAX (64u << 20)
static void update_root_init(void)
{
	_cleanup_free_ char *self = NULL, *cur = NULL;
	size_t n, m;
	int r = read_file("/init", INIT_MAX, &self, &n);
	if (r < 0) {
		log_warn("stage1", "cannot read the initramfs's /init: %s", strerror(-r));
		return;
	}
	if (read_file(NEWROOT "/init", INIT_MAX, &cur, &m) == 0 && m == n && !memcmp(self, cur, n))
		return;
	r = atomic_write(NEWROOT "/init", self, n, 0755, true);
	if (r < 0)
		log_warn("stage1", "cannot put this build's init on the root disk (%s): booting the disk's own",
			 strerror(-r));
}

/* The boot token, from QEMU's firmware config (root-only, unlike /proc/cmdline): PID 1 gets it
 * in its environment, which only root can read, and hands it to the host channel alone. */
static void take_token(void)
{
	_cleanup_free_ char *tok = NULL;
	size_t n;
	if (read_file(TOKEN_PATH, 4096, &tok, &n) < 0)
		return; /* a host that gives none (tests' QEMU lines) */
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r'))
		tok[--n] = '\0';
	setenv("GUESTINIT_TOKEN", tok, 1);
}

/* Everything of the initramfs but the new root: its memory is the VM's for good otherwise. */
static void remove_tree(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue; /* the new root, or a mount left */
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				remove_tree(sub, dev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else
			unlinkat(dirfd, e->d_name, 0);
	}
	closedir(d);
}

_Noreturn void stage1_main(int argc, char **argv)
{
	(void)argc;
	uint64_t t0 = mono_ms();
	log_init("guestinit");
	/* the kernel gives an initramfs without /dev/console no stdio: the console, once there */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) < 0) {
		log_open_kmsg();
		log_err("stage1", "cannot mount /proc, /sys or /dev: %s; powering off", strerror(errno));
		give_up();
	}
	int con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	log_set_console_fd(con);
	load_modules();
	char cmdline[4096], root[256] = "/dev/vda";
	cmdline_read(cmdline, sizeof(cmdline));
	if (cmdline_param(cmdline, "root", root, sizeof(root)) < 0)
		log_warn("stage1", "root= is too long: trying %s", strcpy(root, "/dev/vda"));
	wait_for_block(root);
	if (mount(root, NEWROOT, "ext4", 0, NULL) < 0) {
		log_err("stage1", "cannot mount %s on %s: %s; powering off", root, NEWROOT, strerror(errno));
		give_up();
	}
	update_root_init();
	take_token();
	log_info("stage1", "root %s mounted; handing over after %llu ms", root, (unsigned long long)(mono_ms() - t0));
	/* con stays open (close-on-exec) so that a failure below is still said */
	umount2("/proc", MNT_DETACH);
	umount2("/sys", MNT_DETACH);
	umount2("/dev", MNT_DETACH);
	struct stat st;
	int top = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top >= 0 && fstat(top, &st) == 0)
		remove_tree(top, st.st_dev);
	/* switch_root: the new root becomes /, and its /init starts over as PID 1 */
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		log_open_kmsg();
		log_err("stage1", "cannot make %s the root: %s; powering off", NEWROOT, strerror(errno));
		give_up();
	}
	argv[0] = "/init";
	execv("/init", argv);
	log_open_kmsg();
	log_err("stage1", "cannot run the root's /init: %s; powering off", strerror(errno));
	give_up();
}
