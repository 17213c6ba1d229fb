/* The agent family (types 0x0040-0x004f), host-local: guesthost's commands and the agent,
 * over the agent's unix socket (see docs/protocol.md). One request per connection. */
#ifndef GUESTINIT_HOST_AGENT_MSG_H
#define GUESTINIT_HOST_AGENT_MSG_H

#include <stdint.h>

#include "proto.h"
#include "control_msg.h"

enum agent_type {
	MSG_AGENT_OPEN = 0x0040,         /* → agent: give me a session connection (fd via SCM_RIGHTS) */
	MSG_AGENT_STATUS = 0x0041,       /* → agent: [WAIT_BOOT]; ← AGENT_STATUS_REPLY */
	MSG_AGENT_SHUTDOWN = 0x0042,     /* → agent: SHUTDOWN_KIND; ← AGENT_REPLY once it is sent */
	MSG_AGENT_REPLY = 0x0043,        /* ← agent: ok, or an error text */
	MSG_AGENT_STATUS_REPLY = 0x0044, /* ← agent: struct agent_status */
	MSG_AGENT_PORTS = 0x0045,        /* → agent; ← AGENT_REPLY with the live forwarded ports as text */
};

/* The family's own tags; it also uses the control family's KERNEL, READY_LINE, READY_MS,
 * UPTIME_MS and SHUTDOWN_KIND with their meaning there. */
enum agent_tag {
	TAG_AGENT_WAIT_BOOT = 70,    /* u32: reply once boot N is ready (0 or absent: at once) */
	TAG_AGENT_QEMU_PID = 71,     /* u32 */
	TAG_AGENT_CONNECTED = 72,    /* u32: 1 if the guest's control connection is up */
	TAG_AGENT_CONNECTED_AT = 73, /* u64: epoch s */
	TAG_AGENT_LOST_AT = 74,      /* u64: epoch s */
	TAG_AGENT_BOOTS = 75,        /* u32 */
	TAG_AGENT_READY = 76,        /* u32: 1 if the current boot is ready */
	TAG_AGENT_READY_AT = 77,     /* u64: epoch s */
	TAG_AGENT_REFUSED = 78,      /* u32 */
	TAG_AGENT_STATS = 79,        /* str: the guest's last STATS, key=value lines */
};

/* AGENT_STATUS's reply: what the agent knows of its VM and its guest. */
struct agent_status {
	uint32_t qemu_pid;     /* the QEMU the agent watches (it ends with it); 0: none, the agent
				* serves a guest elsewhere */
	uint32_t connected;    /* the guest's control connection is up */
	uint64_t connected_at; /* wall clock (epoch s) of its HELLO; 0: never connected */
	uint64_t lost_at;      /* when the last control connection ended; 0: never */
	char *kernel;          /* the guest's uname -r */
	uint32_t boots;        /* boots seen ready: an in-guest reboot makes it one more */
	uint32_t ready;        /* the current boot has reported ready */
	char *ready_line;      /* the last boot's ready line (of the current one when ready) */
	uint64_t ready_ms, uptime_ms; /* its init start → ready and kernel start → ready */
	uint64_t ready_at;     /* when it arrived (epoch s) */
	uint32_t refused;      /* connections refused since the agent started */
	char *stats;           /* the guest's last STATS: key=value lines */
};

/* AGENT_REPLY: ok with an optional text, or not ok with a reason. */
struct agent_reply {
	uint32_t ok;
	char *text;
	char *reason;
};

void agent_encode_status_request(struct proto_buf *b, uint32_t wait_boot);
int agent_decode_status_request(const void *p, size_t n, uint32_t *wait_boot, const char **why);

void agent_encode_status(struct proto_buf *b, const struct agent_status *m);
int agent_decode_status(const void *p, size_t n, struct agent_status *m, const char **why);
void agent_status_free(struct agent_status *m);

void agent_encode_reply(struct proto_buf *b, const struct agent_reply *m);
int agent_decode_reply(const void *p, size_t n, struct agent_reply *m, const char **why);
void agent_reply_free(struct agent_reply *m);

void agent_encode_shutdown(struct proto_buf *b, uint32_t kind);

#endif
