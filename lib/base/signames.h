/* Signal names without the SIG prefix ("TERM"), both ways: musl has no sigabbrev_np. */
#ifndef GUESTINIT_SIGNAMES_H
#define GUESTINIT_SIGNAMES_H

/* NULL for a number without a name (real-time signals are "RTMIN+N"-less here). */
const char *signal_name(int sig);
/* "TERM", "SIGTERM", "term" or "15"; -1 when it names no signal. */
int signal_from_name(const char *name);

#endif
