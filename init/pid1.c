/* PID 1. It stays small and never blocks: mounts, reaping, signals, the control socket and
 * the internal daemons are events in one loop; everything that can hang runs in a child. */
#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bootcmd.h"
#include "cleanup.h"
#include "clock.h"
#include "cmdline.h"
#include "control.h"
#include "ctlsock.h"
#include "daemons.h"
#include "devnodes.h"
#include "hostd.h"
#include "hub.h"
#include "hosts.h"
#include "ipconfig.h"
#include "evloop.h"
#include "handoff.h"
#include "log.h"
#include "loopback.h"
#include "mounts.h"
#include "services_capability.h"
#include "shutdown.h"
#include "sigsend.h"
#include "spawn.h"
#include "sysbin.h"
#include "utmp_records.h"
#include "wslconf.h"

extern char **environ;

#define PROC_PID_INIT_INO 0xEFFFFFFCU /* /proc/self/ns/pid of the machine's first namespace */

static struct {
	struct evloop *loop;
	struct wsl_conf conf;
	bool ns_mode;
	bool no_handoff;
	uint64_t t0_ms;
	uint64_t ready_ms;
	bool stopping;
	enum shutdown_kind kind;
	int exit_code;
	int delayed_timer;
	enum shutdown_kind delayed_kind;
	char **session_argv;
	pid_t session_pid;
	pid_t boot_command_pid;
	int log_pipe[2];
	char self_exe[PATH_MAX];
	char *envp[DAEMONS_ENV_MAX];
	char host_uri[256];
	char host_token[256];
	char *host_envp[DAEMONS_ENV_MAX + 2];
} p1 = { .session_pid = -1, .boot_command_pid = -1, .log_pipe = { -1, -1 } };

static double since_start_ms(void)
{
	return (double)mono_us() / 1000.0 - (double)p1.t0_ms;
}

static void step_done(const char *what, double *last)
{
	double now = since_start_ms();
	log_info("boot", "%s (%.1f ms)", what, now - *last);
	*last = now;
}

static void pid1_request_shutdown(enum shutdown_kind kind);

/* ---- reaping ---------------------------------------------------------------------------- */

static void reap_all(void)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return; /* 0: children left but none done; -1/ECHILD: none at all */
		if (daemons_reaped(pid, st))
			continue;
		if (pid == p1.boot_command_pid) {
			p1.boot_command_pid = -1;
			boot_command_ended(st);
			continue;
		}
		if (pid == p1.session_pid) {
			p1.session_pid = -1;
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			log_info("session", "ended with status %d", code);
			if (!p1.stopping)
				p1.exit_code = code;
			pid1_request_shutdown(SHUTDOWN_POWEROFF);
		}
		/* anything else is an orphan that PID 1 inherited: reaping it is all there is to do */
	}
}

/* ---- shutdown --------------------------------------------------------------------------- */

static void after_kill_all(void)
{
	control_close(p1.loop);
	shutdown_final(p1.kind, p1.ns_mode, p1.exit_code);
}

static void after_daemons(void *ctx)
{
	(void)ctx;
	reap_all();
	log_set_pipe_fd(-1); /* logd is gone; the console has it all */
	shutdown_kill_all(p1.loop, p1.conf.guestinit.shutdown_timeout_ms, reap_all, after_kill_all);
}

static void pid1_request_shutdown(enum shutdown_kind kind)
{
	if (p1.stopping)
		return;
	p1.stopping = true;
	p1.kind = kind;
	if (p1.delayed_timer) {
		evloop_cancel_timer(p1.loop, p1.delayed_timer);
		p1.delayed_timer = 0;
	}
	log_info("shutdown", "%s requested", shutdown_kind_name(kind));
	if (p1.session_pid > 0) {
		signal_stopped_too(-p1.session_pid, SIGHUP); /* as a terminal hang-up would */
	}
	daemons_stop_all(p1.conf.guestinit.daemon_stop_timeout_ms, after_daemons, NULL);
}

static void delayed_cb(struct evloop *loop, void *data)
{
	(void)loop;
	(void)data;
	p1.delayed_timer = 0;
	pid1_request_shutdown(p1.delayed_kind);
}

