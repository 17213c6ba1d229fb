/* What the hub runs in children: the host's sessions (each connects back on a connection of
 * its own and runs a command, lib/chan/exec_runner.c) and the power requests to PID 1. A
 * child never touches the hub's loop: it closes every fd it inherited first. */
#include "hub_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctlsock.h"
#include "exec_session.h"
#include "log.h"
#include "login.h"
#include "sdinit.h"
#include "session_msg.h"
#include "spawn.h"
#include "wslconf.h"

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

/* What the capabilities add to a session's environment (hub.h), and WSL_DISTRO_NAME: asked
 * once EXEC has come, so that it is what holds when the command starts. */
static char **session_env(void *ctx, const struct passwd *pw)
{
	(void)ctx;
	enum { CAP = 32 };
	char **env = calloc(CAP + 1, sizeof(char *));
	if (!env)
		return NULL;
	size_t n = 0;
	struct host_conf hc;
	if (host_conf_read(HOST_CONF_PATH, &hc) == 0 && hc.distro[0] && asprintf(&env[n], "WSL_DISTRO_NAME=%s", hc.distro) >= 0)
		n++;
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++)
		if ((*cap)->session_env)
			n += (*cap)->session_env(env + n, CAP - n);
	static struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, quiet, NULL);
	n += login_session_env(pw, conf.boot.init_timeout_ms, env + n, CAP - n);
	env[n] = NULL;
	return env;
}

static char **client_env(void *ctx, char *const *env, size_t n)
{
	(void)ctx;
	enum { CAP = 256 };
	char **out = calloc(CAP + 1, sizeof(char *));
	if (!out)
		return NULL;
	size_t k = 0;
	for (const struct hub_capability *const *cap = hub_capabilities; *cap; cap++)
		if ((*cap)->session_env_from_host)
			k += (*cap)->session_env_from_host(env, n, out + k, CAP - k);
	out[k] = NULL;
	return out;
}

/* The child's start: nothing of the hub's (its loop, its sockets) and nothing blocked. */
static pid_t fork_child(const char *name)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	spawn_close_from(3);
	spawn_reset_signals();
	prctl(PR_SET_NAME, name);
	return 0;
}

void session_start(struct hub *h, uint32_t id)
{
	pid_t pid = fork_child("guestinit-sess");
	if (pid < 0) {
		log_err("hostd", "session %u: fork: %s", id, strerror(errno));
		return;
	}
	if (pid > 0) {
		broker_session_open(h, pid);
		return;
	}
	log_init("guestinit-session");
	int fd = transport_connect(&h->addr, HUB_CONNECT_TIMEOUT_MS);
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
	/* session 0 is a spare: it waits for whatever EXEC the host hands it next, so that a
	 * command does not wait for a fork and a connection */
	struct exec_runner_opts o = { .default_user = default_user, .ctx = &conf, .log_ident = "guestinit",
				      .wait_forever = id == 0, .login_records = true, .session_env = session_env,
				      .client_env = client_env };
	rc = exec_runner_serve(fd, &o);
	if (rc < 0 && !(id == 0 && rc == -EPIPE))
		log_warn("hostd", "session %u: %s", id, strerror(-rc));
	_exit(0);
}

/* Under systemd (the hand-off): systemctl poweroff or reboot, so that every unit gets its
 * stop; if the VM is still up after the grace ([boot] initTimeout, WSL's bound, else
 * [guestinit] shutdownTimeout), a power-off by force after a sync, logged. This child is in
 * the helper's cgroup, which no unit's stop touches, so it outlives the services' stop. */
static void power_through_systemd(const char *verb)
{
	static struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, WSLCONF_PATH, quiet, NULL);
	int grace = conf.boot.init_timeout_ms > 0 ? conf.boot.init_timeout_ms : conf.guestinit.shutdown_timeout_ms;
	char *argv[] = { "systemctl", (char *)verb, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char out[256];
	int st = spawn_capture(sdinit_systemctl(), argv, envp, out, sizeof(out));
	if (st != 0)
		log_err("hostd", "the host asked for %s, but systemctl %s %s %d; powering off by force in %d ms", verb,
			verb, st < 0 ? "failed:" : "exited with", st < 0 ? -st : WEXITSTATUS(st), grace);
	else
		log_info("hostd", "the host asked for %s: systemctl %s (a forced power-off in %d ms if it hangs)", verb,
			 verb, grace);
	nanosleep(&(struct timespec){ .tv_sec = grace / 1000, .tv_nsec = (grace % 1000) * 1000000L }, NULL);
	log_err("hostd", "systemd did not %s within %d ms: syncing and powering off by force", verb, grace);
	sync();
	reboot(!strcmp(verb, "reboot") ? RB_AUTOBOOT : RB_POWER_OFF);
	_exit(1);
}

void session_request_power(struct hub *h, const char *verb)
{
	(void)h;
	pid_t pid = fork_child("guestinit-power");
	if (pid < 0)
		log_err("hostd", "the host asked for %s: fork: %s", verb, strerror(errno));
	if (pid != 0)
		return;
	if (sdinit_booted() && access(CTLSOCK_PATH, F_OK) < 0)
		power_through_systemd(verb); /* systemd is PID 1, and PID 1's control socket is not there */
	char reply[256];
	int rc = ctlsock_request(CTLSOCK_PATH, verb, reply, sizeof(reply), 5000);
	if (rc < 0)
		log_err("hostd", "the host asked for %s, but PID 1's control socket failed: %s", verb, strerror(-rc));
	else
		log_info("hostd", "the host asked for %s", verb);
	_exit(rc < 0);
}

int hub_frame_with_token(const struct hub *h, const uint8_t *frame, size_t len, struct proto_buf *out)
{
	struct proto_hdr hdr;
	if (len < PROTO_HDR_SIZE || proto_hdr_decode(frame, &hdr) < 0 || hdr.len != len - PROTO_HDR_SIZE)
		return -EBADMSG;
	proto_begin(out, hdr.type, hdr.flags);
	proto_put_str(out, TAG_TOKEN, h->token);
	struct proto_reader r;
	struct proto_field f;
	int rc;
	proto_reader_init(&r, frame + PROTO_HDR_SIZE, hdr.len);
	while ((rc = proto_next(&r, &f)) > 0)
		if (f.tag != TAG_TOKEN) /* the client does not know the token, and may not claim one */
			proto_put_bytes(out, f.tag, f.val, f.len);
	if (rc < 0)
		return rc;
	return proto_end(out);
}
