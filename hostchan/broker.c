/* The hub's broker: a SOCK_SEQPACKET socket at /run/guestinit/hub that any local process may
 * connect to, one request per connection (hub_msg.h). What a caller may ask is checked
 * against SO_PEERCRED for each message, and for a dial against the rule its capability
 * registered: the socket's mode lets everyone in, the rules decide. The clients are local
 * and may be hostile: every packet is decoded as untrusted, a connection gets one request
 * and BROKER_IDLE_MS to send it, and at most BROKER_MAX_CLIENTS are served at once. */
#include "hub_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"
#include "fdpass.h"
#include "hub_msg.h"
#include "log.h"
#include "peercred.h"
#include "sdinit.h"
#include "unixsock.h"

#define BROKER_MAX_CLIENTS 64
#define BROKER_IDLE_MS 10000

struct client {
	struct hub *h;
	int fd;
	pid_t pid;
	uid_t uid;
	bool privileged;
	int timer;
	bool busy; /* its one request came */
	/* a dial under way: the host connection being made, the frame to send on it */
	int host_fd;
	struct proto_buf first;
	struct client *next;
};

static struct client *clients;
static size_t nclients;

static void client_close(struct client *c)
{
	for (struct client **pp = &clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			nclients--;
			break;
		}
	evloop_cancel_timer(c->h->loop, c->timer);
	evloop_del_fd(c->h->loop, c->fd);
	close(c->fd);
	if (c->host_fd >= 0) {
		evloop_del_fd(c->h->loop, c->host_fd);
		close(c->host_fd);
	}
	proto_buf_free(&c->first);
	free(c);
}

/* The answer, with the dialled connection if there is one; then the request is done. */
static void reply_denied(struct client *c, bool ok, bool denied, const char *reason, const char *text, int fd)
{
	struct proto_buf b;
	proto_buf_init(&b);
	hub_encode_reply(&b, &(struct hub_reply){ .ok = ok, .denied = denied, .reason = (char *)reason, .text = (char *)text });
	if (!b.error && fdpass_send(c->fd, b.data, b.len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0) < 0)
		log_debug("hub", "a client (pid %d) left before its answer", (int)c->pid);
	proto_buf_free(&b);
	client_close(c);
}

static void reply(struct client *c, bool ok, const char *reason, const char *text, int fd)
{
	reply_denied(c, ok, false, reason, text, fd);
}

static void on_idle(struct evloop *loop, void *data)
{
	(void)loop;
	struct client *c = data;
	c->timer = 0;
	if (c->host_fd >= 0) {
		reply(c, false, "the host did not accept a connection in time", NULL, -1);
		return;
	}
	log_debug("hub", "a client (pid %d) sent nothing for %d ms; closed", (int)c->pid, BROKER_IDLE_MS);
	client_close(c);
}

static const struct hub_dial_rule *dial_rule(uint16_t type, const char **owner)
{
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++)
		for (size_t i = 0; i < (*cap)->ndials; i++)
			if ((*cap)->dials[i].first_type == type) {
				*owner = (*cap)->name;
				return &(*cap)->dials[i];
			}
	return NULL;
}

static void dial_connected(struct client *c)
{
	int fd = c->host_fd;
	evloop_del_fd(c->h->loop, fd);
	c->host_fd = -1;
	/* the first frame is small and the connection new: it goes at once, or not at all */
	ssize_t n = send(fd, c->first.data, c->first.len, MSG_NOSIGNAL);
	if (n != (ssize_t)c->first.len) {
		char why[128];
		snprintf(why, sizeof(why), "the host's connection failed: %s", n < 0 ? strerror(errno) : "a short write");
		close(fd);
		reply(c, false, why, NULL, -1);
		return;
	}
	reply(c, true, NULL, NULL, fd);
	close(fd);
}

static void on_dial_io(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct client *c = data;
	int r = transport_connect_finish(c->host_fd);
	if (r < 0) {
		char why[160];
		snprintf(why, sizeof(why), "cannot reach the host at %s: %s", c->h->addr.text, strerror(-r));
		reply(c, false, why, NULL, -1);
		return;
	}
	dial_connected(c);
}

