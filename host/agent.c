/* The host agent: the guest's peer. It listens for the guest (TCP on 127.0.0.1, vsock or a
 * unix socket), checks the boot token, keeps the control connection, and is the rendezvous
 * for sessions: a `guesthost run` asks it over the local socket, the agent asks the guest,
 * the guest connects back, and the agent hands that connection to the command (SCM_RIGHTS).
 * After that the agent is out of the data path. */
#include "agent_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include "agent_drive.h"
#include "agent_fwd.h"
#include "agent_interop.h"
#include "agent_msg.h"
#include "agent_idle.h"
#include "agent_vm.h"
#include "netmode.h"
#include "cleanup.h"
#include "control_msg.h"
#include "drive_msg.h"
#include "evloop.h"
#include "fdpass.h"
#include "interop_msg.h"
#include "log.h"
#include "portfwd_msg.h"
#include "proto.h"
#include "session_msg.h"
#include "transport.h"

struct agent_state ag;

static void conn_unlink(struct conn *c)
{
	for (struct conn **pp = &ag.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
}

int conn_take_fd(struct conn *c)
{
	if (c->timer)
		evloop_cancel_timer(ag.loop, c->timer);
	evloop_del_fd(ag.loop, c->fd);
	int fd = c->fd;
	proto_inbuf_free(&c->in);
	free(c->exec);
	conn_unlink(c);
	free(c);
	return fd;
}

void conn_close(struct conn *c)
{
	if (c->kind == CONN_FWD_WATCH)
		agent_fwd_watch_closed(c);
	if (c->timer)
		evloop_cancel_timer(ag.loop, c->timer);
	evloop_del_fd(ag.loop, c->fd);
	close(c->fd);
	proto_inbuf_free(&c->in);
	free(c->exec);
	conn_unlink(c);
	if (ag.control == c) {
		ag.control = NULL;
		ag.ready = false;
		ag.lost_at = time(NULL);
		agent_vm_guest_ready(false);
		log_info("agent", "the guest's control connection closed");
	}
	free(c);
}

static void on_conn(struct evloop *loop, int fd, uint32_t events, void *data);
static bool conn_alive(const struct conn *c);

static struct conn *conn_add(int fd, enum conn_kind kind, const char *peer)
{
	unsigned n = 0;
	for (struct conn *c = ag.conns; c; c = c->next)
		n++;
	if (n >= MAX_PENDING) {
		log_warn("agent", "too many connections; refusing one from %s", peer);
		close(fd);
		return NULL;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	c->kind = kind;
	c->fd = fd;
	c->in.max_len = FIRST_FRAME_MAX;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (evloop_add_fd(ag.loop, fd, EPOLLIN, on_conn, c) < 0) {
		close(fd);
		free(c);
		return NULL;
	}
	c->next = ag.conns;
	ag.conns = c;
	return c;
}

int request_session(uint32_t id)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SESSION_REQUEST, 0);
	proto_put_u32(&b, TAG_SESSION, id);
	proto_end(&b);
	int r = send_frame(ag.control->fd, &b, -1);
	proto_buf_free(&b);
	return r;
}

static struct conn *find_spare(void)
{
	for (struct conn *c = ag.conns; c; c = c->next)
		if (c->kind == CONN_SPARE)
			return c;
	return NULL;
}

static struct conn *find_waiting_cli(uint32_t id)
{
	for (struct conn *c = ag.conns; c; c = c->next)
		if (c->kind == CONN_CLI && c->session == id)
			return c;
	return NULL;
}

/* Gives session connection s to the waiting client cli: the client's EXEC first, then the
 * fd itself. */
static void hand_over(struct conn *s, struct conn *cli)
{
	evloop_del_fd(ag.loop, s->fd);
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
	int r = 0;
	if (cli->exec_len) {
		struct proto_buf b = { .data = cli->exec, .len = cli->exec_len };
		r = send_frame(s->fd, &b, -1);
	}
	if (r == 0) {
		r = reply(cli->fd, true, NULL, s->fd);
		if (r == 0)
			agent_idle_session(cli->fd); /* the VM is busy while that client runs */
	} else {
		reply(cli->fd, false, "the guest's session connection failed", -1);
	}
	if (r < 0)
		log_warn("agent", "handing a session over: %s", strerror(-r));
	evloop_add_fd(ag.loop, s->fd, EPOLLIN, on_conn, s); /* conn_close deletes it again */
	conn_close(s);
	conn_close(cli);
}

