/* The one protocol codec: frames between guest and host, and between local processes
 * (docs/protocol.md is the spec). This is the frame and field layer; each message family
 * has a header of its own with its types, tags and typed messages, in the range of types it
 * owns (docs/protocol.md lists them):
 *   0x0001-0x000f control (control_msg.h)      0x0010-0x001f session (session_msg.h)
 *   0x0020-0x002f drive (drive_msg.h)          0x0030-0x003f hub, guest-local (hostchan/hub_msg.h)
 *   0x0040-0x004f agent, host-local (host/agent_msg.h)
 *   0x0050-0x005f services, guest-local (services/svc_msg.h)
 *
 * A frame is an 8-byte header — type (u16), flags (u16), payload length (u32), all
 * little-endian — and at most PROTO_MAX_PAYLOAD bytes of payload. Structured payloads are a
 * list of fields: tag (u16), length (u32), value. Unknown tags are skipped, so either side can
 * add fields without breaking the other. Data frames carry raw bytes. */
#ifndef GUESTINIT_PROTO_H
#define GUESTINIT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_HDR_SIZE 8
#define PROTO_MAX_PAYLOAD (1u << 20)
#define PROTO_FIELD_HDR 6

/* Tags every family may use with one meaning. A family's own tags are in its header; tag
 * numbers are unique across families, so that a trace reads the same whatever the frame. */
enum proto_common_tag {
	TAG_TOKEN = 3,   /* str: the boot token */
	TAG_REASON = 14, /* str: why something was refused or failed */
	TAG_STATUS = 48, /* u32: an exit code, or 128+signal */
	TAG_OK = 60,     /* u32: 1 ok, 0 error (then TAG_REASON) */
	TAG_TEXT = 61,   /* str: text for a person, or key=value lines */
};

struct proto_hdr {
	uint16_t type;
	uint16_t flags;
	uint32_t len;
};

/* Header bytes → hdr. -EMSGSIZE if the length is over the cap: the stream cannot be trusted
 * after that and must be closed. */
int proto_hdr_decode(const uint8_t buf[PROTO_HDR_SIZE], struct proto_hdr *hdr);
void proto_hdr_encode(uint8_t buf[PROTO_HDR_SIZE], uint16_t type, uint16_t flags, uint32_t len);
const char *proto_type_name(uint16_t type);

/* ---- building a frame ----------------------------------------------------------------- */

struct proto_buf {
	uint8_t *data;
	size_t len, cap;
	int error;            /* sticky: -ENOMEM or -EMSGSIZE */
	size_t frame_start;   /* offset of the frame being built */
	size_t nest_start;    /* offset of an open nested field, or 0 */
};

void proto_buf_init(struct proto_buf *b);
void proto_buf_free(struct proto_buf *b);
void proto_buf_reset(struct proto_buf *b);
/* Starts a frame; fields follow; proto_end fills in the length. Several frames may be built
 * one after the other into one buffer and sent with one write. */
void proto_begin(struct proto_buf *b, uint16_t type, uint16_t flags);
void proto_put_u32(struct proto_buf *b, uint16_t tag, uint32_t v);
void proto_put_u64(struct proto_buf *b, uint16_t tag, uint64_t v);
void proto_put_str(struct proto_buf *b, uint16_t tag, const char *s);
void proto_put_bytes(struct proto_buf *b, uint16_t tag, const void *p, size_t n);
void proto_nest_begin(struct proto_buf *b, uint16_t tag);
void proto_nest_end(struct proto_buf *b);
/* Raw payload bytes (DATA, CREDIT). */
void proto_put_raw(struct proto_buf *b, const void *p, size_t n);
int proto_end(struct proto_buf *b);

/* ---- reading fields ------------------------------------------------------------------- */

struct proto_field {
	uint16_t tag;
	uint32_t len;
	const uint8_t *val;
};

struct proto_reader {
	const uint8_t *p;
	size_t len, off;
};

void proto_reader_init(struct proto_reader *r, const void *payload, size_t len);
/* 1 and *f filled, 0 at the end, -EBADMSG if a field runs past the payload. */
int proto_next(struct proto_reader *r, struct proto_field *f);
int proto_field_u32(const struct proto_field *f, uint32_t *out);
int proto_field_u64(const struct proto_field *f, uint64_t *out);
/* Allocates a NUL-terminated copy; -EBADMSG if the value holds a NUL byte. */
int proto_field_str(const struct proto_field *f, char **out);

/* ---- decoding typed messages: a table of their single-valued fields --------------- */

