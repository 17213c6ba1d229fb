/* The agent family's typed messages (see agent_msg.h): one encoder and one decoder each, so
 * that the agent and guesthost's commands never parse each other's text. */
#include "agent_msg.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

void agent_encode_status_request(struct proto_buf *b, uint32_t wait_boot)
{
	proto_begin(b, MSG_AGENT_STATUS, 0);
	if (wait_boot)
		proto_put_u32(b, TAG_AGENT_WAIT_BOOT, wait_boot);
	proto_end(b);
}

int agent_decode_status_request(const void *p, size_t n, uint32_t *wait_boot, const char **why)
{
	struct request {
		uint32_t wait_boot;
	} m = { 0 };
	static const struct proto_field_spec specs[] = {
		PROTO_FIELD(TAG_AGENT_WAIT_BOOT, PROTO_U32, struct request, wait_boot, "bad or repeated wait field", NULL),
	};
	int rc = proto_decode_fields(p, n, specs, ARRAY_SIZE(specs), &m, NULL, why);
	*wait_boot = rc == 0 ? m.wait_boot : 0;
	return rc;
}

static const struct proto_field_spec status_fields[] = {
	PROTO_FIELD(TAG_AGENT_QEMU_PID, PROTO_U32, struct agent_status, qemu_pid, "bad or repeated QEMU pid", NULL),
	PROTO_FIELD(TAG_AGENT_CONNECTED, PROTO_U32, struct agent_status, connected, "bad or repeated connected field",
		    "no connected field"),
	PROTO_FIELD(TAG_AGENT_CONNECTED_AT, PROTO_U64, struct agent_status, connected_at, "bad or repeated connection time",
		    NULL),
	PROTO_FIELD(TAG_AGENT_LOST_AT, PROTO_U64, struct agent_status, lost_at, "bad or repeated loss time", NULL),
	PROTO_FIELD(TAG_KERNEL, PROTO_STR, struct agent_status, kernel, "bad or repeated kernel field", NULL),
	PROTO_FIELD(TAG_AGENT_BOOTS, PROTO_U32, struct agent_status, boots, "bad or repeated boot count", "no boot count"),
	PROTO_FIELD(TAG_AGENT_READY, PROTO_U32, struct agent_status, ready, "bad or repeated ready field", "no ready field"),
	PROTO_FIELD(TAG_READY_LINE, PROTO_STR, struct agent_status, ready_line, "bad or repeated ready line", NULL),
	PROTO_FIELD(TAG_READY_MS, PROTO_U64, struct agent_status, ready_ms, "bad or repeated ready time", NULL),
	PROTO_FIELD(TAG_UPTIME_MS, PROTO_U64, struct agent_status, uptime_ms, "bad or repeated uptime", NULL),
	PROTO_FIELD(TAG_AGENT_READY_AT, PROTO_U64, struct agent_status, ready_at, "bad or repeated ready time", NULL),
	PROTO_FIELD(TAG_AGENT_REFUSED, PROTO_U32, struct agent_status, refused, "bad or repeated refusal count", NULL),
	PROTO_FIELD(TAG_AGENT_STATS, PROTO_STR, struct agent_status, stats, "bad or repeated stats field", NULL),
};
static const struct proto_msg_spec status_msg = PROTO_MSG(MSG_AGENT_STATUS_REPLY, struct agent_status, status_fields);

void agent_status_free(struct agent_status *m) { proto_free_msg(&status_msg, m); }

void agent_encode_status(struct proto_buf *b, const struct agent_status *m) { proto_encode_msg(b, &status_msg, m); }

int agent_decode_status(const void *p, size_t n, struct agent_status *m, const char **why)
{
	return proto_decode_msg(p, n, &status_msg, m, why);
}

static const struct proto_field_spec reply_fields[] = {
	PROTO_FIELD(TAG_OK, PROTO_U32, struct agent_reply, ok, "bad or repeated ok field", "no ok field"),
	PROTO_FIELD(TAG_TEXT, PROTO_STR, struct agent_reply, text, "bad or repeated text", NULL),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct agent_reply, reason, "bad or repeated reason", NULL),
};
static const struct proto_msg_spec reply_msg = PROTO_MSG(MSG_AGENT_REPLY, struct agent_reply, reply_fields);

void agent_reply_free(struct agent_reply *m) { proto_free_msg(&reply_msg, m); }

void agent_encode_reply(struct proto_buf *b, const struct agent_reply *m) { proto_encode_msg(b, &reply_msg, m); }

int agent_decode_reply(const void *p, size_t n, struct agent_reply *m, const char **why)
{
	return proto_decode_msg(p, n, &reply_msg, m, why);
}

void agent_encode_shutdown(struct proto_buf *b, uint32_t kind)
{
	proto_begin(b, MSG_AGENT_SHUTDOWN, 0);
	proto_put_u32(b, TAG_SHUTDOWN_KIND, kind);
	proto_end(b);
}