/* ---- signals ---------------------------------------------------------------------------- */

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)loop;
	(void)data;
	int sig = (int)si->ssi_signo;
	if (sig == SIGCHLD) {
		reap_all();
		if (p1.stopping)
			shutdown_child_exited();
	}
	else if (sig == SIGTERM || sig == SIGPWR || sig == SIGUSR2 || sig == SIGRTMIN + 4)
		pid1_request_shutdown(SHUTDOWN_POWEROFF); /* USR2: busybox poweroff; RTMIN+4: systemd's */
	else if (sig == SIGINT || sig == SIGRTMIN + 5)
		pid1_request_shutdown(SHUTDOWN_REBOOT); /* INT: ctrl-alt-del */
	else if (sig == SIGRTMIN + 3)
		pid1_request_shutdown(SHUTDOWN_HALT);
	else if (sig == SIGUSR1) {
		log_info("signal", "SIGUSR1: reopening logs");
		daemons_signal_all(SIGUSR1);
	} else if (sig == SIGHUP)
		log_debug("signal", "SIGHUP ignored");
}

static int setup_signals(void)
{
	/* Job-control stops would freeze PID 1: ignore them (children get defaults back). */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGTSTP, &ign, NULL);
	sigaction(SIGTTIN, &ign, NULL);
	sigaction(SIGTTOU, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGPWR, SIGUSR1, SIGUSR2, SIGHUP,
		       SIGRTMIN + 3, SIGRTMIN + 4, SIGRTMIN + 5 };
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	return evloop_set_signals(p1.loop, &set, on_signal, NULL);
}

/* ---- control socket --------------------------------------------------------------------- */

static void status_text(char *reply, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(reply, cap, "error: out of memory");
		return;
	}
	fprintf(f, "ok\nstate: %s\n", p1.stopping ? "stopping" : "running");
	fprintf(f, "mode: %s\n", p1.ns_mode ? "namespace" : "machine");
	fprintf(f, "uptime: %.1f s\n", since_start_ms() / 1000.0);
	fprintf(f, "ready: %llu ms\n", (unsigned long long)p1.ready_ms);
	if (p1.delayed_timer)
		fprintf(f, "pending: %s\n", shutdown_kind_name(p1.delayed_kind));
	daemons_status(f);
	fclose(f);
	snprintf(reply, cap, "%s", text);
	free(text);
}

static void on_control(void *ctx, const char *req, bool privileged, pid_t peer, char *reply, size_t cap)
{
	(void)ctx;
	char verb[32] = "";
	long delay = 0;
	int n = sscanf(req, "%31s %ld", verb, &delay);
	if (n < 1) {
		snprintf(reply, cap, "error: empty request");
		return;
	}
	if (!privileged) {
		snprintf(reply, cap, "error: permission denied: '%s' needs root (or CAP_SYS_ADMIN)", verb);
		return;
	}
	enum shutdown_kind kind;
	if (!strcmp(verb, "poweroff"))
		kind = SHUTDOWN_POWEROFF;
	else if (!strcmp(verb, "reboot"))
		kind = SHUTDOWN_REBOOT;
	else if (!strcmp(verb, "halt"))
		kind = SHUTDOWN_HALT;
	else if (!strcmp(verb, "status")) {
		status_text(reply, cap);
		return;
	} else if (!strcmp(verb, "cancel")) {
		if (!p1.delayed_timer) {
			snprintf(reply, cap, "error: no shutdown is pending");
			return;
		}
		evloop_cancel_timer(p1.loop, p1.delayed_timer);
		p1.delayed_timer = 0;
		log_info("control", "pending %s cancelled (by pid %d)", shutdown_kind_name(p1.delayed_kind), (int)peer);
		snprintf(reply, cap, "ok");
		return;
	} else {
		snprintf(reply, cap, "error: unknown request '%s' (poweroff, reboot, halt, cancel, status)", verb);
		return;
	}
	if (n == 2 && delay < 0) {
		snprintf(reply, cap, "error: negative delay %ld", delay);
		return;
	}
	if (p1.stopping) {
		snprintf(reply, cap, "ok\nalready shutting down (%s)\n", shutdown_kind_name(p1.kind));
		return;
	}
	if (n == 2 && delay > 0) {
		if (p1.delayed_timer)
			evloop_cancel_timer(p1.loop, p1.delayed_timer);
		p1.delayed_kind = kind;
		int t = evloop_add_timer(p1.loop, (uint64_t)delay * 1000, delayed_cb, NULL);
		if (t < 0) {
			snprintf(reply, cap, "error: cannot schedule: %s", strerror(-t));
			return;
		}
		p1.delayed_timer = t;
		log_info("control", "%s scheduled in %ld s (by pid %d)", verb, delay, (int)peer);
		snprintf(reply, cap, "ok\n%s scheduled in %ld s; cancel with shutdown -c\n", verb, delay);
		return;
	}
	log_info("control", "%s requested by pid %d", verb, (int)peer);
	snprintf(reply, cap, "ok");
	pid1_request_shutdown(kind);
}

