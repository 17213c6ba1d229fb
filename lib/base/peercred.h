/* Who is on the other end of a unix socket, and may they change things: root, or a process
 * holding CAP_SYS_ADMIN in its effective set (SO_PEERCRED, then the peer's capabilities). */
#ifndef GUESTINIT_PEERCRED_H
#define GUESTINIT_PEERCRED_H

#include <stdbool.h>
#include <sys/types.h>

/* pid and uid may be NULL. An unreadable peer is not privileged. */
bool peercred_privileged(int fd, pid_t *pid, uid_t *uid);

#endif
