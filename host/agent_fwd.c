/* Localhost forwarding, the host's side (see agent_fwd.h). Two ways to carry a client: our
 * relay (a spare connection of the guest, pumped both ways), which works on every transport
 * and for every listener, and, for a listener on the guest's IPv4 wildcard when the VM is on
 * QEMU's user network and the agent has its monitor (--monitor), QEMU's own forward
 * (hostfwd_add tcp:127.0.0.1:PORT-:PORT), which takes the guest no process of ours and no
 * second connection: docs/network.md has the measurements behind the choice. [::1] is
 * always the relay's (QEMU 7.2's forwards listen on IPv4 only). The guest is not trusted: what it
 * reports is checked (ports, families, addresses: the decoder), it picks no host address (only
 * loopback is ever bound), its spares are capped, and a client it does not answer within
 * CONNECT_MS is reset. */
#include "agent_fwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_internal.h"
#include "evloop.h"
#include "log.h"
#include "portfwd_msg.h"
#include "pump.h"
#include "qemu_monitor.h"

#define MAX_ENTRIES 1024   /* guest listeners known at once */
#define MAX_SPARES 64      /* the guest keeps a few; more would crowd out everything else */
#define MAX_CLIENTS 4096   /* forwarded connections at once */
#define CONNECT_MS 10000   /* a client waits this long for a spare and the guest's answer */
#define PORT_TRIES 100     /* ports tried after the one asked for */
#define PRIVILEGED_SHIFT 8000 /* 80 → 8080 when 80 needs privileges we have not */
#define RESET_DRAIN_MS 5000  /* after a RESET, how long the guest has to close its end */

struct fwd_entry {
	struct proto_portfwd_listen l; /* addr is NULL: l's address is implied by family+loopback */
	bool loopback;
	struct fwd_entry *next;
};

struct fwd_map {
	uint16_t guest_port, host_port;
	int fd[2]; /* 127.0.0.1, [::1]; -1 if none */
	char note[160];
	uint64_t accepted;
	bool hostfwd; /* 127.0.0.1:host_port is QEMU's forward, not fd[0] */
	struct fwd_map *next;
};

enum client_state { WAIT_SPARE, WAIT_CONNECTED, PUMPING };

struct fwd_client {
	uint32_t id;
	int fd, chan;
	uint8_t family;
	uint16_t guest_port;
	enum client_state st;
	bool retried;
	struct proto_inbuf in;
	struct pump *pump;
	int timer;
	struct fwd_map *map; /* NULL once the mapping is gone */
	struct fwd_client *next;
};

static struct {
	struct conn *watch;
	struct fwd_entry *entries;
	unsigned nentries;
	struct fwd_map *maps;
	struct fwd_client *clients;
	unsigned nclients;
	uint32_t next_id;
} fx;

static void send_watch(const struct proto_buf *b, const char *what)
{
	if (fx.watch && proto_send(fx.watch->fd, b) < 0)
		log_debug("portfwd", "telling the guest %s: %s", what, strerror(errno));
}

/* ---- clients ---------------------------------------------------------------------------- */

