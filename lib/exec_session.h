/* Exec sessions, both ends, written for either direction: the host runs a command in the
 * guest today, and the guest runs a host program through the same code in the interop issue.
 *
 * The client sends EXEC and relays its own stdin/stdout/stderr; the runner starts the
 * command — on a pty for the streams that are terminals on the client's side, on pipes for
 * the rest, as WSL does — relays, and ends with EXIT carrying the status. */
#ifndef GUESTINIT_EXEC_SESSION_H
#define GUESTINIT_EXEC_SESSION_H

#include <stdbool.h>

#include "proto.h"

struct exec_runner_opts {
	/* The user when EXEC names none, asked once EXEC has arrived (a spare runner may wait
	 * long, and the configuration may change meanwhile); NULL or "": root. */
	const char *(*default_user)(void *ctx);
	void *ctx;
	const char *log_ident;    /* prefix of the runner's own messages to the client */
	bool wait_forever;        /* a spare: EXEC may come at any time (else within 30 s) */
};

/* Serves one session on conn (consumed): reads EXEC, runs it, relays until the command has
 * ended and its output is delivered, sends EXIT. When the connection is lost first, the
 * command's process group gets SIGHUP. Returns 0 or -errno (the connection failed). */
int exec_runner_serve(int conn, const struct exec_runner_opts *o);

/* Fills in what the client's own stdio says: spec->tty_mask (which of 0-2 are terminals)
 * and the terminal's size. */
void exec_client_prepare(struct proto_exec *spec);

/* Runs spec on the far side of conn (consumed) with this process's stdio; returns the exit
 * status to use: the command's (0-255), or 255 with a message on stderr when the session
 * broke. spec must have been through exec_client_prepare. exec_sent: the EXEC frame is
 * already on its way (a rendezvous forwarded it), so it is not sent again. stdin, if it is a
 * terminal, is in raw mode for the session and restored after. */
int exec_client_run(int conn, const struct proto_exec *spec, bool exec_sent, const char *progname);

#endif
