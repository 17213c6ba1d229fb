/* Starting children with a clean slate: empty signal mask, default dispositions, only the
 * fds asked for, OOM score back to normal. */
#ifndef GUESTINIT_SPAWN_H
#define GUESTINIT_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

enum spawn_flags {
	SPAWN_SETSID = 1 << 0, /* own session, so it cannot signal our process group */
	SPAWN_CTTY = 1 << 1,   /* with SETSID: take fd 0 as controlling terminal if it is a tty */
	/* SIGKILL when the parent dies: a supervisor that is not PID 1 (the systemd hand-off's
	 * helper) can be killed, and the one that replaces it must not find its daemons there */
	SPAWN_DIE_WITH_PARENT = 1 << 2,
};

struct spawn_opts {
	const char *path;         /* executable; argv[0] is separate */
	char *const *argv;
	char *const *envp;
	int fds[3];               /* become 0, 1, 2; -1 means /dev/null */
	const int *extra_fds;     /* become 3, 4, ... (nextra of them) */
	size_t nextra;
	unsigned flags;
};

/* Forks and execs; returns the child's pid or -errno. A failed exec ends the child with 127
 * (ENOENT) or 126, as a shell does, after a message on its stderr. */
pid_t spawn_process(const struct spawn_opts *o);

/* Runs path (argv, envp) with stdin and stderr on /dev/null and waits for it; its stdout
 * (up to cap - 1 bytes, the rest read and dropped) in out, NUL-terminated. The wait status,
 * or -errno. For short commands that answer in a line (systemctl is-system-running). */
int spawn_capture(const char *path, char *const *argv, char *const *envp, char *out, size_t cap);

/* Closes every fd from lowfd up (close_range where the kernel has it). */
void spawn_close_from(int lowfd);

/* Default dispositions and an empty mask: what a child of a process that ignores or blocks
 * signals (for signalfd) needs before exec. */
void spawn_reset_signals(void);

/* For a child just forked by hand: the reset spawn_process does before exec (signals, and
 * the OOM score back to 0 from PID 1's immunity). */
void spawn_reset_child(void);

#endif
