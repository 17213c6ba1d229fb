/* guestinit-hostd: the guest's end of the host channel. An internal daemon of PID 1: it
 * connects to the host agent, introduces itself (HELLO with the boot token), reports the
 * ready line, and opens one connection per exec session the host asks for. When the host
 * goes away it reconnects with backoff; PID 1 never waits on any of this. */
#include "hostd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "automount.h"
#include "backoff.h"
#include "cmdline.h"
#include "cleanup.h"
#include "ctlsock.h"
#include "exec_session.h"
#include "log.h"
#include "memreclaimd.h"
#include "proto.h"
#include "transport.h"
#include "wslconf.h"

#define CONNECT_TIMEOUT_MS 5000
#define WELCOME_TIMEOUT_MS 10000
#define READY_WAIT_MS 30000
#define STATS_INTERVAL_MS 2000

struct hostd {
	struct transport_addr addr;
	const char *token;
	char kernel[65];
	bool ever_connected;
	unsigned failures;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_rcvtimeo(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The configuration from WELCOME, for the capabilities that consume it (drives, network,
 * reclaim...): key=value lines in /run/guestinit/host.conf, replaced atomically. */
static void save_welcome(const struct hostd *h, const struct proto_welcome *w)
{
	char tmp[] = HOSTD_CONF_PATH ".tmp";
	FILE *f = fopen(tmp, "we");
	if (!f) {
		log_warn("hostd", "cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "version=%u\nfeatures=%llu\nhost=%s\n", w->version, (unsigned long long)w->features, h->addr.text);
	if (w->distro) fprintf(f, "distro=%s\n", w->distro);
	if (w->default_user) fprintf(f, "default_user=%s\n", w->default_user);
	if (w->timezone) fprintf(f, "timezone=%s\n", w->timezone);
	if (w->reclaim) fprintf(f, "reclaim=%s\n", w->reclaim);
	if (w->network) fprintf(f, "network=%s\n", w->network);
	if (w->hostname) fprintf(f, "hostname=%s\n", w->hostname);
	for (size_t i = 0; i < w->ndrives; i++)
		fprintf(f, "drive.%c=%s\n", w->drives[i].letter, w->drives[i].source);
	if (fclose(f) != 0 || rename(tmp, HOSTD_CONF_PATH) < 0)
		log_warn("hostd", "cannot write %s: %s", HOSTD_CONF_PATH, strerror(errno));
	/* mount.drvfs shows the token to the host for each mount; only root may read it */
	int fd = open(DRVFS_TOKEN_PATH ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, h->token, strlen(h->token)) < 0 || close(fd) < 0 ||
	    rename(DRVFS_TOKEN_PATH ".tmp", DRVFS_TOKEN_PATH) < 0)
		log_warn("hostd", "cannot write %s: %s", DRVFS_TOKEN_PATH, strerror(errno));
}

/* Once per boot, after the first WELCOME and before READY: the host's drives, then fstab, so
 * that when the host hears "ready" /mnt/c is there. */
static void boot_mounts(void)
{
	int fd = open(HOSTD_MOUNTED_PATH, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return; /* done already (hostd restarted, or the host came back) */
	close(fd);
	struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, NULL, NULL);
	struct drvfs_host dh;
	char err[300];
	if (drvfs_host_load(&dh, HOSTD_CONF_PATH, DRVFS_TOKEN_PATH, err, sizeof(err)) < 0) {
		log_warn("drvfs", "%s", err);
		return;
	}
	drvfs_automount(&conf, &dh);
	drvfs_fstab(&conf, &dh, "/etc/fstab");
}

/* HELLO → WELCOME. Returns the connected fd, or -errno (logged). */
static int handshake(struct hostd *h)
{
	int fd = transport_connect(&h->addr, CONNECT_TIMEOUT_MS);
	if (fd < 0)
		return fd;
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_hello hello = { .version = PROTO_VERSION, .features = PROTO_FEATURES_ALL,
				     .token = (char *)h->token, .kernel = h->kernel };
	proto_encode_hello(&b, &hello);
	int rc = proto_send(fd, &b);
	proto_buf_free(&b);
	struct proto_hdr hdr;
	_cleanup_free_ uint8_t *payload = NULL;
	set_rcvtimeo(fd, WELCOME_TIMEOUT_MS);
	if (rc == 0)
		rc = proto_recv(fd, &hdr, &payload);
	if (rc < 0) {
		log_debug("hostd", "%s: handshake: %s", h->addr.text, strerror(-rc));
		close(fd);
		return rc;
	}
	const char *why = "";
	if (hdr.type == MSG_REJECT) {
		char *reason = NULL;
		proto_decode_str(payload, hdr.len, TAG_REASON, &reason, &why);
		log_err("hostd", "the host at %s refused this guest: %s", h->addr.text, reason ? reason : "no reason given");
		free(reason);
		close(fd);
		return -EACCES;
	}
	struct proto_welcome w;
	if (hdr.type != MSG_WELCOME || proto_decode_welcome(payload, hdr.len, &w, &why) < 0) {
		log_err("hostd", "the host at %s answered HELLO with a bad %s: %s", h->addr.text,
			proto_type_name(hdr.type), hdr.type == MSG_WELCOME ? why : "expected WELCOME");
		close(fd);
		return -EPROTO;
	}
	save_welcome(h, &w);
	proto_welcome_free(&w);
	set_rcvtimeo(fd, 0);
	return fd;
}

/* The ready line and timings PID 1 left in /run/guestinit/ready ("line=", "ready_ms=",
 * "uptime_ms="). -ENOENT while the boot is still going: the caller tries again. */
static int send_ready(int fd)
{
	struct proto_ready r = { 0 };
	char line[256];
	FILE *f = fopen(HOSTD_READY_PATH, "re");
	if (!f)
		return -errno;
	char text[256] = "";
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "line=", 5))
			snprintf(text, sizeof(text), "%s", line + 5);
		else if (!strncmp(line, "ready_ms=", 9))
			r.ready_ms = strtoull(line + 9, NULL, 10);
		else if (!strncmp(line, "uptime_ms=", 10))
			r.uptime_ms = strtoull(line + 10, NULL, 10);
	}
	fclose(f);
	r.line = text;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_ready(&b, &r);
	int rc = proto_send(fd, &b);
	proto_buf_free(&b);
	return rc;
}