/* ---- boot ------------------------------------------------------------------------------- */

static bool in_pid_namespace(void)
{
	struct stat st;
	/* Without /proc we cannot tell; assume the machine, the case where it matters most. */
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino != PROC_PID_INIT_INO;
}

static void make_run_dirs(void)
{
	if (mkdir("/run/lock", 01777) < 0 && errno != EEXIST)
		log_warn("boot", "mkdir /run/lock: %s", strerror(errno));
	chmod("/run/lock", 01777);
	if (mkdir(CTLSOCK_DIR, 0755) < 0 && errno != EEXIST)
		log_warn("boot", "mkdir %s: %s", CTLSOCK_DIR, strerror(errno));
	/* /var/run and /var/lock name /run and /run/lock, as on any current Debian */
	static const char *const links[][2] = { { "/var/run", "/run" }, { "/var/lock", "/run/lock" } };
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		struct stat st;
		if (lstat(links[i][0], &st) == 0) {
			if (S_ISDIR(st.st_mode) && mount(links[i][1], links[i][0], NULL, MS_BIND, NULL) < 0)
				log_warn("boot", "bind %s on %s: %s", links[i][1], links[i][0], strerror(errno));
		} else if (errno == ENOENT && symlink(links[i][1], links[i][0]) < 0 && errno != ENOENT) {
			log_warn("boot", "link %s -> %s: %s", links[i][0], links[i][1], strerror(errno));
		}
	}
	/* devtmpfs does not make these; programs expect them */
	static const char *const devlinks[][2] = { { "/dev/fd", "/proc/self/fd" }, { "/dev/stdin", "/proc/self/fd/0" },
						   { "/dev/stdout", "/proc/self/fd/1" },
						   { "/dev/stderr", "/proc/self/fd/2" } };
	for (size_t i = 0; i < ARRAY_SIZE(devlinks); i++)
		(void)!symlink(devlinks[i][1], devlinks[i][0]);
}

static void set_oom_immune(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000\n", 6) < 0)
		log_debug("boot", "OOM immunity: %s", strerror(errno)); /* refused in a user namespace */
	if (fd >= 0)
		close(fd);
}

#define BOOT_COMMAND_POLL_MS 100
#define BOOT_COMMAND_WAIT_MS 120000 /* enabled services that take longer: the command goes first */

static void run_boot_command(void);

static void boot_command_cb(struct evloop *loop, void *data)
{
	(void)loop;
	(void)data;
	/* once the enabled services are up, as a distribution's rc.local runs after them;
	 * without a supervisor (none in a namespace without units), or after the wait, now */
	uint64_t waited = (uint64_t)since_start_ms() - p1.ready_ms;
	if (p1.stopping)
		return;
	if (daemons_in_boot("services") && access(SERVICES_UP_MARK, F_OK) < 0 && waited < BOOT_COMMAND_WAIT_MS &&
	    evloop_add_timer(p1.loop, BOOT_COMMAND_POLL_MS, boot_command_cb, NULL) > 0)
		return;
	if (waited >= BOOT_COMMAND_WAIT_MS)
		log_warn("boot", "the enabled services are not all up after %d s: [boot] command runs now",
			 BOOT_COMMAND_WAIT_MS / 1000);
	run_boot_command();
}

