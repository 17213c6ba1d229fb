/* The control family (types 0x0001-0x000f): the guest's one control connection to the host.
 * HELLO with the boot token, WELCOME with the guest's configuration or REJECT, then READY,
 * STATS and the host's requests (SESSION_REQUEST, SHUTDOWN). See docs/protocol.md. */
#ifndef GUESTINIT_CHAN_CONTROL_MSG_H
#define GUESTINIT_CHAN_CONTROL_MSG_H

#include "proto.h"

#define PROTO_VERSION 1
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

enum control_type {
	MSG_HELLO = 0x0001,           /* guest → host */
	MSG_WELCOME = 0x0002,         /* host → guest: accepted, with the guest's configuration */
	MSG_REJECT = 0x0003,          /* host → guest: refused, with a reason; the host closes */
	MSG_READY = 0x0004,           /* guest → host */
	MSG_SESSION_REQUEST = 0x0005, /* host → guest: open session connection N */
	MSG_SHUTDOWN = 0x0006,        /* host → guest */
	MSG_STATS = 0x0007,           /* guest → host: TAG_TEXT, key=value lines ("memreclaim.mode=gradual") */
};

enum control_tag {
	TAG_VERSION = 1,       /* u32 */
	TAG_FEATURES = 2,      /* u64 */
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
	TAG_WINDOWS_PATH = 15, /* str: the host's Windows PATH, "C:\\windows\\system32;C:\\windows" */
	TAG_ALIASES = 16,      /* str: the host programs of its alias table, "explorer.exe;clip.exe" */
	TAG_READY_LINE = 20,   /* str */
	TAG_READY_MS = 21,     /* u64: init start → ready */
	TAG_UPTIME_MS = 22,    /* u64: kernel start → ready */
	TAG_SESSION = 30,      /* u32 */
	TAG_SHUTDOWN_KIND = 31, /* u32: 0 poweroff, 1 reboot */
};

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

struct proto_welcome {
	uint32_t version;
	uint64_t features;
	char *distro, *default_user, *timezone, *reclaim, *network, *hostname;
	char *windows_path, *aliases;
	struct proto_drive drives[PROTO_MAX_DRIVES];
	size_t ndrives;
};

struct proto_ready {
	char *line;
	uint64_t ready_ms, uptime_ms;
};

/* Each decoder fills *out (zeroed first), checks required fields and limits, and on failure
 * frees what it allocated and sets *why to a static text naming what is wrong. */
int proto_decode_hello(const void *p, size_t n, struct proto_hello *out, const char **why);
int proto_decode_welcome(const void *p, size_t n, struct proto_welcome *out, const char **why);
int proto_decode_ready(const void *p, size_t n, struct proto_ready *out, const char **why);
void proto_hello_free(struct proto_hello *m);
void proto_welcome_free(struct proto_welcome *m);
void proto_ready_free(struct proto_ready *m);
void proto_encode_hello(struct proto_buf *b, const struct proto_hello *m);
void proto_encode_welcome(struct proto_buf *b, const struct proto_welcome *m);
void proto_encode_ready(struct proto_buf *b, const struct proto_ready *m);
/* The same fields in a frame of another type (the hub's HUB_READY carries PID 1's report). */
void proto_encode_ready_as(struct proto_buf *b, uint16_t type, const struct proto_ready *m);

#endif
