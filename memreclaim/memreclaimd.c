/* guestinit-memreclaimd: once a second it samples (sample.h), asks the policy (policy.h) and
 * does what it says: memory.reclaim, drop_caches or compact_memory. Each of these is one write
 * the kernel carries out whole or stops cleanly, so a kill at any moment leaves nothing half
 * done; the next incarnation starts a new idle window. Its figures go to its record,
 * /run/guestinit/memreclaim (key=value), and to the hub (hub_stats), which tells the host. */
#include "memreclaimd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "clock.h"
#include "daemon.h"
#include "evloop.h"
#include "hub.h"
#include "log.h"
#include "policy.h"
#include "sample.h"
#include "records.h"
#include "wslconf.h"

#define TICK_MS 1000       /* while there is something to watch for or to do */
#define STATS_REFRESH_MS 30000 /* the host's copy of the moving figures: at most this old */
#define RECORD_REFRESH_MS 5000 /* the record's moving figures: at most this old (STATS_REFRESH_MS once settled) */
/* Once done (or disabled) nothing is to be done until the VM works again, and a new busy
 * period shows in a 10 s average too. Each tick costs ~3 ms of CPU under TCG here (its
 * reads of /proc and the wakeup), so at 5 s the idle daemon read 0.10-0.12% of a core on a
 * slow day (goal < 0.1%, bench/memreclaim). */
#define SETTLED_TICK_MS 10000
#define MiB (1024ULL * 1024)

struct stats {
	uint64_t asked, reclaimed, drops, compactions, action_us;
	uint64_t idle_start_ms, last_idle_ms;
	char last_action[96];
};

#define REPORTING_ORDER "/sys/module/page_reporting/parameters/page_reporting_order"
#define IDLE_REPORTING_ORDER "5"

struct daemon {
	const char *root;
	struct evloop *loop;
	struct mr_state st;
	struct mr_settings set;
	char mode_source[32];
	struct stats stats;
	uint64_t own_action_us;
	unsigned long long conf_stamp[2];
	uint64_t mem_total;
	bool was_busy;
	char reporting_order[8]; /* the kernel's own, restored when work resumes; "" if unknown */
	bool reporting_low;
	char last_error[160];
	char last_published[1024]; /* what the host last heard, but for the moving figures */
	uint64_t last_published_ms;
	char last_recorded[1024];  /* the same for the record */
	uint64_t last_recorded_ms;
};

static void path_in(const struct daemon *d, const char *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", d->root, p);
}

