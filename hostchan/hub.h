/* The hub: guestinit-hostd, the guest's one door to the host (docs/architecture.md, "The
 * hub"). It keeps the control connection, opens the host's sessions, and serves a broker
 * socket through which guest programs reach the host by message family (hub_msg.h), each
 * caller checked with SO_PEERCRED; the boot token never leaves it.
 *
 * A capability plugs in by registering, not by adding a case here: the composition root
 * (init/capabilities.c) lists every capability's `struct hub_capability`, and the hub acts
 * on the list. This header is all a capability needs: what to register, and the client
 * calls (dial the host, report figures). */
#ifndef GUESTINIT_HOSTCHAN_HUB_H
#define GUESTINIT_HOSTCHAN_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "proto.h"
#include "records.h"

#define HUB_SOCKET_PATH RUNSTATE_DIR "/hub"

/* A first frame the broker may dial to the host for a client (HUB_DIAL). */
struct hub_dial_rule {
	uint16_t first_type; /* e.g. MSG_DRIVE_OPEN */
	bool root_only;      /* only root (or CAP_SYS_ADMIN) may dial it */
	/* More of a say, asked in the hub for each dial, root's too (a configuration may refuse
	 * everyone; the hook decides what root may): 0, or a negative value and why (one line
	 * for the caller). NULL: everyone may. */
	int (*may)(pid_t pid, uid_t uid, char *why, size_t cap);
};

struct hub_capability {
	const char *name;
	/* An applet of the one binary, run once per boot after the first WELCOME (when the
	 * host's configuration is in HOST_CONF_PATH) and before READY goes to the host, so that
	 * what it sets up is there when the host hears "ready" (drvfs: the boot mounts). NULL:
	 * none. It gets no arguments, stdio on the console, and HUB_WELCOME_TIMEOUT_MS. */
	const char *on_welcome;
	const struct hub_dial_rule *dials;
	size_t ndials;
	/* It publishes figures under its name (hub_stats), which go to the host as STATS. */
	bool stats;
	/* More paths the broker listens on, for clients that look for the hub under another
	 * name (interop: WSL's /run/WSL/1_interop); NULL-terminated, NULL: none. */
	const char *const *broker_paths;
	/* A broker path for each session the host opens, a printf format of the session
	 * process's pid (interop: WSL's /run/WSL/%d_interop): listened on from the session's
	 * start and removed at its end, so that its programs find the hub under the name their
	 * environment gives and its callers are told apart. NULL: none. */
	const char *session_broker_fmt;
	/* Adds NAME=VALUE entries (malloc'd) to the environment of each session the host opens,
	 * in the session's process before its command starts; returns how many it added (at most
	 * cap). NULL: none. */
	size_t (*session_env)(char **env, size_t cap);
	/* What the host's entries of a session's environment (the n of env) become, applied
	 * after them: NAME=VALUE (malloc'd) replaces, a bare NAME removes (interop: WSLENV's
	 * path lists, translated to the guest's paths); returns how many it put in out (at most
	 * cap). NULL: none. */
	size_t (*session_env_from_host)(char *const *env, size_t n, char **out, size_t cap);
};

#define HUB_WELCOME_TIMEOUT_MS 60000

/* The registered capabilities, NULL-terminated: defined by the composition root. */
extern const struct hub_capability *const hub_capabilities[];

/* ---- the client side -------------------------------------------------------------------- */

/* A new connection to the host whose first frame is frame (a whole frame, without the boot
 * token: the hub adds it). The connected fd (blocking, close-on-exec), the host's answer to
 * the frame still to be read; or -errno with err saying why (the hub's reason if it refused). */
int hub_dial(const void *frame, size_t len, int timeout_ms, struct gi_error *err);
/* The same through the broker at path (one of its broker_paths). A refusal by the dial's rule
 * (the caller may not) is -EACCES; the host's refusal or absence, -EHOSTUNREACH. */
int hub_dial_at(const char *path, const void *frame, size_t len, int timeout_ms, struct gi_error *err);
/* PID 1, once the boot is done: the record for a hub that starts later, and a message for
 * the one running now. Never blocks; 0 or -errno (no hub yet is not an error for PID 1). */
int hub_report_ready(const struct ready_record *r);
/* A capability's figures (key=value lines): the record stats/NAME, and a message for the
 * hub. Never blocks. 0 or -errno. */
int hub_stats(const char *name, const char *text);
/* What the hub knows, as text for a person. The length, or -errno with err. */
int hub_status(char *out, size_t cap, int timeout_ms, struct gi_error *err);

/* guestinit-hostd's main. */
int hostd_main(int argc, char **argv);

#endif
