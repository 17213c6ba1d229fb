/* guestinit-portfwdd (see portfwdd.h). */
#include "portfwdd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "error.h"
#include "evloop.h"
#include "hub.h"
#include "listeners.h"
#include "listenwatch.h"
#include "log.h"
#include "portfwd_msg.h"
#include "proto.h"
#include "pump.h"

#define DIAL_MS 5000
#define REPLY_MS 5000
#define RECONNECT_MAX_MS 2000
#define SPARE_RETRY_MS 1000
#define RESET_DRAIN_MS 5000 /* after a RESET, how long the host has to close its end */

/* A spare: a connection to the host waiting for its CONNECT. */
struct spare {
	int fd;
	struct proto_inbuf in;
	struct spare *next;
};

/* A forwarded connection: connecting to the guest's listener, then pumping. */
struct fconn {
	uint32_t id; /* the host's number for it */
	int chan, local;
	uint8_t *pre; /* what came after CONNECT on chan: the client's first bytes */
	size_t npre;
	uint16_t port;
	char target[64];
	struct pump *pump;
	struct fconn *next;
};

static struct {
	struct evloop *loop;
	struct nl_sock *nl;
	int watch; /* the watcher's connection, -1 while there is none */
	struct proto_inbuf in;
	struct fwd_listener told[FWD_LISTENERS_MAX]; /* what the host has been told */
	size_t ntold;
	struct spare *spares;
	unsigned nspares;
	struct fconn *conns;
	uint64_t retry_ms;
	int scan_timer, connect_timer, refill_timer;
	bool off;            /* the host said forwarding is off: nothing to do until it goes */
	int off_fd;          /* that host's connection, held to learn when it goes */
	bool said_waiting;
	bool scan_failing; /* said once, until a scan works again */
	struct listenwatch lw;
	bool events;       /* the kernel tells us of listens (lw), else we list on a timer */
	uint64_t scan_due; /* when the armed scan_timer fires (mono ms) */
	int followups;     /* scans still to do after an event that found nothing new yet */
	/* spares are dialed by a thread of their own (a dial through the hub blocks), asked for
	 * by a byte on dial_req, answered with the fd (or -errno) as an int on dial_done */
	int dial_req[2], dial_done[2];
	unsigned dialing;
} fw = { .watch = -1, .off_fd = -1 };

static void connect_later(void);
static void refill_soon(uint64_t ms);
static void on_reset(uint32_t id);

/* ---- the watcher's connection ----------------------------------------------------------- */

static int tell(uint16_t type, const struct fwd_listener *l)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_portfwd_listen m = {
		.port = l->port, .family = l->family, .v6only = l->v6only, .addr = (char *)listener_addr(l),
	};
	proto_encode_portfwd_listen(&b, type, &m);
	int r = proto_send(fw.watch, &b);
	proto_buf_free(&b);
	return r;
}

static void drop_spares(void)
{
	while (fw.spares) {
		struct spare *s = fw.spares;
		fw.spares = s->next;
		evloop_del_fd(fw.loop, s->fd);
		close(s->fd);
		proto_inbuf_free(&s->in);
		free(s);
	}
	fw.nspares = 0;
}

static void lost(const char *why)
{
	log_info("portfwd", "the host's end of forwarding went away (%s); reconnecting", why);
	evloop_del_fd(fw.loop, fw.watch);
	close(fw.watch);
	fw.watch = -1;
	proto_inbuf_free(&fw.in);
	memset(&fw.in, 0, sizeof(fw.in));
	fw.ntold = 0;
	drop_spares();
	if (fw.scan_timer) {
		evloop_cancel_timer(fw.loop, fw.scan_timer);
		fw.scan_timer = 0;
	}
	fw.retry_ms = 0;
	connect_later();
}

/* The listeners now against what the host knows: an UNLISTEN for each one gone, a LISTEN for
 * each new one. Whether anything changed. */
