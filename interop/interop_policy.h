/* Who may run host programs: wsl.conf's [interop] enabled (WSL's key) and allowGroup
 * (guestinit's: only that group's members, and root). The client asks it for its message and
 * status; the hub asks it again for each dial, since a client is any user's program and may
 * skip its own check. */
#ifndef GUESTINIT_INTEROP_INTEROP_POLICY_H
#define GUESTINIT_INTEROP_INTEROP_POLICY_H

#include <sys/types.h>

/* 0, or -EPERM (interop is disabled) or -EACCES (uid is not in allowGroup) with why, a line
 * for the user that starts with "interop: ". conf_path: normally WSLCONF_PATH. */
int interop_may_run(const char *conf_path, uid_t uid, char *why, size_t cap);

#endif