static void handle_attach(struct conn *c, const uint8_t *p, uint32_t n)
{
	char *token = NULL;
	uint32_t id = 0;
	const char *why = "";
	if (proto_decode_str(p, n, TAG_TOKEN, &token, &why) < 0 || proto_decode_u32(p, n, TAG_SESSION, &id, &why) < 0) {
		free(token);
		refuse(c, why);
		return;
	}
	bool ok = token_ok(token);
	free(token);
	if (!ok) {
		refuse(c, "wrong token");
		return;
	}
	if (id == 0) { /* a spare: kept until a command asks; one is enough */
		if (find_spare()) {
			conn_close(c);
			return;
		}
		c->kind = CONN_SPARE;
		if (c->timer) {
			evloop_cancel_timer(ag.loop, c->timer);
			c->timer = 0;
		}
		return;
	}
	struct conn *cli = find_waiting_cli(id);
	if (!cli) {
		log_warn("agent", "session %u from %s: nobody is waiting for it (timed out?)", id, c->peer);
		conn_close(c);
		return;
	}
	/* the connection goes to the command as it is: nothing was read past ATTACH */
	hand_over(c, cli);
}

static void session_timeout_cb(struct evloop *loop, void *data)
{
	(void)loop;
	struct conn *cli = data;
	cli->timer = 0;
	reply(cli->fd, false, "the guest did not open the session within 15 s", -1);
	conn_close(cli);
}

/* AGENT_STATUS_REPLY: what we know of the VM and the guest. */
static void send_status(struct conn *c)
{
	struct agent_status st = {
		.qemu_pid = (uint32_t)agent_vm_pid(),
		.connected = ag.control != NULL,
		.connected_at = (uint64_t)ag.connected_at,
		.lost_at = (uint64_t)ag.lost_at,
		.kernel = ag.kernel[0] ? ag.kernel : NULL,
		.boots = ag.boots,
		.ready = ag.ready,
		.ready_line = ag.boots ? ag.ready_line : NULL,
		.ready_ms = ag.ready_ms,
		.uptime_ms = ag.uptime_ms,
		.ready_at = (uint64_t)ag.ready_at,
		.refused = ag.refused,
		.stats = ag.stats[0] ? ag.stats : NULL,
	};
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_status(&b, &st);
	send_frame(c->fd, &b, -1);
	proto_buf_free(&b);
	conn_close(c);
}

/* The clients that wait for a boot to be ready get their status once it is. */
static void wake_status_waiters(void)
{
	for (struct conn *c = ag.conns, *next; c; c = next) {
		next = c->next;
		if (c->kind == CONN_CLI && c->wait_boot && ag.ready && ag.boots >= c->wait_boot)
			send_status(c);
	}
}

/* READY from the guest: a new boot, or the same one again after a reconnect (hostd sends the
 * same line and timings again; a new boot's kernel-start-to-ready time differs). */
static void take_ready(const struct proto_ready *r)
{
	bool same = ag.boots && !strcmp(ag.ready_line, r->line) && ag.ready_ms == r->ready_ms &&
		    ag.uptime_ms == r->uptime_ms;
	if (!same) {
		ag.boots++;
		ag.ready_at = time(NULL);
	}
	snprintf(ag.ready_line, sizeof(ag.ready_line), "%s", r->line);
	ag.ready_ms = r->ready_ms;
	ag.uptime_ms = r->uptime_ms;
	ag.ready = true;
	agent_vm_guest_ready(true);
	log_info("agent", "guest ready%s: %s (kernel start to ready %llu ms)", same ? " again" : "", r->line,
		 (unsigned long long)r->uptime_ms);
	wake_status_waiters();
}

