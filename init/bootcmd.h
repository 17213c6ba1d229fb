/* [boot] command of wsl.conf: run once as root with /bin/sh -c, its output in the log, a
 * failure logged and nothing else changed. PID 1 starts it once the enabled services are up;
 * under systemd the hand-off's helper, once systemd is (init/helper.c). */
#ifndef GUESTINIT_INIT_BOOTCMD_H
#define GUESTINIT_INIT_BOOTCMD_H

#include <sys/types.h>

/* Starts command with envp, its stdout and stderr on the log pipe's write end log_fd (a
 * blocking description of its own: the supervisor's is non-blocking, and a shell that got
 * EAGAIN would lose output), or the console without one. Its pid, or -errno (logged). */
pid_t boot_command_start(const char *command, char *const *envp, int log_fd);
/* What its end says in the log: nothing for status 0, else how it ended. */
void boot_command_ended(int wstatus);

#endif
