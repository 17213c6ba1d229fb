/* The client end of an exec session: this process's stdio becomes the command's. */
#include "exec_session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "evloop.h"
#include "relay.h"

/* exact_stdin on a pipe: the pipe's bytes are copied (tee) into a pipe of ours, which the
 * relay sends, and taken from stdin only as the runner reports them read (STDIN_USED). tee
 * always starts at the pipe's head, where the bytes sent but not yet read still are: a copy
 * made while some are on their way goes to a scratch pipe, whose first part (those bytes)
 * is dropped and the rest passed on, so that the data keeps flowing while the host reads. */
struct feeder {
	int in;             /* our stdin, a pipe; -1: no feeder */
	int out;            /* the write end of the relay's source, -1 once ended */
	int scratch[2];     /* the copy that has bytes already sent at its head; -1: none */
	int devnull;        /* where bytes go that are dropped or taken */
	uint64_t sent, used;
	bool registered;
};

/* Drops up to n bytes from the head of pipe fd (a splice to /dev/null: nothing copied). */
static void drop(const struct feeder *f, int fd, size_t n)
{
	char buf[65536];
	while (n) {
		ssize_t k = f->devnull >= 0 ? splice(fd, NULL, f->devnull, NULL, n, SPLICE_F_NONBLOCK) : -1;
		if (k < 0 && (errno == EINVAL || f->devnull < 0)) /* no splice here: read it away */
			k = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		if (k <= 0)
			return;
		n -= (size_t)k;
	}
}

struct client {
	struct relay *relay;
	struct evloop *loop;
	const char *progname;
	const char *error_prefix;
	bool done;
	int status;
	int tty_fd; /* a terminal among 0-2 for the window size, or -1 */
	struct feeder feed;
	off_t file_start;   /* exact_stdin on a file: its offset at the start; -1: none */
	uint64_t file_used;
};

static void feed_end(struct client *c)
{
	struct feeder *f = &c->feed;
	if (f->registered) {
		evloop_del_fd(c->loop, f->in);
		f->registered = false;
	}
	if (f->out >= 0) {
		close(f->out);
		f->out = -1;
	}
}

/* Sends what stdin holds beyond what went already. */
static void feed(struct client *c)
{
	struct feeder *f = &c->feed;
	if (f->in < 0 || f->out < 0)
		return;
	int avail = 0;
	if (ioctl(f->in, FIONREAD, &avail) < 0)
		avail = 0;
	uint64_t on_way = f->sent - f->used; /* at the head of stdin, sent, not yet read */
	if ((uint64_t)avail > on_way) {
		if (!on_way) {
			ssize_t n = tee(f->in, f->out, (size_t)avail, SPLICE_F_NONBLOCK);
			if (n > 0)
				f->sent += (uint64_t)n;
			else if (n < 0 && errno != EAGAIN)
				feed_end(c);
			return;
		}
		if (f->scratch[0] < 0)
			return; /* no scratch pipe: the next copy waits for the host to read these */
		ssize_t n = tee(f->in, f->scratch[1], (size_t)avail, SPLICE_F_NONBLOCK);
		if (n > 0 && (uint64_t)n > on_way) {
			drop(f, f->scratch[0], (size_t)on_way);
			ssize_t m = splice(f->scratch[0], NULL, f->out, NULL, (size_t)n - (size_t)on_way, SPLICE_F_NONBLOCK);
			if (m > 0)
				f->sent += (uint64_t)m;
			n -= (ssize_t)on_way + (m > 0 ? m : 0);
		}
		if (n > 0) /* what did not fit: copied again next time */
			drop(f, f->scratch[0], (size_t)n);
		return;
	}
	/* nothing new: the writer gone means the end of the input */
	struct pollfd p = { f->in, POLLIN, 0 };
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) && (!(p.revents & POLLIN) || avail == (int)on_way))
		feed_end(c);
}

/* What the command read: as much taken from stdin (to /dev/null), then the next copy. */
static void feed_used(struct client *c, uint64_t used)
{
	struct feeder *f = &c->feed;
	if (c->file_start >= 0) {
		c->file_used = used;
		return;
	}
	if (f->in < 0 || used <= f->used || used > f->sent)
		return;
	drop(f, f->in, (size_t)(used - f->used));
	f->used = used;
	feed(c);
}

static void on_stdin(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	feed(data);
}

/* exact_stdin: a feeder for a pipe (the relay's source is then a pipe of ours), the offset for
 * a file; a terminal or a socket is read as it comes. Returns the fd for the relay's stdin
 * source (a new one), or -1 to use a dup of 0. */
