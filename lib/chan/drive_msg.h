/* The drive family (types 0x0020-0x002f): one connection per mount of a host drive. Its first
 * frame is DRIVE_OPEN (token and 9P attach name); after DRIVE_REPLY ok the connection carries
 * 9P2000.L. The host checks the options before any 9P, so that a refusal has a reason.
 *
 * With TAG_DRIVE_PORT the 9P goes over that virtio-serial port instead (docs/protocol.md,
 * "Drive ports"): the guest holds the port open, the host puts a fresh server on it and
 * writes TAG_DRIVE_SYNC's text on the port ahead of any 9P, and DRIVE_REPLY (with the same
 * text) ends this connection. Whatever the port held from its last mount comes before that
 * text, which the guest reads up to and drops. */
#ifndef GUESTINIT_CHAN_DRIVE_MSG_H
#define GUESTINIT_CHAN_DRIVE_MSG_H

#include "proto.h"

enum drive_type {
	MSG_DRIVE_OPEN = 0x0020,      /* guest → host: token + aname; first frame */
	MSG_DRIVE_REPLY = 0x0021,     /* host → guest: TAG_OK, else TAG_REASON and the host closes */
};

enum drive_tag {
	TAG_ANAME = 51,        /* str: the 9P attach name, "drvfs;path=C:\;..." */
	TAG_DRIVE_PORT = 56,   /* str (DRIVE_OPEN, optional): the port's name, DRIVE_PORT_PREFIX + number */
	TAG_DRIVE_SYNC = 57,   /* str (DRIVE_REPLY to a port's open): DRIVE_SYNC_LEN random hex digits */
};

/* The ports' names (the guest finds them in /sys/class/virtio-ports/PORT/name) and how many
 * a host may give (virtio-serial-pci has 31 beside its console). */
#define DRIVE_PORT_PREFIX "org.guestinit.drive."
#define DRIVE_PORTS_MAX 30
#define DRIVE_SYNC_LEN 32

struct proto_drive_open {
	char *token;
	char *aname;
	char *port; /* NULL: this connection carries the 9P */
};

/* The number in a port's name ("org.guestinit.drive.3" is 3), or -1 when the name is not
 * one: strictly the prefix and a decimal number below DRIVE_PORTS_MAX, no sign, no zeros ahead. */
int drive_port_index(const char *name);

int proto_decode_drive_open(const void *p, size_t n, struct proto_drive_open *out, const char **why);
void proto_drive_open_free(struct proto_drive_open *m);
void proto_encode_drive_open(struct proto_buf *b, const struct proto_drive_open *m);

#endif
