/* `guesthost start [--image default|systemd] [--drive L=DIR]... [--drive-virtio L=DIR]... [--mem MB] [--cpus N]
 * [--drive-ports N] [--memory-reclaim MODE] [--boot-timeout S]`: builds what is missing, boots QEMU in the
 * background, starts the agent that serves it (and ends with it), and returns once the guest
 * is ready (the agent's typed status says so). A VM that is not ready in time is ended,
 * never left to loop. A start without options boots with the options of the last start that
 * gave any (STATE/start.args), so the drives come back after a poweroff as after a reboot. */
#include "guesthost.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_client.h"
#include "child.h"
#include "cleanup.h"
#include "clock.h"
#include "distro.h"
#include "firstuser.h"
#include "image.h"
#include "parse.h"
#include "procstat.h"
#include "readfile.h"
#include "qemu.h"
#include "state.h"
#include "vmopts.h"
#include "wslconfig.h"

static int pick_port(struct gi_error *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 || getsockname(fd, (struct sockaddr *)&in, &len) < 0)
		return gi_error_errno(err, errno, "cannot find a free port on 127.0.0.1");
	return ntohs(in.sin_port);
}

/* `guesthost agent` for the VM of qemu, in a session of its own; returns once it listens. */
static int start_agent(const struct gh *g, const struct vm_opts *vm, int port, pid_t qemu, struct gi_error *err)
{
	char listen[64], tokfile[PATH_MAX], logp[PATH_MAX], pidarg[16], timeout[16], monitor[PATH_MAX];
	static char drive_args[26][PATH_MAX + 4];
	snprintf(listen, sizeof(listen), "tcp://127.0.0.1:%d", port);
	snprintf(pidarg, sizeof(pidarg), "%d", (int)qemu);
	snprintf(timeout, sizeof(timeout), "%u", vm->boot_timeout_s);
	char *argv[40 + 2 * 26 + 2 * AGENT_MAX_ALIASES] = { (char *)g->self, "--state", (char *)g->state, "agent", "--listen", listen,
				    "--token-file", (char *)state_file(g, "token", tokfile), "--ready-fd", "3",
				    "--qemu-pid", pidarg, "--boot-timeout", timeout };
	size_t n = 14;
	argv[n++] = "--distro";
	argv[n++] = (char *)vm->distro;
	char idle[16];
	if (vm->idle_timeout_ms) {
		snprintf(idle, sizeof(idle), "%u", vm->idle_timeout_ms);
		argv[n++] = "--idle-timeout";
		argv[n++] = idle;
	}
	if (vm->reclaim) {
		argv[n++] = "--memory-reclaim";
		argv[n++] = (char *)vm->reclaim;
	}
	for (size_t i = 0; i < vm->ndrives; i++) {
		snprintf(drive_args[i], sizeof(drive_args[i]), "%c=%s", vm->drives[i].letter, vm->drives[i].dir);
		argv[n++] = vm->drives[i].virtio ? "--drive-virtio" : "--drive";
		argv[n++] = drive_args[i];
	}
	char ports[16];
	snprintf(ports, sizeof(ports), "%u", vm->drive_ports);
	argv[n++] = "--drive-ports";
	argv[n++] = ports;
	if (vm->wine_prefix) {
		argv[n++] = "--wine";
		argv[n++] = (char *)vm->wine_prefix;
	}
	if (vm->windows_path) {
		argv[n++] = "--windows-path";
		argv[n++] = (char *)vm->windows_path;
	}
	for (size_t i = 0; i < vm->naliases; i++) {
		argv[n++] = "--alias";
		argv[n++] = (char *)vm->aliases[i];
	}
	if (vm->localhost_forwarding_off) {
		argv[n++] = "--localhost-forwarding";
		argv[n++] = "false";
	}
	if (!vm->net.mirrored) { /* QEMU's forwards for the guest's IPv4 wildcard listeners (user network only) */
		argv[n++] = "--monitor";
		argv[n++] = (char *)state_file(g, "monitor.sock", monitor);
	}
	char passt[16];
	if (vm->net.passt_pid > 0) { /* the agent ends passt with the VM */
		snprintf(passt, sizeof(passt), "%d", (int)vm->net.passt_pid);
		argv[n++] = "--passt-pid";
		argv[n++] = passt;
		argv[n++] = "--network";
		argv[n++] = "mirrored";
	}
	argv[n] = NULL;
	_cleanup_close_ int log = open(state_file(g, "agent.log", logp), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log < 0)
		return gi_error_errno(err, errno, "cannot open %s", logp);
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return gi_error_errno(err, errno, "pipe");
	pid_t pid = child_start(&(struct child_spec){ .argv = argv, .fds = { -1, log, log }, .extra_fds = &ready[1],
						     .nextra = 1, .setsid = true }, err);
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		return pid;
	}
	char c;
	ssize_t k;
	while ((k = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (k != 1) { /* it ended before it listened */
		child_wait(pid);
		state_print_tail(g, "agent.log", 5);
		return gi_error_set(err, EIO, "the agent did not start (log: %s)", logp);
	}
	return 0;
}

/* The running VM's agent died (or was killed): a new one on the same port and token, and
 * the guest reconnects by itself. */
static int restart_agent(const struct gh *g, const struct vm_opts *vm, pid_t qemu, struct gi_error *err)
{
	char port[16];
	uint64_t p;
	if (!state_read_line(g, "token", (char[128]){ 0 }, 128) || !state_read_line(g, "port", port, sizeof(port)) ||
	    parse_uint(port, 10, 65535, &p) < 0)
		return gi_error_set(err, ENOENT, "the VM runs but its token or port file is gone; guesthost shutdown --force");
	struct vm_opts v = *vm; /* the network it was started with, not a new one */
	/* the sessions opened through the agent that died are not known to this one: a VM that
	 * might have some is never taken for idle (vmIdleTimeout) */
	v.idle_timeout_ms = 0;
	char text[32];
	v.net.mirrored = v.mirrored && state_read_line(g, "passt.pid", text, sizeof(text));
	v.net.passt_pid = v.net.mirrored ? (pid_t)atoi(text) : 0;
	int r = start_agent(g, &v, (int)p, qemu, err);
	if (r < 0)
		return r;
	gh_say("the VM is already running (pid %d); its agent was restarted", (int)qemu);
	return 0;
}

/* --wine PREFIX: the prefix made once (wineboot -i), and its drive_c shared as drive C:
 * unless a drive C: is given. */
static int prepare_wine(struct vm_opts *vm, struct gi_error *err)
{
	static char drive_c[PATH_MAX], sys32[PATH_MAX + 32];
	const char *p = vm->wine_prefix;
	snprintf(sys32, sizeof(sys32), "%s/drive_c/windows/system32", p);
	if (access(sys32, F_OK) < 0) {
		char wine[PATH_MAX];
		if (child_which("wineboot", wine, sizeof(wine)) < 0)
			return gi_error_set(err, ENOENT, "--wine %s: no wineboot on PATH (apt-get install wine wine64)", p);
		gh_say("making the Wine prefix %s (wineboot -i, once; some seconds)", p);
		setenv("WINEPREFIX", p, 1);
		setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 1); /* no offer to download Mono or Gecko */
		if (!getenv("WINEDEBUG"))
			setenv("WINEDEBUG", "-all", 1);
		char *argv[] = { "wineboot", "-i", NULL };
		int r = child_run(&(struct child_spec){ .argv = argv, .fds = { -1, 2, 2 } }, err);
		unsetenv("WINEDLLOVERRIDES");
		if (r < 0)
			return r;
		if (r != 0 || access(sys32, F_OK) < 0)
			return gi_error_set(err, EIO, "--wine %s: wineboot -i failed (status %d), and the prefix has no %s", p, r,
					    sys32);
	}
	static char real[PATH_MAX];
	if (!realpath(p, real))
		return gi_error_errno(err, errno, "--wine %s", p);
	vm->wine_prefix = real; /* the agent runs elsewhere */
	bool have_c = false;
	for (size_t i = 0; i < vm->ndrives; i++)
		have_c |= vm->drives[i].letter == 'c';
	if (have_c)
		return 0;
	if (!realpath(sys32, drive_c))
		return gi_error_errno(err, errno, "--wine %s", p);
	*strstr(drive_c, "/windows/system32") = '\0';
	char spec[PATH_MAX + 4];
	snprintf(spec, sizeof(spec), "c=%s", drive_c);
	return vm_opt_drive("--wine", spec, false, vm->drives, &vm->ndrives, err);
}

