/* The hub family's typed messages (see hub_msg.h). */
#include "hub_msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

void hub_dial_free(struct hub_dial *m)
{
	free(m->frame);
	memset(m, 0, sizeof(*m));
}

static int dial_field(const struct proto_field *f, void *msg, const char **why)
{
	struct hub_dial *m = msg;
	if (f->tag != TAG_HUB_FRAME)
		return 0;
	if (m->frame) {
		*why = "a repeated frame field";
		return -EBADMSG;
	}
	if (f->len < PROTO_HDR_SIZE) {
		*why = "the frame to dial is shorter than a frame header";
		return -EBADMSG;
	}
	struct proto_hdr h;
	if (proto_hdr_decode(f->val, &h) < 0 || h.len != f->len - PROTO_HDR_SIZE) {
		*why = "the frame to dial does not hold exactly its header's length";
		return -EBADMSG;
	}
	if (!(m->frame = malloc(f->len)))
		return -ENOMEM;
	memcpy(m->frame, f->val, f->len);
	m->len = f->len;
	return 0;
}

int hub_decode_dial(const void *p, size_t n, struct hub_dial *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	int rc = proto_decode_fields(p, n, NULL, 0, m, dial_field, why);
	if (rc == 0 && !m->frame) {
		*why = "no frame to dial";
		rc = -EBADMSG;
	}
	if (rc < 0)
		hub_dial_free(m);
	return rc;
}

void hub_encode_dial(struct proto_buf *b, const void *frame, size_t len)
{
	proto_begin(b, MSG_HUB_DIAL, 0);
	proto_put_bytes(b, TAG_HUB_FRAME, frame, len);
	proto_end(b);
}

static const struct proto_field_spec stats_fields[] = {
	PROTO_FIELD(TAG_HUB_NAME, PROTO_STR, struct hub_stats, name, "bad or repeated name field", "no name field"),
	PROTO_FIELD(TAG_TEXT, PROTO_STR, struct hub_stats, text, "bad or repeated text field", "no text field"),
};
static const struct proto_msg_spec stats_msg = PROTO_MSG(MSG_HUB_STATS, struct hub_stats, stats_fields);

void hub_stats_free(struct hub_stats *m) { proto_free_msg(&stats_msg, m); }

int hub_decode_stats(const void *p, size_t n, struct hub_stats *m, const char **why)
{
	int rc = proto_decode_msg(p, n, &stats_msg, m, why);
	/* the name becomes a file name (the stats record) and a key prefix: one word */
	if (rc == 0 && (!m->name[0] || strspn(m->name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(m->name) ||
			strlen(m->name) > 32)) {
		*why = "the name is not a word of at most 32 of a-z 0-9 - _";
		hub_stats_free(m);
		rc = -EBADMSG;
	}
	return rc;
}

void hub_encode_stats(struct proto_buf *b, const char *name, const char *text)
{
	const struct hub_stats m = { .name = (char *)name, .text = (char *)text };
	proto_encode_msg(b, &stats_msg, &m);
}

static const struct proto_field_spec reply_fields[] = {
	PROTO_FIELD(TAG_OK, PROTO_U32, struct hub_reply, ok, "bad or repeated ok field", "no ok field"),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct hub_reply, reason, "bad or repeated reason field", NULL),
	PROTO_FIELD(TAG_TEXT, PROTO_STR, struct hub_reply, text, "bad or repeated text field", NULL),
	PROTO_FIELD(TAG_HUB_DENIED, PROTO_U32, struct hub_reply, denied, "bad or repeated denied field", NULL),
};
static const struct proto_msg_spec reply_msg = PROTO_MSG(MSG_HUB_REPLY, struct hub_reply, reply_fields);

void hub_reply_free(struct hub_reply *m) { proto_free_msg(&reply_msg, m); }

int hub_decode_reply(const void *p, size_t n, struct hub_reply *m, const char **why)
{
	return proto_decode_msg(p, n, &reply_msg, m, why);
}

void hub_encode_reply(struct proto_buf *b, const struct hub_reply *m) { proto_encode_msg(b, &reply_msg, m); }

void hub_encode_ready(struct proto_buf *b, const struct proto_ready *r) { proto_encode_ready_as(b, MSG_HUB_READY, r); }
