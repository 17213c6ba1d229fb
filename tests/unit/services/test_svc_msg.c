/* The services messages' codec: SVC_REQUEST and SVC_REPLY round-trip, and hostile payloads
 * (no verb, repeats, NUL bytes, too many arguments or variables, fields past the end, a
 * frame of the wrong type or length) are refused by name. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "svc_msg.h"
#include "unit.h"

static const uint8_t *payload_of(const struct proto_buf *b, uint16_t type, size_t *len)
{
	const uint8_t *p;
	const char *why = NULL;
	ck_assert_int_eq(b->error, 0);
	ck_assert_int_eq(svc_msg_payload(b->data, b->len, type, &p, len, &why), 0);
	return p;
}

/* A payload made by hand: fields as a peer could send them, not as our encoder would. */
static void put_fields(struct proto_buf *b, const uint16_t *tags, const char *const *vals, size_t n)
{
	proto_buf_reset(b);
	proto_begin(b, MSG_SVC_REQUEST, 0);
	for (size_t i = 0; i < n; i++)
		proto_put_str(b, tags[i], vals[i]);
	proto_end(b);
}

static int decode_request(const struct proto_buf *b, struct svc_request_msg *m, const char **why)
{
	size_t len;
	const uint8_t *p = payload_of(b, MSG_SVC_REQUEST, &len);
	return svc_decode_request(p, len, m, why);
}

START_TEST(request_round_trip)
{
	struct proto_buf b;
	proto_buf_init(&b);
	char *args[] = { "--full", "two words", NULL };
	char *env[] = { "LANG=C.UTF-8", "TERM=", NULL };
	svc_encode_request(&b, "start", "nginx", args, env);
	struct svc_request_msg m;
	const char *why = NULL;
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_str_eq(m.verb, "start");
	ck_assert_str_eq(m.name, "nginx");
	ck_assert_uint_eq(m.nargs, 2);
	ck_assert_str_eq(m.args[0], "--full");
	ck_assert_str_eq(m.args[1], "two words");
	ck_assert_ptr_null(m.args[2]);
	ck_assert_uint_eq(m.nenv, 2);
	ck_assert_str_eq(m.env[0], "LANG=C.UTF-8");
	ck_assert_str_eq(m.env[1], "TERM=");
	ck_assert_ptr_null(m.env[2]);
	/* what was decoded encodes to the same bytes */
	struct proto_buf b2;
	proto_buf_init(&b2);
	svc_encode_request(&b2, m.verb, m.name, m.args, m.env);
	ck_assert_uint_eq(b2.len, b.len);
	ck_assert_mem_eq(b2.data, b.data, b.len);
	svc_request_msg_free(&m);
	/* no name: sent as "", so that the arguments keep their places */
	proto_buf_reset(&b);
	svc_encode_request(&b, "list", NULL, NULL, NULL);
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_str_eq(m.verb, "list");
	ck_assert_str_eq(m.name, "");
	ck_assert_uint_eq(m.nargs, 0);
	ck_assert_uint_eq(m.nenv, 0);
	svc_request_msg_free(&m);
	proto_buf_free(&b2);
	proto_buf_free(&b);
}
END_TEST