enum proto_field_kind { PROTO_U32, PROTO_U64, PROTO_STR };

struct proto_field_spec {
	uint16_t tag;
	enum proto_field_kind kind;
	size_t offset;       /* of the value in the message struct */
	const char *bad;     /* why, when the field is malformed or repeated */
	const char *missing; /* why, when it is absent; NULL: optional */
};

#define PROTO_FIELD(tag, kind, type, member, bad, missing) { tag, kind, offsetof(type, member), bad, missing }
#define PROTO_MAX_SPECS 16

/* Fills msg from the payload: each field of specs at most once (a repeat is an error, so that
 * two parsers of one message can never disagree on its value), every other tag to extra (NULL:
 * skipped, which is how unknown fields of later versions pass). On error the strings already
 * taken stay in msg for the caller's free function; *why names the problem. */
int proto_decode_fields(const void *p, size_t n, const struct proto_field_spec *specs, size_t nspecs, void *msg,
			int (*extra)(const struct proto_field *f, void *msg, const char **why), const char **why);
/* A message with one u32 field that must be present (SESSION, SIGNAL, SHUTDOWN_KIND...). */
int proto_decode_u32(const void *p, size_t n, uint16_t tag, uint32_t *out, const char **why);
int proto_decode_u64(const void *p, size_t n, uint16_t tag, uint64_t *out, const char **why);
/* A message whose only interesting field is one string (REJECT, EXEC_ERROR's reason...);
 * *out is NULL when absent. */
int proto_decode_str(const void *p, size_t n, uint16_t tag, char **out, const char **why);

/* A typed message whose fields are all single-valued: its frame type, its struct's size and
 * its field table. The one table drives encoding, decoding and freeing, so the three cannot
 * disagree on a field. Messages with repeated or nested fields (WELCOME's drives, EXEC's argv)
 * put and free those themselves, around proto_put_fields and proto_free_fields. */
struct proto_msg_spec {
	uint16_t type;
	size_t size;
	const struct proto_field_spec *fields;
	size_t nfields;
};
#define PROTO_MSG(type, msgtype, fields) { type, sizeof(msgtype), fields, sizeof(fields) / sizeof((fields)[0]) }

/* Puts each field of the table from msg, in the table's order: numbers always, strings
 * unless NULL. */
void proto_put_fields(struct proto_buf *b, const struct proto_field_spec *specs, size_t nspecs, const void *msg);
/* Frees the strings the table names in msg and sets them to NULL. */
void proto_free_fields(const struct proto_field_spec *specs, size_t nspecs, void *msg);
/* A whole frame: proto_begin with s's type, every field, proto_end. */
void proto_encode_msg(struct proto_buf *b, const struct proto_msg_spec *s, const void *msg);
/* Zeroes msg (s->size bytes) and decodes it; on error frees what was taken (msg is zero
 * again) and *why names the problem. Unknown tags are skipped. */
int proto_decode_msg(const void *p, size_t n, const struct proto_msg_spec *s, void *msg, const char **why);
/* Frees every string of msg and zeroes it. */
void proto_free_msg(const struct proto_msg_spec *s, void *msg);

/* ---- non-blocking input: frames gathered from a socket ------------------------------ */

struct proto_inbuf {
	uint8_t *data;
	size_t len, cap;
	uint32_t max_len; /* a frame longer than this is an error (0: PROTO_MAX_PAYLOAD) */
};

void proto_inbuf_free(struct proto_inbuf *in);
/* Reads what fd has now: 0 (maybe a frame is complete now), -EPIPE at the end of the stream,
 * -EAGAIN if nothing was there, or -errno. */
int proto_inbuf_read(struct proto_inbuf *in, int fd);
/* 1 with the first whole frame in *h and *payload, 0 if it is not complete yet, -EMSGSIZE if
 * its header announces more than max_len. */
int proto_inbuf_frame(const struct proto_inbuf *in, struct proto_hdr *h, const uint8_t **payload);
void proto_inbuf_consume(struct proto_inbuf *in, const struct proto_hdr *h);

/* ---- blocking I/O of whole frames (handshakes; the relays use their own loop) --------- */

/* Sends the buffer's frames; 0 or -errno. */
int proto_send(int fd, const struct proto_buf *b);
/* Reads one frame into *payload (malloc'd, NUL-terminated for convenience); 0, -EPIPE at a
 * clean end of stream, -EMSGSIZE, or -errno. */
int proto_recv(int fd, struct proto_hdr *hdr, uint8_t **payload);

#endif