/* .wslconfig's swap: a sparse file of that size with a fresh swap signature at each boot
 * (what a swap area held is gone with the VM anyway). A file that exists and is no swap area
 * is someone's data: it is left alone, and the boot goes on without swap. */
static int prepare_swap(const struct gh *g, struct vm_opts *vm, struct gi_error *err)
{
	static char path[PATH_MAX];
	if (vm->swap_file)
		snprintf(path, sizeof(path), "%s", vm->swap_file);
	else
		state_file(g, "swap.img", path);
	vm->swap_file = path;
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return gi_error_errno(err, errno, ".wslconfig swapFile %s", path);
	long page = sysconf(_SC_PAGESIZE);
	char magic[10] = "";
	off_t size = lseek(fd, 0, SEEK_END);
	if (size > 0 && (pread(fd, magic, sizeof(magic), page - 10) != (ssize_t)sizeof(magic) ||
			 (memcmp(magic, "SWAPSPACE2", 10) && memcmp(magic, "SWAP-SPACE", 10)))) {
		gh_say(".wslconfig: swapFile %s holds something else than a swap area: it is left alone, and the VM has no swap",
		       path);
		vm->swap_mb = 0;
		return 0;
	}
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)vm->swap_mb << 20) < 0)
		return gi_error_errno(err, errno, ".wslconfig swap: sizing %s to %u MB", path, vm->swap_mb);
	char *argv[] = { "mkswap", "-q", path, NULL };
	int st = child_run(&(struct child_spec){ .argv = argv, .fds = { -1, -1, 2 } }, err);
	if (st < 0)
		return st;
	if (st != 0)
		return gi_error_set(err, EIO, ".wslconfig swap: mkswap %s failed (status %d)", path, st);
	return 0;
}

