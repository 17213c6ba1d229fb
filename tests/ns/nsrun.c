/* nsrun: runs a command as PID 1 of fresh user, pid, mount, uts, ipc, net and cgroup
 * namespaces, chrooted into ROOTFS — guestinit's stand-in for a VM.
 *
 *   nsrun [--bind SRC:DST] [--robind SRC:DST] [--pidfile FILE] ROOTFS CMD [ARGS...]
 *
 * uids and gids 0-65535 are mapped to themselves (written by this parent before the child
 * goes on), so services can switch users. ROOTFS/dev becomes a tmpfs holding binds of the
 * machine's basic device nodes: devtmpfs cannot be mounted in a user namespace, and a bind of
 * the whole /dev would bring the machine's devpts along. chroot (not pivot_root) keeps the
 * machine's /proc in the mount namespace, which the kernel requires before it lets a user
 * namespace mount a new proc. The child dies with this process (PR_SET_PDEATHSIG), and with
 * it the whole namespace: no test leaves anything behind. Exit status: the command's, or
 * 128+signal. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BINDS 16

struct bind {
	const char *src, *dst;
	int ro;
};

static void die(const char *what)
{
	fprintf(stderr, "nsrun: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void bind_into(const char *root, const char *src, const char *dst, int ro, int is_file)
{
	char target[4096];
	snprintf(target, sizeof(target), "%s/%s", root, dst);
	if (is_file) {
		int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	} else {
		mkdir(target, 0755);
	}
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		die(target);
	if (ro && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		die(target);
}

static void make_dev(const char *root)
{
	char dev[4096];
	snprintf(dev, sizeof(dev), "%s/dev", root);
	mkdir(dev, 0755);
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=0755") < 0)
		die("tmpfs on ROOTFS/dev");
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char src[64], dst[64];
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), "dev/%s", nodes[i]);
		bind_into(root, src, dst, 0, 1);
	}
	snprintf(dev, sizeof(dev), "%s/dev/ptmx", root);
	if (symlink("pts/ptmx", dev) < 0)
		die("dev/ptmx");
}

int main(int argc, char **argv)
{
	struct bind binds[MAX_BINDS];
	int nbinds = 0;
	const char *pidfile = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--pidfile")) {
			pidfile = argv[i + 1];
			continue;
		}
		int ro = !strcmp(argv[i], "--robind");
		if ((!ro && strcmp(argv[i], "--bind")) || nbinds == MAX_BINDS) {
			fprintf(stderr, "nsrun: unknown option '%s'\n", argv[i]);
			return 125;
		}
		char *colon = strchr(argv[i + 1], ':');
		if (!colon) {
			fprintf(stderr, "nsrun: %s wants SRC:DST, got '%s'\n", argv[i], argv[i + 1]);
			return 125;
		}
		*colon = '\0';
		binds[nbinds++] = (struct bind){ argv[i + 1], colon + 1, ro };
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: nsrun [--bind SRC:DST] [--robind SRC:DST] [--pidfile FILE] ROOTFS CMD [ARGS...]\n");
		return 125;
	}
	const char *root = argv[i];
	char **cmd = &argv[i + 1];

	int sync_pipe[2];
	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		die("pipe");
	long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		     CLONE_NEWCGROUP | SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		/* (getppid() is 0 across the PID namespace boundary; a parent that died before
		 * this line shows as EOF on the sync pipe below) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sync_pipe[1]);
		char c;
		if (read(sync_pipe[0], &c, 1) != 1)
			_exit(125); /* the parent could not map our ids */
		close(sync_pipe[0]);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("make / private");
		make_dev(root);
		for (int b = 0; b < nbinds; b++) {
			struct stat st;
			if (stat(binds[b].src, &st) < 0)
				die(binds[b].src);
			bind_into(root, binds[b].src, binds[b].dst, binds[b].ro, !S_ISDIR(st.st_mode));
		}
		if (chdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
			die("chroot");
		/* a session of its own: the terminal's job-control signals are not PID 1's */
		setsid();
		execv(cmd[0], cmd);
		die(cmd[0]);
	}
	close(sync_pipe[0]);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	write_file(path, "0 0 65536\n");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	write_file(path, "0 0 65536\n");
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
			die(pidfile);
	}
	if (write(sync_pipe[1], "g", 1) != 1)
		die("sync");
	close(sync_pipe[1]);
	/* While the namespace runs, the terminal's ^C and ^\ are not ours to act on. */
	if (isatty(0)) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
