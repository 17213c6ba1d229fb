/* The hub family (types 0x0030-0x003f), guest-local: guest programs and the hub
 * (guestinit-hostd) over its broker socket, /run/guestinit/hub (SOCK_SEQPACKET: one frame a
 * packet; a connection the hub dialled travels back as SCM_RIGHTS). Each caller is checked
 * with SO_PEERCRED, per message (docs/protocol.md, "The hub's broker"):
 *   HUB_DIAL    a first frame to send to the host on a new connection of its own; the hub
 *               adds the boot token, which never leaves it, and hands the connection back.
 *               Who may dial which first frame is the capability's registration (hub.h).
 *   HUB_READY   PID 1's ready line and timings (PID 1 only), for READY to the host.
 *   HUB_STATS   a capability's figures (root), for STATS to the host.
 *   HUB_STATUS  what the hub knows (anyone): a text reply.
 *   HUB_REPLY   the hub's answer to DIAL and STATUS: TAG_OK, TAG_REASON or TAG_TEXT, and
 *               TAG_HUB_DENIED when the caller may not dial what it asked. */
#ifndef GUESTINIT_HOSTCHAN_HUB_MSG_H
#define GUESTINIT_HOSTCHAN_HUB_MSG_H

#include "control_msg.h"
#include "proto.h"

enum hub_type {
	MSG_HUB_DIAL = 0x0030,
	MSG_HUB_READY = 0x0031,
	MSG_HUB_STATS = 0x0032,
	MSG_HUB_STATUS = 0x0033,
	MSG_HUB_REPLY = 0x0034,
};

enum hub_tag {
	TAG_HUB_FRAME = 70, /* bytes: a whole frame (header and payload) for the host */
	TAG_HUB_NAME = 71,  /* str: the capability the figures are of ("memreclaim") */
	TAG_HUB_DENIED = 72, /* u32: 1 when a dial was refused by its rule (the caller may not), not by the host */
};

/* A packet on the broker is one frame: at most this much (a dial's first frame inside). */
#define HUB_MAX_PACKET (64u << 10)

struct hub_dial {
	uint8_t *frame; /* malloc'd */
	size_t len;
};

struct hub_stats {
	char *name, *text;
};

struct hub_reply {
	uint32_t ok;
	char *reason, *text;
	uint32_t denied;
};

int hub_decode_dial(const void *p, size_t n, struct hub_dial *out, const char **why);
int hub_decode_stats(const void *p, size_t n, struct hub_stats *out, const char **why);
int hub_decode_reply(const void *p, size_t n, struct hub_reply *out, const char **why);
void hub_dial_free(struct hub_dial *m);
void hub_stats_free(struct hub_stats *m);
void hub_reply_free(struct hub_reply *m);
void hub_encode_dial(struct proto_buf *b, const void *frame, size_t len);
void hub_encode_stats(struct proto_buf *b, const char *name, const char *text);
void hub_encode_reply(struct proto_buf *b, const struct hub_reply *m);
/* HUB_READY carries READY's fields (control_msg.h): proto_encode_ready with this type. */
void hub_encode_ready(struct proto_buf *b, const struct proto_ready *r);

#endif
