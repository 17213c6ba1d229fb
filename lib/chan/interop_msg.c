/* The interop family's typed messages (see interop_msg.h). */
#include "interop_msg.h"

static const struct proto_field_spec open_fields[] = {
	PROTO_FIELD(TAG_TOKEN, PROTO_STR, struct proto_interop_open, token, "bad or repeated token field", "no token field"),
};
static const struct proto_msg_spec open_msg = PROTO_MSG(MSG_INTEROP_OPEN, struct proto_interop_open, open_fields);

static const struct proto_field_spec reply_fields[] = {
	PROTO_FIELD(TAG_OK, PROTO_U32, struct proto_interop_reply, ok, "bad or repeated ok field", "no ok field"),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct proto_interop_reply, reason, "bad or repeated reason field", NULL),
};
static const struct proto_msg_spec reply_msg = PROTO_MSG(MSG_INTEROP_REPLY, struct proto_interop_reply, reply_fields);

int proto_decode_interop_open(const void *p, size_t n, struct proto_interop_open *m, const char **why)
{
	return proto_decode_msg(p, n, &open_msg, m, why);
}

void proto_interop_open_free(struct proto_interop_open *m) { proto_free_msg(&open_msg, m); }

void proto_encode_interop_open(struct proto_buf *b, const struct proto_interop_open *m)
{
	proto_encode_msg(b, &open_msg, m);
}

int proto_decode_interop_reply(const void *p, size_t n, struct proto_interop_reply *m, const char **why)
{
	return proto_decode_msg(p, n, &reply_msg, m, why);
}

void proto_interop_reply_free(struct proto_interop_reply *m) { proto_free_msg(&reply_msg, m); }

void proto_encode_interop_reply(struct proto_buf *b, const struct proto_interop_reply *m)
{
	proto_encode_msg(b, &reply_msg, m);
}