/* [boot] command, once the enabled services are up. */
static void start_boot_command(void)
{
	if (p1.conf.boot.command[0])
		boot_command_cb(p1.loop, NULL);
}

static void run_boot_command(void)
{
	pid_t pid = boot_command_start(p1.conf.boot.command, p1.envp, p1.log_pipe[1]);
	if (pid > 0)
		p1.boot_command_pid = pid;
}

static void start_session(void)
{
	if (!p1.session_argv)
		return;
	const char *path = p1.session_argv[0];
	char found[PATH_MAX];
	if (!strchr(path, '/')) { /* look it up in our PATH, as a shell would */
		char dirs[] = DAEMONS_PATH;
		char *save = NULL;
		path = NULL;
		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			snprintf(found, sizeof(found), "%s/%s", d, p1.session_argv[0]);
			if (access(found, X_OK) == 0) {
				path = found;
				break;
			}
		}
		if (!path) {
			log_err("session", "%s: command not found", p1.session_argv[0]);
			p1.exit_code = 127;
			pid1_request_shutdown(SHUTDOWN_POWEROFF);
			return;
		}
	}
	struct spawn_opts o = { .path = path, .argv = p1.session_argv, .envp = p1.envp,
				.fds = { 0, 1, 2 }, .flags = SPAWN_SETSID | SPAWN_CTTY };
	pid_t pid = spawn_process(&o);
	if (pid < 0) {
		log_err("session", "%s: %s", path, strerror((int)-pid));
		p1.exit_code = 126;
		pid1_request_shutdown(SHUTDOWN_POWEROFF);
		return;
	}
	p1.session_pid = pid;
}

/* The hostname: [network] hostname of wsl.conf, else /etc/hostname, as the distro's own init
 * would set it. Without one the kernel's "(none)" shows in every prompt. */
static void set_hostname(void)
{
	char name[65] = "";
	snprintf(name, sizeof(name), "%s", p1.conf.network.hostname);
	if (!name[0]) {
		FILE *f = fopen("/etc/hostname", "re");
		if (f) {
			if (!fgets(name, sizeof(name), f))
				name[0] = '\0';
			fclose(f);
		}
		name[strcspn(name, " \t\n")] = '\0';
	}
	if (name[0] && sethostname(name, strlen(name)) < 0)
		log_warn("boot", "hostname %s: %s", name, strerror(errno));
}

/* /etc/hosts, unless [network] generateHosts=false, which leaves the file as it is. */
static void write_hosts(const char *host_addr)
{
	if (!p1.conf.network.generate_hosts)
		return;
	char name[65] = "";
	if (gethostname(name, sizeof(name) - 1) < 0 || !strcmp(name, "(none)"))
		name[0] = '\0';
	int r = hosts_write("/etc/hosts", name, host_addr);
	if (r < 0)
		log_warn("net", "/etc/hosts: %s", strerror(-r));
}

/* guestinit.net= from the kernel command line: the host's description of our network. */
static void configure_network(void)
{
	char cmdline[4096], spec[256];
	cmdline_read(cmdline, sizeof(cmdline));
	int found = cmdline_param(cmdline, "guestinit.net", spec, sizeof(spec));
	if (found < 0)
		log_warn("net", "guestinit.net= is too long; the network stays down");
	if (found <= 0) {
		write_hosts(NULL);
		return;
	}
	struct ipconfig c;
	struct gi_error err = GI_ERROR_INIT;
	if (ipconfig_parse(spec, &c, &err) < 0) {
		log_warn("net", "%s; the network stays down", err.msg);
		write_hosts(NULL);
		return;
	}
	/* the gateway of QEMU's user network is the host's loopback: host.internal */
	write_hosts(c.gateway);
	if (ipconfig_apply(&c) < 0)
		return; /* logged */
	if (p1.conf.network.generate_resolv_conf) {
		int r = ipconfig_write_resolv_conf(&c, "/etc/resolv.conf");
		if (r < 0)
			log_warn("net", "/etc/resolv.conf: %s", strerror(-r));
	}
	log_info("net", "%s: %s via %s", c.iface, c.address, c.gateway);
}

