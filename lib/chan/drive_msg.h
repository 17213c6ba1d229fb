/* The drive family (types 0x0020-0x002f): one connection per mount of a host drive. Its first
 * frame is DRIVE_OPEN (token and 9P attach name); after DRIVE_REPLY ok the connection carries
 * 9P2000.L. The host checks the options before any 9P, so that a refusal has a reason. */
#ifndef GUESTINIT_CHAN_DRIVE_MSG_H
#define GUESTINIT_CHAN_DRIVE_MSG_H

#include "proto.h"

enum drive_type {
	MSG_DRIVE_OPEN = 0x0020,      /* guest → host: token + aname; first frame */
	MSG_DRIVE_REPLY = 0x0021,     /* host → guest: TAG_OK, else TAG_REASON and the host closes */
};

enum drive_tag {
	TAG_ANAME = 51,        /* str: the 9P attach name, "drvfs;path=C:\;..." */
};

struct proto_drive_open {
	char *token;
	char *aname;
};

int proto_decode_drive_open(const void *p, size_t n, struct proto_drive_open *out, const char **why);
void proto_drive_open_free(struct proto_drive_open *m);
void proto_encode_drive_open(struct proto_buf *b, const struct proto_drive_open *m);

#endif
