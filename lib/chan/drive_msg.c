/* The drive family's typed messages (see drive_msg.h). */
#include "drive_msg.h"

#include <stdlib.h>
#include <string.h>

static const struct proto_field_spec open_fields[] = {
	PROTO_FIELD(TAG_TOKEN, PROTO_STR, struct proto_drive_open, token, "bad or repeated token field", "no token field"),
	PROTO_FIELD(TAG_ANAME, PROTO_STR, struct proto_drive_open, aname, "bad or repeated aname field", "no aname field"),
	PROTO_FIELD(TAG_DRIVE_PORT, PROTO_STR, struct proto_drive_open, port, "bad or repeated drive port field", NULL),
};
static const struct proto_msg_spec open_msg = PROTO_MSG(MSG_DRIVE_OPEN, struct proto_drive_open, open_fields);

void proto_drive_open_free(struct proto_drive_open *m) { proto_free_msg(&open_msg, m); }

int proto_decode_drive_open(const void *p, size_t n, struct proto_drive_open *m, const char **why)
{
	return proto_decode_msg(p, n, &open_msg, m, why);
}

void proto_encode_drive_open(struct proto_buf *b, const struct proto_drive_open *m)
{
	proto_encode_msg(b, &open_msg, m);
}

int drive_port_index(const char *name)
{
	size_t k = strlen(DRIVE_PORT_PREFIX);
	if (!name || strncmp(name, DRIVE_PORT_PREFIX, k))
		return -1;
	const char *d = name + k;
	if (!d[0] || (d[0] == '0' && d[1]) || strspn(d, "0123456789") != strlen(d) || strlen(d) > 2)
		return -1;
	int n = atoi(d);
	return n < DRIVE_PORTS_MAX ? n : -1;
}
