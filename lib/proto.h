/* The one protocol codec: frames between guest and host (docs/protocol.md is the spec).
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

#define PROTO_VERSION 1
#define PROTO_HDR_SIZE 8
#define PROTO_MAX_PAYLOAD (1u << 20)
#define PROTO_FIELD_HDR 6
/* Default vsock port of the host agent (the guest connects to CID 2, the host). */
#define PROTO_VSOCK_PORT 50515

/* Feature bits offered in HELLO; WELCOME answers with the subset the host accepts. */
enum proto_feature {
	PROTO_FEAT_EXEC = 1u << 0,    /* exec sessions (host runs commands in the guest) */
	PROTO_FEAT_READY = 1u << 1,   /* the guest reports its ready line and timings */
	PROTO_FEAT_SHUTDOWN = 1u << 2, /* the host may ask for poweroff/reboot */
	PROTO_FEAT_STATS = 1u << 3     /* the guest sends figures (memreclaim) when they change */
};
#define PROTO_FEATURES_ALL (PROTO_FEAT_EXEC | PROTO_FEAT_READY | PROTO_FEAT_SHUTDOWN | PROTO_FEAT_STATS)

enum proto_type {
	/* control connection (guest connects, one per guest) */
	MSG_HELLO = 0x0001,           /* guest → host */
	MSG_WELCOME = 0x0002,         /* host → guest: accepted, with the guest's configuration */
	MSG_REJECT = 0x0003,          /* host → guest: refused, with a reason; the host closes */
	MSG_READY = 0x0004,           /* guest → host */
	MSG_SESSION_REQUEST = 0x0005, /* host → guest: open session connection N */
	MSG_SHUTDOWN = 0x0006,        /* host → guest */
	MSG_STATS = 0x0007,           /* guest → host: TAG_TEXT, key=value lines ("memreclaim.mode=gradual") */
	/* session connection (guest connects, one per session) */
	MSG_SESSION_ATTACH = 0x0010,  /* guest → host: token + session id; first frame */
	MSG_EXEC = 0x0011,            /* client → runner: what to run */
	MSG_EXEC_ERROR = 0x0012,      /* runner → client: could not start; then the runner closes */
	MSG_STARTED = 0x0013,         /* runner → client */
	MSG_DATA = 0x0014,            /* both: flags = stream; payload = bytes */
	MSG_EOF = 0x0015,             /* both: flags = stream */
	MSG_CREDIT = 0x0016,          /* both: flags = stream; payload = u32 bytes consumed */
	MSG_WINSIZE = 0x0017,         /* client → runner */
	MSG_SIGNAL = 0x0018,          /* client → runner */
	MSG_EXIT = 0x0019,            /* runner → client: last frame */
	MSG_CLOSE = 0x001A,           /* receiver → sender of a stream (flags): stop, I closed it */
	/* drive connection (guest connects, one per mount): after DRIVE_REPLY ok it carries 9P */
	MSG_DRIVE_OPEN = 0x0020,      /* guest → host: token + aname; first frame */
	MSG_DRIVE_REPLY = 0x0021,     /* host → guest: TAG_OK, else TAG_REASON and the host closes */
	/* host-local: guesthost commands ↔ the agent, over the agent's unix socket */
	MSG_AGENT_OPEN = 0x0040,      /* → agent: give me a session connection (fd via SCM_RIGHTS) */
	MSG_AGENT_STATUS = 0x0041,
	MSG_AGENT_SHUTDOWN = 0x0042,
	MSG_AGENT_REPLY = 0x0043,     /* ← agent: ok, or an error text */
	/* guest-local: service/systemctl ↔ the service supervisor, over /run/guestinit/services */
	MSG_SVC_REQUEST = 0x0050,     /* → supervisor: TAG_ARG verb, name, args; TAG_ENV; fds 0-2 */
	MSG_SVC_REPLY = 0x0051,       /* ← supervisor: TAG_STATUS, TAG_TEXT (stdout), TAG_REASON */
};

/* Streams of a session, in the flags of DATA, EOF and CREDIT. */
enum proto_stream { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_COUNT = 3 };

/* Flow control: a receiver grants this many bytes per stream at the start, then CREDITs what
 * it has written out; a sender never has more than its credit in flight. */
#define PROTO_WINDOW (2u << 20)

