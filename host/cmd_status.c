/* `guesthost status`: whether the VM runs, its uptime and memory, its boots, and what the
 * agent knows of the guest (its typed AGENT_STATUS reply), as "key: value" lines. Exit status
 * 3 when nothing runs (LSB's "not running"). */
#include "guesthost.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent_client.h"
#include "procstat.h"
#include "state.h"

/* "2026-12-01 22:40:12 CET (5 min 3 s ago)": a local time and an age. */
static const char *when(uint64_t epoch, char *buf, size_t cap)
{
	time_t t = (time_t)epoch, now = time(NULL);
	struct tm tm;
	char local[64] = "?";
	if (localtime_r(&t, &tm))
		strftime(local, sizeof(local), "%Y-%m-%d %H:%M:%S %Z", &tm);
	long age = now > t ? (long)(now - t) : 0;
	if (age < 60)
		snprintf(buf, cap, "%s (%ld s ago)", local, age);
	else if (age < 3600)
		snprintf(buf, cap, "%s (%ld min %ld s ago)", local, age / 60, age % 60);
	else if (age < 86400)
		snprintf(buf, cap, "%s (%ld h %ld min ago)", local, age / 3600, age % 3600 / 60);
	else
		snprintf(buf, cap, "%s (%ld d %ld h ago)", local, age / 86400, age % 86400 / 3600);
	return buf;
}

/* The guest's figures (key=value lines) as "key: value" lines, like the rest. */
static void print_stats(const char *stats)
{
	for (const char *l = stats; l && *l;) {
		size_t len = strcspn(l, "\n");
		const char *eq = memchr(l, '=', len);
		if (eq)
			printf("%.*s: %.*s\n", (int)(eq - l), l, (int)(len - (size_t)(eq - l) - 1), eq + 1);
		l += len + (l[len] == '\n');
	}
}

static void print_guest(const struct agent_status *st)
{
	char t[128];
	if (!st->connected) {
		if (st->lost_at)
			printf("guest: not connected (lost at %s)\n", when(st->lost_at, t, sizeof(t)));
		else
			printf("guest: not connected\n");
		printf("refused: %u\n", st->refused);
		return;
	}
	printf("guest: connected since %s\nkernel: %s\nready: %s\nready_ms: %llu\nuptime_at_ready_ms: %llu\nrefused: %u\n",
	       when(st->connected_at, t, sizeof(t)), st->kernel ? st->kernel : "", st->ready ? st->ready_line : "(not yet)",
	       (unsigned long long)st->ready_ms, (unsigned long long)st->uptime_ms, st->refused);
	if (st->boots)
		printf("boots: %u (the last ready at %s)\n", st->boots, when(st->ready_at, t, sizeof(t)));
	print_stats(st->stats);
}

int cmd_status(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	if (argc > 1)
		return gi_error_set(err, EINVAL, "status: unknown argument '%s'", argv[1]);
	pid_t qemu = state_read_pid(g, "qemu.pid"), agent = state_read_pid(g, "agent.pid");
	struct agent_status st = { 0 };
	struct gi_error agent_err = GI_ERROR_INIT;
	bool answered = agent && agent_get_status(g, 0, -1, -1, &st, &agent_err) == 0;
	char info[512], path[PATH_MAX];
	/* no QEMU: stopped, also while an agent of that VM is on its way out; only an agent
	 * that serves no VM of ours (started by hand) has a guest elsewhere */
	if (!qemu && !(answered && st.qemu_pid == 0)) {
		printf("state: stopped\n");
		if (state_read_line(g, "boot.info", info, sizeof(info)))
			printf("last boot: %s\n", info);
		agent_status_free(&st);
		return 3;
	}
	if (qemu) {
		struct stat sb;
		long up = stat(state_file(g, "qemu.pid", path), &sb) == 0 ? (long)(time(NULL) - sb.st_mtime) : -1;
		printf("state: running\nqemu: pid %d\nuptime: %ld s\n", (int)qemu, up);
		struct proc_memory m;
		if (proc_memory_of(qemu, &m) == 0)
			printf("qemu_rss_kib: %llu\nguest_ram_kib: %llu\nguest_ram_rss_kib: %llu\n", (unsigned long long)m.rss_kib,
			       (unsigned long long)m.guest_ram_kib, (unsigned long long)m.guest_ram_rss_kib);
		/* start's figures are the first boot's; a reboot in the guest has its own below */
		if (state_read_line(g, "boot.info", info, sizeof(info)))
			printf("%s: %s\n", st.boots > 1 ? "first boot" : "boot", info);
	} else {
		printf("state: no VM of ours (an agent serves a guest elsewhere)\n");
	}
	if (!agent) {
		printf("agent: not running (guesthost start restarts it)\n");
		return 0;
	}
	printf("agent: pid %d\n", (int)agent);
	if (answered)
		print_guest(&st);
	else
		printf("agent: not answering (%s)\n", agent_err.msg);
	agent_status_free(&st);
	return 0;
}
