/* The frame and field codec. Every decoder treats its input as hostile: lengths are checked
 * before use, strings must not hold NUL bytes, counts are capped. */
#include "proto.h"

#include <endian.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>

#include "cleanup.h"
#include "writeall.h"

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
	/* the families of lib/chan by name; the local ones (hub, agent, services) by number */
	static const char *const control[] = { NULL, "HELLO", "WELCOME", "REJECT", "READY", "SESSION_REQUEST", "SHUTDOWN",
					       "STATS" };
	static const char *const session[] = { "SESSION_ATTACH", "EXEC", "EXEC_ERROR", "STARTED", "DATA", "EOF",
					       "CREDIT", "WINSIZE", "SIGNAL", "EXIT", "CLOSE", "STDIN_USED" };
	static const char *const drive[] = { "DRIVE_OPEN", "DRIVE_REPLY" };
	static const char *const interop[] = { "INTEROP_OPEN", "INTEROP_REPLY" };
	static const char *const portfwd[] = { "PORTFWD_OPEN", "PORTFWD_REPLY", "PORTFWD_LISTEN", "PORTFWD_UNLISTEN",
					       "PORTFWD_MAPPED", "PORTFWD_SPARE", "PORTFWD_CONNECT", "PORTFWD_CONNECTED",
					       "PORTFWD_RESET" };
	if (type < ARRAY_SIZE(control) && control[type])
		return control[type];
	if (type >= 0x10 && type - 0x10 < (int)ARRAY_SIZE(session))
		return session[type - 0x10];
	if (type >= 0x20 && type - 0x20 < (int)ARRAY_SIZE(drive))
		return drive[type - 0x20];
	if (type >= 0x60 && type - 0x60 < (int)ARRAY_SIZE(interop))
		return interop[type - 0x60];
	if (type >= 0x70 && type - 0x70 < (int)ARRAY_SIZE(portfwd))
		return portfwd[type - 0x70];
	static __thread char text[16];
	snprintf(text, sizeof(text), "type %#06x", type);
	return text;
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

int proto_decode_fields(const void *p, size_t n, const struct proto_field_spec *specs, size_t nspecs, void *msg,
			int (*extra)(const struct proto_field *f, void *msg, const char **why), const char **why)
{
	bool seen[PROTO_MAX_SPECS] = { false };
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
		case PROTO_U32: rc = proto_field_u32(&f, slot); break;
		case PROTO_U64: rc = proto_field_u64(&f, slot); break;
		case PROTO_STR: rc = proto_field_str(&f, slot); break;
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

int proto_decode_u32(const void *p, size_t n, uint16_t tag, uint32_t *out, const char **why)
{
	const struct proto_field_spec spec = { tag, PROTO_U32, 0, "bad or repeated number field", "a required number field is missing" };
	return proto_decode_fields(p, n, &spec, 1, out, NULL, why);
}

int proto_decode_u64(const void *p, size_t n, uint16_t tag, uint64_t *out, const char **why)
{
	const struct proto_field_spec spec = { tag, PROTO_U64, 0, "bad or repeated number field", "a required number field is missing" };
	return proto_decode_fields(p, n, &spec, 1, out, NULL, why);
}

int proto_decode_str(const void *p, size_t n, uint16_t tag, char **out, const char **why)
{
	const struct proto_field_spec spec = { tag, PROTO_STR, 0, "bad or repeated text field", NULL };
	*out = NULL;
	int rc = proto_decode_fields(p, n, &spec, 1, out, NULL, why);
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

void proto_put_fields(struct proto_buf *b, const struct proto_field_spec *specs, size_t nspecs, const void *msg)
{
	for (size_t i = 0; i < nspecs; i++) {
		const void *slot = (const char *)msg + specs[i].offset;
		switch (specs[i].kind) {
		case PROTO_U32: proto_put_u32(b, specs[i].tag, *(const uint32_t *)slot); break;
		case PROTO_U64: proto_put_u64(b, specs[i].tag, *(const uint64_t *)slot); break;
		case PROTO_STR: proto_put_str(b, specs[i].tag, *(char *const *)slot); break;
		}
	}
}

void proto_free_fields(const struct proto_field_spec *specs, size_t nspecs, void *msg)
{
	for (size_t i = 0; i < nspecs; i++)
		if (specs[i].kind == PROTO_STR) {
			char **slot = (char **)((char *)msg + specs[i].offset);
			free(*slot);
			*slot = NULL;
		}
}

void proto_encode_msg(struct proto_buf *b, const struct proto_msg_spec *s, const void *msg)
{
	proto_begin(b, s->type, 0);
	proto_put_fields(b, s->fields, s->nfields, msg);
	proto_end(b);
}

void proto_free_msg(const struct proto_msg_spec *s, void *msg)
{
	proto_free_fields(s->fields, s->nfields, msg);
	memset(msg, 0, s->size);
}

int proto_decode_msg(const void *p, size_t n, const struct proto_msg_spec *s, void *msg, const char **why)
{
	memset(msg, 0, s->size);
	int rc = proto_decode_fields(p, n, s->fields, s->nfields, msg, NULL, why);
	if (rc < 0)
		proto_free_msg(s, msg);
	return rc;
}

/* ---- blocking frame I/O ---------------------------------------------------------------------- */


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