static void client_free(struct fwd_client *c, bool reset)
{
	for (struct fwd_client **pp = &fx.clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	fx.nclients--;
	if (c->timer)
		evloop_cancel_timer(ag.loop, c->timer);
	if (c->pump)
		pump_free(c->pump);
	else {
		if (c->chan >= 0) {
			evloop_del_fd(ag.loop, c->chan);
			close(c->chan);
		}
		if (reset) /* the client learns that it got nothing, not that it got everything */
			pump_sock_reset_on_close(c->fd);
		close(c->fd);
	}
	proto_inbuf_free(&c->in);
	free(c);
}

static void on_pump_done(struct pump *p, int err, void *ctx)
{
	struct fwd_client *c = ctx;
	if (err)
		log_debug("portfwd", "a forwarded connection of %u/tcp ended: %s", c->guest_port, strerror(-err));
	if (err && pump_failed(p) == 0 && fx.watch) {
		/* the host's client is gone with a reset: the guest resets its end, and closes the
		 * spare, which is kept open until then so that it does not see a clean end first */
		struct proto_buf b;
		proto_buf_init(&b);
		proto_encode_portfwd_reset(&b, c->id);
		send_watch(&b, "of a reset");
		proto_buf_free(&b);
		pump_drain(ag.loop, pump_release(p, 1), RESET_DRAIN_MS);
	}
	client_free(c, false);
}

static void assign_spares(void);

static void on_chan(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct fwd_client *c = data;
	int r = proto_inbuf_read(&c->in, fd);
	if (r == -EAGAIN)
		return;
	struct proto_hdr h;
	const uint8_t *p = NULL;
	int f = r < 0 ? -1 : proto_inbuf_frame(&c->in, &h, &p);
	if (f == 0)
		return;
	evloop_del_fd(ag.loop, c->chan);
	if (f < 0 && r == -EPIPE && !c->in.len && !c->retried) {
		/* a spare the guest had let go (its daemon restarted): once more with another */
		close(c->chan);
		c->chan = -1;
		c->retried = true;
		c->st = WAIT_SPARE;
		assign_spares();
		return;
	}
	struct proto_portfwd_reply m = { 0 };
	const char *why = "";
	if (f < 0 || h.type != MSG_PORTFWD_CONNECTED || proto_decode_portfwd_reply(p, h.len, &m, &why) < 0) {
		log_warn("portfwd", "a guest connection for %u/tcp answered %s: %s", c->guest_port,
			 f < 0 ? "nothing" : proto_type_name(h.type),
			 f < 0 ? (r < 0 ? strerror(-r) : "an oversized frame") : h.type != MSG_PORTFWD_CONNECTED ? "not PORTFWD_CONNECTED" : why);
		client_free(c, true);
		return;
	}
	if (!m.ok) {
		log_debug("portfwd", "the guest refused a client of %u/tcp: %s", c->guest_port, m.reason ? m.reason : "no reason");
		proto_portfwd_reply_free(&m);
		client_free(c, true);
		return;
	}
	proto_portfwd_reply_free(&m);
	if (c->timer) {
		evloop_cancel_timer(ag.loop, c->timer);
		c->timer = 0;
	}
	size_t used = PROTO_HDR_SIZE + h.len; /* what follows is the guest's first bytes */
	r = pump_new(ag.loop, c->fd, c->chan, NULL, 0, c->in.data + used, c->in.len - used, on_pump_done, c, &c->pump);
	proto_inbuf_free(&c->in);
	memset(&c->in, 0, sizeof(c->in));
	if (r < 0) {
		log_warn("portfwd", "cannot forward a client of %u/tcp: %s", c->guest_port, strerror(-r));
		client_free(c, true);
		return;
	}
	c->st = PUMPING;
}

static struct conn *take_spare_conn(void)
{
	for (struct conn *s = ag.conns; s; s = s->next)
		if (s->kind == CONN_FWD_SPARE)
			return s;
	return NULL;
}

/* Each waiting client, oldest first, gets a spare while there are spares. */
static void assign_spares(void)
{
	struct fwd_client *order[64];
	size_t n = 0;
	for (struct fwd_client *c = fx.clients; c && n < 64; c = c->next)
		if (c->st == WAIT_SPARE)
			order[n++] = c;
	while (n) { /* the list is newest first */
		struct fwd_client *c = order[--n];
		struct conn *s = take_spare_conn();
		if (!s)
			return;
		c->chan = conn_take_fd(s);
		struct proto_buf b;
		proto_buf_init(&b);
		struct proto_portfwd_connect m = { .port = c->guest_port, .family = c->family, .id = c->id };
		proto_encode_portfwd_connect(&b, &m);
		int r = proto_send(c->chan, &b);
		proto_buf_free(&b);
		if (r == 0)
			r = evloop_add_fd(ag.loop, c->chan, EPOLLIN, on_chan, c);
		if (r < 0) {
			close(c->chan);
			c->chan = -1;
			n++; /* this client again, with the next spare */
			continue;
		}
		c->in.max_len = 4096;
		c->st = WAIT_CONNECTED;
	}
}

static void client_timeout_cb(struct evloop *loop, void *data)
{
	(void)loop;
	struct fwd_client *c = data;
	c->timer = 0;
	log_warn("portfwd", "a client of guest %u/tcp got no connection within %d s (%s); resetting it", c->guest_port,
		 CONNECT_MS / 1000, c->st == WAIT_SPARE ? "the guest has no spare connection ready" : "the guest did not answer");
	client_free(c, true);
}

static void on_accept(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct fwd_map *m = data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			break;
		struct fwd_client *c = fx.nclients < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			pump_sock_reset_on_close(cfd);
			close(cfd);
			continue;
		}
		pump_sock_no_delay(cfd);
		c->fd = cfd;
		c->id = ++fx.next_id;
		c->chan = -1;
		c->family = fd == m->fd[0] ? 4 : 6;
		c->guest_port = m->guest_port;
		c->map = m;
		c->st = WAIT_SPARE;
		c->timer = evloop_add_timer(ag.loop, CONNECT_MS, client_timeout_cb, c);
		if (c->timer < 0)
			c->timer = 0;
		c->next = fx.clients;
		fx.clients = c;
		fx.nclients++;
		m->accepted++;
	}
	assign_spares();
}

