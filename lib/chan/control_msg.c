/* The control family's typed messages (see control_msg.h). */
#include "control_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static const struct proto_field_spec hello_fields[] = {
	PROTO_FIELD(TAG_VERSION, PROTO_U32, struct proto_hello, version, "bad or repeated version field", "no version field"),
	PROTO_FIELD(TAG_FEATURES, PROTO_U64, struct proto_hello, features, "bad or repeated features field", NULL),
	PROTO_FIELD(TAG_TOKEN, PROTO_STR, struct proto_hello, token, "bad or repeated token field", "no token field"),
	PROTO_FIELD(TAG_KERNEL, PROTO_STR, struct proto_hello, kernel, "bad or repeated kernel field", NULL),
};
static const struct proto_msg_spec hello_msg = PROTO_MSG(MSG_HELLO, struct proto_hello, hello_fields);

void proto_hello_free(struct proto_hello *m) { proto_free_msg(&hello_msg, m); }

int proto_decode_hello(const void *p, size_t n, struct proto_hello *m, const char **why)
{
	return proto_decode_msg(p, n, &hello_msg, m, why);
}

void proto_encode_hello(struct proto_buf *b, const struct proto_hello *m) { proto_encode_msg(b, &hello_msg, m); }

/* WELCOME: its single-valued fields by the table, its drives (the one repeated field) by hand */
static const struct proto_field_spec welcome_fields[] = {
	PROTO_FIELD(TAG_VERSION, PROTO_U32, struct proto_welcome, version, "bad or repeated version field", "no version field"),
	PROTO_FIELD(TAG_FEATURES, PROTO_U64, struct proto_welcome, features, "bad or repeated features field", NULL),
	PROTO_FIELD(TAG_DISTRO, PROTO_STR, struct proto_welcome, distro, "bad or repeated distro field", NULL),
	PROTO_FIELD(TAG_DEFAULT_USER, PROTO_STR, struct proto_welcome, default_user, "bad or repeated default user field", NULL),
	PROTO_FIELD(TAG_TIMEZONE, PROTO_STR, struct proto_welcome, timezone, "bad or repeated timezone field", NULL),
	PROTO_FIELD(TAG_RECLAIM, PROTO_STR, struct proto_welcome, reclaim, "bad or repeated reclaim field", NULL),
	PROTO_FIELD(TAG_NETWORK, PROTO_STR, struct proto_welcome, network, "bad or repeated network field", NULL),
	PROTO_FIELD(TAG_HOSTNAME, PROTO_STR, struct proto_welcome, hostname, "bad or repeated hostname field", NULL),
	PROTO_FIELD(TAG_WINDOWS_PATH, PROTO_STR, struct proto_welcome, windows_path, "bad or repeated Windows PATH field",
		    NULL),
	PROTO_FIELD(TAG_ALIASES, PROTO_STR, struct proto_welcome, aliases, "bad or repeated aliases field", NULL),
};

void proto_welcome_free(struct proto_welcome *m)
{
	proto_free_fields(welcome_fields, ARRAY_SIZE(welcome_fields), m);
	for (size_t i = 0; i < m->ndrives; i++)
		free(m->drives[i].source);
	memset(m, 0, sizeof(*m));
}

struct drive_fields {
	char *letter, *source;
};

/* TAG_DRIVE, the one repeated field of WELCOME: a nested field list of its own. */
static int welcome_drive(const struct proto_field *outer, void *msg, const char **why)
{
	static const struct proto_field_spec specs[] = {
		PROTO_FIELD(TAG_DRIVE_LETTER, PROTO_STR, struct drive_fields, letter, "bad or repeated drive letter",
		      "a drive has no letter"),
		PROTO_FIELD(TAG_DRIVE_SOURCE, PROTO_STR, struct drive_fields, source, "bad or repeated drive source",
		      "a drive has no source"),
	};
	struct proto_welcome *m = msg;
	if (outer->tag != TAG_DRIVE)
		return 0;
	if (m->ndrives == PROTO_MAX_DRIVES) {
		*why = "more than 26 drives";
		return -EBADMSG;
	}
	struct drive_fields d = { 0 };
	int rc = proto_decode_fields(outer->val, outer->len, specs, ARRAY_SIZE(specs), &d, NULL, why);
	char l = d.letter && strlen(d.letter) == 1 ? (char)(d.letter[0] | 0x20) : 0; /* lower case, as /mnt/c */
	if (rc == 0 && !(l >= 'a' && l <= 'z')) {
		*why = "a drive letter is not one of a-z";
		rc = -EBADMSG;
	}
	if (rc == 0 && !d.source[0]) {
		*why = "a drive has no source";
		rc = -EBADMSG;
	}
	for (size_t i = 0; rc == 0 && i < m->ndrives; i++)
		if (m->drives[i].letter == l) {
			*why = "two drives with one letter";
			rc = -EBADMSG;
		}
	free(d.letter);
	if (rc < 0) {
		free(d.source);
		return rc;
	}
	m->drives[m->ndrives++] = (struct proto_drive){ l, d.source };
	return 0;
}

int proto_decode_welcome(const void *p, size_t n, struct proto_welcome *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	int rc = proto_decode_fields(p, n, welcome_fields, ARRAY_SIZE(welcome_fields), m, welcome_drive, why);
	if (rc < 0)
		proto_welcome_free(m);
	return rc;
}

void proto_encode_welcome(struct proto_buf *b, const struct proto_welcome *m)
{
	proto_begin(b, MSG_WELCOME, 0);
	proto_put_fields(b, welcome_fields, ARRAY_SIZE(welcome_fields), m);
	for (size_t i = 0; i < m->ndrives; i++) {
		char letter[2] = { m->drives[i].letter, '\0' };
		proto_nest_begin(b, TAG_DRIVE);
		proto_put_str(b, TAG_DRIVE_LETTER, letter);
		proto_put_str(b, TAG_DRIVE_SOURCE, m->drives[i].source);
		proto_nest_end(b);
	}
	proto_end(b);
}

static const struct proto_field_spec ready_fields[] = {
	PROTO_FIELD(TAG_READY_LINE, PROTO_STR, struct proto_ready, line, "bad or repeated ready line", "no ready line"),
	PROTO_FIELD(TAG_READY_MS, PROTO_U64, struct proto_ready, ready_ms, "bad or repeated ready time", NULL),
	PROTO_FIELD(TAG_UPTIME_MS, PROTO_U64, struct proto_ready, uptime_ms, "bad or repeated uptime", NULL),
};
static const struct proto_msg_spec ready_msg = PROTO_MSG(MSG_READY, struct proto_ready, ready_fields);

void proto_ready_free(struct proto_ready *m) { proto_free_msg(&ready_msg, m); }

int proto_decode_ready(const void *p, size_t n, struct proto_ready *m, const char **why)
{
	return proto_decode_msg(p, n, &ready_msg, m, why);
}

void proto_encode_ready(struct proto_buf *b, const struct proto_ready *m) { proto_encode_msg(b, &ready_msg, m); }

void proto_encode_ready_as(struct proto_buf *b, uint16_t type, const struct proto_ready *m)
{
	proto_begin(b, type, 0);
	proto_put_fields(b, ready_fields, ARRAY_SIZE(ready_fields), m);
	proto_end(b);
}