static bool scan(void)
{
	static struct fwd_listener now[FWD_LISTENERS_MAX];
	int n = listeners_scan(fw.nl, now, FWD_LISTENERS_MAX);
	if (n < 0) {
		if (!fw.scan_failing)
			log_warn("portfwd", "cannot list the TCP listeners (sock_diag; is tcp_diag loaded?): %s; "
				 "no listener is forwarded until it works", strerror(-n));
		fw.scan_failing = true;
		return false;
	}
	if (fw.scan_failing)
		log_info("portfwd", "the TCP listeners can be listed again");
	fw.scan_failing = false;
	size_t i = 0, j = 0;
	int r = 0;
	bool changed = false;
	while (r == 0 && (i < fw.ntold || j < (size_t)n)) {
		int c = i == fw.ntold ? 1 : j == (size_t)n ? -1 : listener_cmp(&fw.told[i], &now[j]);
		if (c < 0)
			r = tell(MSG_PORTFWD_UNLISTEN, &fw.told[i++]);
		else if (c > 0)
			r = tell(MSG_PORTFWD_LISTEN, &now[j++]);
		else
			i++, j++;
		changed |= c != 0;
	}
	if (r < 0) {
		lost(strerror(-r));
		return false;
	}
	memcpy(fw.told, now, (size_t)n * sizeof(now[0]));
	fw.ntold = (size_t)n;
	return changed;
}

static void scan_cb(struct evloop *loop, void *data);

/* A scan within ms, unless one is due sooner already. */
static void scan_in(uint64_t ms)
{
	uint64_t due = mono_ms() + ms;
	if (fw.scan_timer && fw.scan_due <= due)
		return;
	if (fw.scan_timer)
		evloop_cancel_timer(fw.loop, fw.scan_timer);
	fw.scan_timer = evloop_add_timer(fw.loop, ms, scan_cb, NULL);
	if (fw.scan_timer < 0)
		fw.scan_timer = 0;
	fw.scan_due = due;
}

static void scan_cb(struct evloop *loop, void *data)
{
	(void)loop;
	(void)data;
	fw.scan_timer = 0;
	bool changed = scan();
	if (fw.watch < 0)
		return;
	if (!fw.events) {
		scan_in(PORTFWD_SCAN_MS);
		return;
	}
	/* the event comes as the socket enters LISTEN, a moment before the kernel has it in the
	 * listening table: if that moment was not over yet, look once more a little later */
	if (changed)
		fw.followups = 0;
	if (fw.followups > 0) {
		fw.followups--;
		scan_in(PORTFWD_FOLLOWUP_MS);
	} else {
		scan_in(PORTFWD_SAFETY_SCAN_MS);
	}
}

static void on_listen_event(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	listenwatch_clear(&fw.lw, (size_t)(uintptr_t)data);
	if (fw.watch < 0)
		return; /* the connection's start lists them all anyway */
	fw.followups = 1;
	scan_in(PORTFWD_EVENT_SCAN_MS);
}

static void on_watch(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	(void)data;
	int r = proto_inbuf_read(&fw.in, fd);
	if (r == -EAGAIN)
		return;
	if (r < 0) {
		lost(r == -EPIPE ? "it closed the connection" : strerror(-r));
		return;
	}
	struct proto_hdr h;
	const uint8_t *p;
	while ((r = proto_inbuf_frame(&fw.in, &h, &p)) == 1) {
		if (h.type == MSG_PORTFWD_MAPPED) {
			struct proto_portfwd_mapped m;
			const char *why = "";
			if (proto_decode_portfwd_mapped(p, h.len, &m, &why) < 0)
				log_warn("portfwd", "a bad PORTFWD_MAPPED from the host: %s", why);
			else if (m.host_port)
				log_info("portfwd", "guest %u/tcp is at the host's localhost:%u%s%s", m.port, m.host_port,
					 m.reason ? ": " : "", m.reason ? m.reason : "");
			else
				log_warn("portfwd", "guest %u/tcp is not forwarded: %s", m.port,
					 m.reason ? m.reason : "the host gave no reason");
			proto_portfwd_mapped_free(&m);
		} else if (h.type == MSG_PORTFWD_RESET) {
			uint32_t id = 0;
			const char *why = "";
			if (proto_decode_u32(p, h.len, TAG_FWD_ID, &id, &why) < 0)
				log_warn("portfwd", "a bad PORTFWD_RESET from the host: %s", why);
			else
				on_reset(id);
		} else {
			log_debug("portfwd", "ignoring %s from the host", proto_type_name(h.type));
		}
		proto_inbuf_consume(&fw.in, &h);
	}
	if (r < 0)
		lost("a frame announces more than a frame may hold");
}

static int dial(uint16_t type, struct gi_error *err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, type, 0); /* the token alone, which the hub puts in */
	proto_end(&b);
	int fd = b.error ? b.error : hub_dial(b.data, b.len, DIAL_MS, err);
	proto_buf_free(&b);
	return fd;
}