static int exact_stdin_start(struct client *c)
{
	struct stat st;
	c->feed = (struct feeder){ .in = -1, .out = -1, .scratch = { -1, -1 }, .devnull = -1 };
	c->file_start = -1;
	if (fstat(0, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		c->file_start = lseek(0, 0, SEEK_CUR);
		return -1;
	}
	if (!S_ISFIFO(st.st_mode))
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	/* one copy is at most what the pipe holds, and each waits for the host to read the last:
	 * a larger pipe (of the writer's too, as for the other streams) is fewer round trips */
	if (fcntl(0, F_GETPIPE_SZ) < (1 << 20))
		fcntl(0, F_SETPIPE_SZ, 1 << 20);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	c->feed = (struct feeder){ .in = 0, .out = p[1], .scratch = { -1, -1 },
				   .devnull = open("/dev/null", O_WRONLY | O_CLOEXEC) };
	if (pipe2(c->feed.scratch, O_CLOEXEC | O_NONBLOCK) == 0) {
		fcntl(c->feed.scratch[1], F_SETPIPE_SZ, 1 << 20);
	} else {
		c->feed.scratch[0] = c->feed.scratch[1] = -1;
	}
	/* every write into the pipe wakes an edge-triggered reader, so a copy waiting for more
	 * data hears of it without polling */
	if (evloop_add_fd(c->loop, 0, EPOLLIN | EPOLLET, on_stdin, c) == 0)
		c->feed.registered = true;
	feed(c);
	return p[0];
}

/* The end: a file's offset where the command's reading stopped. */
static void exact_stdin_finish(struct client *c)
{
	feed_end(c);
	for (int i = 0; i < 2; i++)
		if (c->feed.scratch[i] >= 0)
			close(c->feed.scratch[i]);
	if (c->feed.devnull >= 0)
		close(c->feed.devnull);
	if (c->file_start >= 0)
		lseek(0, c->file_start + (off_t)c->file_used, SEEK_SET);
}

static struct termios saved_termios;
static bool raw_mode;

static void restore_terminal(void)
{
	if (raw_mode) {
		tcsetattr(0, TCSADRAIN, &saved_termios);
		raw_mode = false;
	}
}

static void send_winsize(struct client *c)
{
	struct winsize ws;
	if (c->tty_fd < 0 || ioctl(c->tty_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_WINSIZE, 0);
	proto_put_u32(&b, TAG_ROWS, ws.ws_row);
	proto_put_u32(&b, TAG_COLS, ws.ws_col);
	proto_end(&b);
	relay_send(c->relay, &b);
	proto_buf_free(&b);
}

static int on_frame(struct relay *r, const struct proto_hdr *h, const uint8_t *payload, void *ctx)
{
	(void)r;
	struct client *c = ctx;
	const char *why = "";
	switch (h->type) {
	case MSG_STARTED:
		return 0;
	case MSG_STDIN_USED: {
		uint64_t used;
		if (proto_decode_u64(payload, h->len, TAG_STDIN_USED, &used, &why) == 0)
			feed_used(c, used);
		return 0;
	}
	case MSG_EXIT: {
		struct proto_exit ex;
		if (proto_decode_exit(payload, h->len, &ex, &why) < 0) {
			fprintf(stderr, "%s: bad EXIT message: %s\n", c->progname, why);
			c->status = 255;
		} else {
			c->status = (int)ex.status;
		}
		c->done = true;
		return 0;
	}
	case MSG_EXEC_ERROR: {
		char *reason = NULL;
		uint32_t status = 1;
		proto_decode_str(payload, h->len, TAG_REASON, &reason, &why);
		proto_decode_u32(payload, h->len, TAG_STATUS, &status, &why);
		restore_terminal();
		const char *text = reason ? reason : "the command could not be started";
		if (c->error_prefix)
			fprintf(stderr, "%s: %s\n", c->error_prefix, text);
		else
			fprintf(stderr, "%s\n", text);
		free(reason);
		c->status = status > 0 && status < 256 ? (int)status : 1;
		c->done = true;
		return 0;
	}
	default:
		return 0;
	}
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)loop;
	struct client *c = data;
	if (si->ssi_signo == SIGWINCH) {
		send_winsize(c);
		return;
	}
	/* INT, QUIT, TERM, HUP: the command gets it, and its end ends us with its status */
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SIGNAL, 0);
	proto_put_u32(&b, TAG_SIGNAL, si->ssi_signo);
	proto_end(&b);
	relay_send(c->relay, &b);
	proto_buf_free(&b);
}

void exec_client_prepare(struct proto_exec *spec)
{
	int tty_fd = -1;
	spec->tty_mask = 0;
	for (int i = 0; i < 3; i++)
		if (isatty(i)) {
			spec->tty_mask |= 1u << i;
			if (tty_fd < 0)
				tty_fd = i;
		}
	/* A terminal only on stdin (`run -- cat > file` typed at a prompt): no pty. The guest's
	 * echo would have nowhere to go, so the local terminal keeps its own line editing and
	 * echo, and ^D is the EOF, as ssh without -t does. */
	if (spec->tty_mask == 1) {
		spec->tty_mask = 0;
		tty_fd = -1;
	}
	struct winsize ws;
	if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0) {
		spec->rows = ws.ws_row;
		spec->cols = ws.ws_col;
	}
}

