/* What interop registers with the hub: the INTEROP_OPEN dial any user may make (policy.h
 * decides), WSL's /run/WSL/1_interop as another name of the broker, a boot hook that
 * registers WSLInterop (binfmt.h) and makes the alias table's stubs, and what a session's
 * environment gets: WSL_INTEROP, and the host's Windows PATH at the end of PATH. */
#ifndef GUESTINIT_INTEROP_CAPABILITY_H
#define GUESTINIT_INTEROP_CAPABILITY_H

#include "hub.h"

/* The alias table's stubs (a file that starts with "MZ" per name the host aliases), which
 * the sessions' PATH holds: `explorer.exe` on a host without Wine runs the host's xdg-open. */
#define INTEROP_ALIAS_DIR "/run/guestinit/interop"

extern const struct hub_capability interop_capability;

/* guestinit-interop-setup, the boot hook. */
int interop_setup_main(int argc, char **argv);
/* guestinit-interop-path: what a login shell's PATH becomes (the profile.d script asks). */
int interop_path_main(int argc, char **argv);

#endif
