/* Starting one process of a service: the execution environment a unit describes (user,
 * groups, capabilities, limits, umask, nice, directory, environment, output), applied in the
 * child between fork and exec. A failure in the child is reported back through a pipe, so
 * that `service X start` says "User=www: no such user" rather than "exited with 217". */
#ifndef GUESTINIT_SERVICES_SVC_EXEC_H
#define GUESTINIT_SERVICES_SVC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "unitfile.h"

/* The exit statuses systemd gives the same failures (systemd.exec(5)). */
enum {
	SVC_EXIT_CHDIR = 200, SVC_EXIT_NICE = 201, SVC_EXIT_FDS = 202, SVC_EXIT_EXEC = 203,
	SVC_EXIT_LIMITS = 205, SVC_EXIT_GROUP = 216, SVC_EXIT_USER = 217, SVC_EXIT_CAPABILITIES = 218,
	SVC_EXIT_CGROUP = 219, SVC_EXIT_SETSID = 220, SVC_EXIT_NO_NEW_PRIVILEGES = 231,
};

struct svc_exec {
	const char *name;        /* the service (its cgroup) */
	char *const *argv;       /* argv[0] is the program: absolute, or looked up in the PATH */
	const char *argv0;       /* '@': the argv[0] the program sees instead; NULL: argv[0] */
	char *const *envp;
	int fds[3];              /* -1: /dev/null */
	const struct unit *unit; /* NULL: an init.d script, run as we are */
	bool privileged;         /* '+': without User=, capabilities and limits */
	bool pass_sockets;       /* the main process: it gets the unit's listening sockets */
};

/* Forks and execs; returns the pid, or -errno with err filled when even the fork failed. The
 * child's own failures come back through svc_exec_failure(). */
pid_t svc_exec_spawn(const struct svc_exec *e, int *report_fd, char *err, size_t errcap);
/* Reads what the child wrote to report_fd before exec failed (empty on success) and closes it.
 * Call it once the child has exec'd or ended (the pipe is close-on-exec): it reads to EOF. */
void svc_exec_failure(int report_fd, char *buf, size_t cap);

/* The environment of a unit's processes: PATH, LANG, the user's HOME/USER/LOGNAME/SHELL,
 * Environment= and EnvironmentFile= in order, and extra ("NAME=VALUE", may be NULL). Returns
 * a NULL-terminated array to free with svc_strv_free, or NULL with err set. */
char **svc_exec_environment(const struct unit *u, char *const *extra, char *err, size_t errcap);
/* Expands variables in argv from env, as systemd does: a word that is "$VAR" becomes the
 * value's words, "${VAR}" anywhere becomes the value (one word), "$$" is "$"; "$VAR" inside
 * a word is left alone. */
char **svc_exec_expand(char *const *argv, char *const *env);
void svc_strv_free(char **v);

#endif