/* memreclaim's figures, prefixed "memreclaim.", when they changed since the last STATS. */
static void send_stats(int fd, char *last, size_t cap)
{
	char text[4096];
	size_t n = 0;
	FILE *f = fopen(MR_STATS_PATH, "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f) && n < sizeof(text) - 1)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "memreclaim.%s", line);
	fclose(f);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	text[n] = '\0';
	if (!strcmp(text, last))
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_STATS, 0);
	proto_put_str(&b, TAG_TEXT, text);
	if (proto_end(&b) == 0 && proto_send(fd, &b) == 0)
		snprintf(last, cap, "%s", text);
	proto_buf_free(&b);
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg; /* PID 1 reported the file's problems at boot; a session need not repeat them */
}

static const char *default_user(void *ctx)
{
	struct wsl_conf *conf = ctx;
	wslconf_defaults(conf);
	wslconf_load_file(conf, WSLCONF_PATH, quiet, NULL);
	return conf->user.default_user;
}

/* A session: a child (auto-reaped: SIGCHLD is ignored here) connects back, attaches and runs
 * the command. Session 0 is a spare: it attaches at once and waits for whatever EXEC the
 * host hands it next, so that a command does not wait for a fork and a connection. */
static void start_session(struct hostd *h, int control_fd, uint32_t id)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_err("hostd", "session %u: fork: %s", id, strerror(errno));
		return;
	}
	if (pid > 0)
		return;
	close(control_fd);
	prctl(PR_SET_NAME, "guestinit-sess");
	log_init("guestinit-session");
	int fd = transport_connect(&h->addr, CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		log_err("hostd", "session %u: cannot connect to %s: %s", id, h->addr.text, strerror(-fd));
		_exit(1);
	}
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SESSION_ATTACH, 0);
	proto_put_str(&b, TAG_TOKEN, h->token);
	proto_put_u32(&b, TAG_SESSION, id);
	proto_end(&b);
	int rc = proto_send(fd, &b);
	proto_buf_free(&b);
	if (rc < 0) {
		log_err("hostd", "session %u: attach: %s", id, strerror(-rc));
		_exit(1);
	}
	static struct wsl_conf conf;
	struct exec_runner_opts o = { .default_user = default_user, .ctx = &conf, .log_ident = "guestinit",
				      .wait_forever = id == 0 };
	rc = exec_runner_serve(fd, &o);
	if (rc < 0 && !(id == 0 && rc == -EPIPE))
		log_warn("hostd", "session %u: %s", id, strerror(-rc));
	_exit(0);
}

static void request_power(const char *verb)
{
	char reply[256];
	int rc = ctlsock_request(CTLSOCK_PATH, verb, reply, sizeof(reply), 5000);
	if (rc < 0)
		log_err("hostd", "the host asked for %s, but PID 1's control socket failed: %s", verb, strerror(-rc));
	else
		log_info("hostd", "the host asked for %s", verb);
}