/* ---- mappings ----------------------------------------------------------------------------- */

static int listen_on(int family, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* past TIME_WAITs of an earlier mapping */
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*in);
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_addr = in6addr_loopback;
		sl = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, SOMAXCONN) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The guest's port at the same port of the host's 127.0.0.1 and [::1] if both are free, else
 * the next port where they are (a privileged port we may not bind starts at PRIVILEGED_SHIFT
 * above it). 0, or -errno with m->note saying why none. */
static int map_bind(struct fwd_map *m)
{
	bool privileged = false, in_use = false, no_v6 = false;
	unsigned port = m->guest_port;
	for (unsigned tries = 0; tries <= PORT_TRIES && port <= 65535; tries++, port++) {
		int fd4 = listen_on(AF_INET, (uint16_t)port);
		if (fd4 == -EACCES && port < 1024 && !privileged) {
			privileged = true;
			port = m->guest_port + PRIVILEGED_SHIFT - 1;
			tries = 0;
			continue;
		}
		if (fd4 == -EADDRINUSE || fd4 == -EACCES) {
			in_use = true;
			continue;
		}
		if (fd4 < 0) {
			snprintf(m->note, sizeof(m->note), "cannot listen on the host's 127.0.0.1:%u: %s", port, strerror(-fd4));
			return fd4;
		}
		int fd6 = no_v6 ? -EADDRNOTAVAIL : listen_on(AF_INET6, (uint16_t)port);
		if (fd6 == -EADDRINUSE || fd6 == -EACCES) {
			close(fd4);
			in_use = true;
			continue;
		}
		if (fd6 < 0)
			no_v6 = true; /* a host without IPv6 loopback: 127.0.0.1 alone */
		m->fd[0] = fd4;
		m->fd[1] = fd6 < 0 ? -1 : fd6;
		m->host_port = (uint16_t)port;
		if (privileged && in_use)
			snprintf(m->note, sizeof(m->note), "%u needs privileges on the host and %u was in use", m->guest_port,
				 m->guest_port + PRIVILEGED_SHIFT);
		else if (privileged)
			snprintf(m->note, sizeof(m->note), "%u needs privileges on the host", m->guest_port);
		else if (in_use)
			snprintf(m->note, sizeof(m->note), "the host's %u is in use", m->guest_port);
		if (no_v6)
			snprintf(m->note + strlen(m->note), sizeof(m->note) - strlen(m->note), "%sthe host has no [::1]",
				 m->note[0] ? "; " : "");
		return 0;
	}
	snprintf(m->note, sizeof(m->note), "no free port on the host's loopback from %u to %u", m->guest_port, port - 1);
	return -EADDRINUSE;
}

static void send_mapped(const struct fwd_map *m)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_portfwd_mapped msg = { .port = m->guest_port, .host_port = m->host_port, .reason = m->note[0] ? (char *)m->note : NULL };
	proto_encode_portfwd_mapped(&b, &msg);
	send_watch(&b, "of a mapping");
	proto_buf_free(&b);
}

static struct fwd_map *map_find(uint16_t port)
{
	for (struct fwd_map *m = fx.maps; m; m = m->next)
		if (m->guest_port == port)
			return m;
	return NULL;
}

/* Whether guest port's 127.0.0.1 can be QEMU's forward: a listener on the guest's IPv4
 * wildcard (0.0.0.0, or a dual-stack [::]) that QEMU's user network reaches at 10.0.2.15. */
