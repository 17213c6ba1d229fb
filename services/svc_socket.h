/* The listening sockets of a service's NAME.socket (ListenStream=), made in the service's
 * child before its exec, so that the service finds them as fds 3.. (sd_listen_fds(3)). */
#ifndef GUESTINIT_SERVICES_SVC_SOCKET_H
#define GUESTINIT_SERVICES_SVC_SOCKET_H

#include <stddef.h>

#include "unitfile.h"

/* Makes, binds and listens on one ListenStream= value of u: a path (its folders made with
 * DirectoryMode=, a socket left there replaced, then SocketMode=, SocketUser=, SocketGroup=),
 * "@name" (abstract), "PORT" (every address, IPv6 and IPv4), "ADDR:PORT" or "[ADDR6]:PORT".
 * Returns a close-on-exec fd, or -1 with err saying which part failed. */
int svc_socket_listen(const struct unit *u, const char *spec, char *err, size_t errcap);

#endif
