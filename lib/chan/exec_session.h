/* Exec sessions, both ends, written for either direction: the host runs a command in the
 * guest today, and the guest runs a host program through the same code in the interop issue.
 *
 * The client sends EXEC and relays its own stdin/stdout/stderr; the runner starts the
 * command — on a pty for the streams that are terminals on the client's side, on pipes for
 * the rest, as WSL does — relays, and ends with EXIT carrying the status. */
#ifndef GUESTINIT_EXEC_SESSION_H
#define GUESTINIT_EXEC_SESSION_H

#include <pwd.h>
#include <stdbool.h>

#include "proto.h"
#include "session_msg.h"

/* A session's PATH before anything is added to it (a login's, as Debian's /etc/profile has it). */
#define EXEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct exec_runner_opts {
	/* The user when EXEC names none, asked once EXEC has arrived (a spare runner may wait
	 * long, and the configuration may change meanwhile); NULL or "": root. */
	const char *(*default_user)(void *ctx);
	void *ctx;
	const char *log_ident;    /* prefix of the runner's own messages to the client */
	bool wait_forever;        /* a spare: EXEC may come at any time (else within 30 s) */
	/* A session on a terminal is a login: utmp and wtmp get its record and its end, so that
	 * who, w and last see it (the guest's sessions; not a host's). */
	bool login_records;
	const char *login_host;   /* utmp's host field for them; NULL: none */
	/* Called once EXEC has arrived, before anything starts: it may rewrite spec (the host
	 * maps an interop program to its own file and interpreter) or refuse it, returning a
	 * negative value with why (one line), which the client gets as EXEC_ERROR, status 1.
	 * NULL: none. */
	int (*prepare)(struct proto_exec *spec, void *ctx, char *why, size_t cap);
	/* The command's base environment is this process's own (the host user's, for a host
	 * program), not a login's (HOME, USER, SHELL, PATH of the user). */
	bool inherit_env;
	/* More base entries, NAME=VALUE, after the login's and before the client's (the guest's
	 * sessions: WSL_DISTRO_NAME, WSL_INTEROP, PATH with the host's folders; under systemd, the
	 * user's login session: asked as root, for the user pw the command runs as): a NULL-terminated
	 * malloc'd vector the runner frees; NULL: none. */
	char **(*session_env)(void *ctx, const struct passwd *pw);
	/* What the client's entries become, applied after them: NAME=VALUE replaces, a bare NAME
	 * removes (the guest's sessions: WSLENV's path lists from the host, translated); a
	 * NULL-terminated malloc'd vector the runner frees; NULL: nothing changes. */
	char **(*client_env)(void *ctx, char *const *env, size_t n);
	/* Once the command has exited, its output pipes get a moment (as a pty does) and are then
	 * ended even if a process it left behind holds them: a host program's helpers (Wine's
	 * services, started by the first program of a prefix) must not hold the session open. */
	bool outputs_linger;
	/* The client is told how much of its stdin the command has read (STDIN_USED), so that it
	 * takes only that from its own (interop: a pipe keeps the rest for the next reader). */
	bool report_stdin;
};

/* Serves one session on conn (consumed): reads EXEC, runs it, relays until the command has
 * ended and its output is delivered, sends EXIT. When the connection is lost first, the
 * command's process group gets SIGHUP. Returns 0 or -errno (the connection failed). */
int exec_runner_serve(int conn, const struct exec_runner_opts *o);

/* Fills in what the client's own stdio says: spec->tty_mask (which of 0-2 are terminals)
 * and the terminal's size. */
void exec_client_prepare(struct proto_exec *spec);

struct exec_client_opts {
	const char *progname;     /* the prefix of the client's own messages */
	const char *error_prefix; /* a refusal (EXEC_ERROR) as "prefix: reason"; NULL: the reason alone */
	bool exec_sent;           /* the EXEC frame is already on its way (a rendezvous forwarded it) */
	/* Take from stdin only what the command read (the runner's report_stdin): a pipe is
	 * peeked with tee(2) and consumed as the command reads, a file's offset is set back to
	 * what it read; what is left stays for the next reader, as if it had run here. */
	bool exact_stdin;
};

/* Runs spec on the far side of conn (consumed) with this process's stdio; returns the exit
 * status to use: the command's (0-255), or 255 with a message on stderr when the session
 * broke. spec must have been through exec_client_prepare. stdin, if it is a terminal, is in
 * raw mode for the session and restored after. */
int exec_client_run(int conn, const struct proto_exec *spec, const struct exec_client_opts *o);

/* A raw session (spec->raw): waits for STARTED, after which conn is the command's own stdin
 * and stdout. 0, or -errno with the runner's reason (EXEC_ERROR) in why. */
int exec_client_await_raw(int conn, char *why, size_t cap);

#endif
