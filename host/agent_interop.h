/* The host's side of interop: a guest process runs a host program (`cmd.exe /c ver` in the
 * guest). The guest's connection starts with INTEROP_OPEN (lib/chan/interop_msg.h); after the
 * token, a process of its own answers INTEROP_REPLY and serves the exec session the guest
 * then starts, as its runner (lib/chan/exec_runner.c). What EXEC names is mapped here:
 *   - a name of the alias table (any folder): the host command it stands for;
 *   - a Windows path on a shared drive (C:\windows\system32\cmd.exe): that file, when it is
 *     a PE program ("MZ"), run under Wine in the agent's prefix;
 * and nothing else. A compromised guest can run only those, as the agent's user. */
#ifndef GUESTINIT_HOST_AGENT_INTEROP_H
#define GUESTINIT_HOST_AGENT_INTEROP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define AGENT_MAX_ALIASES 64
#define AGENT_ALIAS_MAX_ARGS 16

struct agent_alias {
	char name[65];                          /* "explorer.exe", compared without case */
	char *argv[AGENT_ALIAS_MAX_ARGS + 1];   /* the host command, split on white space */
};

struct agent_interop {
	char wine_prefix[PATH_MAX];  /* --wine PREFIX: "" when Windows programs do not run here */
	char wine[PATH_MAX];         /* the wine loader found on PATH */
	const char *windows_path;    /* --windows-path: what the guest adds to PATH; NULL: C:\windows... */
	struct agent_alias aliases[AGENT_MAX_ALIASES];
	size_t naliases;
};

struct agent_opts;

/* --alias NAME=COMMAND [ARGS]: one entry more. */
int agent_interop_add_alias(struct agent_interop *io, const char *spec, struct gi_error *err);
/* --wine PREFIX: checks the prefix and finds wine. */
int agent_interop_set_wine(struct agent_interop *io, const char *prefix, struct gi_error *err);
/* The alias names as WELCOME carries them ("a.exe;b.exe"), into buf. */
void agent_interop_alias_names(const struct agent_interop *io, char *buf, size_t cap);
/* With Wine: its prefix in the agent's environment, and a wineserver kept running for it, so
 * that a launch does not pay for the server's start (wine cmd /c exit 3: 0.1 s warm). */
void agent_interop_start(const struct agent_interop *io);
/* The wineserver ended (wineserver -k), with every Wine program of the prefix. */
void agent_interop_stop(const struct agent_interop *io);
/* Serves the guest's connection fd (INTEROP_OPEN and its token checked) in a child of its
 * own; the child's pid or -errno. */
pid_t agent_interop_serve(const struct agent_opts *o, int fd);
/* A child forked ahead for the next connection (agent_interop_serve makes the next itself). */
void agent_interop_spare(const struct agent_opts *o);
/* A session the host's user opens (guesthost run): the path lists WSLENV names in its EXEC
 * frame (the user's own values, as guesthost run put them there) become Windows paths on the
 * shared drives, which the guest turns into its own; a list with no element on a drive is
 * left out. *frame (malloc'd, header included) is replaced when it changes. 0 or -errno. */
int agent_interop_session_wslenv(const struct agent_opts *o, uint8_t **frame, size_t *len);

#endif
