/* guestinit-hostd, the hub: the guest's end of the host channel, one event loop. It keeps
 * the control connection (HELLO with the boot token, WELCOME, READY, STATS, the host's
 * requests), reconnects with backoff when the host goes away, runs the capabilities' boot
 * hooks after the first WELCOME, and serves the local broker (broker.c). Nothing here
 * blocks: connects are non-blocking, waits are timers, children are reaped from SIGCHLD. */
#include "hub_internal.h"
#include "hostd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cmdline.h"
#include "control_msg.h"
#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "records.h"
#include "spawn.h"

static void connect_now(struct hub *h);

/* ---- output ------------------------------------------------------------------------------- */

static void set_events(struct hub *h)
{
	uint32_t ev = EPOLLIN | (h->out.len > h->out_off ? EPOLLOUT : 0);
	evloop_mod_fd(h->loop, h->fd, ev);
}

static void flush_out(struct hub *h)
{
	while (h->out_off < h->out.len) {
		ssize_t n = send(h->fd, h->out.data + h->out_off, h->out.len - h->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN: later; an error shows as EPOLLERR/EOF on the read side */
		}
		h->out_off += (size_t)n;
	}
	if (h->out_off == h->out.len) {
		proto_buf_reset(&h->out);
		h->out_off = 0;
	}
	set_events(h);
}

void hub_send(struct hub *h, const struct proto_buf *b)
{
	if (h->state != CTL_HELLO && h->state != CTL_UP)
		return; /* nobody to tell: what matters is sent again on the next connection */
	if (b->error) {
		log_warn("hostd", "a frame for the host could not be built: %s", strerror(-b->error));
		return;
	}
	/* frames are appended whole: proto_buf's own builder keeps them in order */
	for (size_t off = 0; off < b->len;) {
		struct proto_hdr hdr;
		proto_hdr_decode(b->data + off, &hdr);
		size_t n = PROTO_HDR_SIZE + hdr.len;
		proto_begin(&h->out, hdr.type, hdr.flags);
		proto_put_raw(&h->out, b->data + off + PROTO_HDR_SIZE, hdr.len);
		proto_end(&h->out);
		off += n;
	}
	flush_out(h);
}

/* ---- what the host is told ---------------------------------------------------------------- */

void hub_maybe_send_ready(struct hub *h)
{
	if (h->state != CTL_UP || h->ready_sent || !h->have_ready || !h->hooks_done)
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_ready r = { .line = h->ready.line, .ready_ms = h->ready.ready_ms, .uptime_ms = h->ready.uptime_ms };
	proto_encode_ready(&b, &r);
	hub_send(h, &b);
	proto_buf_free(&b);
	h->ready_sent = true;
}

void hub_store_stats(struct hub *h, const char *name, const char *text)
{
	struct hub_stat *s = NULL;
	for (size_t i = 0; i < h->nstats && !s; i++)
		if (!strcmp(h->stats[i].name, name))
			s = &h->stats[i];
	if (!s) {
		if (h->nstats == HUB_MAX_STATS)
			return;
		s = &h->stats[h->nstats++];
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->text[0] = '\0';
	}
	if (strcmp(s->text, text)) {
		snprintf(s->text, sizeof(s->text), "%s", text);
		s->sent = false;
	}
}

void hub_send_stats(struct hub *h)
{
	if (h->state != CTL_UP)
		return;
	bool changed = false;
	for (size_t i = 0; i < h->nstats; i++)
		changed |= !h->stats[i].sent;
	if (!changed)
		return;
	/* one STATS with every capability's lines, each prefixed by its name: the host keeps
	 * the last one whole */
	char text[HUB_MAX_STATS * 256 + STATS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < h->nstats; i++) {
		const char *p = h->stats[i].text;
		while (*p && n < sizeof(text) - 1) {
			size_t len = strcspn(p, "\n");
			int k = snprintf(text + n, sizeof(text) - n, "%s.%.*s\n", h->stats[i].name, (int)len, p);
			if (k < 0 || (size_t)k >= sizeof(text) - n)
				break;
			n += (size_t)k;
			p += len + (p[len] == '\n');
		}
		h->stats[i].sent = true;
	}
	text[n] = '\0';
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_STATS, 0);
	proto_put_str(&b, TAG_TEXT, text);
	proto_end(&b);
	hub_send(h, &b);
	proto_buf_free(&b);
}

/* ---- the boot's hooks --------------------------------------------------------------------- */

static void hooks_finished(struct hub *h)
{
	h->hooks_done = true;
	evloop_cancel_timer(h->loop, h->hooks_timer);
	h->hooks_timer = 0;
	hub_maybe_send_ready(h);
}

