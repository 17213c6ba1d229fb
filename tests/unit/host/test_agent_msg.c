/* The agent family's typed messages: what the agent encodes is what guesthost decodes, field
 * by field; a repeated or missing required field is refused, unknown fields pass. */
#include <check.h>
#include <string.h>

#include "agent_msg.h"
#include "unit.h"

/* the payload of the one frame in b */
static const uint8_t *payload(const struct proto_buf *b, uint32_t *n, uint16_t *type)
{
	struct proto_hdr h;
	ck_assert_int_eq(proto_hdr_decode(b->data, &h), 0);
	ck_assert_uint_eq(b->len, PROTO_HDR_SIZE + h.len);
	*n = h.len;
	*type = h.type;
	return b->data + PROTO_HDR_SIZE;
}

START_TEST(status_round_trip)
{
	struct agent_status in = { .qemu_pid = 4321, .lost_at = 1796153500, .connected = 1, .connected_at = 1796153553, .kernel = "6.1.0-57-amd64", .boots = 2,
				   .ready = 1, .ready_line = "guestinit: ready in 282 ms", .ready_ms = 282,
				   .uptime_ms = 5750, .ready_at = 1796153560, .refused = 3,
				   .stats = "memreclaim.mode=gradual\nmemreclaim.state=idle\n" };
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_status(&b, &in);
	uint32_t n;
	uint16_t type;
	const uint8_t *p = payload(&b, &n, &type);
	ck_assert_uint_eq(type, MSG_AGENT_STATUS_REPLY);
	struct agent_status out;
	const char *why = "";
	ck_assert_int_eq(agent_decode_status(p, n, &out, &why), 0);
	ck_assert_uint_eq(out.qemu_pid, 4321);
	ck_assert_uint_eq(out.lost_at, 1796153500);
	ck_assert_uint_eq(out.connected, 1);
	ck_assert_uint_eq(out.connected_at, 1796153553);
	ck_assert_str_eq(out.kernel, in.kernel);
	ck_assert_uint_eq(out.boots, 2);
	ck_assert_uint_eq(out.ready, 1);
	ck_assert_str_eq(out.ready_line, in.ready_line);
	ck_assert_uint_eq(out.ready_ms, 282);
	ck_assert_uint_eq(out.uptime_ms, 5750);
	ck_assert_uint_eq(out.ready_at, 1796153560);
	ck_assert_uint_eq(out.refused, 3);
	ck_assert_str_eq(out.stats, in.stats);
	agent_status_free(&out);
	proto_buf_free(&b);
}
END_TEST

START_TEST(status_of_a_guest_never_seen)
{
	struct agent_status in = { 0 }, out;
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_status(&b, &in);
	uint32_t n;
	uint16_t type;
	const uint8_t *p = payload(&b, &n, &type);
	const char *why = "";
	ck_assert_int_eq(agent_decode_status(p, n, &out, &why), 0);
	ck_assert_ptr_null(out.kernel);
	ck_assert_ptr_null(out.ready_line);
	ck_assert_ptr_null(out.stats);
	ck_assert_uint_eq(out.boots, 0);
	agent_status_free(&out);
	proto_buf_free(&b);
}
END_TEST

START_TEST(status_refuses_repeats_and_gaps)
{
	const char *why = "";
	struct agent_status out;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_AGENT_STATUS_REPLY, 0);
	proto_put_u32(&b, TAG_AGENT_CONNECTED, 1);
	proto_put_u32(&b, TAG_AGENT_BOOTS, 1);
	proto_put_u32(&b, TAG_AGENT_READY, 1);
	proto_put_str(&b, TAG_READY_LINE, "one");
	proto_put_str(&b, TAG_READY_LINE, "two"); /* two parsers must never disagree on it */
	proto_put_u32(&b, 999, 7);                /* a later version's field: skipped */
	proto_end(&b);
	ck_assert_int_lt(agent_decode_status(b.data + PROTO_HDR_SIZE, b.len - PROTO_HDR_SIZE, &out, &why), 0);
	ck_assert_str_eq(why, "bad or repeated ready line");
	proto_buf_reset(&b);
	proto_begin(&b, MSG_AGENT_STATUS_REPLY, 0);
	proto_put_u32(&b, TAG_AGENT_CONNECTED, 1);
	proto_put_u32(&b, 999, 7);
	proto_end(&b);
	ck_assert_int_lt(agent_decode_status(b.data + PROTO_HDR_SIZE, b.len - PROTO_HDR_SIZE, &out, &why), 0);
	ck_assert_str_eq(why, "no boot count");
	proto_buf_free(&b);
}
END_TEST

START_TEST(requests_and_replies)
{
	struct proto_buf b;
	proto_buf_init(&b);
	uint32_t n, wait = 99;
	uint16_t type;
	const char *why = "";
	agent_encode_status_request(&b, 0);
	const uint8_t *p = payload(&b, &n, &type);
	ck_assert_uint_eq(type, MSG_AGENT_STATUS);
	ck_assert_int_eq(agent_decode_status_request(p, n, &wait, &why), 0);
	ck_assert_uint_eq(wait, 0); /* no wait: at once */
	proto_buf_reset(&b);
	agent_encode_status_request(&b, 3);
	p = payload(&b, &n, &type);
	ck_assert_int_eq(agent_decode_status_request(p, n, &wait, &why), 0);
	ck_assert_uint_eq(wait, 3);

	proto_buf_reset(&b);
	agent_encode_reply(&b, &(struct agent_reply){ .ok = 0, .reason = "the guest is not connected" });
	p = payload(&b, &n, &type);
	ck_assert_uint_eq(type, MSG_AGENT_REPLY);
	struct agent_reply r;
	ck_assert_int_eq(agent_decode_reply(p, n, &r, &why), 0);
	ck_assert_uint_eq(r.ok, 0);
	ck_assert_ptr_null(r.text);
	ck_assert_str_eq(r.reason, "the guest is not connected");
	agent_reply_free(&r);

	proto_buf_reset(&b);
	agent_encode_shutdown(&b, 1);
	p = payload(&b, &n, &type);
	ck_assert_uint_eq(type, MSG_AGENT_SHUTDOWN);
	uint32_t kind = 0;
	ck_assert_int_eq(proto_decode_u32(p, n, TAG_SHUTDOWN_KIND, &kind, &why), 0);
	ck_assert_uint_eq(kind, 1);

	proto_buf_reset(&b); /* a reply without OK is no reply */
	proto_begin(&b, MSG_AGENT_REPLY, 0);
	proto_put_str(&b, TAG_TEXT, "asked");
	proto_end(&b);
	ck_assert_int_lt(agent_decode_reply(b.data + PROTO_HDR_SIZE, b.len - PROTO_HDR_SIZE, &r, &why), 0);
	ck_assert_str_eq(why, "no ok field");
	proto_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_msg");
	TCase *tc = tcase_create("agent_msg");
	tcase_add_test(tc, status_round_trip);
	tcase_add_test(tc, status_of_a_guest_never_seen);
	tcase_add_test(tc, status_refuses_repeats_and_gaps);
	tcase_add_test(tc, requests_and_replies);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