/* guestinit.swap=DEVICE from the kernel command line: the swap disk the host made for
 * .wslconfig's swap (a fresh swap signature each boot), enabled as WSL's init enables it. */
static void enable_swap(void)
{
	char cmdline[4096], dev[64];
	cmdline_read(cmdline, sizeof(cmdline));
	if (cmdline_param(cmdline, "guestinit.swap", dev, sizeof(dev)) <= 0)
		return;
	if (swapon(dev, 0) < 0)
		log_warn("boot", "swapon %s: %s; the VM has no swap", dev, strerror(errno));
	else
		log_info("boot", "swap on %s", dev);
}

/* The host channel's address for hostd; the token goes only into hostd's environment. */
static bool find_host(void)
{
	if (hostd_find_host(p1.host_uri, sizeof(p1.host_uri), p1.host_token, sizeof(p1.host_token), !p1.ns_mode) < 0) {
		log_debug("boot", "no host channel: no GUESTINIT_HOST or guestinit.host=");
		return false;
	}
	daemons_host_env(p1.envp, p1.host_token, p1.host_envp);
	return true;
}

/* The ready line and timings, for the hub to report to the host: its record, and a message
 * for the hub if it runs already (never waited on). */
static void report_ready(void)
{
	struct ready_record r = { .ready_ms = p1.ready_ms, .uptime_ms = boot_ms() }; /* /proc/uptime's clock */
	snprintf(r.line, sizeof(r.line), "guestinit: ready in %llu ms", (unsigned long long)p1.ready_ms);
	int rc = hub_report_ready(&r);
	if (rc < 0 && rc != -ENOENT && rc != -ECONNREFUSED)
		log_debug("boot", "ready report: %s", strerror(-rc));
}

/* [boot] systemd=true: the systemd to hand off to in out, or "" and a warning naming what
 * is missing (the boot goes on with guestinit as init). */
static void find_systemd(char *out, size_t cap)
{
	char why[256];
	out[0] = '\0';
	if (p1.ns_mode)
		log_warn("boot", "[boot] systemd=true is for the VM's PID 1, not a namespace's; booting without systemd");
	else if (!handoff_find_systemd("", out, cap, why, sizeof(why)))
		log_warn("boot", "[boot] systemd=true, but %s; booting without systemd", why);
}

/* The early boot is done: the helper takes guestinit's daemons and systemd becomes PID 1.
 * If its exec fails, PID 1 starts over as guestinit alone (its loop's fds went with the
 * exec's preparation). */
static void hand_off(const char *systemd, double *last)
{
	bool have_host = find_host();
	step_done("early boot done; handing off to systemd", last);
	struct handoff h = { .systemd = systemd, .self_exe = p1.self_exe, .t0_ms = p1.t0_ms, .helper_envp = have_host ? p1.host_envp : p1.envp };
	if (handoff_exec(&h) == 0)
		return;
	char *argv[] = { "/init", "--no-handoff", NULL };
	execve(p1.self_exe, argv, environ);
	log_err("boot", "exec %s --no-handoff: %s; powering off", p1.self_exe, strerror(errno));
	shutdown_final(SHUTDOWN_POWEROFF, false, 1);
}

/* /dev/net/tun, /dev/fuse and the like, for the modules this kernel loads on demand. */
static void static_nodes(void)
{
	struct utsname u;
	char path[PATH_MAX];
	if (uname(&u) < 0)
		return;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.devname", u.release);
	int n = devnodes_make(path, "/dev");
	if (n < 0)
		log_debug("boot", "%s: %s; no static device nodes", path, strerror(-n));
}

