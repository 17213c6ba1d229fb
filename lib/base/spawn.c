/* Children never inherit PID 1's blocked signals, ignored signals, OOM immunity or fds. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void spawn_close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lowfd; fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

void spawn_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* fails harmlessly for KILL, STOP and unused numbers */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void spawn_reset_child(void)
{
	spawn_reset_signals();
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0\n", 2);
		close(fd);
	}
}

pid_t spawn_process(const struct spawn_opts *o)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;

	spawn_reset_child();
	/* the parent may have died between fork and prctl: then its signal never comes */
	if ((o->flags & SPAWN_DIE_WITH_PARENT) && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(1);
	if (o->flags & SPAWN_SETSID)
		setsid();
	int null = -1;
	int src[3];
	for (int i = 0; i < 3; i++) {
		src[i] = o->fds[i];
		if (src[i] < 0) {
			if (null < 0)
				null = open("/dev/null", O_RDWR | O_CLOEXEC);
			src[i] = null;
		}
	}
	/* Move sources out of 0..2 first so that dup2 into place cannot clobber a later one. */
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0 && src[i] < 3)
			src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
	/* the extras go above their final places before anything lands there */
	int hi[8];
	size_t nextra = o->nextra < 8 ? o->nextra : 8;
	for (size_t k = 0; k < nextra; k++)
		hi[k] = fcntl(o->extra_fds[k], F_DUPFD_CLOEXEC, 3 + (int)nextra);
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0)
			dup2(src[i], i);
	for (size_t k = 0; k < nextra; k++)
		if (hi[k] >= 0)
			dup2(hi[k], 3 + (int)k);
	spawn_close_from(3 + (int)nextra);
	if ((o->flags & (SPAWN_SETSID | SPAWN_CTTY)) == (SPAWN_SETSID | SPAWN_CTTY) && isatty(0))
		ioctl(0, TIOCSCTTY, 0);
	execve(o->path, o->argv, o->envp);
	int e = errno;
	dprintf(2, "guestinit: cannot run %s: %s\n", o->path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

int spawn_capture(const char *path, char *const *argv, char *const *envp, char *out, size_t cap)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = spawn_process(&(struct spawn_opts){ .path = path, .argv = argv, .envp = envp, .fds = { -1, p[1], -1 } });
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return (int)pid;
	}
	size_t len = 0;
	char scratch[256];
	for (;;) {
		bool room = cap > 0 && len < cap - 1;
		ssize_t n = read(p[0], room ? out + len : scratch, room ? cap - 1 - len : sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			len += (size_t)n;
	}
	close(p[0]);
	if (cap > 0)
		out[len] = '\0';
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return st;
}
