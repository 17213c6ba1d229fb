/* The systemd hand-off (see handoff.h). */
#include "handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "spawn.h"

static bool is_systemd(const char *root, const char *path, char *why, size_t whycap)
{
	char full[PATH_MAX], real[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", root, path);
	if (!realpath(full, real)) {
		snprintf(why, whycap, "%s: %s", path, strerror(errno));
		return false;
	}
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strcmp(base, "systemd")) {
		snprintf(why, whycap, "%s is %s, not systemd", path, real + strlen(root));
		return false;
	}
	if (access(real, X_OK) < 0) {
		snprintf(why, whycap, "%s: %s", real + strlen(root), strerror(errno));
		return false;
	}
	return true;
}

bool handoff_find_systemd(const char *root, char *out, size_t cap, char *why, size_t whycap)
{
	static const char *const candidates[] = { "/sbin/init", "/lib/systemd/systemd" };
	char reasons[2][160];
	for (size_t i = 0; i < 2; i++)
		if (is_systemd(root, candidates[i], reasons[i], sizeof(reasons[i]))) {
			snprintf(out, cap, "%s", candidates[i]);
			return true;
		}
	snprintf(why, whycap, "%s; %s (install systemd and systemd-sysv)", reasons[0], reasons[1]);
	return false;
}

/* systemd runs what is in system-generators at its start: our generator masks what cannot
 * work in this VM (init/generator.c). A link to our binary, not a copy: it follows /init. */
static void link_generator(const char *self_exe)
{
	if (mkdir("/run/systemd", 0755) < 0 && errno != EEXIST)
		log_warn("handoff", "mkdir /run/systemd: %s", strerror(errno));
	if (mkdir("/run/systemd/system-generators", 0755) < 0 && errno != EEXIST)
		log_warn("handoff", "mkdir /run/systemd/system-generators: %s", strerror(errno));
	unlink(HANDOFF_GENERATOR_LINK);
	if (symlink(self_exe, HANDOFF_GENERATOR_LINK) < 0)
		log_warn("handoff", "%s: %s; units that cannot work here are not masked", HANDOFF_GENERATOR_LINK,
			 strerror(errno));
}

int handoff_exec(const struct handoff *h)
{
	char t0[24];
	snprintf(t0, sizeof(t0), "%llu", (unsigned long long)h->t0_ms);
	char *helper_argv[] = { "guestinit-helper", "--t0", t0, NULL };
	/* fds 1 and 2 are the console: the helper's daemons log there, as PID 1's do */
	pid_t helper = spawn_process(&(struct spawn_opts){ .path = h->self_exe, .argv = helper_argv,
							  .envp = h->helper_envp, .fds = { -1, 2, 2 },
							  .flags = SPAWN_SETSID });
	if (helper < 0) {
		log_err("handoff", "cannot start the helper: %s; booting without systemd", strerror((int)-helper));
		return (int)helper;
	}
	link_generator(h->self_exe);
	log_info("handoff", "exec %s as PID 1, %llu ms after PID 1's start (helper: pid %d)", h->systemd,
		 (unsigned long long)(mono_ms() - h->t0_ms), (int)helper);
	/* What systemd expects of PID 1: nothing blocked or ignored, no fd but the console's
	 * three, and an environment of its own making (no token, no PATH of ours). */
	spawn_reset_signals();
	spawn_close_from(3); /* on a failed exec, the log goes to the console alone */
	char *argv[] = { (char *)h->systemd, NULL };
	char *envp[] = { NULL };
	execve(h->systemd, argv, envp);
	int e = errno;
	log_err("handoff", "exec %s: %s; booting without systemd", h->systemd, strerror(e));
	kill(helper, SIGKILL); /* its daemons die with it */
	return -e;
}