static bool want_hostfwd(uint16_t port)
{
	if (!ag.o->monitor)
		return false;
	for (struct fwd_entry *e = fx.entries; e; e = e->next)
		if (e->l.port == port && !e->loopback && (e->l.family == 4 || !e->l.v6only))
			return true;
	return false;
}

static int monitor(const char *fmt, unsigned a, unsigned b, char *out, size_t cap)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	int r = qemu_monitor_command(ag.o->monitor, cmd, out, cap, 2000);
	if (r < 0)
		snprintf(out, cap, "QEMU's monitor: %s", strerror(-r));
	return r;
}

/* QEMU's forward of 127.0.0.1:host_port goes. */
static void hostfwd_remove(struct fwd_map *m)
{
	char out[512];
	if (monitor("hostfwd_remove tcp:127.0.0.1:%u", m->host_port, 0, out, sizeof(out)) != 0)
		log_warn("portfwd", "hostfwd_remove for the host's %u: %s", m->host_port, out);
	m->hostfwd = false;
}

/* 127.0.0.1:host_port (of a bound mapping) from our listener to QEMU's forward, or back; on
 * failure it is ours (the relay works in either case). */
static void set_hostfwd(struct fwd_map *m, bool on)
{
	if (on == m->hostfwd || (on && m->fd[0] < 0))
		return;
	if (on) {
		/* our listener goes first: QEMU binds the same address */
		char out[512];
		evloop_del_fd(ag.loop, m->fd[0]);
		close(m->fd[0]);
		m->fd[0] = -1;
		if (monitor("hostfwd_add tcp:127.0.0.1:%u-:%u", m->host_port, m->guest_port, out, sizeof(out)) == 0) {
			m->hostfwd = true;
			log_info("portfwd", "guest %u/tcp at the host's 127.0.0.1:%u through QEMU's user network", m->guest_port,
				 m->host_port);
			return;
		}
		log_warn("portfwd", "hostfwd_add for guest %u/tcp failed (%s); the agent relays it", m->guest_port, out);
	} else {
		hostfwd_remove(m);
	}
	int fd = listen_on(AF_INET, m->host_port);
	if (fd >= 0 && evloop_add_fd(ag.loop, fd, EPOLLIN, on_accept, m) < 0) {
		close(fd);
		fd = -1;
	}
	m->fd[0] = fd;
	if (fd < 0)
		log_warn("portfwd", "guest %u/tcp: the host's 127.0.0.1:%u could not be listened on again", m->guest_port,
			 m->host_port);
}

static void map_add(uint16_t port)
{
	struct fwd_map *m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->guest_port = port;
	m->fd[0] = m->fd[1] = -1;
	if (map_bind(m) < 0) {
		log_warn("portfwd", "guest %u/tcp is not forwarded: %s", port, m->note);
	} else {
		for (int i = 0; i < 2; i++)
			if (m->fd[i] >= 0 && evloop_add_fd(ag.loop, m->fd[i], EPOLLIN, on_accept, m) < 0) {
				close(m->fd[i]);
				m->fd[i] = -1;
			}
		if (m->host_port != port || m->note[0])
			log_info("portfwd", "guest %u/tcp → host 127.0.0.1:%u (%s)", port, m->host_port, m->note);
		else
			log_info("portfwd", "guest %u/tcp → host 127.0.0.1:%u and [::1]:%u", port, m->host_port, m->host_port);
		set_hostfwd(m, want_hostfwd(port));
	}
	m->next = fx.maps;
	fx.maps = m;
	send_mapped(m);
}

