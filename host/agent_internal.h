/* The agent's insides, shared by agent.c (its loop, the control connection, sessions and the
 * local commands) and agent_guest.c (what the guest's connections open with). Not an
 * interface: the rest of host/ sees agent.h. */
#ifndef GUESTINIT_HOST_AGENT_INTERNAL_H
#define GUESTINIT_HOST_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agent.h"
#include "proto.h"

#define FIRST_FRAME_MAX 65536   /* HELLO and SESSION_ATTACH are small; more is an attack */
#define FIRST_FRAME_MS 10000    /* a connection that says nothing is dropped */
#define SESSION_OPEN_MS 15000   /* the guest has this long to connect a session back */
#define MAX_PENDING 256

/* A spare is a session connection the guest opened ahead of time (session 0), held here
 * until a command asks for one: then the command starts without waiting for the guest to
 * fork and connect. */
/* CONN_FWD_WATCH and CONN_FWD_SPARE are localhost forwarding's (agent_fwd.c): the guest's
 * watcher and its spare connections for clients; CONN_FWD_OFF a watcher told that forwarding
 * is off, held open so that the guest asks again when this agent is gone. */
enum conn_kind { CONN_GUEST_NEW, CONN_CONTROL, CONN_CLI, CONN_SPARE, CONN_FWD_WATCH, CONN_FWD_SPARE, CONN_FWD_OFF };

struct conn {
	enum conn_kind kind;
	int fd;
	struct proto_inbuf in;
	int timer;
	uint32_t session; /* CLI waiting for this session, 0 if none */
	uint32_t wait_boot; /* CLI waiting for the status once boot N is ready, 0 if none */
	uint8_t *exec;    /* CLI: the EXEC frame to write into its session first */
	size_t exec_len;
	char peer[64];
	struct conn *next;
};

struct agent_state {
	struct evloop *loop;
	const struct agent_opts *o;
	int guest_listen, cli_listen;
	struct conn *conns;
	struct conn *control;
	uint32_t next_session;
	/* what the guest told us */
	char kernel[65], ready_line[200];
	char stats[4096]; /* the guest's last STATS: key=value lines */
	uint64_t ready_ms, uptime_ms;
	time_t connected_at, lost_at, ready_at;
	bool ready;
	unsigned boots; /* boots seen ready */
	unsigned refused;
};

extern struct agent_state ag;


void conn_close(struct conn *c);
/* The connection's fd, out of the loop and of the list (c is freed): for a new owner. */
int conn_take_fd(struct conn *c);
/* Asks the guest to power off (kind 0) or reboot (1) over the control connection: 0, or
 * -errno (-ENOTCONN: it is not connected). */
int agent_ask_power(uint32_t kind);
/* Asks the guest, over the control connection, to open session id (0: a spare). */
int request_session(uint32_t id);

/* ---- agent_guest.c ---- */
/* Small frames to a peer (with an fd passed along, or -1), with a deadline. 0 or -errno. */
int send_frame(int fd, const struct proto_buf *b, int pass_fd);
/* AGENT_REPLY to a local client, maybe with an fd: ok with a text, or a reason. */
int reply(int fd, bool ok, const char *text, int pass_fd);
/* The boot token, compared in constant time. */
bool token_ok(const char *got);
/* REJECT with reason, and the connection closed. */
void refuse(struct conn *c, const char *reason);
/* The first frames of the guest's connections. */
void handle_hello(struct conn *c, const uint8_t *p, uint32_t n);
void handle_drive_open(struct conn *c, const uint8_t *p, uint32_t n);
void handle_interop_open(struct conn *c, const uint8_t *p, uint32_t n);

#endif
