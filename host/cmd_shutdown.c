/* `guesthost shutdown [--force] [--reboot]`: an orderly poweroff through the guest (returns
 * once QEMU has ended), a reboot (returns once the new boot is ready), or QEMU killed. Every
 * wait is on QEMU's pidfd or the agent's socket, with a deadline. */
#include "guesthost.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "cleanup.h"
#include "procstat.h"
#include "state.h"

static int ask_guest(struct gh *g, uint32_t kind, struct gi_error *err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_shutdown(&b, kind);
	int r = agent_request(g, &b, NULL, err);
	proto_buf_free(&b);
	if (r <= 0)
		return gi_error_wrap(err, "cannot ask the guest to %s (guesthost shutdown --force kills QEMU)",
				     kind ? "reboot" : "power off");
	return 0;
}

static int reboot_guest(struct gh *g, int qemu_pidfd, struct gi_error *err)
{
	struct agent_status st;
	int r = agent_get_status(g, 0, -1, -1, &st, err);
	if (r < 0)
		return gi_error_wrap(err, "the agent's status");
	uint32_t next = st.boots + 1;
	agent_status_free(&st);
	if ((r = ask_guest(g, 1, err)) < 0)
		return r;
	r = agent_get_status(g, next, qemu_pidfd, BOOT_TIMEOUT_S * 1000, &st, err);
	if (r < 0)
		return gi_error_wrap(err, "the guest's reboot");
	gh_say("the guest rebooted: %s", st.ready_line ? st.ready_line : "ready");
	agent_status_free(&st);
	return 0;
}

int cmd_shutdown(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	bool force = false, reboot = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			force = true;
		else if (!strcmp(argv[i], "--reboot") || !strcmp(argv[i], "-r"))
			reboot = true;
		else
			return gi_error_set(err, EINVAL, "shutdown: unknown option '%s' (--force, --reboot)", argv[i]);
	}
	pid_t qemu = state_read_pid(g, "qemu.pid");
	_cleanup_close_ int pidfd = qemu ? proc_pidfd(qemu) : -ESRCH;
	if (pidfd < 0) {
		gh_say("the VM is not running");
		agent_stop(g);
		return 0;
	}
	if (force) {
		int r = proc_signal_pidfd(pidfd, SIGKILL);
		if (r < 0)
			return gi_error_errno(err, -r, "cannot kill QEMU (pid %d)", (int)qemu);
		proc_wait_pidfd(pidfd, 10000);
		agent_stop(g);
		gh_say("QEMU (pid %d) killed", (int)qemu);
		return 0;
	}
	if (reboot)
		return reboot_guest(g, pidfd, err);
	int r = ask_guest(g, 0, err);
	if (r < 0)
		return r;
	if (proc_wait_pidfd(pidfd, SHUTDOWN_TIMEOUT_S * 1000) != 1)
		return gi_error_set(err, ETIMEDOUT,
				    "the guest did not power off within %d s; guesthost shutdown --force kills QEMU",
				    SHUTDOWN_TIMEOUT_S);
	agent_stop(g); /* it ends with QEMU by itself; one of an older guesthost may not */
	return 0;
}