static void map_remove(struct fwd_map *m)
{
	for (struct fwd_map **pp = &fx.maps; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	for (int i = 0; i < 2; i++)
		if (m->fd[i] >= 0) {
			evloop_del_fd(ag.loop, m->fd[i]);
			close(m->fd[i]);
			m->fd[i] = -1;
		}
	if (m->hostfwd)
		hostfwd_remove(m);
	/* clients still waiting for the guest go with it; those connected keep their connection */
	for (struct fwd_client *c = fx.clients, *next; c; c = next) {
		next = c->next;
		if (c->map == m && c->st != PUMPING)
			client_free(c, true);
		else if (c->map == m)
			c->map = NULL;
	}
	if (m->host_port)
		log_info("portfwd", "guest %u/tcp closed: the host's %u is free again", m->guest_port, m->host_port);
	free(m);
}

static bool same_entry(const struct fwd_entry *e, const struct proto_portfwd_listen *l, bool loopback)
{
	return e->l.port == l->port && e->l.family == l->family && e->loopback == loopback && e->l.v6only == l->v6only;
}

static bool is_loopback(const struct proto_portfwd_listen *l)
{
	return !strcmp(l->addr, "127.0.0.1") || !strcmp(l->addr, "::1");
}

static void on_listen(const struct proto_portfwd_listen *l)
{
	bool loopback = is_loopback(l);
	if (!loopback && strcmp(l->addr, "0.0.0.0") && strcmp(l->addr, "::")) {
		log_warn("portfwd", "the guest reported a listener on %s, which is neither a wildcard nor loopback; ignored", l->addr);
		return;
	}
	for (struct fwd_entry *e = fx.entries; e; e = e->next)
		if (same_entry(e, l, loopback))
			return;
	if (fx.nentries >= MAX_ENTRIES) {
		log_warn("portfwd", "the guest reported more than %d listeners; %u/tcp is not forwarded", MAX_ENTRIES, l->port);
		return;
	}
	struct fwd_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->l = *l;
	e->l.addr = NULL;
	e->loopback = loopback;
	e->next = fx.entries;
	fx.entries = e;
	fx.nentries++;
	struct fwd_map *m = map_find((uint16_t)l->port);
	if (!m)
		map_add((uint16_t)l->port);
	else if (m->host_port)
		set_hostfwd(m, want_hostfwd(m->guest_port));
}

static void on_unlisten(const struct proto_portfwd_listen *l)
{
	bool loopback = is_loopback(l), others = false;
	for (struct fwd_entry **pp = &fx.entries; *pp;) {
		struct fwd_entry *e = *pp;
		if (same_entry(e, l, loopback)) {
			*pp = e->next;
			free(e);
			fx.nentries--;
			continue;
		}
		others |= e->l.port == l->port;
		pp = &e->next;
	}
	struct fwd_map *m = map_find((uint16_t)l->port);
	if (m && !others)
		map_remove(m);
	else if (m && m->host_port)
		set_hostfwd(m, want_hostfwd(m->guest_port)); /* the wildcard went, a loopback one stays */
}

/* ---- the guest's connections ---------------------------------------------------------------- */

static bool open_token_ok(struct conn *c, const uint8_t *p, uint32_t n)
{
	struct proto_portfwd_open m;
	const char *why = "";
	if (proto_decode_portfwd_open(p, n, &m, &why) < 0) {
		refuse(c, why);
		return false;
	}
	bool ok = token_ok(m.token);
	proto_portfwd_open_free(&m);
	if (!ok) {
		ag.refused++;
		refuse(c, "wrong token");
		return false;
	}
	if (c->timer) {
		evloop_cancel_timer(ag.loop, c->timer);
		c->timer = 0;
	}
	return true;
}

void agent_fwd_open(struct conn *c, const uint8_t *p, uint32_t n, bool enabled)
{
	if (!open_token_ok(c, p, n))
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_portfwd_reply m = {
		.ok = enabled,
		.reason = enabled ? NULL : "this host has localhost forwarding off (--localhost-forwarding false)",
	};
	proto_encode_portfwd_reply(&b, MSG_PORTFWD_REPLY, &m);
	int r = proto_send(c->fd, &b);
	proto_buf_free(&b);
	if (r < 0) {
		conn_close(c);
		return;
	}
	if (!enabled) { /* held, so that the guest asks again when this agent is gone */
		c->kind = CONN_FWD_OFF;
		c->in.max_len = 4096;
		return;
	}
	if (fx.watch) {
		log_info("portfwd", "a new watcher connection replaces the old one");
		conn_close(fx.watch); /* which ends its mappings */
	}
	c->kind = CONN_FWD_WATCH;
	c->in.max_len = 4096;
	pump_sock_no_delay(c->fd);
	fx.watch = c;
	log_info("portfwd", "the guest's listeners are forwarded to the host's localhost");
}

void agent_fwd_spare(struct conn *c, const uint8_t *p, uint32_t n)
{
	if (!open_token_ok(c, p, n))
		return;
	unsigned spares = 0;
	for (struct conn *s = ag.conns; s; s = s->next)
		spares += s->kind == CONN_FWD_SPARE;
	if (!fx.watch || spares >= MAX_SPARES) {
		log_warn("portfwd", "refused a spare connection: %s", fx.watch ? "the guest holds enough" : "no watcher connection");
		conn_close(c);
		return;
	}
	c->kind = CONN_FWD_SPARE;
	c->in.max_len = 0;
	pump_sock_no_delay(c->fd);
	assign_spares();
}

/* The guest's listener reset client id's connection: so is the host's client. */
static void on_reset(uint32_t id)
{
	for (struct fwd_client *c = fx.clients; c; c = c->next)
		if (c->id == id && c->st == PUMPING) {
			pump_sock_reset_on_close(c->fd); /* it may be the pump's: reset whoever closes it */
			client_free(c, true);
			return;
		}
	/* gone already: its end crossed the message */
}

void agent_fwd_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	if (h->type == MSG_PORTFWD_RESET) {
		uint32_t id = 0;
		const char *why = "";
		if (proto_decode_u32(p, h->len, TAG_FWD_ID, &id, &why) < 0) {
			log_warn("portfwd", "a bad PORTFWD_RESET from the guest: %s; closing the watcher", why);
			conn_close(c);
			return;
		}
		on_reset(id);
		return;
	}
	if (h->type != MSG_PORTFWD_LISTEN && h->type != MSG_PORTFWD_UNLISTEN) {
		log_warn("portfwd", "the guest's watcher sent %s; closing it", proto_type_name(h->type));
		conn_close(c);
		return;
	}
	struct proto_portfwd_listen l;
	const char *why = "";
	if (proto_decode_portfwd_listen(p, h->len, &l, &why) < 0) {
		log_warn("portfwd", "a bad %s from the guest: %s; closing the watcher", proto_type_name(h->type), why);
		conn_close(c);
		return;
	}
	if (h->type == MSG_PORTFWD_LISTEN)
		on_listen(&l);
	else
		on_unlisten(&l);
	proto_portfwd_listen_free(&l);
}