static void handle_dial(struct client *c, const uint8_t *p, uint32_t n)
{
	struct hub_dial d;
	const char *why = "";
	if (hub_decode_dial(p, n, &d, &why) < 0) {
		reply(c, false, why, NULL, -1);
		return;
	}
	struct proto_hdr inner;
	proto_hdr_decode(d.frame, &inner);
	const char *owner = "";
	const struct hub_dial_rule *rule = dial_rule(inner.type, &owner);
	char reason[256] = "";
	bool denied = false;
	if (!rule) {
		snprintf(reason, sizeof(reason), "no capability dials the host with %s", proto_type_name(inner.type));
	} else if (rule->root_only && !c->privileged) {
		snprintf(reason, sizeof(reason), "only root may open a %s connection (%s)", proto_type_name(inner.type), owner);
		denied = true;
	} else if (rule->may && rule->may(c->pid, c->uid, reason, sizeof(reason)) < 0) {
		if (!reason[0])
			snprintf(reason, sizeof(reason), "%s refuses a %s connection to uid %u", owner,
				 proto_type_name(inner.type), (unsigned)c->uid);
		denied = true;
	}
	int r = reason[0] ? 0 : hub_frame_with_token(c->h, d.frame, d.len, &c->first);
	hub_dial_free(&d);
	if (!reason[0] && r < 0)
		snprintf(reason, sizeof(reason), "the frame to dial is malformed");
	if (reason[0]) {
		log_warn("hub", "refused a dial from pid %d (uid %u): %s", (int)c->pid, (unsigned)c->uid, reason);
		reply_denied(c, false, denied, reason, NULL, -1);
		return;
	}
	r = transport_connect_start(&c->h->addr, &c->host_fd);
	if (r == 0) {
		dial_connected(c);
	} else if (r == -EINPROGRESS && (r = evloop_add_fd(c->h->loop, c->host_fd, EPOLLOUT, on_dial_io, c)) == 0) {
		evloop_cancel_timer(c->h->loop, c->timer);
		c->timer = evloop_add_timer(c->h->loop, HUB_CONNECT_TIMEOUT_MS, on_idle, c);
	} else {
		snprintf(reason, sizeof(reason), "cannot reach the host at %s: %s", c->h->addr.text, strerror(-r));
		reply(c, false, reason, NULL, -1);
	}
}

/* PID 1 reports ready; under systemd, the hand-off's helper does. */
static bool may_report_ready(const struct client *c)
{
	return c->pid == 1 || (c->uid == 0 && c->pid == helper_pid_read() && sdinit_booted());
}

static void handle_ready(struct client *c, const uint8_t *p, uint32_t n)
{
	struct proto_ready r;
	const char *why = "";
	if (!may_report_ready(c)) {
		log_warn("hub", "pid %d (uid %u) sent a ready report: only PID 1 (or the systemd hand-off's helper) may",
			 (int)c->pid, (unsigned)c->uid);
	} else if (proto_decode_ready(p, n, &r, &why) < 0) {
		log_warn("hub", "a malformed ready report: %s", why);
	} else {
		struct hub *h = c->h;
		snprintf(h->ready.line, sizeof(h->ready.line), "%s", r.line);
		h->ready.ready_ms = r.ready_ms;
		h->ready.uptime_ms = r.uptime_ms;
		h->have_ready = true;
		proto_ready_free(&r);
		hub_maybe_send_ready(h);
	}
	client_close(c); /* a report has no answer */
}

static bool may_publish(const char *name)
{
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++)
		if ((*cap)->stats && !strcmp((*cap)->name, name))
			return true;
	return false;
}

static void handle_stats(struct client *c, const uint8_t *p, uint32_t n)
{
	struct hub_stats s;
	const char *why = "";
	struct hub *h = c->h;
	bool privileged = c->privileged;
	pid_t pid = c->pid;
	uid_t uid = c->uid;
	client_close(c); /* figures have no answer */
	if (!privileged) {
		log_warn("hub", "pid %d (uid %u) sent figures: only root may", (int)pid, (unsigned)uid);
		return;
	}
	if (hub_decode_stats(p, n, &s, &why) < 0) {
		log_warn("hub", "malformed figures: %s", why);
		return;
	}
	if (may_publish(s.name)) {
		hub_store_stats(h, s.name, s.text);
		hub_send_stats(h);
	} else {
		log_warn("hub", "figures under '%s', which no capability registered", s.name);
	}
	hub_stats_free(&s);
}

static void handle_status(struct client *c)
{
	struct hub *h = c->h;
	static const char *const states[] = { "waiting to reconnect", "connecting", "introduced, waiting for WELCOME",
					      "connected" };
	char text[1024];
	int k = snprintf(text, sizeof(text), "host: %s (%s)\n", h->addr.text, states[h->state]);
	if (h->state == CTL_UP && k > 0 && (size_t)k < sizeof(text)) {
		time_t since = (time_t)h->connected_since;
		struct tm tm;
		char when[64] = "";
		if (localtime_r(&since, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
		k += snprintf(text + k, sizeof(text) - (size_t)k, "connected since: %s (%llu s ago)\n", when,
			      (unsigned long long)(time(NULL) - since));
	}
	if (k > 0 && (size_t)k < sizeof(text))
		snprintf(text + k, sizeof(text) - (size_t)k, "ready reported: %s\n",
			 h->ready_sent ? "yes" : h->have_ready ? "waiting for the boot's hooks" : "not yet");
	reply(c, true, NULL, text, -1);
}

static void on_client(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct client *c = data;
	static uint8_t buf[HUB_MAX_PACKET];
	int fds[FDPASS_MAX];
	size_t nfds = 0;
	ssize_t n = fdpass_recv(fd, buf, sizeof(buf), fds, &nfds, FDPASS_MAX);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]); /* nothing the hub is asked takes a descriptor */
	if (n == -EAGAIN)
		return;
	if (n <= 0 || c->busy) { /* gone (a dial under way is dropped), or a second request */
		client_close(c);
		return;
	}
	c->busy = true;
	struct proto_hdr h;
	if ((size_t)n < PROTO_HDR_SIZE || proto_hdr_decode(buf, &h) < 0 || h.len != (size_t)n - PROTO_HDR_SIZE) {
		log_warn("hub", "pid %d sent a packet that is not one whole frame; closed", (int)c->pid);
		client_close(c);
		return;
	}
	const uint8_t *p = buf + PROTO_HDR_SIZE;
	switch (h.type) {
	case MSG_HUB_DIAL: handle_dial(c, p, h.len); break;
	case MSG_HUB_READY: handle_ready(c, p, h.len); break;
	case MSG_HUB_STATS: handle_stats(c, p, h.len); break;
	case MSG_HUB_STATUS: handle_status(c); break;
	default: reply(c, false, "not a request of the hub family", NULL, -1); break;
	}
}