static void handle_cli(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	(void)p;
	switch (h->type) {
	case MSG_AGENT_OPEN: {
		if (!ag.control) {
			reply(c->fd, false, "the guest is not connected (is the VM running? see guesthost status)", -1);
			conn_close(c);
			return;
		}
		if (h->len) { /* the EXEC frame, kept for the session */
			struct proto_hdr eh;
			if (h->len < PROTO_HDR_SIZE || proto_hdr_decode(p, &eh) < 0 || eh.type != MSG_EXEC ||
			    eh.len != h->len - PROTO_HDR_SIZE) {
				reply(c->fd, false, "AGENT_OPEN carries something other than one EXEC frame", -1);
				conn_close(c);
				return;
			}
			c->exec = malloc(h->len);
			if (!c->exec) {
				conn_close(c);
				return;
			}
			memcpy(c->exec, p, h->len);
			c->exec_len = h->len;
			int wr = agent_interop_session_wslenv(ag.o, &c->exec, &c->exec_len);
			if (wr < 0) {
				reply(c->fd, false, wr == -EBADMSG ? "AGENT_OPEN's EXEC frame is malformed"
								    : "out of memory for the session's WSLENV",
				      -1);
				conn_close(c);
				return;
			}
		}
		struct conn *spare = find_spare();
		if (spare) {
			hand_over(spare, c);
			if (request_session(0) < 0)
				log_warn("agent", "could not ask the guest for a spare session");
			return;
		}
		uint32_t id = ++ag.next_session;
		if (id == 0)
			id = ++ag.next_session;
		int r = request_session(id);
		if (r < 0) {
			reply(c->fd, false, "the guest's control connection failed", -1);
			conn_close(ag.control);
			conn_close(c);
			return;
		}
		c->session = id;
		c->timer = evloop_add_timer(ag.loop, SESSION_OPEN_MS, session_timeout_cb, c);
		if (c->timer < 0)
			c->timer = 0;
		return;
	}
	case MSG_AGENT_STATUS: {
		uint32_t wait_boot = 0;
		const char *why = "";
		if (agent_decode_status_request(p, h->len, &wait_boot, &why) < 0) {
			log_warn("agent", "a bad AGENT_STATUS from a local client: %s", why);
			conn_close(c);
			return;
		}
		if (wait_boot && !(ag.ready && ag.boots >= wait_boot)) {
			c->wait_boot = wait_boot; /* until then; a client that gives up closes */
			return;
		}
		send_status(c);
		return;
	}
	case MSG_AGENT_PORTS: {
		static char text[65536];
		agent_fwd_ports_text(text, sizeof(text));
		reply(c->fd, true, text, -1);
		conn_close(c);
		return;
	}
	case MSG_AGENT_SHUTDOWN: {
		uint32_t kind = 0;
		const char *why;
		proto_decode_u32(p, h->len, TAG_SHUTDOWN_KIND, &kind, &why);
		if (!ag.control) {
			reply(c->fd, false, "the guest is not connected", -1);
			conn_close(c);
			return;
		}
		int r = agent_ask_power(kind);
		reply(c->fd, r == 0, r == 0 ? "asked" : "the guest's control connection failed", -1);
		conn_close(c);
		return;
	}
	default:
		log_warn("agent", "a local client sent %s (type %#x); closing it", proto_type_name(h->type), h->type);
		conn_close(c);
	}
}

int agent_ask_power(uint32_t kind)
{
	if (!ag.control)
		return -ENOTCONN;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SHUTDOWN, 0);
	proto_put_u32(&b, TAG_SHUTDOWN_KIND, kind ? 1 : 0);
	proto_end(&b);
	int r = send_frame(ag.control->fd, &b, -1);
	proto_buf_free(&b);
	return r;
}