static void on_hooks_timeout(struct evloop *loop, void *data)
{
	(void)loop;
	struct hub *h = data;
	h->hooks_timer = 0;
	log_warn("hostd", "the boot's hooks are still running after %d s; reporting ready without them",
		 HUB_WELCOME_TIMEOUT_MS / 1000);
	hooks_finished(h);
}

/* Each capability's on_welcome applet, once per hub process (a hook keeps its own "done this
 * boot" mark, so that a restarted hub runs it again harmlessly). */
static void start_hooks(struct hub *h)
{
	h->hooks_started = true;
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++) {
		if (!(*cap)->on_welcome || h->nhooks == HUB_MAX_HOOKS)
			continue;
		char *argv[] = { (char *)(*cap)->on_welcome, NULL };
		extern char **environ;
		struct spawn_opts o = { .path = "/proc/self/exe", .argv = argv, .envp = environ, .fds = { -1, 1, 2 } };
		pid_t pid = spawn_process(&o);
		if (pid < 0) {
			log_err("hostd", "%s: cannot start %s: %s", (*cap)->name, (*cap)->on_welcome, strerror((int)-pid));
			continue;
		}
		h->hooks[h->nhooks++] = pid;
	}
	if (!h->nhooks) {
		hooks_finished(h);
		return;
	}
	h->hooks_timer = evloop_add_timer(h->loop, HUB_WELCOME_TIMEOUT_MS, on_hooks_timeout, h);
}

static void reap(struct hub *h)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		broker_session_close(h, pid);
		for (size_t i = 0; i < h->nhooks; i++)
			if (h->hooks[i] == pid) {
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					log_warn("hostd", "a boot hook (pid %d) ended with status %d", (int)pid,
						 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				h->hooks[i] = h->hooks[--h->nhooks];
				if (!h->nhooks && !h->hooks_done)
					hooks_finished(h);
				break;
			}
	}
}

/* ---- the control connection ---------------------------------------------------------------- */

static void cancel_timer(struct hub *h)
{
	evloop_cancel_timer(h->loop, h->timer);
	h->timer = 0;
}

static void on_retry(struct evloop *loop, void *data)
{
	(void)loop;
	struct hub *h = data;
	h->timer = 0;
	connect_now(h);
}

/* The connection is gone (or never came): close it and try again after the backoff. */
static void lost(struct hub *h, int err, const char *what)
{
	if (h->state == CTL_UP)
		log_info("hostd", "%s; reconnecting", what);
	else if (h->failures++ == 0)
		log_msg(h->ever_connected ? LOG_LVL_INFO : LOG_LVL_WARN, "hostd", "cannot reach the host at %s: %s; retrying",
			h->addr.text, err ? strerror(-err) : what);
	cancel_timer(h);
	if (h->fd >= 0) {
		evloop_del_fd(h->loop, h->fd);
		close(h->fd);
		h->fd = -1;
	}
	proto_inbuf_free(&h->in);
	proto_buf_reset(&h->out);
	h->out_off = 0;
	h->state = CTL_DOWN;
	h->ready_sent = false;
	for (size_t i = 0; i < h->nstats; i++)
		h->stats[i].sent = false; /* a new connection (perhaps a new host) gets them all */
	uint64_t delay = backoff_next_delay(&h->bo, mono_ms() - h->attempt_ms);
	h->timer = evloop_add_timer(h->loop, delay, on_retry, h);
}

static void on_welcome(struct hub *h, const uint8_t *p, uint32_t n)
{
	struct proto_welcome w;
	const char *why = "";
	if (proto_decode_welcome(p, n, &w, &why) < 0) {
		log_err("hostd", "the host at %s answered HELLO with a bad WELCOME: %s", h->addr.text, why);
		lost(h, -EPROTO, "a bad WELCOME");
		return;
	}
	struct host_conf conf;
	if (host_conf_from_welcome(&conf, &w, h->addr.text) < 0)
		log_warn("hostd", "a value of WELCOME is too long to keep; it is left out");
	proto_welcome_free(&w);
	int r = host_conf_write(HOST_CONF_PATH, &conf);
	if (r < 0)
		log_warn("hostd", "cannot write %s: %s", HOST_CONF_PATH, strerror(-r));
	cancel_timer(h);
	h->state = CTL_UP;
	h->ever_connected = true;
	h->failures = 0;
	h->connected_since = (uint64_t)time(NULL);
	log_info("hostd", "connected to the host at %s", h->addr.text);
	if (!h->hooks_started)
		start_hooks(h);
	hub_maybe_send_ready(h);
	hub_send_stats(h);
}

