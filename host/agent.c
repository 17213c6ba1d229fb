/* The host agent: the guest's peer. It listens for the guest (TCP on 127.0.0.1, vsock or a
 * unix socket), checks the boot token, keeps the control connection, and is the rendezvous
 * for sessions: a `guesthost run` asks it over the local socket, the agent asks the guest,
 * the guest connects back, and the agent hands that connection to the command (SCM_RIGHTS).
 * After that the agent is out of the data path. */
#include "agent.h"

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

#include "cleanup.h"
#include "evloop.h"
#include "log.h"
#include "proto.h"
#include "server.h"
#include "spawn.h"
#include "transport.h"

#define FIRST_FRAME_MAX 65536   /* HELLO and SESSION_ATTACH are small; more is an attack */
#define FIRST_FRAME_MS 10000    /* a connection that says nothing is dropped */
#define SESSION_OPEN_MS 15000   /* the guest has this long to connect a session back */
#define MAX_PENDING 256

/* A spare is a session connection the guest opened ahead of time (session 0), held here
 * until a command asks for one: then the command starts without waiting for the guest to
 * fork and connect. */
enum conn_kind { CONN_GUEST_NEW, CONN_CONTROL, CONN_CLI, CONN_SPARE };

struct conn {
	enum conn_kind kind;
	int fd;
	struct proto_inbuf in;
	int timer;
	uint32_t session; /* CLI waiting for this session, 0 if none */
	uint8_t *exec;    /* CLI: the EXEC frame to write into its session first */
	size_t exec_len;
	char peer[64];
	struct conn *next;
};

static struct {
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
	time_t connected_at;
	bool ready;
	unsigned refused;
} ag;

static void conn_close(struct conn *c)
{
	if (c->timer)
		evloop_cancel_timer(ag.loop, c->timer);
	evloop_del_fd(ag.loop, c->fd);
	close(c->fd);
	proto_inbuf_free(&c->in);
	free(c->exec);
	for (struct conn **pp = &ag.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (ag.control == c) {
		ag.control = NULL;
		ag.ready = false;
		log_info("agent", "the guest's control connection closed");
	}
	free(c);
}

static void on_conn(struct evloop *loop, int fd, uint32_t events, void *data);
static int request_session(uint32_t id);
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

/* Small frames to a peer: a blocking write with a deadline, so that a stuck peer costs at
 * most that, never the agent. */
static int send_frames(int fd, const struct proto_buf *b)
{
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int r = proto_send(fd, b);
	fcntl(fd, F_SETFL, fl);
	return r;
}

/* AGENT_REPLY to a local client (maybe with an fd), DRIVE_REPLY to a mount: OK, and the text
 * (TEXT when ok, REASON when not) if any. */
static int send_reply(int fd, uint16_t type, bool ok, const char *text, int pass_fd)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, type, 0);
	proto_put_u32(&b, TAG_OK, ok);
	if (text)
		proto_put_str(&b, ok ? TAG_TEXT : TAG_REASON, text);
	proto_end(&b);
	int r;
	if (pass_fd < 0) {
		r = send_frames(fd, &b);
	} else {
		struct iovec iov = { .iov_base = b.data, .iov_len = b.len };
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
		r = sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)b.len ? 0 : -errno;
	}
	proto_buf_free(&b);
	return r;
}

static int reply(int fd, bool ok, const char *text, int pass_fd)
{
	return send_reply(fd, MSG_AGENT_REPLY, ok, text, pass_fd);
}

/* Token comparison that takes the same time wherever the first difference is. */
static bool token_ok(const char *got)
{
	const char *want = ag.o->token;
	size_t n = strlen(want), m = got ? strlen(got) : 0;
	unsigned char diff = (unsigned char)(n != m);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
	return diff == 0;
}

static void refuse(struct conn *c, const char *reason)
{
	ag.refused++;
	log_warn("agent", "refused a connection from %s: %s", c->peer, reason);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_REJECT, 0);
	proto_put_str(&b, TAG_REASON, reason);
	proto_end(&b);
	send_frames(c->fd, &b);
	proto_buf_free(&b);
	conn_close(c);
}

/* The host's time zone as an IANA name (what /etc/localtime links to), for the guest to
 * follow as WSL's [time] useWindowsTimezone does; NULL if the host has none. */
static char *host_timezone(void)
{
	static char link[256];
	ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	char *z = strstr(link, "zoneinfo/");
	return z && z[9] ? z + 9 : NULL;
}