static int new_token(const struct gh *g, struct gi_error *err)
{
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return gi_error_errno(err, errno, "getrandom");
	char token[2 * sizeof(rnd) + 1];
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	return state_write(g, "token", token, 0600, err);
}

/* The boot failed: QEMU ended first (the console's last lines say why), or the guest is
 * late, and then QEMU is ended: a guest that never gets ready must not loop (a panic before
 * the pvpanic driver is loaded reboots it) or hang for ever. */
static int boot_failed(const struct gh *g, int r, int qemu_pidfd, unsigned timeout_s, struct gi_error *err)
{
	char path[PATH_MAX];
	state_file(g, "console.log", path);
	if (r != -ECHILD && qemu_pidfd >= 0 && proc_wait_pidfd(qemu_pidfd, 0) == 0) {
		proc_signal_pidfd(qemu_pidfd, SIGKILL);
		proc_wait_pidfd(qemu_pidfd, 10000);
	}
	state_print_tail(g, "console.log", 15);
	agent_stop(g); /* it ends with QEMU by itself; this waits for that */
	if (r == -ECHILD)
		return gi_error_set(err, ECHILD, "QEMU exited before the guest was ready (console: %s)", path);
	if (r == -ETIMEDOUT)
		return gi_error_set(err, ETIMEDOUT, "the guest was not ready within %u s: QEMU was ended (console: %s)",
				    timeout_s, path);
	return gi_error_wrap(err, "waiting for the guest's ready line (QEMU was ended)");
}

/* STATE/start.args: the last given options, one per line */
#define SAVED_ARGS "start.args"
#define SAVED_ARGS_MAX (64 * 1024)

/* Keeps argv[1..] for the next start without options. An argument holding a newline cannot
 * be kept one per line: then nothing is kept, and the start says so. */