static void on_frame(struct hub *h, const struct proto_hdr *hdr, const uint8_t *p)
{
	const char *why = "";
	uint32_t v;
	if (h->state == CTL_HELLO) {
		if (hdr->type == MSG_WELCOME) {
			on_welcome(h, p, hdr->len);
		} else if (hdr->type == MSG_REJECT) {
			char *reason = NULL;
			proto_decode_str(p, hdr->len, TAG_REASON, &reason, &why);
			log_err("hostd", "the host at %s refused this guest: %s", h->addr.text, reason ? reason : "no reason given");
			free(reason);
			lost(h, -EACCES, "refused");
		} else {
			log_err("hostd", "the host at %s answered HELLO with %s, not WELCOME", h->addr.text,
				proto_type_name(hdr->type));
			lost(h, -EPROTO, "a bad answer to HELLO");
		}
		return;
	}
	switch (hdr->type) {
	case MSG_SESSION_REQUEST: /* 0: a spare */
		if (proto_decode_u32(p, hdr->len, TAG_SESSION, &v, &why) < 0)
			log_warn("hostd", "bad SESSION_REQUEST: %s", why);
		else
			session_start(h, v);
		break;
	case MSG_SHUTDOWN:
		if (proto_decode_u32(p, hdr->len, TAG_SHUTDOWN_KIND, &v, &why) < 0 || v > 1)
			log_warn("hostd", "bad SHUTDOWN: %s", why[0] ? why : "kind is not 0 or 1");
		else
			session_request_power(h, v == 1 ? "reboot" : "poweroff");
		break;
	default:
		log_debug("hostd", "ignoring a %s frame (type %#x)", proto_type_name(hdr->type), hdr->type);
		break;
	}
}

static void on_readable(struct hub *h)
{
	int r = proto_inbuf_read(&h->in, h->fd);
	if (r == -EAGAIN)
		return;
	for (;;) {
		struct proto_hdr hdr;
		const uint8_t *p;
		int got = proto_inbuf_frame(&h->in, &hdr, &p);
		if (got < 0) {
			log_warn("hostd", "the host channel failed: a frame over the size limit; reconnecting");
			lost(h, got, "a frame over the size limit");
			return;
		}
		if (got == 0)
			break;
		enum ctl_state before = h->state;
		on_frame(h, &hdr, p);
		if (h->state == CTL_DOWN && before != CTL_DOWN)
			return; /* the frame ended the connection */
		proto_inbuf_consume(&h->in, &hdr);
	}
	if (r == -EPIPE)
		lost(h, 0, "the host closed the channel");
	else if (r < 0)
		lost(h, r, "the host channel failed");
}

static void on_timeout(struct evloop *loop, void *data)
{
	(void)loop;
	struct hub *h = data;
	h->timer = 0;
	lost(h, -ETIMEDOUT, h->state == CTL_CONNECTING ? "connect timed out" : "no WELCOME in time");
}

static void send_hello(struct hub *h)
{
	h->state = CTL_HELLO;
	set_events(h);
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_hello hello = { .version = PROTO_VERSION, .features = PROTO_FEATURES_ALL, .token = h->token,
				     .kernel = h->kernel };
	proto_encode_hello(&b, &hello);
	hub_send(h, &b);
	proto_buf_free(&b);
	cancel_timer(h);
	h->timer = evloop_add_timer(h->loop, HUB_WELCOME_WAIT_MS, on_timeout, h);
}