static void handle_hello(struct conn *c, const uint8_t *p, uint32_t n)
{
	struct proto_hello h;
	const char *why = "";
	if (proto_decode_hello(p, n, &h, &why) < 0) {
		refuse(c, why);
		return;
	}
	if (h.version != PROTO_VERSION) {
		char reason[96];
		snprintf(reason, sizeof(reason), "protocol version %u is not supported (this host speaks %u)", h.version,
			 PROTO_VERSION);
		proto_hello_free(&h);
		refuse(c, reason);
		return;
	}
	if (!token_ok(h.token)) {
		proto_hello_free(&h);
		refuse(c, "wrong token");
		return;
	}
	struct proto_welcome w = { .version = PROTO_VERSION, .features = h.features & PROTO_FEATURES_ALL,
				   .distro = (char *)ag.o->distro, .network = "nat", .reclaim = ag.o->reclaim ? (char *)ag.o->reclaim : "gradual",
				   .timezone = host_timezone() };
	static char sources[PROTO_MAX_DRIVES][16];
	for (size_t i = 0; i < ag.o->ndrives && i < PROTO_MAX_DRIVES; i++) {
		const struct agent_drive *d = &ag.o->drives[i];
		if (d->virtio)
			snprintf(sources[i], sizeof(sources[i]), "virtio:drvfs_%c", d->letter);
		else
			snprintf(sources[i], sizeof(sources[i]), "p9");
		w.drives[w.ndrives].letter = d->letter;
		w.drives[w.ndrives++].source = sources[i];
	}
	snprintf(ag.kernel, sizeof(ag.kernel), "%s", h.kernel ? h.kernel : "");
	proto_hello_free(&h);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_welcome(&b, &w);
	int r = send_frames(c->fd, &b);
	proto_buf_free(&b);
	if (r < 0) {
		log_warn("agent", "WELCOME to %s: %s", c->peer, strerror(-r));
		conn_close(c);
		return;
	}
	if (ag.control && ag.control != c) {
		log_info("agent", "a new control connection replaces the old one");
		conn_close(ag.control);
	}
	c->kind = CONN_CONTROL;
	c->in.max_len = FIRST_FRAME_MAX;
	if (c->timer) {
		evloop_cancel_timer(ag.loop, c->timer);
		c->timer = 0;
	}
	ag.control = c;
	ag.connected_at = time(NULL);
	ag.stats[0] = '\0'; /* the guest sends its figures again on a new connection */
	log_info("agent", "guest connected from %s (kernel %s)", c->peer, ag.kernel);
	if (request_session(0) < 0)
		log_warn("agent", "could not ask the guest for a spare session");
}

/* The drives our server shares (the virtio ones are QEMU's). */
static size_t drive_exports(struct p9_export *ex)
{
	size_t n = 0;
	for (size_t i = 0; i < ag.o->ndrives; i++)
		if (!ag.o->drives[i].virtio)
			ex[n++] = (struct p9_export){ ag.o->drives[i].letter, ag.o->drives[i].dir };
	return n;
}

static void p9_conn_gone(void *data)
{
	evloop_quit(data, 0);
}

/* The child that serves one mount: its own event loop on the connection, nothing else of
 * the agent's (a held copy of the control connection would hide the agent's death). */
static void serve_drive(int fd, const struct p9_export *ex, size_t nex)
{
	if (dup2(fd, 3) < 0)
		_exit(1);
	spawn_close_from(4);
	spawn_reset_signals();
	struct evloop *loop;
	struct p9_server *srv = p9_server_new(ex, nex);
	if (!srv || evloop_new(&loop) < 0 || p9_server_add_conn(srv, loop, 3, 3, p9_conn_gone, loop) < 0)
		_exit(1);
	_exit(evloop_run(loop) < 0 ? 1 : 0);
}

/* A mount in the guest: check the token and the options, then hand the connection to a
 * server process of its own. The options are checked here, before any 9P, so that
 * mount.drvfs can print the reason (9P2000.L's Rlerror carries only an errno). */
static void handle_drive_open(struct conn *c, const uint8_t *p, uint32_t n)
{
	struct proto_drive_open d;
	const char *why = "";
	if (proto_decode_drive_open(p, n, &d, &why) < 0) {
		refuse(c, why);
		return;
	}
	if (!token_ok(d.token)) {
		proto_drive_open_free(&d);
		ag.refused++;
		log_warn("agent", "refused a drive connection from %s: wrong token", c->peer);
		send_reply(c->fd, MSG_DRIVE_REPLY, false, "wrong token", -1);
		conn_close(c);
		return;
	}
	struct p9_export ex[26];
	size_t nex = drive_exports(ex);
	struct p9_view *v;
	char err[256];
	int r = p9_view_open(d.aname, strlen(d.aname), ex, nex, &v, err, sizeof(err));
	if (r < 0) {
		log_warn("agent", "a mount of '%s' refused: %s", d.aname, err);
		proto_drive_open_free(&d);
		send_reply(c->fd, MSG_DRIVE_REPLY, false, err, -1);
		conn_close(c);
		return;
	}
	p9_view_put(v);
	log_info("agent", "serving a mount of '%s' to %s", d.aname, c->peer);
	proto_drive_open_free(&d);
	send_reply(c->fd, MSG_DRIVE_REPLY, true, NULL, -1);
	pid_t pid = fork();
	if (pid == 0)
		serve_drive(c->fd, ex, nex);
	if (pid < 0)
		log_warn("agent", "fork: %s", strerror(errno));
	conn_close(c); /* the child has it now */
}