/* The host that said "off" has gone: the next one may say otherwise. */
static void on_off_watch(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	char buf[256];
	if (read(fd, buf, sizeof(buf)) > 0)
		return; /* nothing is expected; nothing is done with it */
	evloop_del_fd(loop, fd);
	close(fd);
	fw.off_fd = -1;
	fw.off = false;
	fw.retry_ms = 0;
	log_info("portfwd", "the host that had forwarding off went away; asking the next one");
	connect_later();
}

static void connect_cb(struct evloop *loop, void *data)
{
	(void)data;
	fw.connect_timer = 0;
	struct gi_error err = GI_ERROR_INIT;
	int fd = dial(MSG_PORTFWD_OPEN, &err);
	if (fd < 0) {
		if (!fw.said_waiting)
			log_info("portfwd", "waiting for the host: %s", err.msg);
		fw.said_waiting = true;
		connect_later();
		return;
	}
	struct timeval tv = { .tv_sec = REPLY_MS / 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	_cleanup_free_ uint8_t *payload = NULL;
	int r = proto_recv(fd, &h, &payload);
	struct proto_portfwd_reply rep = { 0 };
	const char *why = "";
	if (r < 0 || h.type != MSG_PORTFWD_REPLY || proto_decode_portfwd_reply(payload, h.len, &rep, &why) < 0) {
		log_warn("portfwd", "the host did not answer PORTFWD_OPEN: %s",
			 r == -EPIPE ? "it closed the connection" : r < 0 ? strerror(-r) : h.type != MSG_PORTFWD_REPLY ? proto_type_name(h.type) : why);
		close(fd);
		connect_later();
		return;
	}
	if (!rep.ok) {
		/* the host's choice ([wsl2] localhostForwarding=false): idle, with the connection
		 * held, whose end (another agent) is when to ask again */
		log_info("portfwd", "localhost forwarding is off: %s", rep.reason ? rep.reason : "the host said no");
		proto_portfwd_reply_free(&rep);
		tv.tv_sec = 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (evloop_add_fd(loop, fd, EPOLLIN, on_off_watch, NULL) < 0) {
			close(fd);
			return;
		}
		fw.off = true;
		fw.off_fd = fd;
		return;
	}
	proto_portfwd_reply_free(&rep);
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((r = evloop_add_fd(loop, fd, EPOLLIN, on_watch, NULL)) < 0) {
		log_err("portfwd", "event loop: %s", strerror(-r));
		close(fd);
		connect_later();
		return;
	}
	pump_sock_no_delay(fd);
	fw.watch = fd;
	fw.said_waiting = false;
	fw.retry_ms = 0;
	log_info("portfwd", "forwarding the guest's listeners to the host's localhost");
	scan_cb(loop, NULL);
	refill_soon(0);
}

static void connect_later(void)
{
	if (fw.connect_timer || fw.off)
		return;
	fw.connect_timer = evloop_add_timer(fw.loop, fw.retry_ms, connect_cb, NULL);
	if (fw.connect_timer < 0)
		fw.connect_timer = 0;
	fw.retry_ms = fw.retry_ms ? fw.retry_ms * 2 : 100;
	if (fw.retry_ms > RECONNECT_MAX_MS)
		fw.retry_ms = RECONNECT_MAX_MS;
}

/* ---- forwarded connections ---------------------------------------------------------------- */

static void fconn_free(struct fconn *c)
{
	for (struct fconn **pp = &fw.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->pump)
		pump_free(c->pump);
	else {
		if (c->local >= 0) {
			evloop_del_fd(fw.loop, c->local);
			close(c->local);
		}
		if (c->chan >= 0)
			close(c->chan);
	}
	free(c->pre);
	free(c);
}

static void on_pump_done(struct pump *p, int err, void *ctx)
{
	struct fconn *c = ctx;
	if (err)
		log_debug("portfwd", "a connection to %s ended: %s", c->target, strerror(-err));
	if (err && pump_failed(p) == 1 && fw.watch >= 0) {
		/* the guest's end was reset: the host resets its client, then closes the spare,
		 * which stays open until then so that the host does not see a clean end first */
		struct proto_buf b;
		proto_buf_init(&b);
		proto_encode_portfwd_reset(&b, c->id);
		if (proto_send(fw.watch, &b) < 0)
			log_debug("portfwd", "telling the host of a reset: %s", strerror(errno));
		proto_buf_free(&b);
		pump_drain(fw.loop, pump_release(p, 0), RESET_DRAIN_MS);
	}
	fconn_free(c);
}

/* The host's client reset connection id: so is the guest's end of it. */
static void on_reset(uint32_t id)
{
	for (struct fconn *c = fw.conns; c; c = c->next)
		if (c->id == id && c->pump) {
			pump_sock_reset_on_close(c->local);
			fconn_free(c);
			return;
		}
}

static void connected(struct fconn *c, int err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	char reason[160];
	snprintf(reason, sizeof(reason), "connecting to the guest's %s: %s", c->target, strerror(err));
	struct proto_portfwd_reply m = { .ok = err == 0, .reason = err ? reason : NULL };
	proto_encode_portfwd_reply(&b, MSG_PORTFWD_CONNECTED, &m);
	int r = proto_send(c->chan, &b);
	proto_buf_free(&b);
	if (err || r < 0) {
		if (err)
			log_debug("portfwd", "%s", reason);
		fconn_free(c);
		return;
	}
	evloop_del_fd(fw.loop, c->local);
	r = pump_new(fw.loop, c->chan, c->local, c->pre, c->npre, NULL, 0, on_pump_done, c, &c->pump);
	if (r < 0) {
		log_warn("portfwd", "cannot forward to %s: %s", c->target, strerror(-r));
		fconn_free(c);
	}
}

static void on_local_connect(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	connected(data, err);
}

/* Where a host client of family connects: a listener of its own family first (an IPv4
 * listener is reached at 127.0.0.1, an IPv6 one at ::1), else one of the other. */
static bool pick_target(uint16_t port, unsigned family, struct sockaddr_storage *ss, socklen_t *sl, char *text, size_t cap)
{
	const struct fwd_listener *best = NULL;
	for (size_t i = 0; i < fw.ntold; i++) {
		const struct fwd_listener *l = &fw.told[i];
		if (l->port != port)
			continue;
		if (!best || (l->family == family && best->family != family))
			best = l;
	}
	unsigned fam = best ? best->family : family;
	/* a dual-stack [::] takes IPv4 too, and 127.0.0.1 is what an IPv4 client means */
	if (best && best->family == 6 && family == 4 && !best->v6only && !best->loopback)
		fam = 4;
	memset(ss, 0, sizeof(*ss));
	if (fam == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*sl = sizeof(*in);
		snprintf(text, cap, "127.0.0.1:%u", port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_addr = in6addr_loopback;
		*sl = sizeof(*in6);
		snprintf(text, cap, "[::1]:%u", port);
	}
	return best != NULL;
}

static void start_forward(struct spare *s, const struct proto_portfwd_connect *m, const uint8_t *pre, size_t npre)
{
	struct fconn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(s->fd);
		return;
	}
	c->chan = s->fd;
	c->local = -1;
	c->id = m->id;
	c->port = (uint16_t)m->port;
	c->next = fw.conns;
	fw.conns = c;
	if (npre && (c->pre = malloc(npre))) {
		memcpy(c->pre, pre, npre);
		c->npre = npre;
	} else if (npre) {
		fconn_free(c);
		return;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	pick_target(c->port, m->family, &ss, &sl, c->target, sizeof(c->target));
	c->local = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->local < 0) {
		connected(c, errno);
		return;
	}
	pump_sock_no_delay(c->local);
	if (connect(c->local, (struct sockaddr *)&ss, sl) == 0) {
		connected(c, 0);
		return;
	}
	if (errno != EINPROGRESS) {
		connected(c, errno);
		return;
	}
	int r = evloop_add_fd(fw.loop, c->local, EPOLLOUT, on_local_connect, c);
	if (r < 0)
		connected(c, -r);
}

static void spare_unlink(struct spare *s)
{
	for (struct spare **pp = &fw.spares; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			fw.nspares--;
			break;
		}
	evloop_del_fd(fw.loop, s->fd);
}

static void on_spare(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct spare *s = data;
	int r = proto_inbuf_read(&s->in, fd);
	if (r == -EAGAIN)
		return;
	struct proto_hdr h;
	const uint8_t *p = NULL;
	int f = r < 0 ? -1 : proto_inbuf_frame(&s->in, &h, &p);
	if (f == 0)
		return;
	spare_unlink(s);
	struct proto_portfwd_connect m;
	const char *why = "";
	if (f < 0 || h.type != MSG_PORTFWD_CONNECT || proto_decode_portfwd_connect(p, h.len, &m, &why) < 0) {
		if (f == 1)
			log_warn("portfwd", "a spare got %s from the host: %s", proto_type_name(h.type),
				 h.type == MSG_PORTFWD_CONNECT ? why : "not PORTFWD_CONNECT");
		close(s->fd);
		refill_soon(SPARE_RETRY_MS); /* the host let it go: not at once, in case it does so again */
	} else {
		size_t used = PROTO_HDR_SIZE + h.len;
		start_forward(s, &m, s->in.data + used, s->in.len - used);
		refill_soon(0);
	}
	proto_inbuf_free(&s->in);
	free(s);
}

static void *dialer(void *arg)
{
	(void)arg;
	char c;
	while (read(fw.dial_req[0], &c, 1) == 1) {
		struct gi_error err = GI_ERROR_INIT;
		int fd = dial(MSG_PORTFWD_SPARE, &err);
		if (fd < 0)
			log_debug("portfwd", "a spare connection: %s", err.msg);
		if (write(fw.dial_done[1], &fd, sizeof(fd)) != sizeof(fd)) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
	}
	return NULL;
}

static void on_dialed(struct evloop *loop, int pfd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	int fd;
	if (read(pfd, &fd, sizeof(fd)) != sizeof(fd))
		return;
	fw.dialing--;
	if (fd < 0) {
		refill_soon(SPARE_RETRY_MS);
		return;
	}
	struct spare *s = fw.watch >= 0 ? calloc(1, sizeof(*s)) : NULL;
	if (!s) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pump_sock_no_delay(fd);
	s->fd = fd;
	s->in.max_len = 4096;
	if (evloop_add_fd(loop, fd, EPOLLIN, on_spare, s) < 0) {
		close(fd);
		free(s);
		return;
	}
	s->next = fw.spares;
	fw.spares = s;
	fw.nspares++;
}

static void refill_cb(struct evloop *loop, void *data)
{
	(void)loop;
	(void)data;
	fw.refill_timer = 0;
	while (fw.watch >= 0 && fw.nspares + fw.dialing < PORTFWD_SPARES) {
		if (write(fw.dial_req[1], "s", 1) != 1)
			return;
		fw.dialing++;
	}
}

static void refill_soon(uint64_t ms)
{
	if (!fw.refill_timer) {
		fw.refill_timer = evloop_add_timer(fw.loop, ms, refill_cb, NULL);
		if (fw.refill_timer < 0)
			fw.refill_timer = 0;
	}
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)si;
	(void)data;
	evloop_quit(loop, 0);
}