static void on_io(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	struct hub *h = data;
	if (h->state == CTL_CONNECTING) {
		int r = transport_connect_finish(h->fd);
		if (r < 0) {
			lost(h, r, "connect failed");
			return;
		}
		send_hello(h);
		return;
	}
	if (events & EPOLLOUT)
		flush_out(h);
	if (h->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		on_readable(h);
}

static void connect_now(struct hub *h)
{
	h->attempt_ms = mono_ms();
	int r = transport_connect_start(&h->addr, &h->fd);
	if (r < 0 && r != -EINPROGRESS) {
		h->fd = -1;
		lost(h, r, "connect failed");
		return;
	}
	h->state = CTL_CONNECTING;
	if (evloop_add_fd(h->loop, h->fd, EPOLLOUT, on_io, h) < 0) {
		lost(h, -EIO, "the event loop refused the connection");
		return;
	}
	if (r == 0) {
		send_hello(h);
		return;
	}
	h->timer = evloop_add_timer(h->loop, HUB_CONNECT_TIMEOUT_MS, on_timeout, h);
}

/* ---- start ---------------------------------------------------------------------------------- */

int hostd_find_host(char *uri, size_t ucap, char *token, size_t tcap, bool machine)
{
	const char *eu = getenv("GUESTINIT_HOST"), *et = getenv("GUESTINIT_TOKEN");
	char cmdline[4096] = "";
	if (machine) /* in a namespace, /proc/cmdline is some other machine's */
		cmdline_read(cmdline, sizeof(cmdline));
	/* the token: the environment (stage 1 puts the firmware-config token there, which
	 * unlike the command line only root can read), else the command line */
	token[0] = '\0';
	if (et && *et)
		snprintf(token, tcap, "%s", et);
	else
		cmdline_param(cmdline, "guestinit.token", token, tcap);
	if (eu && *eu) {
		snprintf(uri, ucap, "%s", eu);
		return 0;
	}
	if (cmdline_param(cmdline, "guestinit.host", uri, ucap) > 0)
		return 0;
	if (!machine)
		return -ENOENT; /* a namespace on some machine: its vsock is not ours to use */
	snprintf(uri, ucap, "vsock://2:%u", PROTO_VSOCK_PORT);
	return 0;
}

/* What a hub that starts (or restarts) finds: PID 1's ready record and the figures the
 * capabilities published last. Read once; from then on they come as messages. */
static void load_records(struct hub *h)
{
	if (ready_record_read(READY_PATH, &h->ready) == 0)
		h->have_ready = true;
	DIR *d = opendir(STATS_DIR);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue; /* a record being replaced is NAME.tmp.PID */
		char path[512], text[STATS_MAX];
		snprintf(path, sizeof(path), "%s/%s", STATS_DIR, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n >= 0) {
			text[n] = '\0';
			hub_store_stats(h, e->d_name, text);
		}
	}
	closedir(d);
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	struct hub *h = data;
	if (si->ssi_signo == SIGCHLD) {
		reap(h);
		return;
	}
	log_info("hostd", "stopping on signal %u", si->ssi_signo);
	evloop_quit(loop, 0);
}

int hostd_main(int argc, char **argv)
{
	const char *uri = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--host") && i + 1 < argc)
			uri = argv[++i];
		else {
			fprintf(stderr, "usage: guestinit-hostd --host URI   (the token comes in GUESTINIT_TOKEN)\n");
			return 2;
		}
	}
	static struct hub h = { .fd = -1, .bo = { .base_ms = 100, .max_ms = 2000, .reset_after_ms = 10000 } };
	char found[256];
	if (!uri) {
		if (hostd_find_host(found, sizeof(found), h.token, sizeof(h.token), getpid() == 1) < 0) {
			fprintf(stderr, "guestinit-hostd: no host address (--host, GUESTINIT_HOST or guestinit.host=)\n");
			return 2;
		}
		uri = found;
	} else {
		const char *t = getenv("GUESTINIT_TOKEN");
		snprintf(h.token, sizeof(h.token), "%s", t ? t : "");
	}
	unsetenv("GUESTINIT_TOKEN"); /* nothing this starts may inherit it: it stays in this process */
	char err[200];
	if (transport_parse(uri, &h.addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "guestinit-hostd: %s\n", err);
		return 2;
	}
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(h.kernel, sizeof(h.kernel), "%s", u.release);
	static const int signals[] = { SIGTERM, SIGINT, SIGCHLD, 0 };
	int r = daemon_setup("guestinit-hostd", "guestinit-host", signals, on_signal, &h, &h.loop);
	if (r < 0)
		return 1;
	proto_buf_init(&h.out);
	/* the broker first, then the records: a ready report PID 1 makes after our read of its
	 * record finds the broker listening (PID 1 writes the record before it connects) */
	if ((r = broker_start(&h)) < 0)
		log_err("hostd", "no broker at %s: %s; guest programs cannot reach the host", HUB_SOCKET_PATH, strerror(-r));
	load_records(&h);
	connect_now(&h);
	r = evloop_run(h.loop);
	broker_stop(&h);
	if (h.fd >= 0)
		close(h.fd);
	proto_inbuf_free(&h.in);
	proto_buf_free(&h.out);
	evloop_free(h.loop);
	return r < 0 ? 1 : 0;
}

const struct daemon_def hub_daemon = {
	.name = "hostd",
	.applet = "guestinit-hostd",
	.description = "guestinit's hub: the host channel and the local broker",
	.flags = DAEMON_HOST_ARGS,
};