enum proto_tag {
	/* HELLO, WELCOME */
	TAG_VERSION = 1,       /* u32 */
	TAG_FEATURES = 2,      /* u64 */
	TAG_TOKEN = 3,         /* str */
	TAG_KERNEL = 4,        /* str: guest uname -r */
	TAG_DISTRO = 5,        /* str */
	TAG_DEFAULT_USER = 6,  /* str */
	TAG_TIMEZONE = 7,      /* str, e.g. Europe/Paris */
	TAG_RECLAIM = 8,       /* str: disabled | gradual | dropcache */
	TAG_NETWORK = 9,       /* str: nat | none | mirrored */
	TAG_DRIVE = 10,        /* nested: TAG_DRIVE_* (repeated) */
	TAG_DRIVE_LETTER = 11, /* str: one letter */
	TAG_DRIVE_SOURCE = 12, /* str: "p9" (the host's server, over the host channel) or virtio:TAG */
	TAG_HOSTNAME = 13,     /* str */
	TAG_REASON = 14,       /* str (REJECT, EXEC_ERROR, AGENT_REPLY) */
	/* READY */
	TAG_READY_LINE = 20,   /* str */
	TAG_READY_MS = 21,     /* u64: init start → ready */
	TAG_UPTIME_MS = 22,    /* u64: kernel start → ready */
	/* SESSION_REQUEST, SESSION_ATTACH */
	TAG_SESSION = 30,      /* u32 */
	/* SHUTDOWN */
	TAG_SHUTDOWN_KIND = 31, /* u32: 0 poweroff, 1 reboot */
	/* EXEC */
	TAG_ARG = 40,          /* str (repeated): argv; none = the user's login shell */
	TAG_CWD = 41,          /* str */
	TAG_USER = 42,         /* str */
	TAG_ENV = 43,          /* str NAME=VALUE (repeated) */
	TAG_TTY_MASK = 44,     /* u32: bit i set = stream i is the terminal */
	TAG_ROWS = 45,         /* u32 */
	TAG_COLS = 46,         /* u32 */
	TAG_ERRNO = 47,        /* u32 (EXEC_ERROR) */
	TAG_STATUS = 48,       /* u32: exit code, or 128+signal (EXIT, EXEC_ERROR) */
	TAG_SIGNAL = 49,       /* u32 (SIGNAL; EXIT: the killing signal or 0) */
	TAG_PID = 50,          /* u32 (STARTED) */
	/* DRIVE_OPEN */
	TAG_ANAME = 51,        /* str: the 9P attach name, "drvfs;path=C:\;..." */
	/* AGENT_REPLY, DRIVE_REPLY */
	TAG_OK = 60,           /* u32: 1 ok, 0 error (then TAG_REASON) */
	TAG_TEXT = 61,         /* str: status text */
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

/* ---- typed messages -------------------------------------------------------------------- */

struct proto_hello {
	uint32_t version;
	uint64_t features;
	char *token;
	char *kernel;
};

#define PROTO_MAX_DRIVES 26
struct proto_drive {
	char letter;
	char *source;
};

/* The guest's configuration, as the host sends it in WELCOME. */
struct proto_welcome {
	uint32_t version;
	uint64_t features;
	char *distro, *default_user, *timezone, *reclaim, *network, *hostname;
	struct proto_drive drives[PROTO_MAX_DRIVES];
	size_t ndrives;
};

/* The first frame of a drive connection. */
struct proto_drive_open {
	char *token;
	char *aname;
};

struct proto_ready {
	char *line;
	uint64_t ready_ms, uptime_ms;
};

#define PROTO_MAX_ARGS 4096
#define PROTO_MAX_ENV 4096
struct proto_exec {
	char **argv;          /* NULL-terminated; argc 0 = login shell */
	size_t argc;
	char **env;           /* NULL-terminated NAME=VALUE */
	size_t nenv;
	char *cwd, *user;
	uint32_t tty_mask;
	uint32_t rows, cols;
};

struct proto_exit {
	uint32_t status;
	uint32_t signal;
};

/* Each decoder fills *out (zeroed first), checks required fields and limits, and on failure
 * frees what it allocated and sets *why to a static text naming what is wrong. */
int proto_decode_hello(const void *p, size_t n, struct proto_hello *out, const char **why);
int proto_decode_welcome(const void *p, size_t n, struct proto_welcome *out, const char **why);
int proto_decode_ready(const void *p, size_t n, struct proto_ready *out, const char **why);
int proto_decode_drive_open(const void *p, size_t n, struct proto_drive_open *out, const char **why);
int proto_decode_exec(const void *p, size_t n, struct proto_exec *out, const char **why);
int proto_decode_exit(const void *p, size_t n, struct proto_exit *out, const char **why);
/* A message with one u32 field that must be present (SESSION, SIGNAL, SHUTDOWN_KIND...). */
int proto_decode_u32(const void *p, size_t n, uint16_t tag, uint32_t *out, const char **why);
/* A message whose only interesting field is one string (REJECT, EXEC_ERROR's reason...);
 * *out is NULL when absent. */
int proto_decode_str(const void *p, size_t n, uint16_t tag, char **out, const char **why);

void proto_hello_free(struct proto_hello *m);
void proto_welcome_free(struct proto_welcome *m);
void proto_ready_free(struct proto_ready *m);
void proto_drive_open_free(struct proto_drive_open *m);
void proto_exec_free(struct proto_exec *m);

void proto_encode_hello(struct proto_buf *b, const struct proto_hello *m);
void proto_encode_welcome(struct proto_buf *b, const struct proto_welcome *m);
void proto_encode_ready(struct proto_buf *b, const struct proto_ready *m);
void proto_encode_drive_open(struct proto_buf *b, const struct proto_drive_open *m);
void proto_encode_exec(struct proto_buf *b, const struct proto_exec *m);
void proto_encode_exit(struct proto_buf *b, const struct proto_exit *m);

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