/* Changes with every rewrite, also two within one second (nanoseconds, inode, size). */
static unsigned long long stamp_of(const struct daemon *d, const char *p)
{
	char full[PATH_MAX];
	path_in(d, p, full, sizeof(full));
	struct stat st;
	if (stat(full, &st) < 0)
		return 0;
	return ((unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec) ^
	       ((unsigned long long)st.st_ino << 20) ^ (unsigned long long)st.st_size;
}

/* The host's choice (WELCOME, in host.conf) unless wsl.conf's [guestinit] memoryReclaim says
 * otherwise; gradual when neither does. Read again whenever either file changes. */
static void load_settings(struct daemon *d, bool force)
{
	unsigned long long m[2] = { stamp_of(d, WSLCONF_PATH), stamp_of(d, HOST_CONF_PATH) };
	if (!force && m[0] == d->conf_stamp[0] && m[1] == d->conf_stamp[1])
		return;
	d->conf_stamp[0] = m[0];
	d->conf_stamp[1] = m[1];
	struct wsl_conf conf;
	wslconf_defaults(&conf);
	char p[PATH_MAX];
	path_in(d, WSLCONF_PATH, p, sizeof(p));
	wslconf_load_file(&conf, p, NULL, NULL);
	enum mr_mode mode = MR_GRADUAL;
	snprintf(d->mode_source, sizeof(d->mode_source), "default");
	char host_mode[sizeof(((struct host_conf *)0)->reclaim)] = "";
	struct host_conf hc;
	path_in(d, HOST_CONF_PATH, p, sizeof(p));
	if (host_conf_read(p, &hc) == 0)
		snprintf(host_mode, sizeof(host_mode), "%s", hc.reclaim);
	if (conf.guestinit.memory_reclaim[0] && mr_mode_parse(conf.guestinit.memory_reclaim, &mode) == 0) {
		snprintf(d->mode_source, sizeof(d->mode_source), "wsl.conf");
	} else if (host_mode[0]) {
		if (mr_mode_parse(host_mode, &mode) == 0)
			snprintf(d->mode_source, sizeof(d->mode_source), "host");
		else
			log_warn("memreclaim", "the host asks for reclaim mode '%s', which is none of disabled, gradual, "
				 "dropcache: gradual", host_mode);
	}
	mr_settings_default(&d->set, mode, d->mem_total);
	d->set.idle_ms = (uint64_t)conf.guestinit.memory_reclaim_idle_ms;
	if (conf.guestinit.memory_reclaim_floor_mib > 0)
		d->set.floor_bytes = (uint64_t)conf.guestinit.memory_reclaim_floor_mib * MiB;
	log_info("memreclaim", "mode %s (%s), idle after %llu ms, floor %llu MiB, steps of %llu MiB",
		 mr_mode_name(mode), d->mode_source, (unsigned long long)d->set.idle_ms,
		 (unsigned long long)(d->set.floor_bytes / MiB), (unsigned long long)(d->set.step_bytes / MiB));
}

/* One write of the whole value; EAGAIN from memory.reclaim means "less than asked was there",
 * which is a success for us (LAB.md). */
static int write_knob(const struct daemon *d, const char *knob, const char *value)
{
	char p[PATH_MAX];
	path_in(d, knob, p, sizeof(p));
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int e = n < 0 ? errno : 0;
	close(fd);
	if (e == EAGAIN)
		return 0;
	return e ? -e : 0;
}

static void perform(struct daemon *d, const struct mr_action *a, const struct mr_sample *before)
{
	const char *knob = NULL;
	char value[32] = "1";
	switch (a->kind) {
	case MR_NOTHING:
		return;
	case MR_RECLAIM:
		knob = "/sys/fs/cgroup/memory.reclaim";
		snprintf(value, sizeof(value), "%llu", (unsigned long long)a->bytes);
		break;
	case MR_DROP_CACHES:
		knob = "/proc/sys/vm/drop_caches";
		break;
	case MR_COMPACT:
		knob = "/proc/sys/vm/compact_memory";
		break;
	}
	uint64_t t0 = mono_us();
	int r = write_knob(d, knob, value);
	uint64_t spent = mono_us() - t0;
	d->own_action_us += spent;
	d->stats.action_us += spent;
	snprintf(d->stats.last_action, sizeof(d->stats.last_action), "%s", a->why);
	if (r < 0) {
		snprintf(d->last_error, sizeof(d->last_error), "%s: %s", knob, strerror(-r));
		log_warn("memreclaim", "%s", d->last_error);
		return;
	}
	if (a->kind == MR_COMPACT) {
		d->stats.compactions++;
		/* Free page reporting hands the host free blocks of page_reporting_order (9, 2 MiB);
		 * what compaction could not merge stays in the guest. While idle after a reclaim,
		 * blocks of 128 KiB go too: under the systemd image that is the difference between
		 * 89% and 93% of 512 MiB of cache back (tests/vm/test_systemd.sh). Work resuming
		 * puts the kernel's order back, so a busy guest's short-lived frees are not reported. */
		if (d->reporting_order[0] && !d->reporting_low && write_knob(d, REPORTING_ORDER, IDLE_REPORTING_ORDER) == 0)
			d->reporting_low = true;
		return;
	}
	if (a->kind == MR_RECLAIM)
		d->stats.asked += a->bytes;
	else
		d->stats.drops++;
	struct mr_sample after;
	const char *what;
	if (mr_sample_read(d->root, &after, &what) == 0 && after.file_cache < before->file_cache)
		d->stats.reclaimed += before->file_cache - after.file_cache;
	log_debug("memreclaim", "%s (%llu us)", a->why, (unsigned long long)spent);
}

static const char *state_name(const struct daemon *d, const struct mr_action *a)
{
	if (d->set.mode == MR_DISABLED)
		return "disabled";
	if (d->st.busy)
		return "busy";
	if (a->kind != MR_NOTHING)
		return "reclaiming";
	return strncmp(a->why, "idle for", 8) ? "done" : "waiting";
}

static void write_stats(struct daemon *d, const struct mr_action *a, const struct mr_sample *s)
{
	char text[4096];
	uint64_t now = s->now_ms;
	uint64_t idle_ms = d->st.busy ? 0 : now - d->st.idle_since_ms;
	int n = snprintf(text, sizeof(text),
		"mode=%s\nmode_source=%s\nstate=%s\nwhy=%s\nasked_bytes=%llu\nreclaimed_bytes=%llu\ndrop_caches=%llu\n"
		"compactions=%llu\naction_ms=%llu\nidle_ms=%llu\nlast_idle_ms=%llu\ncache_bytes=%llu\nfloor_bytes=%llu\n"
		"free_bytes=%llu\ncpu_permille=%u\nmemory_stall_permille=%u\nio_stall_permille=%u\nlast_action=%s\n"
		"last_error=%s\n",
		mr_mode_name(d->set.mode), d->mode_source, state_name(d, a), a->why, (unsigned long long)d->stats.asked,
		(unsigned long long)d->stats.reclaimed, (unsigned long long)d->stats.drops,
		(unsigned long long)d->stats.compactions, (unsigned long long)(d->stats.action_us / 1000),
		(unsigned long long)idle_ms, (unsigned long long)d->stats.last_idle_ms, (unsigned long long)s->file_cache,
		(unsigned long long)d->set.floor_bytes, (unsigned long long)s->mem_free, d->st.cpu_pm, d->st.mem_pm,
		d->st.io_pm, d->stats.last_action, d->last_error);
	if (n < 0 || (size_t)n >= sizeof(text))
		return;
	/* A change of mode, state or counters is written and told to the host at once; while
	 * idle, the figures that move on every tick (idle time, cache, free, pressure, the
	 * reason's seconds) go along at most every RECORD_REFRESH_MS into the record and every
	 * STATS_REFRESH_MS to the host: under TCG a tick's writes and the hub's connection were
	 * most of the daemon's idle cost (bench/memreclaim; goal < 0.1% of a core). */
	char key[sizeof(d->last_published)];
	snprintf(key, sizeof(key), "%s %s %s %llu %llu %llu %llu %s %s", mr_mode_name(d->set.mode), d->mode_source,
		 state_name(d, a), (unsigned long long)d->stats.asked, (unsigned long long)d->stats.reclaimed,
		 (unsigned long long)d->stats.drops, (unsigned long long)d->stats.compactions, d->stats.last_action,
		 d->last_error);
	const char *state = state_name(d, a);
	bool settled = !strcmp(state, "done") || !strcmp(state, "disabled");
	bool idle = settled || !strcmp(state, "waiting");
	/* settled, nothing is about to change: the moving figures are as old as the host's */
	uint64_t refresh = settled ? STATS_REFRESH_MS : RECORD_REFRESH_MS;
	if (!idle || strcmp(key, d->last_recorded) || now - d->last_recorded_ms >= refresh) {
		char p[PATH_MAX];
		path_in(d, MR_STATS_PATH, p, sizeof(p));
		if (atomic_write(p, text, (size_t)n, 0644, false) == 0) {
			memcpy(d->last_recorded, key, sizeof(key));
			d->last_recorded_ms = now;
		}
	}
	/* a fake root (tests) has no hub */
	if (!d->root[0] && (strcmp(key, d->last_published) || now - d->last_published_ms >= STATS_REFRESH_MS) &&
	    hub_stats("memreclaim", text) == 0) {
		memcpy(d->last_published, key, sizeof(key));
		d->last_published_ms = now;
	}
}

static void tick(struct evloop *loop, void *data)
{
	struct daemon *d = data;
	load_settings(d, false);
	struct mr_sample s;
	const char *what;
	uint64_t next = TICK_MS;
	int r = mr_sample_read(d->root, &s, &what);
	if (r < 0) {
		snprintf(d->last_error, sizeof(d->last_error), "%s: %s", what, strerror(-r));
		log_warn("memreclaim", "cannot read %s: %s; trying again in %d ms", what, strerror(-r), TICK_MS);
	} else {
		s.now_ms = mono_us() / 1000;
		s.own_action_us = d->own_action_us;
		bool was_idle = d->st.have_prev && !d->st.busy;
		uint64_t idle_since = d->st.idle_since_ms;
		struct mr_action a = mr_decide(&d->st, &d->set, &s);
		if (was_idle && d->st.busy)
			d->stats.last_idle_ms = s.now_ms - idle_since; /* an idle period just ended */
		if (d->st.busy && d->reporting_low && write_knob(d, REPORTING_ORDER, d->reporting_order) == 0)
			d->reporting_low = false;
		perform(d, &a, &s);
		write_stats(d, &a, &s);
		const char *state = state_name(d, &a);
		if (!strcmp(state, "done") || !strcmp(state, "disabled"))
			next = SETTLED_TICK_MS; /* the daemon's own cost at idle: goal < 0.1% of a core */
		/* the second compaction is due MR_RECOMPACT_MS after the first, not at a later tick */
		uint64_t due = d->st.recompact_at_ms;
		if (due > s.now_ms && due - s.now_ms < next)
			next = due - s.now_ms;
	}
	evloop_add_timer(loop, next, tick, d);
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)si;
	(void)data;
	evloop_quit(loop, 0);
}

