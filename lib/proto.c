/* The frame and field codec. Every decoder treats its input as hostile: lengths are checked
 * before use, strings must not hold NUL bytes, counts are capped. */
#include "proto.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>

#include "cleanup.h"

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}
static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}
static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return le16toh(v);
}
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

int proto_hdr_decode(const uint8_t buf[PROTO_HDR_SIZE], struct proto_hdr *hdr)
{
	hdr->type = get16(buf);
	hdr->flags = get16(buf + 2);
	hdr->len = get32(buf + 4);
	return hdr->len > PROTO_MAX_PAYLOAD ? -EMSGSIZE : 0;
}

void proto_hdr_encode(uint8_t buf[PROTO_HDR_SIZE], uint16_t type, uint16_t flags, uint32_t len)
{
	put16(buf, type);
	put16(buf + 2, flags);
	put32(buf + 4, len);
}

const char *proto_type_name(uint16_t type)
{
	switch (type) {
	case MSG_HELLO: return "HELLO";
	case MSG_WELCOME: return "WELCOME";
	case MSG_REJECT: return "REJECT";
	case MSG_READY: return "READY";
	case MSG_SESSION_REQUEST: return "SESSION_REQUEST";
	case MSG_SHUTDOWN: return "SHUTDOWN";
	case MSG_STATS: return "STATS";
	case MSG_SESSION_ATTACH: return "SESSION_ATTACH";
	case MSG_EXEC: return "EXEC";
	case MSG_EXEC_ERROR: return "EXEC_ERROR";
	case MSG_STARTED: return "STARTED";
	case MSG_DATA: return "DATA";
	case MSG_EOF: return "EOF";
	case MSG_CREDIT: return "CREDIT";
	case MSG_WINSIZE: return "WINSIZE";
	case MSG_SIGNAL: return "SIGNAL";
	case MSG_EXIT: return "EXIT";
	case MSG_CLOSE: return "CLOSE";
	case MSG_DRIVE_OPEN: return "DRIVE_OPEN";
	case MSG_DRIVE_REPLY: return "DRIVE_REPLY";
	case MSG_AGENT_OPEN: return "AGENT_OPEN";
	case MSG_AGENT_STATUS: return "AGENT_STATUS";
	case MSG_AGENT_SHUTDOWN: return "AGENT_SHUTDOWN";
	case MSG_AGENT_REPLY: return "AGENT_REPLY";
	case MSG_SVC_REQUEST: return "SVC_REQUEST";
	case MSG_SVC_REPLY: return "SVC_REPLY";
	default: return "unknown";
	}
}

/* ---- building ----------------------------------------------------------------------------- */

