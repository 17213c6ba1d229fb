/* The interop family (types 0x0060-0x006f): one connection per host program a guest process
 * runs (`cmd.exe /c ver` typed in the guest). Its first frame is INTEROP_OPEN (the boot token,
 * which the hub adds); after INTEROP_REPLY ok the connection is an exec session run the other
 * way round (session_msg.h): the guest is the client and sends EXEC, whose PROGRAM is the
 * program's Windows path; the host maps it to its own file and is the runner. */
#ifndef GUESTINIT_CHAN_INTEROP_MSG_H
#define GUESTINIT_CHAN_INTEROP_MSG_H

#include <stdint.h>

#include "proto.h"

enum interop_type {
	MSG_INTEROP_OPEN = 0x0060,  /* guest → host: TAG_TOKEN; first frame */
	MSG_INTEROP_REPLY = 0x0061, /* host → guest: TAG_OK, else TAG_REASON and the host closes */
};

struct proto_interop_open {
	char *token;
};

struct proto_interop_reply {
	uint32_t ok;
	char *reason;
};

int proto_decode_interop_open(const void *p, size_t n, struct proto_interop_open *out, const char **why);
void proto_interop_open_free(struct proto_interop_open *m);
void proto_encode_interop_open(struct proto_buf *b, const struct proto_interop_open *m);
int proto_decode_interop_reply(const void *p, size_t n, struct proto_interop_reply *out, const char **why);
void proto_interop_reply_free(struct proto_interop_reply *m);
void proto_encode_interop_reply(struct proto_buf *b, const struct proto_interop_reply *m);

#endif