int exec_client_run(int conn, const struct proto_exec *spec, const struct exec_client_opts *o)
{
	const char *progname = o->progname;
	struct client c = { .progname = progname, .error_prefix = o->error_prefix, .tty_fd = -1, .status = 255,
			    .feed = { .in = -1, .out = -1, .scratch = { -1, -1 }, .devnull = -1 }, .file_start = -1 };
	struct evloop *loop = NULL;
	for (int i = 0; i < 3 && c.tty_fd < 0; i++)
		if (spec->tty_mask & (1u << i))
			c.tty_fd = i;
	int rc = evloop_new(&loop);
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = { SIGWINCH, SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (rc == 0)
		rc = evloop_set_signals(loop, &set, on_signal, &c);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE the relay turns into CLOSE */
	static const struct relay_ops ops = { .on_frame = on_frame };
	if (rc == 0)
		rc = relay_new(loop, conn, &ops, &c, &c.relay);
	else
		close(conn);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", progname, strerror(-rc));
		evloop_free(loop);
		return 255;
	}
	struct proto_buf b;
	proto_buf_init(&b);
	c.loop = loop;
	if (!o->exec_sent) {
		proto_encode_exec(&b, spec);
		rc = relay_send(c.relay, &b);
	}
	proto_buf_free(&b);
	if (rc == -EMSGSIZE)
		fprintf(stderr, "%s: the command line and environment are over the 1 MiB message limit\n", progname);
	/* stdin and the outputs: dup'd, so that our own 0-2 stay valid for messages */
	int exact_in = rc == 0 && o->exact_stdin && !(spec->tty_mask & 1) ? exact_stdin_start(&c) : -1;
	for (int s = 0; s < STREAM_COUNT && rc == 0; s++) {
		int d = s == STREAM_STDIN && exact_in >= 0 ? exact_in : fcntl(s, F_DUPFD_CLOEXEC, 3);
		if (d < 0)
			continue; /* a closed std fd: that stream simply does not exist */
		/* a pipe of ours grows to 1 MiB (never shrinks): bulk data then moves in large
		 * pieces instead of 64 KiB ones; the kernel may refuse, which changes nothing */
		struct stat st;
		if (fstat(d, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(d, F_GETPIPE_SZ) < (1 << 20))
			fcntl(d, F_SETPIPE_SZ, 1 << 20);
		if (s == STREAM_STDIN)
			rc = relay_add_source(c.relay, STREAM_STDIN, d);
		else
			rc = relay_add_sink(c.relay, (enum proto_stream)s, d, (spec->tty_mask >> s) & 1);
		if (rc < 0)
			close(d);
	}
	if (rc == 0 && (spec->tty_mask & 1)) {
		struct termios raw;
		if (tcgetattr(0, &saved_termios) == 0) {
			raw = saved_termios;
			cfmakeraw(&raw);
			if (tcsetattr(0, TCSADRAIN, &raw) == 0) {
				raw_mode = true;
				atexit(restore_terminal);
			}
		}
	}
	while (rc == 0 && !c.done)
		rc = relay_run_once(c.relay, -1);
	if (c.done) {
		relay_flush(c.relay); /* output that arrived before EXIT is not lost to a slow reader */
		rc = 0;
	}
	restore_terminal();
	if (o->exact_stdin)
		exact_stdin_finish(&c);
	if (rc < 0) {
		const char *text = relay_error_text(c.relay);
		fprintf(stderr, "%s: the session ended before the command did: %s\n", progname,
			rc == -EPIPE ? "the connection to the other side was lost" : text[0] ? text : strerror(-rc));
		c.status = 255;
	}
	relay_free(c.relay);
	evloop_free(loop);
	return c.status;
}

int exec_client_await_raw(int conn, char *why, size_t cap)
{
	struct proto_hdr h;
	_cleanup_free_ uint8_t *payload = NULL;
	int rc = proto_recv(conn, &h, &payload);
	if (rc < 0) {
		snprintf(why, cap, "the session ended before it started: %s", strerror(-rc));
		return rc;
	}
	const char *bad = "";
	if (h.type == MSG_STARTED)
		return 0;
	if (h.type == MSG_EXEC_ERROR) {
		char *reason = NULL;
		uint32_t err = EIO;
		proto_decode_str(payload, h.len, TAG_REASON, &reason, &bad);
		proto_decode_u32(payload, h.len, TAG_ERRNO, &err, &bad);
		snprintf(why, cap, "%s", reason ? reason : "the command could not be started");
		free(reason);
		return err > 0 && err < 4096 ? -(int)err : -EIO;
	}
	snprintf(why, cap, "the session sent %s where STARTED was due", proto_type_name(h.type));
	return -EPROTO;
}
