/* The frame and field codec. Every decoder treats its input as hostile: lengths are checked
 * before use, strings must not hold NUL bytes, counts are capped. */
#include "proto.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	case MSG_AGENT_OPEN: return "AGENT_OPEN";
	case MSG_AGENT_STATUS: return "AGENT_STATUS";
	case MSG_AGENT_SHUTDOWN: return "AGENT_SHUTDOWN";
	case MSG_AGENT_REPLY: return "AGENT_REPLY";
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

/* A string field that may appear once: a repeat replaces nothing and is an error, so that two
 * parsers of one message can never disagree on its value. */
static int take_str(const struct proto_field *f, char **slot, const char **why, const char *what)
{
	if (*slot) {
		*why = what;
		return -EBADMSG;
	}
	int r = proto_field_str(f, slot);
	if (r < 0)
		*why = what;
	return r;
}

static int take_u32(const struct proto_field *f, uint32_t *slot, bool *seen, const char **why, const char *what)
{
	if (*seen || proto_field_u32(f, slot) < 0) {
		*why = what;
		return -EBADMSG;
	}
	*seen = true;
	return 0;
}

static int take_u64(const struct proto_field *f, uint64_t *slot, bool *seen, const char **why, const char *what)
{
	if (*seen || proto_field_u64(f, slot) < 0) {
		*why = what;
		return -EBADMSG;
	}
	*seen = true;
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
	memset(m, 0, sizeof(*m));
	struct proto_reader r;
	struct proto_field f;
	bool have_version = false, have_features = false;
	int rc;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		switch (f.tag) {
		case TAG_VERSION: rc = take_u32(&f, &m->version, &have_version, why, "bad or repeated version field"); break;
		case TAG_FEATURES: rc = take_u64(&f, &m->features, &have_features, why, "bad or repeated features field"); break;
		case TAG_TOKEN: rc = take_str(&f, &m->token, why, "bad or repeated token field"); break;
		case TAG_KERNEL: rc = take_str(&f, &m->kernel, why, "bad or repeated kernel field"); break;
		default: rc = 0; break;
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		goto fail;
	}
	if (!have_version) {
		*why = "no version field";
		rc = -EBADMSG;
		goto fail;
	}
	if (!m->token) {
		*why = "no token field";
		rc = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
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

static int decode_drive(const struct proto_field *outer, struct proto_drive *d, const char **why)
{
	struct proto_reader r;
	struct proto_field f;
	char *letter = NULL;
	int rc;
	proto_reader_init(&r, outer->val, outer->len);
	while ((rc = proto_next(&r, &f)) > 0) {
		if (f.tag == TAG_DRIVE_LETTER)
			rc = take_str(&f, &letter, why, "bad or repeated drive letter");
		else if (f.tag == TAG_DRIVE_SOURCE)
			rc = take_str(&f, &d->source, why, "bad or repeated drive source");
		if (rc < 0)
			break;
	}
	if (rc == -EBADMSG && !*why)
		*why = "a drive field runs past the end of the drive";
	if (rc == 0 && (!letter || strlen(letter) != 1 || !((*letter >= 'a' && *letter <= 'z') || (*letter >= 'A' && *letter <= 'Z')))) {
		*why = "a drive has no letter, or its letter is not one of a-z";
		rc = -EBADMSG;
	}
	if (rc == 0 && (!d->source || !*d->source)) {
		*why = "a drive has no source";
		rc = -EBADMSG;
	}
	if (rc == 0)
		d->letter = (char)(*letter | 0x20); /* lower case, as /mnt/c */
	free(letter);
	if (rc < 0) {
		free(d->source);
		d->source = NULL;
	}
	return rc;
}

int proto_decode_welcome(const void *p, size_t n, struct proto_welcome *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	struct proto_reader r;
	struct proto_field f;
	bool have_version = false, have_features = false;
	int rc;
	*why = NULL;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		switch (f.tag) {
		case TAG_VERSION: rc = take_u32(&f, &m->version, &have_version, why, "bad or repeated version field"); break;
		case TAG_FEATURES: rc = take_u64(&f, &m->features, &have_features, why, "bad or repeated features field"); break;
		case TAG_DISTRO: rc = take_str(&f, &m->distro, why, "bad or repeated distro field"); break;
		case TAG_DEFAULT_USER: rc = take_str(&f, &m->default_user, why, "bad or repeated default user field"); break;
		case TAG_TIMEZONE: rc = take_str(&f, &m->timezone, why, "bad or repeated timezone field"); break;
		case TAG_RECLAIM: rc = take_str(&f, &m->reclaim, why, "bad or repeated reclaim field"); break;
		case TAG_NETWORK: rc = take_str(&f, &m->network, why, "bad or repeated network field"); break;
		case TAG_HOSTNAME: rc = take_str(&f, &m->hostname, why, "bad or repeated hostname field"); break;
		case TAG_DRIVE:
			if (m->ndrives == PROTO_MAX_DRIVES) {
				*why = "more than 26 drives";
				rc = -EBADMSG;
				break;
			}
			rc = decode_drive(&f, &m->drives[m->ndrives], why);
			if (rc == 0) {
				for (size_t i = 0; i < m->ndrives; i++)
					if (m->drives[i].letter == m->drives[m->ndrives].letter) {
						*why = "two drives with one letter";
						free(m->drives[m->ndrives].source);
						rc = -EBADMSG;
					}
				if (rc == 0)
					m->ndrives++;
			}
			break;
		default: rc = 0; break;
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		goto fail;
	}
	if (!have_version) {
		*why = "no version field";
		rc = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
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
	memset(m, 0, sizeof(*m));
	struct proto_reader r;
	struct proto_field f;
	bool have_ready = false, have_uptime = false;
	int rc;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		switch (f.tag) {
		case TAG_READY_LINE: rc = take_str(&f, &m->line, why, "bad or repeated ready line"); break;
		case TAG_READY_MS: rc = take_u64(&f, &m->ready_ms, &have_ready, why, "bad or repeated ready time"); break;
		case TAG_UPTIME_MS: rc = take_u64(&f, &m->uptime_ms, &have_uptime, why, "bad or repeated uptime"); break;
		default: rc = 0; break;
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		goto fail;
	}
	if (!m->line) {
		*why = "no ready line";
		rc = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
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

int proto_decode_exec(const void *p, size_t n, struct proto_exec *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	struct proto_reader r;
	struct proto_field f;
	bool have_mask = false, have_rows = false, have_cols = false;
	int rc;
	char *s;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		switch (f.tag) {
		case TAG_ARG:
			rc = proto_field_str(&f, &s);
			if (rc < 0) {
				*why = "an argument holds a NUL byte";
				break;
			}
			rc = strv_push(&m->argv, &m->argc, PROTO_MAX_ARGS, s);
			if (rc < 0) {
				free(s);
				*why = "too many arguments";
			}
			break;
		case TAG_ENV:
			rc = proto_field_str(&f, &s);
			if (rc < 0) {
				*why = "an environment entry holds a NUL byte";
				break;
			}
			if (!strchr(s, '=') || s[0] == '=') {
				free(s);
				*why = "an environment entry is not NAME=VALUE";
				rc = -EBADMSG;
				break;
			}
			rc = strv_push(&m->env, &m->nenv, PROTO_MAX_ENV, s);
			if (rc < 0) {
				free(s);
				*why = "too many environment entries";
			}
			break;
		case TAG_CWD: rc = take_str(&f, &m->cwd, why, "bad or repeated working directory"); break;
		case TAG_USER: rc = take_str(&f, &m->user, why, "bad or repeated user"); break;
		case TAG_TTY_MASK: rc = take_u32(&f, &m->tty_mask, &have_mask, why, "bad or repeated terminal mask"); break;
		case TAG_ROWS: rc = take_u32(&f, &m->rows, &have_rows, why, "bad or repeated rows"); break;
		case TAG_COLS: rc = take_u32(&f, &m->cols, &have_cols, why, "bad or repeated columns"); break;
		default: rc = 0; break;
		}
		if (rc < 0)
			goto fail;
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		goto fail;
	}
	if (m->tty_mask & ~7u) {
		*why = "the terminal mask names a stream other than 0-2";
		rc = -EBADMSG;
		goto fail;
	}
	if (m->rows > 0xffff || m->cols > 0xffff) {
		*why = "the window size is over 65535";
		rc = -EBADMSG;
		goto fail;
	}
	if (m->argc && !m->argv[0][0]) {
		*why = "the command name is empty";
		rc = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
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
	memset(m, 0, sizeof(*m));
	struct proto_reader r;
	struct proto_field f;
	bool have_status = false, have_signal = false;
	int rc;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0) {
		if (f.tag == TAG_STATUS)
			rc = take_u32(&f, &m->status, &have_status, why, "bad or repeated status");
		else if (f.tag == TAG_SIGNAL)
			rc = take_u32(&f, &m->signal, &have_signal, why, "bad or repeated signal");
		if (rc < 0)
			return rc;
	}
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		return rc;
	}
	if (!have_status || m->status > 255) {
		*why = "no status, or a status over 255";
		return -EBADMSG;
	}
	return 0;
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
	struct proto_reader r;
	struct proto_field f;
	bool seen = false;
	int rc;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0)
		if (f.tag == tag && take_u32(&f, out, &seen, why, "bad or repeated number field") < 0)
			return -EBADMSG;
	if (rc < 0) {
		*why = "a field runs past the end of the message";
		return rc;
	}
	if (!seen) {
		*why = "a required number field is missing";
		return -EBADMSG;
	}
	return 0;
}

int proto_decode_str(const void *p, size_t n, uint16_t tag, char **out, const char **why)
{
	struct proto_reader r;
	struct proto_field f;
	int rc;
	*out = NULL;
	proto_reader_init(&r, p, n);
	while ((rc = proto_next(&r, &f)) > 0)
		if (f.tag == tag && take_str(&f, out, why, "bad or repeated text field") < 0) {
			free(*out);
			*out = NULL;
			return -EBADMSG;
		}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*why = "a field runs past the end of the message";
		return rc;
	}
	return 0;
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