static void boot(void)
{
	double last = 0;
	size_t missing = boot_mounts_apply(boot_mount_table, boot_mount_count, &mount_ops_system);
	p1.ns_mode = in_pid_namespace();
	if (!p1.ns_mode && log_open_kmsg() < 0)
		log_debug("boot", "/dev/kmsg: %s", strerror(errno));
	set_oom_immune();
	make_run_dirs();
	if (!p1.ns_mode)
		static_nodes();
	step_done(missing ? "pseudo filesystems mounted (some missing, see above)" : "pseudo filesystems mounted",
		  &last);

	wslconf_load_file(&p1.conf, WSLCONF_PATH, NULL, NULL);
	log_set_level(p1.conf.guestinit.log_level);
	umask(p1.conf.filesystem.umask);
	step_done("wsl.conf read", &last);
	char systemd[64] = "";
	if (p1.conf.boot.systemd && !p1.no_handoff)
		find_systemd(systemd, sizeof(systemd));

	set_hostname();
	int r = net_loopback_up();
	if (r < 0)
		log_warn("net", "loopback: %s", strerror(-r));
	if (!p1.ns_mode) {
		configure_network();
		enable_swap();
	}
	ssize_t n = readlink("/proc/self/exe", p1.self_exe, sizeof(p1.self_exe) - 1);
	if (n > 0) {
		p1.self_exe[n] = '\0';
	} else {
		strcpy(p1.self_exe, "/init");
		log_warn("boot", "cannot read /proc/self/exe: %s; assuming /init", strerror(errno));
	}
	if (systemd[0]) {
		hand_off(systemd, &last); /* returns only if systemd could not be started */
		systemd[0] = '\0';
	}
	r = utmp_write_boot(UTMP_PATH, WTMP_PATH, '2');
	if (r < 0)
		log_warn("boot", "%s: %s; runlevel and invoke-rc.d will not know the runlevel", UTMP_PATH, strerror(-r));
	sysbin_expose(p1.self_exe);
	r = control_listen(p1.loop, CTLSOCK_PATH, on_control, NULL);
	if (r < 0)
		log_err("boot", "control socket %s: %s; reboot/poweroff will not work (signals still do)",
			CTLSOCK_PATH, strerror(-r));
	step_done("network, utmp, commands, control socket", &last);

	daemons_log_pipe(p1.log_pipe);
	bool have_host = find_host();
	struct daemon_env denv = {
		.self_exe = p1.self_exe, .envp = p1.envp, .log_read_fd = p1.log_pipe[0], .console_fd = 2,
		.log_file = p1.conf.guestinit.log_file, .log_file_max_kb = p1.conf.guestinit.log_file_max_kb,
		.log_file_keep = p1.conf.guestinit.log_file_keep,
		.host_uri = have_host ? p1.host_uri : NULL, .host_envp = p1.host_envp, .machine = !p1.ns_mode,
	};
	daemons_init(p1.loop, &denv);
	daemons_start_all();
	step_done("internal daemons started", &last);

	p1.ready_ms = (uint64_t)since_start_ms();
	start_boot_command();
	log_info(NULL, "ready in %llu ms", (unsigned long long)p1.ready_ms);
	report_ready();
	start_session();
}

void pid1_main(int argc, char **argv)
{
	p1.t0_ms = mono_ms();
	log_init("guestinit");
	wslconf_defaults(&p1.conf);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-handoff"))
			p1.no_handoff = true; /* a failed hand-off's start over */
		else if (!strcmp(argv[i], "--")) {
			if (i + 1 < argc)
				p1.session_argv = &argv[i + 1];
			break;
		}
	if (chdir("/") < 0)
		log_warn("boot", "chdir /: %s", strerror(errno));
	daemons_base_env(p1.envp);
	int r = evloop_new(&p1.loop);
	if (r == 0)
		r = setup_signals();
	if (r < 0) {
		/* Without a loop there is nothing PID 1 can supervise; end in order rather than exit. */
		log_err("boot", "event loop: %s; powering off", strerror(-r));
		shutdown_final(SHUTDOWN_POWEROFF, in_pid_namespace(), 1);
	}
	boot();
	for (;;) {
		r = evloop_run(p1.loop);
		log_err("loop", "event loop stopped: %s; resuming", strerror(r < 0 ? -r : 0));
		sleep(1); /* never spin, never exit */
	}
}
