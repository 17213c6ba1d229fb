/* [boot] command (see bootcmd.h). */
#include "bootcmd.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "log.h"
#include "spawn.h"

pid_t boot_command_start(const char *command, char *const *envp, int log_fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", log_fd);
	_cleanup_close_ int out = log_fd >= 0 ? open(path, O_WRONLY | O_CLOEXEC) : -1;
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	pid_t pid = spawn_process(&(struct spawn_opts){ .path = "/bin/sh", .argv = argv, .envp = envp,
						       .fds = { -1, out >= 0 ? out : 2, out >= 0 ? out : 2 },
						       .flags = SPAWN_SETSID });
	if (pid < 0)
		log_warn("boot", "[boot] command: %s", strerror((int)-pid));
	return pid;
}

void boot_command_ended(int wstatus)
{
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		log_warn("boot", "[boot] command %s %d", WIFEXITED(wstatus) ? "exited with status" : "killed by signal",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus));
}
