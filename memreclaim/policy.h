/* memreclaim's decisions: a pure function from what was read (CPU time, pressure, memory,
 * the clock, the settings) and what it remembers to one action. The daemon only samples and
 * acts, so the policy is tested on synthetic and recorded samples alone.
 *
 * Idle: the VM's non-idle CPU time (everything but idle in /proc/stat, iowait included,
 * minus memreclaim's own), and the memory and I/O stall time of /proc/pressure (minus the time
 * memreclaim itself spent acting), both under their thresholds for a whole window. While busy,
 * nothing is done at all. Once idle:
 *   gradual:   cold file cache is reclaimed in bounded steps (memory.reclaim), never below
 *              the floor: the kernel frees more than asked (1.0 to 2.3 times on 6.1), so
 *              each step asks for the gap to the floor divided by the largest overshoot seen
 *              (2 at least) and a margin, and the steps close in on the floor; then memory
 *              is compacted, and once more MR_RECOMPACT_MS later, so that the freed pages
 *              form blocks big enough for free page reporting to hand them to the host.
 *              Without memory.reclaim: drop_caches once per idle period, then compaction.
 *   dropcache: drop_caches once per idle period, then the two compactions.
 *   disabled:  nothing. */
#ifndef GUESTINIT_MEMRECLAIM_POLICY_H
#define GUESTINIT_MEMRECLAIM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

enum mr_mode { MR_DISABLED, MR_GRADUAL, MR_DROPCACHE };

struct mr_sample {
	uint64_t now_ms;                  /* CLOCK_MONOTONIC */
	uint64_t cpu_busy, cpu_total;     /* /proc/stat "cpu": ticks not idle, all ticks */
	uint64_t own_ticks;               /* memreclaim's own CPU ticks */
	bool has_psi;
	uint64_t psi_mem_us, psi_io_us;   /* /proc/pressure/{memory,io} "some total=" */
	uint64_t own_action_us;           /* time memreclaim spent inside its actions, all told */
	uint64_t mem_total, mem_free;     /* bytes */
	uint64_t file_cache;              /* Active(file) + Inactive(file): what reclaim can take */
	bool has_memory_reclaim;          /* the cgroup's memory.reclaim exists */
};

struct mr_settings {
	enum mr_mode mode;
	uint64_t idle_ms;        /* the VM must be idle this long first */
	uint64_t floor_bytes;    /* file cache never reclaimed below this */
	uint64_t step_bytes;     /* at most this much per gradual step */
	unsigned cpu_busy_pm;    /* non-idle CPU over this (per mille of all CPUs) is busy */
	unsigned mem_psi_pm;     /* memory stall over this (per mille of the time) is busy */
	unsigned io_psi_pm;      /* I/O stall over this is busy */
};

enum mr_kind { MR_NOTHING, MR_RECLAIM, MR_DROP_CACHES, MR_COMPACT };

struct mr_action {
	enum mr_kind kind;
	uint64_t bytes;          /* MR_RECLAIM: how much to ask for */
	char why[96];            /* for the stats and the log: why this (or nothing) */
};

/* What the policy remembers between samples; zero it to begin. */
struct mr_state {
	bool have_prev;
	struct mr_sample prev;
	bool busy;               /* the last interval's verdict */
	uint64_t idle_since_ms;  /* start of the current idle period */
	bool dropped;            /* drop_caches done in this idle period */
	bool compact_due;        /* something was freed since the last compaction */
	uint64_t recompact_at_ms; /* when the second compaction of this idle period is due (0: none) */
	bool stuck;              /* a step freed next to nothing: no more steps this idle period */
	bool settled;            /* the steps of this idle period reached the floor */
	uint64_t asked, cache_before; /* the last step, to see what it did */
	unsigned overshoot_pm;   /* the largest freed / asked of a step, per mille (0: none yet) */
	unsigned cpu_pm, mem_pm, io_pm; /* the last interval's loads, for the stats */
};

/* A second compaction follows the first by this much. Pages that reach the free lists after
 * the first one (per-CPU lists, slab freed through RCU) stay scattered in blocks that free page
 * reporting never hands back: in the VM, a compaction this much later returned 28 MiB more in
 * one run of two, and cost nothing in the other. */
#define MR_RECOMPACT_MS 5000

/* The steps end once the cache is this close to the floor: 1/64 of a step, or half the floor
 * when that is more. Below that the kernel cannot aim: asked for 2 MiB, 6.1 freed 4.6, and
 * once 7 MiB more than that, down to 60% of the floor. */
#define MR_CLOSE_ENOUGH(set) ((set)->step_bytes / 64 > (set)->floor_bytes / 2 ? (set)->step_bytes / 64 : (set)->floor_bytes / 2)

/* Settings from the RAM size: floor 1/128 of it within [16 MiB, 256 MiB], steps of 1/8 of it
 * (at least 64 MiB), idle after 10 s, thresholds 5% CPU, 1% memory stall, 5% I/O stall. */
void mr_settings_default(struct mr_settings *s, enum mr_mode mode, uint64_t mem_total);
/* Parses disabled, gradual, dropcache; -1 for anything else. */
int mr_mode_parse(const char *s, enum mr_mode *mode);
const char *mr_mode_name(enum mr_mode mode);

struct mr_action mr_decide(struct mr_state *st, const struct mr_settings *set, const struct mr_sample *s);

#endif