void agent_fwd_watch_closed(struct conn *c)
{
	if (fx.watch != c)
		return;
	fx.watch = NULL;
	while (fx.maps)
		map_remove(fx.maps);
	while (fx.entries) {
		struct fwd_entry *e = fx.entries;
		fx.entries = e->next;
		free(e);
	}
	fx.nentries = 0;
	log_info("portfwd", "the guest's watcher connection closed: no port is forwarded now");
}

size_t agent_fwd_ports_text(char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	/* by guest port, smallest first */
	for (unsigned last = 0;;) {
		struct fwd_map *m = NULL;
		for (struct fwd_map *x = fx.maps; x; x = x->next)
			if (x->guest_port > last && (!m || x->guest_port < m->guest_port))
				m = x;
		if (!m || n + 256 > cap)
			break;
		last = m->guest_port;
		char addrs[96] = "";
		for (struct fwd_entry *e = fx.entries; e; e = e->next)
			if (e->l.port == m->guest_port && strlen(addrs) + 16 < sizeof(addrs))
				snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s", addrs[0] ? " " : "",
					 e->l.family == 4 ? (e->loopback ? "127.0.0.1" : "0.0.0.0") : (e->loopback ? "[::1]" : "[::]"));
		if (!m->host_port)
			n += (size_t)snprintf(out + n, cap - n, "guest %u/tcp → not forwarded: %s (guest %s)\n", m->guest_port,
					      m->note, addrs);
		else
			n += (size_t)snprintf(out + n, cap - n, "guest %u/tcp → host 127.0.0.1:%u%s%.0u (guest %s; %s; %llu relayed%s%s)\n",
					      m->guest_port, m->host_port, m->fd[1] >= 0 ? " [::1]:" : "", m->fd[1] >= 0 ? m->host_port : 0,
					      addrs, m->hostfwd ? "127.0.0.1 by QEMU's user network, [::1] by the agent" : "by the agent",
					      (unsigned long long)m->accepted, m->note[0] ? "; " : "", m->note);
	}
	return n;
}

void agent_fwd_stop(void)
{
	while (fx.clients)
		client_free(fx.clients, true);
	if (fx.watch)
		conn_close(fx.watch);
}
