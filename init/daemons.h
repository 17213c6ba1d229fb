/* PID 1's internal daemons: a fixed table of children started at boot, restarted with backoff
 * when they die, stopped in reverse order at shutdown. */
#ifndef GUESTINIT_INIT_DAEMONS_H
#define GUESTINIT_INIT_DAEMONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct evloop;

#define DAEMONS_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct daemon_env {
	const char *self_exe; /* our multi-call binary; daemons are applets of it */
	char *const *envp;
	int log_read_fd;      /* read end of the log pipe (logd's stdin) */
	int console_fd;       /* stdout/stderr of every daemon */
	const char *log_file;
	int log_file_max_kb, log_file_keep;
	const char *host_uri;   /* the host channel's address; NULL: no hostd */
	char *const *host_envp; /* envp plus GUESTINIT_TOKEN, for hostd only */
	bool machine;           /* PID 1 of a machine, not of a namespace on one */
	bool under_systemd;     /* the systemd hand-off's helper supervises them, not PID 1: they
				 * die with it (a new helper starts them again) */
};

/* The environment init gives its daemons (and the [boot] command): PATH, HOME, USER,
 * LOGNAME, SHELL of root and the console's TERM; envp has room for DAEMONS_ENV_MAX. */
#define DAEMONS_ENV_MAX 8
void daemons_base_env(char **envp);
/* base plus GUESTINIT_TOKEN=token into out (room for DAEMONS_ENV_MAX + 2): the hub's. */
void daemons_host_env(char *const *base, const char *token, char **out);
/* The log pipe for logd: 0, or -errno (logged; the console has the log then). Its write end
 * is non-blocking, so that a full pipe drops lines rather than block the supervisor, and
 * becomes the logger's pipe sink. */
int daemons_log_pipe(int fds[2]);

void daemons_init(struct evloop *loop, const struct daemon_env *env);
void daemons_start_all(void);
/* The daemon of that name (its definition's) is part of this boot: started, or to be again. */
bool daemons_in_boot(const char *name);
/* Returns true if pid was one of ours (and schedules its restart unless stopping). */
bool daemons_reaped(pid_t pid, int wstatus);
void daemons_signal_all(int sig);
/* Stops them last-first, each with SIGTERM, then SIGKILL after timeout_ms; calls done once
 * all are down. */
void daemons_stop_all(int timeout_ms, void (*done)(void *ctx), void *ctx);
void daemons_status(FILE *out);

#endif