/* SCHED_IDLE and the idle I/O class: the VM's own work always comes first. */
static void lower_priority(void)
{
	/* the system call itself: musl's sched_setscheduler() only returns ENOSYS */
	struct sched_param sp = { 0 };
	if (syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp) < 0) {
		log_debug("memreclaim", "SCHED_IDLE: %s; nice 19 instead", strerror(errno));
		setpriority(PRIO_PROCESS, 0, 19);
	}
	int ioprio = 3 << 13; /* IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT */
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, ioprio) < 0)
		log_debug("memreclaim", "ioprio_set: %s", strerror(errno));
}

int memreclaimd_main(int argc, char **argv)
{
	static struct daemon d = { .root = "" };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			d.root = argv[++i];
		} else {
			log_err("memreclaim", "usage: guestinit-memreclaimd [--root DIR] (PID 1 starts it; DIR is for tests)");
			return 2;
		}
	}
	static const int signals[] = { SIGTERM, SIGINT, 0 };
	if (daemon_setup("guestinit-memreclaim", NULL, signals, on_signal, NULL, &d.loop) < 0)
		return 1;
	lower_priority();
	struct mr_sample s;
	const char *what;
	int r = mr_sample_read(d.root, &s, &what);
	if (r < 0) {
		log_err("memreclaim", "cannot read %s%s: %s", d.root, what, strerror(-r));
		return 1;
	}
	d.mem_total = s.mem_total;
	if (!s.has_memory_reclaim)
		log_info("memreclaim", "no memory.reclaim in /sys/fs/cgroup: gradual falls back to drop_caches");
	load_settings(&d, true);
	char p[PATH_MAX];
	path_in(&d, REPORTING_ORDER, p, sizeof(p));
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, d.reporting_order, sizeof(d.reporting_order) - 1) : -1;
	if (fd >= 0)
		close(fd);
	d.reporting_order[n > 0 ? n : 0] = '\0';
	d.reporting_order[strcspn(d.reporting_order, "\n")] = '\0';
	/* a daemon restarted while the order was low: the kernel's is 9 (pageblock_order) */
	if (!strcmp(d.reporting_order, IDLE_REPORTING_ORDER))
		snprintf(d.reporting_order, sizeof(d.reporting_order), "9");
	tick(d.loop, &d);
	r = evloop_run(d.loop);
	evloop_free(d.loop);
	return r < 0 ? 1 : 0;
}
