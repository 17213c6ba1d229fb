/* The hub daemon's insides, shared by hostd.c (the control connection and the boot's hooks),
 * broker.c (the local broker socket) and session.c (the host's sessions). Not a public
 * interface: capabilities see hub.h only. */
#ifndef GUESTINIT_HOSTCHAN_HUB_INTERNAL_H
#define GUESTINIT_HOSTCHAN_HUB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backoff.h"
#include "hub.h"
#include "proto.h"
#include "transport.h"

#define HUB_CONNECT_TIMEOUT_MS 5000
#define HUB_WELCOME_WAIT_MS 10000
#define HUB_MAX_STATS 16
#define HUB_MAX_HOOKS 8

enum ctl_state {
	CTL_DOWN,       /* waiting to retry */
	CTL_CONNECTING, /* a non-blocking connect is under way */
	CTL_HELLO,      /* HELLO sent, waiting for WELCOME */
	CTL_UP,         /* welcomed */
};

struct hub_stat {
	char name[33];
	char text[STATS_MAX];
	bool sent; /* to the host on this connection */
};

#define HUB_MAX_BROKER_FDS 8
/* sessions at once with brokers of their own; one more works through the shared paths */
#define HUB_MAX_SESSION_BROKERS 128

struct session_broker {
	pid_t pid;
	int fd;
	char path[108];
};

struct hub {
	struct evloop *loop;
	struct transport_addr addr;
	char token[256];
	char kernel[65];
	/* the control connection */
	enum ctl_state state;
	int fd;
	struct proto_inbuf in;
	struct proto_buf out; /* frames not yet written */
	size_t out_off;
	int timer; /* retry, connect or welcome timeout: one at a time */
	struct backoff bo;
	uint64_t attempt_ms;
	bool ever_connected;
	unsigned failures;
	uint64_t connected_since; /* wall clock, s */
	/* PID 1's ready line, and whether this connection has had it */
	struct ready_record ready;
	bool have_ready, ready_sent;
	/* this process's first WELCOME runs the capabilities' hooks; READY waits for them */
	bool hooks_started, hooks_done;
	pid_t hooks[HUB_MAX_HOOKS];
	size_t nhooks;
	int hooks_timer;
	struct hub_stat stats[HUB_MAX_STATS];
	size_t nstats;
	int broker_fds[HUB_MAX_BROKER_FDS]; /* HUB_SOCKET_PATH and the capabilities' broker_paths */
	size_t nbroker_fds;
	struct session_broker session_brokers[HUB_MAX_SESSION_BROKERS];
	size_t nsession_brokers;
};

/* ---- control connection (hostd.c) ---- */
/* Queues a frame (or several) for the host; written as the socket takes them. */
void hub_send(struct hub *h, const struct proto_buf *b);
/* READY to the host once PID 1 is ready and the hooks are done (each connection once). */
void hub_maybe_send_ready(struct hub *h);
/* A capability's figures, kept for the next connection too. */
void hub_store_stats(struct hub *h, const char *name, const char *text);
/* Figures to the host: whichever have not gone on this connection. */
void hub_send_stats(struct hub *h);

/* ---- broker (broker.c) ---- */
int broker_start(struct hub *h);
void broker_stop(struct hub *h);
/* The capabilities' session_broker_fmt paths of the session process pid: made when it starts,
 * removed when it ends (a pid that has none is no error). */
void broker_session_open(struct hub *h, pid_t pid);
void broker_session_close(struct hub *h, pid_t pid);

/* ---- sessions (session.c) ---- */
/* A child that connects back to the host as session id and runs what the host asks. */
void session_start(struct hub *h, uint32_t id);
/* A child that asks PID 1 for the power action the host wants ("poweroff", "reboot"). */
void session_request_power(struct hub *h, const char *verb);
/* A first frame with the boot token put in (any token the client sent is dropped). */
int hub_frame_with_token(const struct hub *h, const uint8_t *frame, size_t len, struct proto_buf *out);

#endif
