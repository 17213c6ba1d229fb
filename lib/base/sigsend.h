/* Signalling a process that may be stopped, the one way everything here does it. */
#ifndef GUESTINIT_SIGSEND_H
#define GUESTINIT_SIGSEND_H

#include <sys/types.h>

/* SIGCONT, then sig, to target (kill(2)'s meaning: a pid, or -pgid, or -1). A stopped process
 * would never see a handled sig; SIGKILL needs no SIGCONT and gets none.
 *
 * The order matters: a SIGCONT sent after sig can land when the process, on its way out, has
 * just been asked to stop by a tracer (LeakSanitizer stops a process at exit to look for
 * leaks; gdb; strace -p). SIGCONT discards that pending SIGSTOP, the tracer waits for a stop
 * that never comes, and the process never ends. Nothing is sent after sig. Returns kill(2)'s
 * result for sig. */
int signal_stopped_too(pid_t target, int sig);

#endif
