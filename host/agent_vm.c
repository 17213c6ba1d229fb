/* The agent's VM: QEMU's pidfd and the boot watchdog (see agent_vm.h). */
#include "agent_vm.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "procstat.h"

static struct {
	struct evloop *loop;
	pid_t pid;
	int pidfd;
	int timer;
	unsigned timeout_s;
	unsigned armed_s; /* what the running timer counts */
} vm = { .pidfd = -1 };

/* At the agent's start the starter waits for the first boot with the same timeout, and its
 * report ("not ready within N s") is the better one: the agent's first count is this much
 * longer, and ends QEMU only when the starter has gone. */
#define STARTER_GRACE_S 10

static void on_qemu_end(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)fd;
	(void)events;
	(void)data;
	log_info("agent", "QEMU (pid %d) has ended; the agent ends with it", (int)vm.pid);
	evloop_quit(loop, 0);
}

static void on_not_ready(struct evloop *loop, void *data)
{
	(void)loop;
	(void)data;
	vm.timer = 0;
	log_warn("agent", "the guest has not been ready for %u s (a reboot that did not come back, or a boot that "
			  "hangs): ending QEMU (pid %d)", vm.armed_s, (int)vm.pid);
	int r = proc_signal_pidfd(vm.pidfd, SIGTERM);
	if (r < 0)
		log_warn("agent", "cannot end QEMU: %s", strerror(-r));
}

int agent_vm_watch(struct evloop *loop, pid_t qemu, unsigned boot_timeout_s)
{
	int fd = proc_pidfd(qemu);
	if (fd < 0)
		return fd;
	int r = evloop_add_fd(loop, fd, EPOLLIN, on_qemu_end, NULL);
	if (r < 0) {
		close(fd);
		return r;
	}
	vm.loop = loop;
	vm.pid = qemu;
	vm.pidfd = fd;
	vm.timeout_s = boot_timeout_s;
	if (boot_timeout_s) { /* until the guest says it is ready */
		vm.armed_s = boot_timeout_s + STARTER_GRACE_S;
		int t = evloop_add_timer(loop, (uint64_t)vm.armed_s * 1000, on_not_ready, NULL);
		vm.timer = t > 0 ? t : 0;
	}
	return 0;
}

void agent_vm_guest_ready(bool ready)
{
	if (vm.pidfd < 0 || !vm.timeout_s)
		return;
	if (ready && vm.timer) {
		evloop_cancel_timer(vm.loop, vm.timer);
		vm.timer = 0;
	} else if (!ready && !vm.timer) {
		vm.armed_s = vm.timeout_s;
		int t = evloop_add_timer(vm.loop, (uint64_t)vm.armed_s * 1000, on_not_ready, NULL);
		vm.timer = t > 0 ? t : 0;
	}
}

pid_t agent_vm_pid(void)
{
	return vm.pid;
}

void agent_vm_stop(void)
{
	if (vm.pidfd < 0)
		return;
	if (vm.timer)
		evloop_cancel_timer(vm.loop, vm.timer);
	evloop_del_fd(vm.loop, vm.pidfd);
	close(vm.pidfd);
	vm.pidfd = -1;
	vm.timer = 0;
}