static void handle_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	switch (c->kind) {
	case CONN_GUEST_NEW:
		if (h->type == MSG_HELLO)
			handle_hello(c, p, h->len);
		else if (h->type == MSG_SESSION_ATTACH)
			handle_attach(c, p, h->len);
		else if (h->type == MSG_DRIVE_OPEN)
			handle_drive_open(c, p, h->len);
		else if (h->type == MSG_INTEROP_OPEN)
			handle_interop_open(c, p, h->len);
		else if (h->type == MSG_PORTFWD_OPEN)
			agent_fwd_open(c, p, h->len, !ag.o->localhost_forwarding_off);
		else if (h->type == MSG_PORTFWD_SPARE)
			agent_fwd_spare(c, p, h->len);
		else {
			char reason[160];
			snprintf(reason, sizeof(reason),
				 "the first frame is %s (type %#x), not HELLO, SESSION_ATTACH, DRIVE_OPEN, INTEROP_OPEN, "
				 "PORTFWD_OPEN or PORTFWD_SPARE",
				 proto_type_name(h->type), h->type);
			refuse(c, reason);
		}
		return;
	case CONN_CONTROL:
		if (h->type == MSG_READY) {
			struct proto_ready r;
			const char *why = "";
			if (proto_decode_ready(p, h->len, &r, &why) < 0) {
				log_warn("agent", "bad READY from the guest: %s", why);
				return;
			}
			take_ready(&r);
			proto_ready_free(&r);
		} else if (h->type == MSG_STATS) {
			char *text = NULL;
			const char *why = "";
			if (proto_decode_str(p, h->len, TAG_TEXT, &text, &why) < 0) {
				log_warn("agent", "bad STATS from the guest: %s", why);
				return;
			}
			snprintf(ag.stats, sizeof(ag.stats), "%s", text ? text : "");
			free(text);
		} else {
			log_debug("agent", "ignoring %s from the guest", proto_type_name(h->type));
		}
		return;
	case CONN_SPARE:
		log_warn("agent", "a spare session sent %s before it was used; closing it", proto_type_name(h->type));
		conn_close(c);
		return;
	case CONN_FWD_WATCH:
		agent_fwd_frame(c, h, p);
		return;
	case CONN_FWD_SPARE:
	case CONN_FWD_OFF:
		log_warn("portfwd", "a %s connection sent %s; closing it", c->kind == CONN_FWD_OFF ? "watcher's" : "spare",
			 proto_type_name(h->type));
		conn_close(c);
		return;
	case CONN_CLI:
		if (c->session || c->wait_boot) {
			log_warn("agent", "a local client sent more while waiting; closing it");
			conn_close(c);
			return;
		}
		handle_cli(c, h, p);
		return;
	}
}

static void on_conn(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct conn *c = data;
	int r = proto_inbuf_read(&c->in, c->fd);
	if (r == -EAGAIN)
		return;
	if (r < 0) {
		if (c->kind == CONN_GUEST_NEW && c->in.len)
			log_warn("agent", "%s closed in the middle of its first frame (%zu bytes of garbage?)", c->peer, c->in.len);
		else if (c->kind == CONN_CLI && c->session)
			log_debug("agent", "the client waiting for session %u went away", c->session);
		conn_close(c);
		return;
	}
	for (;;) {
		struct proto_hdr h;
		const uint8_t *p;
		int f = proto_inbuf_frame(&c->in, &h, &p);
		if (f == 0)
			return;
		if (f < 0) {
			char reason[128];
			snprintf(reason, sizeof(reason), "a frame header announces %u bytes (type %#x): garbage or oversized",
				 h.len, h.type);
			if (c->kind == CONN_GUEST_NEW)
				refuse(c, reason);
			else {
				log_warn("agent", "%s: %s; closing it", c->peer, reason);
				conn_close(c);
			}
			return;
		}
		/* copy out: the handlers may close c and free its buffer */
		struct proto_hdr hc = h;
		uint8_t *pc = malloc(h.len + 1);
		if (!pc) {
			conn_close(c);
			return;
		}
		memcpy(pc, p, h.len);
		proto_inbuf_consume(&c->in, &h);
		handle_frame(c, &hc, pc);
		free(pc);
		if (!conn_alive(c))
			return;
	}
}

static bool conn_alive(const struct conn *c)
{
	for (struct conn *x = ag.conns; x; x = x->next)
		if (x == c)
			return true;
	return false;
}

static void first_frame_timeout_cb(struct evloop *loop, void *data)
{
	(void)loop;
	struct conn *c = data;
	c->timer = 0;
	log_warn("agent", "%s sent no HELLO within %d s; closing it", c->peer, FIRST_FRAME_MS / 1000);
	conn_close(c);
}

