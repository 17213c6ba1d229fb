/* Login sessions under systemd (see login.h). */
#include "login.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "records.h"
#include "sdinit.h"
#include "spawn.h"

#define LOGIN_STEP_MS 250

static bool user_manager_active(uid_t uid)
{
	char unit[48], out[64];
	snprintf(unit, sizeof(unit), "user@%u.service", (unsigned)uid);
	char *argv[] = { "systemctl", "is-active", unit, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int st = spawn_capture(sdinit_systemctl(), argv, envp, out, sizeof(out));
	return st == 0;
}

/* The holder: a grandchild of the session (so that systemd, not the session, is its parent)
 * that starts `login -f USER` on a new pty and keeps the pty open for the boot, reading and
 * dropping what the login's shell writes there. */
static void start_holder(const struct passwd *pw)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_warn("login", "%s: fork: %s", pw->pw_name, strerror(errno));
		return;
	}
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	spawn_reset_signals();
	prctl(PR_SET_NAME, "guestinit-login");
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	char *slave = master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 ? ptsname(master) : NULL;
	if (!slave) {
		log_warn("login", "%s: no pty: %s", pw->pw_name, strerror(errno));
		_exit(1);
	}
	char slave_path[64];
	snprintf(slave_path, sizeof(slave_path), "%s", slave);
	pid_t login = fork();
	if (login == 0) {
		setsid();
		int fd = open(slave_path, O_RDWR); /* the first terminal a session leader opens is its own */
		if (fd < 0)
			_exit(127);
		ioctl(fd, TIOCSCTTY, 0);
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		spawn_close_from(3);
		char *argv[] = { "login", "-f", (char *)pw->pw_name, NULL };
		char *envp[] = { "TERM=dumb", NULL };
		execve("/bin/login", argv, envp);
		_exit(127);
	}
	if (login < 0)
		_exit(1);
	/* nothing of the session's: the pty's master alone, on 3 */
	if (dup2(master, 3) < 0)
		_exit(1);
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	spawn_close_from(4);
	char buf[4096];
	for (;;) { /* until the login ends (EIO once no one has the pty open) */
		ssize_t n = read(3, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	while (waitpid(login, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

size_t login_session_env(const struct passwd *pw, int timeout_ms, char **env, size_t cap)
{
	if (cap < 2 || !sdinit_booted() || access("/bin/login", X_OK) < 0)
		return 0;
	/* an account that cannot log in (nologin, false: www-data) gets no login */
	const char *shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
	const char *base = strrchr(shell, '/');
	base = base ? base + 1 : shell;
	if (!strcmp(base, "nologin") || !strcmp(base, "false"))
		return 0;
	char lock_path[96];
	snprintf(lock_path, sizeof(lock_path), RUNSTATE_DIR "/login-%u.lock", (unsigned)pw->pw_uid);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0)
		flock(lock, LOCK_EX); /* two first sessions at once: one login */
	bool up = user_manager_active(pw->pw_uid);
	char tried[96];
	snprintf(tried, sizeof(tried), RUNSTATE_DIR "/login-%u.started", (unsigned)pw->pw_uid);
	/* once per user and boot, as WSL: a user manager that failed is not waited for again */
	if (!up && access(tried, F_OK) < 0) {
		int fd = open(tried, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		start_holder(pw);
		uint64_t start = mono_ms();
		while (!(up = user_manager_active(pw->pw_uid)) && timeout_ms > 0 &&
		       mono_ms() - start < (uint64_t)timeout_ms)
			nanosleep(&(struct timespec){ .tv_nsec = LOGIN_STEP_MS * 1000000L }, NULL);
		if (!up)
			log_warn("login", "Failed to start the systemd user session for '%s'. See journalctl for more details.",
				 pw->pw_name);
	}
	if (lock >= 0)
		close(lock);
	if (!up)
		return 0;
	size_t n = 0;
	if (asprintf(&env[n], "XDG_RUNTIME_DIR=/run/user/%u", (unsigned)pw->pw_uid) >= 0)
		n++;
	if (asprintf(&env[n], "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/%u/bus", (unsigned)pw->pw_uid) >= 0)
		n++;
	return n;
}