void proto_buf_init(struct proto_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void proto_buf_free(struct proto_buf *b)
{
	free(b->data);
	proto_buf_init(b);
}

void proto_buf_reset(struct proto_buf *b)
{
	b->len = 0;
	b->error = 0;
	b->frame_start = 0;
	b->nest_start = 0;
}

static uint8_t *reserve(struct proto_buf *b, size_t n)
{
	if (b->error)
		return NULL;
	if (b->len + n - b->frame_start > PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD) {
		b->error = -EMSGSIZE;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d) {
			b->error = -ENOMEM;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

void proto_begin(struct proto_buf *b, uint16_t type, uint16_t flags)
{
	size_t start = b->len;
	uint8_t *p = reserve(b, PROTO_HDR_SIZE);
	if (!p)
		return;
	b->frame_start = start;
	b->nest_start = 0;
	proto_hdr_encode(p, type, flags, 0);
}

void proto_put_bytes(struct proto_buf *b, uint16_t tag, const void *v, size_t n)
{
	if (n > PROTO_MAX_PAYLOAD) {
		b->error = b->error ? b->error : -EMSGSIZE;
		return;
	}
	uint8_t *p = reserve(b, PROTO_FIELD_HDR + n);
	if (!p)
		return;
	put16(p, tag);
	put32(p + 2, (uint32_t)n);
	if (n)
		memcpy(p + PROTO_FIELD_HDR, v, n);
}

void proto_put_u32(struct proto_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t le[4];
	put32(le, v);
	proto_put_bytes(b, tag, le, 4);
}

void proto_put_u64(struct proto_buf *b, uint16_t tag, uint64_t v)
{
	v = htole64(v);
	proto_put_bytes(b, tag, &v, 8);
}

void proto_put_str(struct proto_buf *b, uint16_t tag, const char *s)
{
	if (s)
		proto_put_bytes(b, tag, s, strlen(s));
}

void proto_nest_begin(struct proto_buf *b, uint16_t tag)
{
	size_t start = b->len;
	uint8_t *p = reserve(b, PROTO_FIELD_HDR);
	if (!p)
		return;
	put16(p, tag);
	put32(p + 2, 0);
	b->nest_start = start;
}

void proto_nest_end(struct proto_buf *b)
{
	if (b->error || !b->nest_start)
		return;
	put32(b->data + b->nest_start + 2, (uint32_t)(b->len - b->nest_start - PROTO_FIELD_HDR));
	b->nest_start = 0;
}

void proto_put_raw(struct proto_buf *b, const void *v, size_t n)
{
	uint8_t *p = reserve(b, n);
	if (p && n)
		memcpy(p, v, n);
}

int proto_end(struct proto_buf *b)
{
	if (b->error)
		return b->error;
	put32(b->data + b->frame_start + 4, (uint32_t)(b->len - b->frame_start - PROTO_HDR_SIZE));
	return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

void proto_reader_init(struct proto_reader *r, const void *payload, size_t len)
{
	r->p = payload;
	r->len = len;
	r->off = 0;
}

int proto_next(struct proto_reader *r, struct proto_field *f)
{
	if (r->off == r->len)
		return 0;
	if (r->len - r->off < PROTO_FIELD_HDR)
		return -EBADMSG;
	const uint8_t *h = r->p + r->off;
	uint32_t n = get32(h + 2);
	if (n > r->len - r->off - PROTO_FIELD_HDR)
		return -EBADMSG;
	f->tag = get16(h);
	f->len = n;
	f->val = h + PROTO_FIELD_HDR;
	r->off += PROTO_FIELD_HDR + n;
	return 1;
}

int proto_field_u32(const struct proto_field *f, uint32_t *out)
{
	if (f->len != 4)
		return -EBADMSG;
	*out = get32(f->val);
	return 0;
}

int proto_field_u64(const struct proto_field *f, uint64_t *out)
{
	if (f->len != 8)
		return -EBADMSG;
	uint64_t v;
	memcpy(&v, f->val, 8);
	*out = le64toh(v);
	return 0;
}

int proto_field_str(const struct proto_field *f, char **out)
{
	if (f->len && memchr(f->val, '\0', f->len))
		return -EBADMSG;
	char *s = malloc((size_t)f->len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, f->val, f->len);
	s[f->len] = '\0';
	*out = s;
	return 0;
}

/* ---- typed messages: each decoder is a table of its single-valued fields ------------------- */

enum field_kind { F_U32, F_U64, F_STR };

struct field_spec {
	uint16_t tag;
	enum field_kind kind;
	size_t offset;       /* of the value in the message struct */
	const char *bad;     /* why, when the field is malformed or repeated */
	const char *missing; /* why, when it is absent; NULL: optional */
};

#define FIELD(tag, kind, type, member, bad, missing) { tag, kind, offsetof(type, member), bad, missing }
#define MAX_SPECS 16

/* Fills msg from the payload: each field of specs at most once (a repeat is an error, so that
 * two parsers of one message can never disagree on its value), every other tag to extra (NULL:
 * skipped, which is how unknown fields of later versions pass). On error the strings already
 * taken stay in msg for the caller's free function. */
static int decode_fields(const void *p, size_t n, const struct field_spec *specs, size_t nspecs, void *msg,
			 int (*extra)(const struct proto_field *f, void *msg, const char **why), const char **why)
{
	bool seen[MAX_SPECS] = { false };
	struct proto_reader r;
	struct proto_field f;
	int rc;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		size_t i = 0;
		while (i < nspecs && specs[i].tag != f.tag)
			i++;
		if (i == nspecs) {
			rc = extra ? extra(&f, msg, why) : 0;
			if (rc < 0)
				return rc;
			continue;
		}
		void *slot = (char *)msg + specs[i].offset;
		if (seen[i]) {
			*why = specs[i].bad;
			return -EBADMSG;
		}
		seen[i] = true;
		switch (specs[i].kind) {
		case F_U32: rc = proto_field_u32(&f, slot); break;
		case F_U64: rc = proto_field_u64(&f, slot); break;
		case F_STR: rc = proto_field_str(&f, slot); break;
		}
		if (rc < 0) {
			*why = specs[i].bad;
			return rc;
		}
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		return rc;
	}
	for (size_t i = 0; i < nspecs; i++)
		if (specs[i].missing && !seen[i]) {
			*why = specs[i].missing;
			return -EBADMSG;
		}
	return 0;
}

void proto_hello_free(struct proto_hello *m)
{
	free(m->token);
	free(m->kernel);
	memset(m, 0, sizeof(*m));
}

int proto_decode_hello(const void *p, size_t n, struct proto_hello *m, const char **why)
{
	static const struct field_spec specs[] = {
		FIELD(TAG_VERSION, F_U32, struct proto_hello, version, "bad or repeated version field", "no version field"),
		FIELD(TAG_FEATURES, F_U64, struct proto_hello, features, "bad or repeated features field", NULL),
		FIELD(TAG_TOKEN, F_STR, struct proto_hello, token, "bad or repeated token field", "no token field"),
		FIELD(TAG_KERNEL, F_STR, struct proto_hello, kernel, "bad or repeated kernel field", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, NULL, why);
	if (rc < 0)
		proto_hello_free(m);
	return rc;
}

void proto_encode_hello(struct proto_buf *b, const struct proto_hello *m)
{
	proto_begin(b, MSG_HELLO, 0);
	proto_put_u32(b, TAG_VERSION, m->version);
	proto_put_u64(b, TAG_FEATURES, m->features);
	proto_put_str(b, TAG_TOKEN, m->token);
	proto_put_str(b, TAG_KERNEL, m->kernel);
	proto_end(b);
}

void proto_drive_open_free(struct proto_drive_open *m)
{
	free(m->token);
	free(m->aname);
	memset(m, 0, sizeof(*m));
}

int proto_decode_drive_open(const void *p, size_t n, struct proto_drive_open *m, const char **why)
{
	static const struct field_spec specs[] = {
		FIELD(TAG_TOKEN, F_STR, struct proto_drive_open, token, "bad or repeated token field", "no token field"),
		FIELD(TAG_ANAME, F_STR, struct proto_drive_open, aname, "bad or repeated aname field", "no aname field"),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, NULL, why);
	if (rc < 0)
		proto_drive_open_free(m);
	return rc;
}

void proto_encode_drive_open(struct proto_buf *b, const struct proto_drive_open *m)
{
	proto_begin(b, MSG_DRIVE_OPEN, 0);
	proto_put_str(b, TAG_TOKEN, m->token);
	proto_put_str(b, TAG_ANAME, m->aname);
	proto_end(b);
}

void proto_welcome_free(struct proto_welcome *m)
{
	free(m->distro);
	free(m->default_user);
	free(m->timezone);
	free(m->reclaim);
	free(m->network);
	free(m->hostname);
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
	static const struct field_spec specs[] = {
		FIELD(TAG_DRIVE_LETTER, F_STR, struct drive_fields, letter, "bad or repeated drive letter",
		      "a drive has no letter"),
		FIELD(TAG_DRIVE_SOURCE, F_STR, struct drive_fields, source, "bad or repeated drive source",
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
	int rc = decode_fields(outer->val, outer->len, specs, ARRAY_SIZE(specs), &d, NULL, why);
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
	static const struct field_spec specs[] = {
		FIELD(TAG_VERSION, F_U32, struct proto_welcome, version, "bad or repeated version field", "no version field"),
		FIELD(TAG_FEATURES, F_U64, struct proto_welcome, features, "bad or repeated features field", NULL),
		FIELD(TAG_DISTRO, F_STR, struct proto_welcome, distro, "bad or repeated distro field", NULL),
		FIELD(TAG_DEFAULT_USER, F_STR, struct proto_welcome, default_user, "bad or repeated default user field", NULL),
		FIELD(TAG_TIMEZONE, F_STR, struct proto_welcome, timezone, "bad or repeated timezone field", NULL),
		FIELD(TAG_RECLAIM, F_STR, struct proto_welcome, reclaim, "bad or repeated reclaim field", NULL),
		FIELD(TAG_NETWORK, F_STR, struct proto_welcome, network, "bad or repeated network field", NULL),
		FIELD(TAG_HOSTNAME, F_STR, struct proto_welcome, hostname, "bad or repeated hostname field", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, welcome_drive, why);
	if (rc < 0)
		proto_welcome_free(m);
	return rc;
}

void proto_encode_welcome(struct proto_buf *b, const struct proto_welcome *m)
{
	proto_begin(b, MSG_WELCOME, 0);
	proto_put_u32(b, TAG_VERSION, m->version);
	proto_put_u64(b, TAG_FEATURES, m->features);
	proto_put_str(b, TAG_DISTRO, m->distro);
	proto_put_str(b, TAG_DEFAULT_USER, m->default_user);
	proto_put_str(b, TAG_TIMEZONE, m->timezone);
	proto_put_str(b, TAG_RECLAIM, m->reclaim);
	proto_put_str(b, TAG_NETWORK, m->network);
	proto_put_str(b, TAG_HOSTNAME, m->hostname);
	for (size_t i = 0; i < m->ndrives; i++) {
		char letter[2] = { m->drives[i].letter, '\0' };
		proto_nest_begin(b, TAG_DRIVE);
		proto_put_str(b, TAG_DRIVE_LETTER, letter);
		proto_put_str(b, TAG_DRIVE_SOURCE, m->drives[i].source);
		proto_nest_end(b);
	}
	proto_end(b);
}

void proto_ready_free(struct proto_ready *m)
{
	free(m->line);
	memset(m, 0, sizeof(*m));
}

int proto_decode_ready(const void *p, size_t n, struct proto_ready *m, const char **why)
{
	static const struct field_spec specs[] = {
		FIELD(TAG_READY_LINE, F_STR, struct proto_ready, line, "bad or repeated ready line", "no ready line"),
		FIELD(TAG_READY_MS, F_U64, struct proto_ready, ready_ms, "bad or repeated ready time", NULL),
		FIELD(TAG_UPTIME_MS, F_U64, struct proto_ready, uptime_ms, "bad or repeated uptime", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, NULL, why);
	if (rc < 0)
		proto_ready_free(m);
	return rc;
}

void proto_encode_ready(struct proto_buf *b, const struct proto_ready *m)
{
	proto_begin(b, MSG_READY, 0);
	proto_put_str(b, TAG_READY_LINE, m->line);
	proto_put_u64(b, TAG_READY_MS, m->ready_ms);
	proto_put_u64(b, TAG_UPTIME_MS, m->uptime_ms);
	proto_end(b);
}

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void proto_exec_free(struct proto_exec *m)
{
	free_strv(m->argv, m->argc);
	free_strv(m->env, m->nenv);
	free(m->cwd);
	free(m->user);
	memset(m, 0, sizeof(*m));
}

/* Appends to a NULL-terminated vector, growing it; count capped at max. */
static int strv_push(char ***v, size_t *n, size_t max, char *s)
{
	if (*n >= max)
		return -E2BIG;
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* ARG and ENV, the repeated fields of EXEC. */
static int exec_repeated(const struct proto_field *f, void *msg, const char **why)
{
	struct proto_exec *m = msg;
	bool arg = f->tag == TAG_ARG;
	if (!arg && f->tag != TAG_ENV)
		return 0;
	char *s;
	int rc = proto_field_str(f, &s);
	if (rc < 0) {
		*why = arg ? "an argument holds a NUL byte" : "an environment entry holds a NUL byte";
		return rc;
	}
	if (!arg && (!strchr(s, '=') || s[0] == '=')) {
		free(s);
		*why = "an environment entry is not NAME=VALUE";
		return -EBADMSG;
	}
	rc = arg ? strv_push(&m->argv, &m->argc, PROTO_MAX_ARGS, s) : strv_push(&m->env, &m->nenv, PROTO_MAX_ENV, s);
	if (rc < 0) {
		free(s);
		*why = arg ? "too many arguments" : "too many environment entries";
	}
	return rc;
}

int proto_decode_exec(const void *p, size_t n, struct proto_exec *m, const char **why)
{
	static const struct field_spec specs[] = {
		FIELD(TAG_CWD, F_STR, struct proto_exec, cwd, "bad or repeated working directory", NULL),
		FIELD(TAG_USER, F_STR, struct proto_exec, user, "bad or repeated user", NULL),
		FIELD(TAG_TTY_MASK, F_U32, struct proto_exec, tty_mask, "bad or repeated terminal mask", NULL),
		FIELD(TAG_ROWS, F_U32, struct proto_exec, rows, "bad or repeated rows", NULL),
		FIELD(TAG_COLS, F_U32, struct proto_exec, cols, "bad or repeated columns", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, exec_repeated, why);
	if (rc == 0 && (m->tty_mask & ~7u)) {
		*why = "the terminal mask names a stream other than 0-2";
		rc = -EBADMSG;
	}
	if (rc == 0 && (m->rows > 0xffff || m->cols > 0xffff)) {
		*why = "the window size is over 65535";
		rc = -EBADMSG;
	}
	if (rc == 0 && m->argc && !m->argv[0][0]) {
		*why = "the command name is empty";
		rc = -EBADMSG;
	}
	if (rc < 0)
		proto_exec_free(m);
	return rc;
}

void proto_encode_exec(struct proto_buf *b, const struct proto_exec *m)
{
	proto_begin(b, MSG_EXEC, 0);
	for (size_t i = 0; i < m->argc; i++)
		proto_put_str(b, TAG_ARG, m->argv[i]);
	for (size_t i = 0; i < m->nenv; i++)
		proto_put_str(b, TAG_ENV, m->env[i]);
	proto_put_str(b, TAG_CWD, m->cwd);
	proto_put_str(b, TAG_USER, m->user);
	proto_put_u32(b, TAG_TTY_MASK, m->tty_mask);
	if (m->rows || m->cols) {
		proto_put_u32(b, TAG_ROWS, m->rows);
		proto_put_u32(b, TAG_COLS, m->cols);
	}
	proto_end(b);
}

int proto_decode_exit(const void *p, size_t n, struct proto_exit *m, const char **why)
{
	static const struct field_spec specs[] = {
		FIELD(TAG_STATUS, F_U32, struct proto_exit, status, "bad or repeated status", "no status"),
		FIELD(TAG_SIGNAL, F_U32, struct proto_exit, signal, "bad or repeated signal", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = decode_fields(p, n, specs, ARRAY_SIZE(specs), m, NULL, why);
	if (rc == 0 && m->status > 255) {
		*why = "a status over 255";
		rc = -EBADMSG;
	}
	return rc;
}

void proto_encode_exit(struct proto_buf *b, const struct proto_exit *m)
{
	proto_begin(b, MSG_EXIT, 0);
	proto_put_u32(b, TAG_STATUS, m->status);
	proto_put_u32(b, TAG_SIGNAL, m->signal);
	proto_end(b);
}

int proto_decode_u32(const void *p, size_t n, uint16_t tag, uint32_t *out, const char **why)
{
	const struct field_spec spec = { tag, F_U32, 0, "bad or repeated number field", "a required number field is missing" };
	return decode_fields(p, n, &spec, 1, out, NULL, why);
}

int proto_decode_str(const void *p, size_t n, uint16_t tag, char **out, const char **why)
{
	const struct field_spec spec = { tag, F_STR, 0, "bad or repeated text field", NULL };
	*out = NULL;
	int rc = decode_fields(p, n, &spec, 1, out, NULL, why);
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- blocking frame I/O ---------------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, bool *got_any)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		*got_any = true;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int proto_send(int fd, const struct proto_buf *b)
{
	if (b->error)
		return b->error;
	return write_all(fd, b->data, b->len);
}

int proto_recv(int fd, struct proto_hdr *hdr, uint8_t **payload)
{
	uint8_t h[PROTO_HDR_SIZE];
	bool any = false;
	*payload = NULL;
	int r = read_all(fd, h, sizeof(h), &any);
	if (r < 0)
		return r == -EPIPE && any ? -EBADMSG : r; /* a torn header is a protocol error */
	r = proto_hdr_decode(h, hdr);
	if (r < 0)
		return r;
	uint8_t *p = malloc((size_t)hdr->len + 1);
	if (!p)
		return -ENOMEM;
	r = read_all(fd, p, hdr->len, &any);
	if (r < 0) {
		free(p);
		return r == -EPIPE ? -EBADMSG : r;
	}
	p[hdr->len] = '\0';
	*payload = p;
	return 0;
}

/* ---- non-blocking input -------------------------------------------------------------------- */

void proto_inbuf_free(struct proto_inbuf *in)
{
	free(in->data);
	in->data = NULL;
	in->len = in->cap = 0;
}

static uint32_t inbuf_max(const struct proto_inbuf *in)
{
	return in->max_len && in->max_len < PROTO_MAX_PAYLOAD ? in->max_len : PROTO_MAX_PAYLOAD;
}

int proto_inbuf_read(struct proto_inbuf *in, int fd)
{
	size_t want = PROTO_HDR_SIZE + inbuf_max(in);
	if (in->len == in->cap && in->cap < want) { /* grow only when full, up to one frame */
		size_t cap = in->cap ? in->cap * 2 : 4096;
		if (cap > want)
			cap = want;
		uint8_t *d = realloc(in->data, cap);
		if (!d)
			return -ENOMEM;
		in->data = d;
		in->cap = cap;
	}
	if (in->len == in->cap)
		return 0; /* full: the caller must take a frame first */
	ssize_t n = read(fd, in->data + in->len, in->cap - in->len);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	in->len += (size_t)n;
	return 0;
}

int proto_inbuf_frame(const struct proto_inbuf *in, struct proto_hdr *h, const uint8_t **payload)
{
	if (in->len < PROTO_HDR_SIZE)
		return 0;
	proto_hdr_decode(in->data, h);
	if (h->len > inbuf_max(in))
		return -EMSGSIZE;
	if (in->len - PROTO_HDR_SIZE < h->len)
		return 0;
	*payload = in->data + PROTO_HDR_SIZE;
	return 1;
}

void proto_inbuf_consume(struct proto_inbuf *in, const struct proto_hdr *h)
{
	size_t n = PROTO_HDR_SIZE + h->len;
	memmove(in->data, in->data + n, in->len - n);
	in->len -= n;
}
