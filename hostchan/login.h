/* Under systemd, the host's sessions are logins (WSL's CreateLoginSession): the first session
 * of a user starts `login -f USER` on a pty of its own and keeps it open, so that pam_systemd
 * registers a logind session (loginctl lists it), /run/user/UID exists and user@UID.service,
 * the user's own systemd, runs; each session then gets XDG_RUNTIME_DIR and
 * DBUS_SESSION_BUS_ADDRESS, and `systemctl --user` works. The login outlives the session and
 * the hub (it is the user's for the boot), as WSL's does. Without systemd, nothing. */
#ifndef GUESTINIT_HOSTCHAN_LOGIN_H
#define GUESTINIT_HOSTCHAN_LOGIN_H

#include <pwd.h>
#include <stddef.h>

/* Makes sure pw's user has a login (waiting for user@UID.service up to timeout_ms: [boot]
 * initTimeout) and adds XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS (malloc'd) to env;
 * returns how many it added (at most cap). A user session that does not come up is logged
 * in WSL's words, and the session goes on without it. */
size_t login_session_env(const struct passwd *pw, int timeout_ms, char **env, size_t cap);

#endif