int portfwdd_main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: guestinit-portfwdd (PID 1 starts it)\n");
		return 2;
	}
	static const int signals[] = { SIGTERM, SIGINT, 0 };
	if (daemon_setup("guestinit-portfwd", NULL, signals, on_signal, NULL, &fw.loop) < 0)
		return 1;
	fw.nl = listeners_open();
	if (!fw.nl) {
		log_err("portfwd", "cannot open a sock_diag socket: %s", strerror(errno));
		return 1;
	}
	pthread_t t;
	int r;
	if (pipe2(fw.dial_req, O_CLOEXEC) < 0 || pipe2(fw.dial_done, O_CLOEXEC) < 0 ||
	    (r = pthread_create(&t, NULL, dialer, NULL)) != 0 ||
	    evloop_add_fd(fw.loop, fw.dial_done[0], EPOLLIN, on_dialed, NULL) < 0) {
		log_err("portfwd", "cannot start the spare connections' dialer: %s", strerror(errno));
		return 1;
	}
	pthread_detach(t);
	const char *why = "";
	r = listenwatch_open(&fw.lw, &why);
	if (r == 0) {
		for (size_t i = 0; i < fw.lw.n && r == 0; i++)
			r = evloop_add_fd(fw.loop, fw.lw.fd[i], EPOLLIN, on_listen_event, (void *)(uintptr_t)i);
		if (r < 0) {
			why = "the event loop";
			listenwatch_close(&fw.lw);
		}
	}
	fw.events = r == 0;
	if (fw.events)
		log_info("portfwd", "the kernel tells of each listen (the tracepoint sock:inet_sock_set_state on %zu CPUs)",
			 fw.lw.n);
	else
		log_info("portfwd", "listing the TCP listeners every %d ms (no listen events: %s: %s)", PORTFWD_SCAN_MS, why,
			 strerror(-r));
	connect_later();
	r = evloop_run(fw.loop);
	while (fw.conns)
		fconn_free(fw.conns);
	drop_spares();
	listeners_close(fw.nl);
	listenwatch_close(&fw.lw);
	evloop_free(fw.loop);
	return r < 0 ? 1 : 0;
}
