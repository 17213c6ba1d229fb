/* The port forwarding family's typed messages (see portfwd_msg.h). */
#include "portfwd_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const struct proto_field_spec open_fields[] = {
	PROTO_FIELD(TAG_TOKEN, PROTO_STR, struct proto_portfwd_open, token, "bad or repeated token field", "no token field"),
};

static const struct proto_field_spec reply_fields[] = {
	PROTO_FIELD(TAG_OK, PROTO_U32, struct proto_portfwd_reply, ok, "bad or repeated ok field", "no ok field"),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct proto_portfwd_reply, reason, "bad or repeated reason field", NULL),
};

static const struct proto_field_spec listen_fields[] = {
	PROTO_FIELD(TAG_FWD_PORT, PROTO_U32, struct proto_portfwd_listen, port, "bad or repeated port field", "no port field"),
	PROTO_FIELD(TAG_FWD_FAMILY, PROTO_U32, struct proto_portfwd_listen, family, "bad or repeated family field",
		    "no family field"),
	PROTO_FIELD(TAG_FWD_V6ONLY, PROTO_U32, struct proto_portfwd_listen, v6only, "bad or repeated v6only field", NULL),
	PROTO_FIELD(TAG_FWD_ADDR, PROTO_STR, struct proto_portfwd_listen, addr, "bad or repeated address field",
		    "no address field"),
};

static const struct proto_field_spec mapped_fields[] = {
	PROTO_FIELD(TAG_FWD_PORT, PROTO_U32, struct proto_portfwd_mapped, port, "bad or repeated port field", "no port field"),
	PROTO_FIELD(TAG_FWD_HOST_PORT, PROTO_U32, struct proto_portfwd_mapped, host_port, "bad or repeated host port field",
		    "no host port field"),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct proto_portfwd_mapped, reason, "bad or repeated reason field", NULL),
};
static const struct proto_msg_spec mapped_msg = PROTO_MSG(MSG_PORTFWD_MAPPED, struct proto_portfwd_mapped, mapped_fields);

static const struct proto_field_spec connect_fields[] = {
	PROTO_FIELD(TAG_FWD_PORT, PROTO_U32, struct proto_portfwd_connect, port, "bad or repeated port field", "no port field"),
	PROTO_FIELD(TAG_FWD_FAMILY, PROTO_U32, struct proto_portfwd_connect, family, "bad or repeated family field",
		    "no family field"),
	PROTO_FIELD(TAG_FWD_ID, PROTO_U32, struct proto_portfwd_connect, id, "bad or repeated id field", "no id field"),
};
static const struct proto_msg_spec connect_msg =
	PROTO_MSG(MSG_PORTFWD_CONNECT, struct proto_portfwd_connect, connect_fields);

/* The tables that two types share (OPEN and SPARE, REPLY and CONNECTED, LISTEN and
 * UNLISTEN): decoding and freeing do not look at the type; encoding puts the caller's. */
static const struct proto_msg_spec open_msg = PROTO_MSG(MSG_PORTFWD_OPEN, struct proto_portfwd_open, open_fields);
static const struct proto_msg_spec reply_msg = PROTO_MSG(MSG_PORTFWD_REPLY, struct proto_portfwd_reply, reply_fields);
static const struct proto_msg_spec listen_msg = PROTO_MSG(MSG_PORTFWD_LISTEN, struct proto_portfwd_listen, listen_fields);

static void encode_as(struct proto_buf *b, const struct proto_msg_spec *shared, uint16_t type, const void *m)
{
	struct proto_msg_spec s = *shared;
	s.type = type;
	proto_encode_msg(b, &s, m);
}

/* What LISTEN and CONNECT must hold beyond their fields' form; NULL when it does. */
static const char *bad_port_or_family(uint32_t port, uint32_t family)
{
	if (port == 0 || port > 65535)
		return "port out of range";
	if (family != 4 && family != 6)
		return "family is neither 4 nor 6";
	return NULL;
}

void proto_encode_portfwd_open(struct proto_buf *b, uint16_t type, const struct proto_portfwd_open *m)
{
	encode_as(b, &open_msg, type, m);
}

int proto_decode_portfwd_open(const void *p, size_t n, struct proto_portfwd_open *m, const char **why)
{
	return proto_decode_msg(p, n, &open_msg, m, why);
}

void proto_portfwd_open_free(struct proto_portfwd_open *m) { proto_free_msg(&open_msg, m); }

void proto_encode_portfwd_reply(struct proto_buf *b, uint16_t type, const struct proto_portfwd_reply *m)
{
	encode_as(b, &reply_msg, type, m);
}

int proto_decode_portfwd_reply(const void *p, size_t n, struct proto_portfwd_reply *m, const char **why)
{
	return proto_decode_msg(p, n, &reply_msg, m, why);
}

void proto_portfwd_reply_free(struct proto_portfwd_reply *m) { proto_free_msg(&reply_msg, m); }

void proto_encode_portfwd_listen(struct proto_buf *b, uint16_t type, const struct proto_portfwd_listen *m)
{
	encode_as(b, &listen_msg, type, m);
}

int proto_decode_portfwd_listen(const void *p, size_t n, struct proto_portfwd_listen *m, const char **why)
{
	int r = proto_decode_msg(p, n, &listen_msg, m, why);
	if (r < 0)
		return r;
	unsigned char a[16];
	const char *bad = bad_port_or_family(m->port, m->family);
	if (!bad && inet_pton(m->family == 4 ? AF_INET : AF_INET6, m->addr, a) != 1)
		bad = "address is not one of its family";
	if (bad) {
		proto_free_msg(&listen_msg, m);
		*why = bad;
		return -EBADMSG;
	}
	return 0;
}

void proto_portfwd_listen_free(struct proto_portfwd_listen *m) { proto_free_msg(&listen_msg, m); }

void proto_encode_portfwd_mapped(struct proto_buf *b, const struct proto_portfwd_mapped *m)
{
	proto_encode_msg(b, &mapped_msg, m);
}

int proto_decode_portfwd_mapped(const void *p, size_t n, struct proto_portfwd_mapped *m, const char **why)
{
	return proto_decode_msg(p, n, &mapped_msg, m, why);
}

void proto_portfwd_mapped_free(struct proto_portfwd_mapped *m) { proto_free_msg(&mapped_msg, m); }

void proto_encode_portfwd_connect(struct proto_buf *b, const struct proto_portfwd_connect *m)
{
	proto_encode_msg(b, &connect_msg, m);
}

int proto_decode_portfwd_connect(const void *p, size_t n, struct proto_portfwd_connect *m, const char **why)
{
	int r = proto_decode_msg(p, n, &connect_msg, m, why);
	const char *bad = r == 0 ? bad_port_or_family(m->port, m->family) : NULL;
	if (bad) {
		*why = bad;
		return -EBADMSG;
	}
	return r;
}

void proto_encode_portfwd_reset(struct proto_buf *b, uint32_t id)
{
	proto_begin(b, MSG_PORTFWD_RESET, 0);
	proto_put_u32(b, TAG_FWD_ID, id);
	proto_end(b);
}
