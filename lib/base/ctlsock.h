/* PID 1's control socket: one request datagram, one reply datagram (SOCK_SEQPACKET). */
#ifndef GUESTINIT_CTLSOCK_H
#define GUESTINIT_CTLSOCK_H

#include <stddef.h>

#define CTLSOCK_DIR "/run/guestinit"
#define CTLSOCK_PATH CTLSOCK_DIR "/control"
#define CTLSOCK_MAX 4096

/* Sends req, waits for the reply (at most timeout_ms); returns the reply length or -errno. */
int ctlsock_request(const char *path, const char *req, char *reply, size_t cap, int timeout_ms);

#endif
