/* What the guest's connections open with: HELLO (the control connection, answered with
 * WELCOME), DRIVE_OPEN (a mount, handed to a server process) and INTEROP_OPEN (a guest
 * process running a host program, handed to a runner); and the small frames every peer of
 * the agent gets. Each is checked against the boot token first. */
#include "agent_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent_drive.h"
#include "agent_interop.h"
#include "agent_msg.h"
#include "agent_vm.h"
#include "control_msg.h"
#include "drive_msg.h"
#include "evloop.h"
#include "fdpass.h"
#include "interop_msg.h"
#include "log.h"

/* Small frames to a peer (with an fd passed along, or -1): a blocking write with a deadline,
 * so that a stuck peer costs at most that, never the agent. */
int send_frame(int fd, const struct proto_buf *b, int pass_fd)
{
	if (b->error)
		return b->error;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssize_t n = pass_fd >= 0 ? fdpass_send(fd, b->data, b->len, &pass_fd, 1) : 0;
	int r = (int)(n < 0 ? n : 0);
	if (r == 0) { /* the rest of what one sendmsg took */
		struct proto_buf rest = { .data = b->data + n, .len = b->len - (size_t)n };
		r = proto_send(fd, &rest);
	}
	fcntl(fd, F_SETFL, fl);
	return r;
}

/* AGENT_REPLY to a local client, maybe with an fd: ok with a text, or a reason. */
int reply(int fd, bool ok, const char *text, int pass_fd)
{
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_reply(&b, &(struct agent_reply){ .ok = ok, .text = ok ? (char *)text : NULL,
						      .reason = ok ? NULL : (char *)text });
	int r = send_frame(fd, &b, pass_fd);
	proto_buf_free(&b);
	return r;
}

/* DRIVE_REPLY to a mount: OK (and a port's sync text), and why not. */
static int drive_reply(int fd, bool ok, const char *reason, const char *sync)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_DRIVE_REPLY, 0);
	proto_put_u32(&b, TAG_OK, ok);
	proto_put_str(&b, TAG_REASON, reason);
	proto_put_str(&b, TAG_DRIVE_SYNC, sync);
	proto_end(&b);
	int r = send_frame(fd, &b, -1);
	proto_buf_free(&b);
	return r;
}

/* Token comparison that takes the same time wherever the first difference is. */
bool token_ok(const char *got)
{
	const char *want = ag.o->token;
	size_t n = strlen(want), m = got ? strlen(got) : 0;
	unsigned char diff = (unsigned char)(n != m);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
	return diff == 0;
}

void refuse(struct conn *c, const char *reason)
{
	ag.refused++;
	log_warn("agent", "refused a connection from %s: %s", c->peer, reason);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_REJECT, 0);
	proto_put_str(&b, TAG_REASON, reason);
	proto_end(&b);
	send_frame(c->fd, &b, -1);
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

void handle_hello(struct conn *c, const uint8_t *p, uint32_t n)
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
				   .distro = (char *)ag.o->distro, .network = ag.o->network ? (char *)ag.o->network : "nat", .reclaim = ag.o->reclaim ? (char *)ag.o->reclaim : "gradual",
				   .timezone = host_timezone() };
	agent_drive_table(ag.o, &w);
	static char aliases[1024];
	agent_interop_alias_names(&ag.o->interop, aliases, sizeof(aliases));
	w.aliases = aliases[0] ? aliases : NULL;
	w.windows_path = (char *)(ag.o->interop.windows_path ? ag.o->interop.windows_path
							       : "C:\\windows\\system32;C:\\windows");
	snprintf(ag.kernel, sizeof(ag.kernel), "%s", h.kernel ? h.kernel : "");
	proto_hello_free(&h);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_welcome(&b, &w);
	int r = send_frame(c->fd, &b, -1);
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

/* A mount in the guest: check the token and the options, then hand the connection to a
 * server process of its own (agent_drive.c). */
void handle_drive_open(struct conn *c, const uint8_t *p, uint32_t n)
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
		drive_reply(c->fd, false, "wrong token", NULL);
		conn_close(c);
		return;
	}
	struct gi_error err = GI_ERROR_INIT;
	if (agent_drive_check(ag.o, d.aname, &err) < 0) {
		log_warn("agent", "a mount of '%s' refused: %s", d.aname, err.msg);
		proto_drive_open_free(&d);
		drive_reply(c->fd, false, err.msg, NULL);
		conn_close(c);
		return;
	}
	if (d.port) { /* the 9P goes over the port; this connection ends with the reply */
		char sync[DRIVE_SYNC_LEN + 1];
		bool ok = agent_drive_serve_port(ag.o, d.port, sync, &err) == 0;
		if (ok)
			log_info("agent", "serving a mount of '%s' to %s on %s", d.aname, c->peer, d.port);
		else
			log_warn("agent", "a mount of '%s' on a port refused: %s", d.aname, err.msg);
		proto_drive_open_free(&d);
		drive_reply(c->fd, ok, ok ? NULL : err.msg, ok ? sync : NULL);
		conn_close(c);
		return;
	}
	log_info("agent", "serving a mount of '%s' to %s", d.aname, c->peer);
	proto_drive_open_free(&d);
	drive_reply(c->fd, true, NULL, NULL);
	pid_t pid = agent_drive_serve(ag.o, c->fd);
	if (pid < 0)
		log_warn("agent", "fork: %s", strerror((int)-pid));
	conn_close(c); /* the child has it now */
}

/* A guest process runs a host program: after the token, a process of its own answers and
 * serves it (agent_interop.c). */
void handle_interop_open(struct conn *c, const uint8_t *p, uint32_t n)
{
	struct proto_interop_open m;
	const char *why = "";
	if (proto_decode_interop_open(p, n, &m, &why) < 0) {
		refuse(c, why);
		return;
	}
	bool ok = token_ok(m.token);
	proto_interop_open_free(&m);
	if (!ok) {
		refuse(c, "wrong token");
		return;
	}
	if (c->in.len) { /* the guest waits for INTEROP_REPLY: anything more is not the protocol */
		refuse(c, "frames after INTEROP_OPEN before the reply");
		return;
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	pid_t pid = agent_interop_serve(ag.o, c->fd);
	if (pid < 0)
		log_warn("agent", "interop: fork: %s", strerror((int)-pid));
	conn_close(c); /* the child has it now */
}