static void on_accept(struct evloop *loop, int lfd, uint32_t events, void *data)
{
	(void)events;
	struct hub *h = data;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (nclients >= BROKER_MAX_CLIENTS) {
			log_warn("hub", "%d clients at once: one more refused", BROKER_MAX_CLIENTS);
			close(fd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct client){ .h = h, .fd = fd, .host_fd = -1 };
		proto_buf_init(&c->first);
		c->privileged = peercred_privileged(fd, &c->pid, &c->uid);
		if (evloop_add_fd(loop, fd, EPOLLIN, on_client, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->timer = evloop_add_timer(loop, BROKER_IDLE_MS, on_idle, c);
		c->next = clients;
		clients = c;
		nclients++;
	}
}

/* A listening socket at path served by on_accept: the fd, or -errno. */
static int listen_fd(struct hub *h, const char *path)
{
	/* everyone may connect (the interop client is any user's): the rules decide */
	int fd = unixsock_listen(path, SOCK_SEQPACKET, 0666);
	if (fd < 0)
		return fd;
	int r = evloop_add_fd(h->loop, fd, EPOLLIN, on_accept, h);
	if (r < 0) {
		close(fd);
		unlink(path);
		return r;
	}
	return fd;
}

static int listen_at(struct hub *h, const char *path)
{
	if (h->nbroker_fds == HUB_MAX_BROKER_FDS)
		return -ENOSPC;
	int fd = listen_fd(h, path);
	if (fd < 0)
		return fd;
	h->broker_fds[h->nbroker_fds++] = fd;
	return 0;
}

static void make_parent(const char *path)
{
	char dir[108];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* searchable by every user, whatever [filesystem] umask the hub inherited (027
		 * would leave only root able to reach the sockets in it) */
		if (mkdir(dir, 0755) == 0)
			chmod(dir, 0755);
	}
}

void broker_session_open(struct hub *h, pid_t pid)
{
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++) {
		if (!(*cap)->session_broker_fmt)
			continue;
		if (h->nsession_brokers == HUB_MAX_SESSION_BROKERS) {
			log_warn("hub", "%d sessions with brokers of their own: session %d uses the shared ones",
				 HUB_MAX_SESSION_BROKERS, (int)pid);
			return;
		}
		struct session_broker *s = &h->session_brokers[h->nsession_brokers];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(s->path, sizeof(s->path), (*cap)->session_broker_fmt, (int)pid);
#pragma GCC diagnostic pop
		make_parent(s->path);
		int fd = listen_fd(h, s->path);
		if (fd < 0) {
			log_warn("hub", "cannot listen at %s (%s): %s", s->path, (*cap)->name, strerror(-fd));
			continue;
		}
		s->pid = pid;
		s->fd = fd;
		h->nsession_brokers++;
	}
}

void broker_session_close(struct hub *h, pid_t pid)
{
	for (size_t i = 0; i < h->nsession_brokers;) {
		struct session_broker *s = &h->session_brokers[i];
		if (s->pid != pid) {
			i++;
			continue;
		}
		/* its programs that still run (a tmux pane's) keep their connections: those are
		 * the host's, passed to them; a new one searches on (interop_client.c) */
		evloop_del_fd(h->loop, s->fd);
		close(s->fd);
		unlink(s->path);
		*s = h->session_brokers[--h->nsession_brokers];
	}
}

int broker_start(struct hub *h)
{
	int r = listen_at(h, HUB_SOCKET_PATH);
	if (r < 0)
		return r;
	/* the capabilities' other names for it: a failure is theirs, not the hub's */
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++)
		for (const char *const *p = (*cap)->broker_paths; p && *p; p++) {
			make_parent(*p);
			if ((r = listen_at(h, *p)) < 0)
				log_warn("hub", "cannot listen at %s (%s): %s", *p, (*cap)->name, strerror(-r));
		}
	return 0;
}

void broker_stop(struct hub *h)
{
	while (clients)
		client_close(clients);
	for (size_t i = 0; i < h->nbroker_fds; i++) {
		evloop_del_fd(h->loop, h->broker_fds[i]);
		close(h->broker_fds[i]);
	}
	h->nbroker_fds = 0;
	while (h->nsession_brokers)
		broker_session_close(h, h->session_brokers[0].pid);
}