static int request_session(uint32_t id)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SESSION_REQUEST, 0);
	proto_put_u32(&b, TAG_SESSION, id);
	proto_end(&b);
	int r = send_frames(ag.control->fd, &b);
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
		r = send_frames(s->fd, &b);
	}
	if (r == 0)
		r = reply(cli->fd, true, NULL, s->fd);
	else
		reply(cli->fd, false, "the guest's session connection failed", -1);
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

static void status_text(char *buf, size_t cap)
{
	if (!ag.control) {
		snprintf(buf, cap, "guest: not connected\nrefused: %u\n", ag.refused);
		return;
	}
	int n = snprintf(buf, cap,
		 "guest: connected since %ld\nkernel: %s\nready: %s\nready_ms: %llu\nuptime_at_ready_ms: %llu\nrefused: %u\n",
		 (long)ag.connected_at, ag.kernel, ag.ready ? ag.ready_line : "(not yet)", (unsigned long long)ag.ready_ms,
		 (unsigned long long)ag.uptime_ms, ag.refused);
	/* the guest's figures as "key: value" lines, like the rest */
	for (const char *l = ag.stats; *l && n > 0 && (size_t)n < cap - 1;) {
		size_t len = strcspn(l, "\n");
		const char *eq = memchr(l, '=', len);
		if (eq)
			n += snprintf(buf + n, cap - (size_t)n, "%.*s: %.*s\n", (int)(eq - l), l, (int)(len - (size_t)(eq - l) - 1),
				      eq + 1);
		l += len + (l[len] == '\n');
	}
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
		char text[8192];
		status_text(text, sizeof(text));
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
		struct proto_buf b;
		proto_buf_init(&b);
		proto_begin(&b, MSG_SHUTDOWN, 0);
		proto_put_u32(&b, TAG_SHUTDOWN_KIND, kind ? 1 : 0);
		proto_end(&b);
		int r = send_frames(ag.control->fd, &b);
		proto_buf_free(&b);
		reply(c->fd, r == 0, r == 0 ? "asked" : "the guest's control connection failed", -1);
		conn_close(c);
		return;
	}
	default:
		log_warn("agent", "a local client sent %s (type %#x); closing it", proto_type_name(h->type), h->type);
		conn_close(c);
	}
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
		else {
			char reason[96];
			snprintf(reason, sizeof(reason), "the first frame is %s (type %#x), not HELLO, SESSION_ATTACH or DRIVE_OPEN",
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
			snprintf(ag.ready_line, sizeof(ag.ready_line), "%s", r.line);
			ag.ready_ms = r.ready_ms;
			ag.uptime_ms = r.uptime_ms;
			ag.ready = true;
			log_info("agent", "guest ready: %s (kernel start to ready %llu ms)", r.line,
				 (unsigned long long)r.uptime_ms);
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
	case CONN_CLI:
		if (c->session) {
			log_warn("agent", "a local client sent more while waiting for its session; closing it");
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
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
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
	evloop_set_signals(ag.loop, &set, on_signal, NULL);
	evloop_add_fd(ag.loop, ag.guest_listen, EPOLLIN, on_listen, NULL);
	evloop_add_fd(ag.loop, ag.cli_listen, EPOLLIN, on_listen, NULL);
	log_info("agent", "listening for the guest on %s, for commands on %s", o->listen_uri, o->cli_uri);
	if (o->ready_fd >= 0) { /* tell the starter we are listening */
		(void)!write(o->ready_fd, "1", 1);
		close(o->ready_fd);
	}
	r = evloop_run(ag.loop);
	while (ag.conns)
		conn_close(ag.conns);
	if (cli.kind == TRANSPORT_UNIX)
		unlink(((struct sockaddr_un *)&cli.sa)->sun_path);
	if (guest.kind == TRANSPORT_UNIX)
		unlink(((struct sockaddr_un *)&guest.sa)->sun_path);
	return r < 0 ? 1 : 0;
}
