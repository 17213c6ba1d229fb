/* Shutdown's last phases. Processes are gone when kill(-1, 0) finds none — that counts
 * processes joined from outside (setns) too, which waitpid never would — or, on a machine
 * of our own, where kill(-1, 0) always finds the kernel's threads, when /proc lists nothing
 * but kernel threads and us. */
#include "shutdown.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "mounts.h"
#include "sigsend.h"

#define POLL_MS 10
#define KILL_WAIT_MS 3000

static struct {
	struct evloop *loop;
	void (*reap)(void);
	void (*done)(void);
	int remaining_ms;
	bool killed;
	bool waiting; /* between the SIGTERM to all and done */
	int timer;
} sd;

const char *shutdown_kind_name(enum shutdown_kind k)
{
	return k == SHUTDOWN_REBOOT ? "reboot" : k == SHUTDOWN_HALT ? "halt" : "poweroff";
}

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h: a kernel thread */

/* Whether /proc/PID/stat names a process of user space (not a kernel thread). A process that
 * went away while we looked is not one. */
static bool user_process(const char *pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* fields after the command name (which may hold anything, so find its last ')'):
	 * state ppid pgrp session tty_nr tpgid flags */
	char *p = strrchr(buf, ')');
	unsigned long flags = 0;
	char state;
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return true;
	return !(flags & PF_KTHREAD);
}

static bool others_alive(void)
{
	if (kill(-1, 0) < 0 && errno == ESRCH)
		return false;
	DIR *d = opendir("/proc");
	if (!d)
		return true;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || !strcmp(e->d_name, "1"))
			continue;
		found = user_process(e->d_name);
	}
	closedir(d);
	return found;
}

static void finish_wait(void)
{
	sd.waiting = false;
	if (sd.timer > 0)
		evloop_cancel_timer(sd.loop, sd.timer);
	sd.timer = 0;
	sd.done();
}

void shutdown_child_exited(void)
{
	if (sd.waiting && !others_alive())
		finish_wait();
}

static void poll_cb(struct evloop *loop, void *data)
{
	(void)data;
	sd.timer = 0;
	sd.reap();
	if (!others_alive()) {
		finish_wait();
		return;
	}
	sd.remaining_ms -= POLL_MS;
	if (sd.remaining_ms <= 0) {
		if (sd.killed) {
			log_err("shutdown", "processes survive SIGKILL (stuck in the kernel?); going on");
			finish_wait();
			return;
		}
		log_warn("shutdown", "processes still running after SIGTERM; sending SIGKILL");
		kill(-1, SIGKILL);
		sd.killed = true;
		sd.remaining_ms = KILL_WAIT_MS;
	}
	sd.timer = evloop_add_timer(loop, POLL_MS, poll_cb, NULL);
}

void shutdown_kill_all(struct evloop *loop, int timeout_ms, void (*reap)(void), void (*done)(void))
{
	sd.loop = loop;
	sd.reap = reap;
	sd.done = done;
	sd.remaining_ms = timeout_ms;
	sd.killed = false;
	if (!others_alive()) {
		done();
		return;
	}
	log_info("shutdown", "sending SIGTERM to all processes");
	signal_stopped_too(-1, SIGTERM);
	sd.waiting = true;
	sd.timer = evloop_add_timer(loop, POLL_MS, poll_cb, NULL);
}

static void unmount_all(bool ns_mode)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		log_warn("shutdown", "cannot read /proc/self/mountinfo: %s; not unmounting", strerror(errno));
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (!mem) {
		log_warn("shutdown", "out of memory; not unmounting");
		return;
	}
	fclose(mem);
	char **targets;
	int count = mountinfo_unmount_order(text, &targets);
	free(text);
	if (count < 0) {
		log_warn("shutdown", "cannot order mounts: %s", strerror(-count));
		return;
	}
	for (int i = 0; i < count; i++) {
		if (umount2(targets[i], 0) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT) /* gone with its parent, or not a mount */
			continue;
		int e = errno;
		if (umount2(targets[i], MNT_DETACH) == 0)
			log_warn("shutdown", "%s: busy (%s), detached lazily", targets[i], strerror(e));
		else
			log_warn("shutdown", "%s: cannot unmount: %s", targets[i], strerror(errno));
	}
	free(targets);
	/* The root's own filesystem goes read-only so that the disk is clean; in a namespace the
	 * root belongs to the machine and stays as it is. */
	if (!ns_mode && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		log_warn("shutdown", "remount / read-only: %s", strerror(errno));
}

void shutdown_final(enum shutdown_kind kind, bool ns_mode, int exit_code)
{
	sync();
	unmount_all(ns_mode);
	sync();
	log_info("shutdown", "%s", shutdown_kind_name(kind));
	if (ns_mode) {
		if (kind == SHUTDOWN_REBOOT)
			reboot(RB_AUTOBOOT); /* the kernel ends our namespace with SIGHUP: "rebooted" */
		_exit(exit_code);
	}
	int cmd = kind == SHUTDOWN_REBOOT ? RB_AUTOBOOT : kind == SHUTDOWN_HALT ? RB_HALT_SYSTEM : RB_POWER_OFF;
	reboot(cmd);
	log_err("shutdown", "reboot(2) failed: %s; halting here", strerror(errno));
	for (;;)
		pause(); /* PID 1 must never exit: that is a kernel panic */
}