/* Serves one control connection until it ends. Until the ready line is out, it looks for it
 * every 20 ms between frames (for at most READY_WAIT_MS). */
static void serve(struct hostd *h, int fd)
{
	bool ready_sent = false;
	uint64_t ready_until = now_ms() + READY_WAIT_MS;
	static char last_stats[4096];
	last_stats[0] = '\0'; /* a new connection (perhaps a new host) gets them all again */
	for (;;) {
		if (!ready_sent) {
			int rc = send_ready(fd);
			if (rc == 0 || now_ms() > ready_until) {
				ready_sent = true;
				if (rc < 0)
					log_warn("hostd", "could not report the ready line: %s", strerror(-rc));
			} else {
				struct pollfd p = { .fd = fd, .events = POLLIN };
				if (poll(&p, 1, 20) == 0)
					continue;
			}
		} else {
			/* between frames, the figures every STATS_INTERVAL_MS */
			send_stats(fd, last_stats, sizeof(last_stats));
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, STATS_INTERVAL_MS) == 0)
				continue;
		}
		struct proto_hdr hdr;
		_cleanup_free_ uint8_t *payload = NULL;
		int rc = proto_recv(fd, &hdr, &payload);
		if (rc < 0) {
			if (rc == -EPIPE)
				log_info("hostd", "the host closed the channel; reconnecting");
			else
				log_warn("hostd", "the host channel failed: %s; reconnecting",
					 rc == -EMSGSIZE ? "a frame over the size limit" : strerror(-rc));
			return;
		}
		const char *why = "";
		uint32_t v;
		switch (hdr.type) {
		case MSG_SESSION_REQUEST: /* 0: a spare */
			if (proto_decode_u32(payload, hdr.len, TAG_SESSION, &v, &why) < 0)
				log_warn("hostd", "bad SESSION_REQUEST: %s", why);
			else
				start_session(h, fd, v);
			break;
		case MSG_SHUTDOWN:
			if (proto_decode_u32(payload, hdr.len, TAG_SHUTDOWN_KIND, &v, &why) < 0 || v > 1)
				log_warn("hostd", "bad SHUTDOWN: %s", why[0] ? why : "kind is not 0 or 1");
			else
				request_power(v == 1 ? "reboot" : "poweroff");
			break;
		default:
			log_debug("hostd", "ignoring a %s frame (type %#x)", proto_type_name(hdr.type), hdr.type);
			break;
		}
	}
}

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

int hostd_main(int argc, char **argv)
{
	log_init("guestinit-hostd");
	prctl(PR_SET_NAME, "guestinit-host");
	signal(SIGPIPE, SIG_IGN);
	const char *uri = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--host") && i + 1 < argc)
			uri = argv[++i];
		else {
			fprintf(stderr, "usage: guestinit-hostd --host URI   (the token comes in GUESTINIT_TOKEN)\n");
			return 2;
		}
	}
	char found[256], token[256];
	if (!uri) {
		if (hostd_find_host(found, sizeof(found), token, sizeof(token), getpid() == 1) < 0) {
			fprintf(stderr, "guestinit-hostd: no host address (--host, GUESTINIT_HOST or guestinit.host=)\n");
			return 2;
		}
		uri = found;
	} else {
		const char *t = getenv("GUESTINIT_TOKEN");
		snprintf(token, sizeof(token), "%s", t ? t : "");
	}
	unsetenv("GUESTINIT_TOKEN"); /* sessions must not inherit it */
	signal(SIGCHLD, SIG_IGN);    /* session processes reap themselves */
	struct hostd h = { .token = token };
	char err[200];
	if (transport_parse(uri, &h.addr, err, sizeof(err)) < 0) {
		log_err("hostd", "%s", err);
		return 2;
	}
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(h.kernel, sizeof(h.kernel), "%s", u.release);
	/* a host agent restarts in seconds: keep retrying often rather than back off to 30 s */
	struct backoff bo = { .base_ms = 100, .max_ms = 2000, .reset_after_ms = 10000 };
	for (;;) {
		uint64_t t0 = now_ms();
		int fd = handshake(&h);
		if (fd >= 0) {
			log_info("hostd", "connected to the host at %s", h.addr.text);
			h.ever_connected = true;
			h.failures = 0;
			boot_mounts();
			serve(&h, fd);
			close(fd);
		} else if (h.failures++ == 0) {
			log_msg(h.ever_connected ? LOG_LVL_INFO : LOG_LVL_WARN, "hostd", "cannot reach the host at %s: %s; retrying",
				h.addr.text, strerror(-fd));
		}
		uint64_t delay = backoff_next_delay(&bo, now_ms() - t0);
		usleep((useconds_t)(delay * 1000));
	}
}