START_TEST(request_hostile_inputs_are_named)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct svc_request_msg m;
	const char *why;

	/* nothing at all, or only variables: no verb */
	put_fields(&b, NULL, NULL, 0);
	why = NULL;
	ck_assert_int_eq(decode_request(&b, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "no verb");
	put_fields(&b, (uint16_t[]){ TAG_ENV }, (const char *[]){ "A=1" }, 1);
	ck_assert_int_eq(decode_request(&b, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "no verb");
	ck_assert_ptr_null(m.env[0]); /* freed and zeroed on failure */

	/* a verb alone: no name, which the supervisor answers "none given" */
	put_fields(&b, (uint16_t[]){ TAG_ARG }, (const char *[]){ "status" }, 1);
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_ptr_null(m.name);
	svc_request_msg_free(&m);

	/* unknown tags are skipped (a later version's fields) */
	put_fields(&b, (uint16_t[]){ 999, TAG_ARG, TAG_TEXT, TAG_ARG }, (const char *[]){ "x", "stop", "y", "cron" }, 4);
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_str_eq(m.verb, "stop");
	ck_assert_str_eq(m.name, "cron");
	svc_request_msg_free(&m);

	/* a variable without '=' */
	put_fields(&b, (uint16_t[]){ TAG_ARG, TAG_ARG, TAG_ENV }, (const char *[]){ "start", "a", "NOEQUALS" }, 3);
	ck_assert_int_eq(decode_request(&b, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "a variable without '='");

	/* a NUL byte inside an argument */
	proto_buf_reset(&b);
	proto_begin(&b, MSG_SVC_REQUEST, 0);
	proto_put_str(&b, TAG_ARG, "start");
	proto_put_bytes(&b, TAG_ARG, "ng\0inx", 6);
	proto_end(&b);
	ck_assert_int_eq(decode_request(&b, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "an argument holds a NUL byte");
	ck_assert_ptr_null(m.verb);

	/* SVC_MSG_MAX_ARGS extra words pass, one more is refused */
	char *args[SVC_MSG_MAX_ARGS + 2];
	for (int i = 0; i < SVC_MSG_MAX_ARGS + 1; i++)
		args[i] = "w";
	args[SVC_MSG_MAX_ARGS] = NULL;
	proto_buf_reset(&b);
	svc_encode_request(&b, "start", "a", args, NULL);
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_uint_eq(m.nargs, SVC_MSG_MAX_ARGS);
	svc_request_msg_free(&m);
	args[SVC_MSG_MAX_ARGS] = "w";
	args[SVC_MSG_MAX_ARGS + 1] = NULL;
	proto_buf_reset(&b);
	svc_encode_request(&b, "start", "a", args, NULL);
	ck_assert_int_eq(decode_request(&b, &m, &why), -EMSGSIZE);
	ck_assert_str_eq(why, "more than 64 arguments");

	/* and the same for variables */
	char *env[SVC_MSG_MAX_ENV + 2];
	for (int i = 0; i < SVC_MSG_MAX_ENV + 1; i++)
		env[i] = "V=1";
	env[SVC_MSG_MAX_ENV] = NULL;
	proto_buf_reset(&b);
	svc_encode_request(&b, "start", "a", NULL, env);
	ck_assert_int_eq(decode_request(&b, &m, &why), 0);
	ck_assert_uint_eq(m.nenv, SVC_MSG_MAX_ENV);
	svc_request_msg_free(&m);
	env[SVC_MSG_MAX_ENV] = "V=1";
	env[SVC_MSG_MAX_ENV + 1] = NULL;
	proto_buf_reset(&b);
	svc_encode_request(&b, "start", "a", NULL, env);
	ck_assert_int_eq(decode_request(&b, &m, &why), -EMSGSIZE);
	ck_assert_str_eq(why, "more than 39 variables");

	/* a field that says it is longer than the payload */
	proto_buf_reset(&b);
	svc_encode_request(&b, "start", "nginx", NULL, NULL);
	size_t len;
	const uint8_t *p = payload_of(&b, MSG_SVC_REQUEST, &len);
	ck_assert_int_eq(svc_decode_request(p, len - 2, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "a field runs past the end of the message");
	proto_buf_free(&b);
}
END_TEST

START_TEST(frames_are_checked)
{
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_reply(&b, 0, NULL, NULL);
	const uint8_t *p;
	size_t len;
	const char *why = NULL;
	ck_assert_int_eq(svc_msg_payload(b.data, b.len, MSG_SVC_REQUEST, &p, &len, &why), -EBADMSG);
	ck_assert_str_eq(why, "a frame of another type");
	ck_assert_int_eq(svc_msg_payload(b.data, b.len - 1, MSG_SVC_REPLY, &p, &len, &why), -EBADMSG);
	ck_assert_str_eq(why, "not one whole frame");
	ck_assert_int_eq(svc_msg_payload(b.data, 3, MSG_SVC_REPLY, &p, &len, &why), -EBADMSG);
	/* a header announcing more than the codec allows */
	uint8_t big[PROTO_HDR_SIZE];
	proto_hdr_encode(big, MSG_SVC_REPLY, 0, PROTO_MAX_PAYLOAD + 1);
	ck_assert_int_eq(svc_msg_payload(big, sizeof(big), MSG_SVC_REPLY, &p, &len, &why), -EBADMSG);
	ck_assert_int_eq(svc_msg_payload(b.data, b.len, MSG_SVC_REPLY, &p, &len, &why), 0);
	ck_assert_ptr_eq(p, b.data + PROTO_HDR_SIZE);
	proto_buf_free(&b);
}
END_TEST

START_TEST(reply_round_trip_and_hostile)
{
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_reply(&b, 3, "* nginx.service\n", "nginx: not running");
	size_t len;
	const uint8_t *p = payload_of(&b, MSG_SVC_REPLY, &len);
	struct svc_reply_msg m;
	const char *why = NULL;
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), 0);
	ck_assert_uint_eq(m.status, 3);
	ck_assert_str_eq(m.text, "* nginx.service\n");
	ck_assert_str_eq(m.reason, "nginx: not running");
	svc_reply_msg_free(&m);
	/* empty texts are left out */
	proto_buf_reset(&b);
	svc_encode_reply(&b, 0, "", NULL);
	p = payload_of(&b, MSG_SVC_REPLY, &len);
	ck_assert_uint_eq(len, PROTO_FIELD_HDR + 4);
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), 0);
	ck_assert_ptr_null(m.text);
	ck_assert_ptr_null(m.reason);
	/* no status */
	proto_buf_reset(&b);
	proto_begin(&b, MSG_SVC_REPLY, 0);
	proto_put_str(&b, TAG_TEXT, "x");
	proto_end(&b);
	p = payload_of(&b, MSG_SVC_REPLY, &len);
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "no status field");
	ck_assert_ptr_null(m.text);
	/* a repeated status or text: two readers could disagree, so neither is taken */
	proto_buf_reset(&b);
	proto_begin(&b, MSG_SVC_REPLY, 0);
	proto_put_u32(&b, TAG_STATUS, 0);
	proto_put_u32(&b, TAG_STATUS, 1);
	proto_end(&b);
	p = payload_of(&b, MSG_SVC_REPLY, &len);
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad or repeated status field");
	proto_buf_reset(&b);
	proto_begin(&b, MSG_SVC_REPLY, 0);
	proto_put_u32(&b, TAG_STATUS, 0);
	proto_put_str(&b, TAG_TEXT, "a");
	proto_put_str(&b, TAG_TEXT, "b");
	proto_end(&b);
	p = payload_of(&b, MSG_SVC_REPLY, &len);
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad or repeated text field");
	ck_assert_ptr_null(m.text);
	/* a status that is not a u32 (five bytes) */
	proto_buf_reset(&b);
	proto_begin(&b, MSG_SVC_REPLY, 0);
	proto_put_str(&b, TAG_STATUS, "zero!");
	proto_end(&b);
	p = payload_of(&b, MSG_SVC_REPLY, &len);
	ck_assert_int_eq(svc_decode_reply(p, len, &m, &why), -EBADMSG);
	proto_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("svc_msg");
	TCase *tc = tcase_create("svc_msg");
	tcase_add_test(tc, request_round_trip);
	tcase_add_test(tc, request_hostile_inputs_are_named);
	tcase_add_test(tc, frames_are_checked);
	tcase_add_test(tc, reply_round_trip_and_hostile);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
