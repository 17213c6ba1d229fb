/* The services family's typed messages (see svc_msg.h). */
#include "svc_msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define STR_(x) #x
#define STR(x) STR_(x)

int svc_msg_payload(const void *frame, size_t n, uint16_t type, const uint8_t **payload, size_t *len,
		    const char **why)
{
	struct proto_hdr h;
	if (n < PROTO_HDR_SIZE || proto_hdr_decode(frame, &h) < 0 || h.len != n - PROTO_HDR_SIZE) {
		*why = "not one whole frame";
		return -EBADMSG;
	}
	if (h.type != type) {
		*why = "a frame of another type";
		return -EBADMSG;
	}
	*payload = (const uint8_t *)frame + PROTO_HDR_SIZE;
	*len = h.len;
	return 0;
}

void svc_encode_request(struct proto_buf *b, const char *verb, const char *name, char *const *args,
			char *const *env)
{
	proto_begin(b, MSG_SVC_REQUEST, 0);
	proto_put_str(b, TAG_ARG, verb);
	proto_put_str(b, TAG_ARG, name ? name : "");
	for (char *const *a = args; a && *a; a++)
		proto_put_str(b, TAG_ARG, *a);
	for (char *const *e = env; e && *e; e++)
		proto_put_str(b, TAG_ENV, *e);
	proto_end(b);
}

void svc_request_msg_free(struct svc_request_msg *m)
{
	free(m->verb);
	free(m->name);
	for (char **a = m->args; *a; a++)
		free(*a);
	for (char **e = m->env; *e; e++)
		free(*e);
	memset(m, 0, sizeof(*m));
}

/* TAG_ARG and TAG_ENV, the request's repeated fields, in the order they came. */
static int request_field(const struct proto_field *f, void *msg, const char **why)
{
	struct svc_request_msg *m = msg;
	if (f->tag != TAG_ARG && f->tag != TAG_ENV)
		return 0;
	_cleanup_free_ char *s = NULL;
	if (proto_field_str(f, &s) < 0) {
		*why = f->tag == TAG_ARG ? "an argument holds a NUL byte" : "a variable holds a NUL byte";
		return -EBADMSG;
	}
	if (f->tag == TAG_ENV) {
		if (!strchr(s, '=')) {
			*why = "a variable without '='";
			return -EBADMSG;
		}
		if (m->nenv == SVC_MSG_MAX_ENV) {
			*why = "more than " STR(SVC_MSG_MAX_ENV) " variables";
			return -EMSGSIZE;
		}
		m->env[m->nenv++] = TAKE_PTR(s);
	} else if (!m->verb) {
		m->verb = TAKE_PTR(s);
	} else if (!m->name) {
		m->name = TAKE_PTR(s);
	} else {
		if (m->nargs == SVC_MSG_MAX_ARGS) {
			*why = "more than " STR(SVC_MSG_MAX_ARGS) " arguments";
			return -EMSGSIZE;
		}
		m->args[m->nargs++] = TAKE_PTR(s);
	}
	return 0;
}

int svc_decode_request(const void *payload, size_t n, struct svc_request_msg *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	int rc = proto_decode_fields(payload, n, NULL, 0, m, request_field, why);
	if (rc == 0 && !m->verb) {
		*why = "no verb";
		rc = -EBADMSG;
	}
	if (rc < 0)
		svc_request_msg_free(m);
	return rc;
}

static const struct proto_field_spec reply_fields[] = {
	PROTO_FIELD(TAG_STATUS, PROTO_U32, struct svc_reply_msg, status, "bad or repeated status field", "no status field"),
	PROTO_FIELD(TAG_TEXT, PROTO_STR, struct svc_reply_msg, text, "bad or repeated text field", NULL),
	PROTO_FIELD(TAG_REASON, PROTO_STR, struct svc_reply_msg, reason, "bad or repeated reason field", NULL),
};
static const struct proto_msg_spec reply_msg = PROTO_MSG(MSG_SVC_REPLY, struct svc_reply_msg, reply_fields);

void svc_encode_reply(struct proto_buf *b, uint32_t status, const char *text, const char *reason)
{
	/* an empty text is no text: the client prints nothing rather than an empty line */
	const struct svc_reply_msg m = { status, text && *text ? (char *)text : NULL, reason && *reason ? (char *)reason : NULL };
	proto_encode_msg(b, &reply_msg, &m);
}

void svc_reply_msg_free(struct svc_reply_msg *m) { proto_free_msg(&reply_msg, m); }

int svc_decode_reply(const void *payload, size_t n, struct svc_reply_msg *m, const char **why)
{
	return proto_decode_msg(payload, n, &reply_msg, m, why);
}
