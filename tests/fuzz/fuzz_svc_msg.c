/* libFuzzer target for the services messages' codec: the input is what a peer could send on
 * the supervisor's socket (one SEQPACKET message), taken as a whole frame and as a bare
 * payload. A decoded request or reply must survive encode → decode unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "svc_msg.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void same_strv(char *const *a, char *const *b)
{
	for (; *a || *b; a++, b++)
		CHECK(*a && *b && !strcmp(*a, *b));
}

static void request(const uint8_t *p, size_t n)
{
	struct svc_request_msg m, m2;
	const char *why;
	if (svc_decode_request(p, n, &m, &why) < 0) {
		CHECK(why != NULL && m.verb == NULL && m.args[0] == NULL && m.env[0] == NULL);
		return;
	}
	CHECK(m.verb != NULL && m.nargs <= SVC_MSG_MAX_ARGS && m.nenv <= SVC_MSG_MAX_ENV);
	for (size_t i = 0; i < m.nenv; i++)
		CHECK(strchr(m.env[i], '=') != NULL);
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_request(&b, m.verb, m.name, m.args, m.env);
	const uint8_t *q;
	size_t len;
	CHECK(b.error == 0 && svc_msg_payload(b.data, b.len, MSG_SVC_REQUEST, &q, &len, &why) == 0);
	CHECK(svc_decode_request(q, len, &m2, &why) == 0);
	CHECK(!strcmp(m.verb, m2.verb) && !strcmp(m.name ? m.name : "", m2.name));
	same_strv(m.args, m2.args);
	same_strv(m.env, m2.env);
	svc_request_msg_free(&m2);
	svc_request_msg_free(&m);
	proto_buf_free(&b);
}

static void reply(const uint8_t *p, size_t n)
{
	struct svc_reply_msg m, m2;
	const char *why;
	if (svc_decode_reply(p, n, &m, &why) < 0) {
		CHECK(why != NULL && m.text == NULL && m.reason == NULL);
		return;
	}
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_reply(&b, m.status, m.text, m.reason);
	const uint8_t *q;
	size_t len;
	CHECK(b.error == 0 && svc_msg_payload(b.data, b.len, MSG_SVC_REPLY, &q, &len, &why) == 0);
	CHECK(svc_decode_reply(q, len, &m2, &why) == 0 && m2.status == m.status);
	/* an empty text is left out by the encoder */
	CHECK(!strcmp(m.text ? m.text : "", m2.text ? m2.text : ""));
	CHECK(!strcmp(m.reason ? m.reason : "", m2.reason ? m2.reason : ""));
	svc_reply_msg_free(&m2);
	svc_reply_msg_free(&m);
	proto_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;
	const char *why;
	if (svc_msg_payload(data, size, MSG_SVC_REQUEST, &p, &len, &why) == 0)
		request(p, len);
	if (svc_msg_payload(data, size, MSG_SVC_REPLY, &p, &len, &why) == 0)
		reply(p, len);
	request(data, size);
	reply(data, size);
	return 0;
}
