/* The port forwarding family (types 0x0070-0x007f): the guest's TCP listeners appear at the
 * host's localhost (docs/network.md). Two kinds of connection, both opened by the guest:
 *
 * - the watcher's, first frame PORTFWD_OPEN: after PORTFWD_REPLY ok the guest sends a
 *   PORTFWD_LISTEN for each listener it finds and a PORTFWD_UNLISTEN when it closes; the host
 *   answers each new port with PORTFWD_MAPPED (the host port it bound, or why none). Its end
 *   ends every mapping.
 * - spares, first frame PORTFWD_SPARE: held by the host until a host client connects to a
 *   mapped port; then the host sends PORTFWD_CONNECT, the guest connects to its listener and
 *   answers PORTFWD_CONNECTED, and from there on the connection carries the client's bytes
 *   both ways, raw, with its half-closes. A reset of either end goes as PORTFWD_RESET with the
 *   connection's id over the watcher's connection (the transports have no reset of their own
 *   that all of them pass on): the side that sends it keeps its end of the spare open, and
 *   the other resets its client and closes, after which the first closes too. */
#ifndef GUESTINIT_CHAN_PORTFWD_MSG_H
#define GUESTINIT_CHAN_PORTFWD_MSG_H

#include <stdint.h>

#include "proto.h"

enum portfwd_type {
	MSG_PORTFWD_OPEN = 0x0070,      /* guest → host: TAG_TOKEN; the watcher's first frame */
	MSG_PORTFWD_REPLY = 0x0071,     /* host → guest: TAG_OK, else TAG_REASON (forwarding is off) and the
					 * connection carries nothing more until the host goes */
	MSG_PORTFWD_LISTEN = 0x0072,    /* guest → host: a listener (PORT, FAMILY, ADDR) */
	MSG_PORTFWD_UNLISTEN = 0x0073,  /* guest → host: it closed (the same fields) */
	MSG_PORTFWD_MAPPED = 0x0074,    /* host → guest: PORT, HOST_PORT (0: none, TAG_REASON says why) */
	MSG_PORTFWD_SPARE = 0x0075,     /* guest → host: TAG_TOKEN; a spare's first frame */
	MSG_PORTFWD_CONNECT = 0x0076,   /* host → guest on a spare: PORT, FAMILY (of the host's client) */
	MSG_PORTFWD_CONNECTED = 0x0077, /* guest → host: TAG_OK, else TAG_REASON and the guest closes */
	MSG_PORTFWD_RESET = 0x0078,     /* either way on the watcher's connection: ID's client reset */
};

enum portfwd_tag {
	TAG_FWD_PORT = 80,      /* u32: the guest's TCP port */
	TAG_FWD_FAMILY = 81,    /* u32: 4 or 6 */
	TAG_FWD_ADDR = 82,      /* str: the listener's address, numeric: 0.0.0.0, ::, 127.0.0.1, ::1 */
	TAG_FWD_HOST_PORT = 83, /* u32: the host's port for it */
	TAG_FWD_V6ONLY = 84,    /* u32: an IPv6 listener that takes no IPv4 (IPV6_V6ONLY) */
	TAG_FWD_ID = 85,        /* u32: a forwarded connection's number, the host's choice */
};

/* PORTFWD_OPEN and PORTFWD_SPARE */
struct proto_portfwd_open {
	char *token;
};

/* PORTFWD_REPLY and PORTFWD_CONNECTED */
struct proto_portfwd_reply {
	uint32_t ok;
	char *reason;
};

/* PORTFWD_LISTEN and PORTFWD_UNLISTEN */
struct proto_portfwd_listen {
	uint32_t port, family, v6only;
	char *addr;
};

struct proto_portfwd_mapped {
	uint32_t port, host_port;
	char *reason;
};

struct proto_portfwd_connect {
	uint32_t port, family, id;
};

/* type is MSG_PORTFWD_OPEN or MSG_PORTFWD_SPARE (REPLY or CONNECTED; LISTEN or UNLISTEN) */
void proto_encode_portfwd_open(struct proto_buf *b, uint16_t type, const struct proto_portfwd_open *m);
int proto_decode_portfwd_open(const void *p, size_t n, struct proto_portfwd_open *m, const char **why);
void proto_portfwd_open_free(struct proto_portfwd_open *m);
void proto_encode_portfwd_reply(struct proto_buf *b, uint16_t type, const struct proto_portfwd_reply *m);
int proto_decode_portfwd_reply(const void *p, size_t n, struct proto_portfwd_reply *m, const char **why);
void proto_portfwd_reply_free(struct proto_portfwd_reply *m);
/* Decoding checks the values too: a port of 1-65535, a family of 4 or 6, an address of that
 * family. */
void proto_encode_portfwd_listen(struct proto_buf *b, uint16_t type, const struct proto_portfwd_listen *m);
int proto_decode_portfwd_listen(const void *p, size_t n, struct proto_portfwd_listen *m, const char **why);
void proto_portfwd_listen_free(struct proto_portfwd_listen *m);
void proto_encode_portfwd_mapped(struct proto_buf *b, const struct proto_portfwd_mapped *m);
int proto_decode_portfwd_mapped(const void *p, size_t n, struct proto_portfwd_mapped *m, const char **why);
void proto_portfwd_mapped_free(struct proto_portfwd_mapped *m);
void proto_encode_portfwd_connect(struct proto_buf *b, const struct proto_portfwd_connect *m);
int proto_decode_portfwd_connect(const void *p, size_t n, struct proto_portfwd_connect *m, const char **why);
/* PORTFWD_RESET: one u32, TAG_FWD_ID */
void proto_encode_portfwd_reset(struct proto_buf *b, uint32_t id);

#endif
