/* Exec sessions, both ends, written for either direction: the host runs a command in the
 * guest today, and the guest runs a host program through the same code in the interop issue.
 *
 * The client sends EXEC and relays its own stdin/stdout/stderr; the runner starts the
 * command — on a pty for the streams that are terminals on the client's side, on pipes for
 * the rest, as WSL does — relays, and ends with EXIT carrying the status. */
#ifndef GUESTINIT_EXEC_SESSION_H
#define GUESTINIT_EXEC_SESSION_H

#include "proto.h"

struct exec_runner_opts {
	const char *default_user; /* when EXEC names no user; NULL: root */
	const char *log_ident;    /* prefix of the runner's own messages to the client */
};

/* Serves one session on conn (consumed): reads EXEC, runs it, relays until the command has
 * ended and its output is delivered, sends EXIT. When the connection is lost first, the
 * command's process group gets SIGHUP. Returns 0 or -errno (the connection failed). */
int exec_runner_serve(int conn, const struct exec_runner_opts *o);

/* Runs spec on the far side of conn (consumed) with this process's stdio; returns the exit
 * status to use: the command's (0-255), or 255 with a message on stderr when the session
 * broke. Terminal streams are detected here and put in spec->tty_mask; stdin, if it is a
 * terminal, is in raw mode for the session and restored after. */
int exec_client_run(int conn, struct proto_exec *spec, const char *progname);

#endif