static int save_args(const struct gh *g, int argc, char **argv, struct gi_error *err)
{
	size_t len = 1;
	for (int i = 1; i < argc; i++) {
		if (strchr(argv[i], '\n')) {
			gh_say("note: an option holds a newline, so a later start without options will not repeat these");
			char path[PATH_MAX];
			unlink(state_file(g, SAVED_ARGS, path));
			return 0;
		}
		len += strlen(argv[i]) + 1;
	}
	_cleanup_free_ char *text = malloc(len);
	if (!text)
		return gi_error_set(err, ENOMEM, "start: keeping its options");
	size_t off = 0;
	for (int i = 1; i < argc; i++)
		off += (size_t)sprintf(text + off, "%s\n", argv[i]);
	text[off] = '\0';
	return state_write(g, SAVED_ARGS, text, 0600, err);
}

/* The last start's options as an argv ("start" first) in *out, its strings in *text; both
 * NULL when there are none. */
static int load_args(const struct gh *g, char **text, char ***out, int *argc, struct gi_error *err)
{
	char path[PATH_MAX];
	size_t len;
	*text = NULL;
	*out = NULL;
	int r = read_file(state_file(g, SAVED_ARGS, path), SAVED_ARGS_MAX, text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gi_error_set(err, -r, "reading the last start's options, %s", path);
	size_t n = 3; /* "start", a last line without its newline, the NULL */
	for (size_t i = 0; i < len; i++)
		n += (*text)[i] == '\n';
	char **v = calloc(n, sizeof(char *));
	if (!v) {
		free(*text);
		*text = NULL;
		return gi_error_set(err, ENOMEM, "reading the last start's options, %s", path);
	}
	int c = 0;
	v[c++] = "start";
	for (char *line = *text; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		v[c++] = line;
		if (!end)
			break;
		line = end + 1;
	}
	*out = v;
	*argc = c;
	return 0;
}

int cmd_start(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	struct vm_opts vm = { .image = "default", .distro = DISTRO_BUILTIN, .idle_timeout_ms = WSL_IDLE_TIMEOUT_MS, .mem_mb = 2048, .cpus = 2, .boot_timeout_s = BOOT_TIMEOUT_S, .net = { .qemu_fd = -1 } };
	_cleanup_free_ char *saved = NULL;
	_cleanup_free_ char **saved_argv = NULL;
	/* --image is for this start only, and apart from the other options: a start that gives
	 * only --image keeps the last start's drives and the rest, and a start without it boots
	 * the default image (each image keeps its own disk) */
	char *rest[argc + 1];
	int nrest = 0, r = 0;
	const char *image = NULL, *config = NULL, *user = NULL;
	for (int i = 0; i < argc; i++)
		if (i > 0 && !strcmp(argv[i], "--image") && i + 1 < argc)
			image = argv[++i];
		else if (i > 0 && !strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i]; /* like --image, for this start only */
		else if (i > 0 && !strcmp(argv[i], "--user") && i + 1 < argc)
			user = argv[++i]; /* the default user: kept on the host, not as an option */
		else
			rest[nrest++] = argv[i];
	rest[nrest] = NULL;
	argc = nrest;
	argv = rest;
	if (image && (r = vm_opt_image(image, &vm.image, err)) < 0)
		return r;
	if (user && (r = user_name_check(user, err)) < 0)
		return gi_error_wrap(err, "--user");
	/* ~/.wslconfig first, this start's (or the last start's) options over it */
	static struct wslconfig wc;
	char wc_path[PATH_MAX];
	if (config && access(config, R_OK) < 0)
		return gi_error_errno(err, errno, "--config %s", config);
	if (!config)
		wslconfig_default_path(wc_path, sizeof(wc_path));
	wslconfig_defaults(&wc);
	wslconfig_load(&wc, config ? config : wc_path);
	wslconfig_apply(&wc, &vm);
	bool given = argc > 1;
	if (!given && (r = load_args(g, &saved, &saved_argv, &argc, err)) < 0)
		return r;
	if (saved_argv)
		argv = saved_argv;
	if ((r = vm_opts_parse(argc, argv, &vm, err)) < 0) {
		char path[PATH_MAX];
		return saved ? gi_error_wrap(err, "the last start's options (%s; give options to replace them)",
					     state_file(g, SAVED_ARGS, path))
			     : r;
	}
	if ((r = state_create(g, err)) < 0 || (vm.wine_prefix && (r = prepare_wine(&vm, err)) < 0))
		return r;
	struct distro imported;
	if ((r = distro_record_read(g, &imported, err)) < 0)
		return r;
	if (r > 0) { /* an imported distribution's state folder: its disk, its name */
		if (image)
			return gi_error_set(err, EINVAL, "--image %s: distribution %s boots its own disk, %s", image,
					    imported.name, imported.disk);
		vm.disk = imported.disk;
		vm.distro = imported.name;
	}
	_cleanup_close_ int lock = state_lock(g, err);
	if (lock < 0)
		return lock;

	pid_t qemu = state_read_pid(g, "qemu.pid");
	if (qemu && !state_read_pid(g, "agent.pid"))
		return restart_agent(g, &vm, qemu, err);
	if (qemu) {
		if (!g->quiet) /* wsl: another wsl started it meanwhile */
			gh_say("the VM is already running (pid %d)", (int)qemu);
		return user ? firstuser_setup(g, user, err) : 0;
	}
	if (given && (r = save_args(g, argc, argv, err)) < 0)
		return r;
	if (saved && argc > 1 && !g->quiet) {
		char shown[512] = "";
		for (int i = 1; i < argc && strlen(shown) < sizeof(shown) - 1; i++)
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "%s%s", i > 1 ? " " : "", argv[i]);
		gh_say("starting with the last start's options: %s", shown);
	}
	uint64_t t0 = mono_ms();
	char init[PATH_MAX];
	struct image img;
	if ((r = image_find_init(init, sizeof(init), err)) < 0 || (r = image_build(g, vm.image, vm.disk, init, &img, err)) < 0)
		return r;
	agent_stop(g); /* one from an earlier boot */
	int port = pick_port(err);
	char text[32];
	snprintf(text, sizeof(text), "%d\n", port);
	if (port < 0 || (r = new_token(g, err)) < 0 || (r = state_write(g, "port", text, 0644, err)) < 0)
		return port < 0 ? port : r;

	if (vm.swap_mb && (r = prepare_swap(g, &vm, err)) < 0)
		return r;
	/* QEMU first, then the agent with QEMU's pid: the guest needs seconds before it dials,
	 * and an agent that holds its QEMU from the start never outlives it */
	uint64_t t_boot = mono_ms();
	netmode_prepare(g, vm.mirrored, &vm.net);
	qemu = qemu_launch(g, &vm, &img, port, err);
	if (vm.net.qemu_fd >= 0)
		close(vm.net.qemu_fd); /* QEMU has its own */
	if (qemu < 0) {
		netmode_stop_passt(vm.net.passt_pid);
		return qemu;
	}
	_cleanup_close_ int pidfd = proc_pidfd(qemu);
	if (pidfd < 0)
		return boot_failed(g, gi_error_set(err, ECHILD, "QEMU ended"), -1, vm.boot_timeout_s, err);
	if ((r = start_agent(g, &vm, port, qemu, err)) < 0) {
		proc_signal_pidfd(pidfd, SIGKILL);
		return r;
	}
	struct agent_status st;
	r = agent_get_status(g, 1, pidfd, (int)vm.boot_timeout_s * 1000, &st, err);
	if (r < 0)
		return boot_failed(g, r, pidfd, vm.boot_timeout_s, err);
	double took = (double)(mono_ms() - t_boot) / 1000;
	char info[512];
	snprintf(info, sizeof(info), "%s; kernel start to ready %llu ms; QEMU start to ready %.2f s (%s)\n",
		 st.ready_line ? st.ready_line : "", (unsigned long long)st.uptime_ms, took, img.accel);
	agent_status_free(&st);
	if ((r = state_write(g, "boot.info", info, 0644, err)) < 0)
		return r;
	if ((r = firstuser_setup(g, user, err)) < 0)
		return r;
	info[strcspn(info, "\n")] = '\0';
	if (!g->quiet)
		gh_say("VM ready: %s; all of start %.1f s", info, (double)(mono_ms() - t0) / 1000);
	return 0;
}