static void on_listen(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	(void)data;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (fd == ag.cli_listen) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		/* the socket is 0600 in a 0700 folder; this is the second lock on the door */
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || (cred.uid != getuid() && cred.uid != 0)) {
			log_warn("agent", "refused a local client of uid %u", (unsigned)cred.uid);
			close(c);
			return;
		}
		struct conn *cc = conn_add(c, CONN_CLI, "local client");
		if (cc)
			cc->in.max_len = PROTO_MAX_PAYLOAD;
		return;
	}
	char peer[64] = "the guest";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getpeername(c, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		unsigned char *a = (unsigned char *)&in->sin_addr;
		snprintf(peer, sizeof(peer), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], ntohs(in->sin_port));
	}
	struct conn *nc = conn_add(c, CONN_GUEST_NEW, peer);
	if (nc) {
		nc->timer = evloop_add_timer(ag.loop, FIRST_FRAME_MS, first_frame_timeout_cb, nc);
		if (nc->timer < 0)
			nc->timer = 0;
	}
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)data;
	if (si->ssi_signo == SIGCHLD) { /* a mount's server ended */
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			agent_drive_child_gone(pid);
		return;
	}
	log_info("agent", "stopping on signal %u", si->ssi_signo);
	evloop_quit(loop, 0);
}

int agent_run(const struct agent_opts *o)
{
	log_init("guesthost-agent");
	signal(SIGPIPE, SIG_IGN);
	ag.o = o;
	char err[256];
	struct transport_addr guest, cli;
	if (transport_parse(o->listen_uri, &guest, err, sizeof(err)) < 0) {
		log_err("agent", "%s", err);
		return 2;
	}
	if (transport_parse(o->cli_uri, &cli, err, sizeof(err)) < 0) {
		log_err("agent", "%s", err);
		return 2;
	}
	int r = evloop_new(&ag.loop);
	if (r < 0) {
		log_err("agent", "event loop: %s", strerror(-r));
		return 1;
	}
	ag.guest_listen = transport_listen(&guest);
	if (ag.guest_listen < 0) {
		log_err("agent", "cannot listen on %s: %s", o->listen_uri, strerror(-ag.guest_listen));
		return 1;
	}
	ag.cli_listen = transport_listen(&cli);
	if (ag.cli_listen < 0) {
		log_err("agent", "cannot listen on %s: %s", o->cli_uri, strerror(-ag.cli_listen));
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if ((r = evloop_set_signals(ag.loop, &set, on_signal, NULL)) < 0 ||
	    (r = evloop_add_fd(ag.loop, ag.guest_listen, EPOLLIN, on_listen, NULL)) < 0 ||
	    (r = evloop_add_fd(ag.loop, ag.cli_listen, EPOLLIN, on_listen, NULL)) < 0) {
		log_err("agent", "event loop: %s", strerror(-r));
		return 1;
	}
	if (o->qemu_pid > 0 && (r = agent_vm_watch(ag.loop, o->qemu_pid, o->boot_timeout_s)) < 0) {
		log_err("agent", "cannot watch QEMU (pid %d): %s", (int)o->qemu_pid, strerror(-r));
		return 1;
	}
	log_info("agent", "listening for the guest on %s, for commands on %s", o->listen_uri, o->cli_uri);
	agent_interop_start(&o->interop);
	agent_interop_spare(o);
	if (o->idle_timeout_ms && o->qemu_pid > 0)
		agent_idle_start(ag.loop, o->idle_timeout_ms);
	if (o->ready_fd >= 0) { /* tell the starter we are listening */
		(void)!write(o->ready_fd, "1", 1);
		close(o->ready_fd);
	}
	r = evloop_run(ag.loop);
	agent_fwd_stop();
	agent_vm_stop();
	netmode_stop_passt(o->passt_pid);
	agent_interop_stop(&o->interop);
	while (ag.conns)
		conn_close(ag.conns);
	if (cli.kind == TRANSPORT_UNIX)
		unlink(((struct sockaddr_un *)&cli.sa)->sun_path);
	if (guest.kind == TRANSPORT_UNIX)
		unlink(((struct sockaddr_un *)&guest.sa)->sun_path);
	return r < 0 ? 1 : 0;
}
