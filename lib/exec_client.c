/* The client end of an exec session: this process's stdio becomes the command's. */
#include "exec_session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "evloop.h"
#include "relay.h"

struct client {
	struct relay *relay;
	const char *progname;
	bool done;
	int status;
	int tty_fd; /* a terminal among 0-2 for the window size, or -1 */
};

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
		fprintf(stderr, "%s\n", reason ? reason : "the command could not be started");
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

int exec_client_run(int conn, const struct proto_exec *spec, bool exec_sent, const char *progname)
{
	struct client c = { .progname = progname, .tty_fd = -1, .status = 255 };
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
	if (!exec_sent) {
		proto_encode_exec(&b, spec);
		rc = relay_send(c.relay, &b);
	}
	proto_buf_free(&b);
	if (rc == -EMSGSIZE)
		fprintf(stderr, "%s: the command line and environment are over the 1 MiB message limit\n", progname);
	/* stdin and the outputs: dup'd, so that our own 0-2 stay valid for messages */
	for (int s = 0; s < STREAM_COUNT && rc == 0; s++) {
		int d = fcntl(s, F_DUPFD_CLOEXEC, 3);
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
