/* PID 1's internal daemons: a fixed table of children started at boot, restarted with backoff
 * when they die, stopped in reverse order at shutdown. */
#ifndef GUESTINIT_INIT_DAEMONS_H
#define GUESTINIT_INIT_DAEMONS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct evloop;

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
};

void daemons_init(struct evloop *loop, const struct daemon_env *env);
void daemons_start_all(void);
/* Returns true if pid was one of ours (and schedules its restart unless stopping). */
bool daemons_reaped(pid_t pid, int wstatus);
void daemons_signal_all(int sig);
/* Stops them last-first, each with SIGTERM, then SIGKILL after timeout_ms; calls done once
 * all are down. */
void daemons_stop_all(int timeout_ms, void (*done)(void *ctx), void *ctx);
void daemons_status(FILE *out);

#endif
