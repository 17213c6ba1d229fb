/* Signalling a process that may be stopped: see sigsend.h. */
#include "sigsend.h"

#include <signal.h>

int signal_stopped_too(pid_t target, int sig)
{
	if (sig != SIGKILL && sig != SIGCONT)
		kill(target, SIGCONT);
	return kill(target, sig);
}
