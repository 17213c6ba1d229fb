/* The reclaim policy: see policy.h. */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#define MiB (1024ULL * 1024)

void mr_settings_default(struct mr_settings *s, enum mr_mode mode, uint64_t mem_total)
{
	/* The floor is what keeps a shell and its tools instant after the reclaim: in the VM a
	 * shell, coreutils and the daemons come to 9 MiB of file cache (what drop_caches leaves:
	 * pages mapped by running programs); more is memory the host does not get back. Not
	 * lower: with 8 MiB the steps hovered over what cannot be reclaimed, and memreclaimd
	 * spent 0.8% of a core while idle. */
	uint64_t floor = mem_total / 128;
	if (floor < 16 * MiB)
		floor = 16 * MiB;
	if (floor > 256 * MiB)
		floor = 256 * MiB;
	uint64_t step = mem_total / 8;
	if (step < 64 * MiB)
		step = 64 * MiB;
	*s = (struct mr_settings){
		.mode = mode, .idle_ms = 10000, .floor_bytes = floor, .step_bytes = step,
		.cpu_busy_pm = 50, .mem_psi_pm = 10, .io_psi_pm = 50,
	};
}

int mr_mode_parse(const char *s, enum mr_mode *mode)
{
	static const char *const names[] = { "disabled", "gradual", "dropcache" };
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*mode = (enum mr_mode)i;
			return 0;
		}
	return -1;
}

const char *mr_mode_name(enum mr_mode mode)
{
	return mode == MR_GRADUAL ? "gradual" : mode == MR_DROPCACHE ? "dropcache" : "disabled";
}

static unsigned per_mille(uint64_t part, uint64_t whole)
{
	if (whole == 0)
		return 0;
	uint64_t v = part * 1000 / whole;
	return v > 1000 ? 1000 : (unsigned)v;
}

static unsigned per_mille_unbounded(uint64_t part, uint64_t whole)
{
	uint64_t v = whole ? part * 1000 / whole : 0;
	return v > 100000 ? 100000 : (unsigned)v;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static struct mr_action act(enum mr_kind kind, uint64_t bytes, const char *why)
{
	struct mr_action a = { .kind = kind, .bytes = bytes };
	snprintf(a.why, sizeof(a.why), "%s", why);
	return a;
}

/* The interval's verdict: busy when the others' CPU or a stall not of our making is over its
 * threshold. Counters that went backwards (a restarted daemon's own_ticks) count as nothing. */
static bool interval_busy(struct mr_state *st, const struct mr_settings *set, const struct mr_sample *p,
			  const struct mr_sample *s)
{
	uint64_t total = minus(s->cpu_total, p->cpu_total);
	uint64_t busy = minus(minus(s->cpu_busy, p->cpu_busy), minus(s->own_ticks, p->own_ticks));
	st->cpu_pm = per_mille(busy, total);
	st->mem_pm = st->io_pm = 0;
	if (s->has_psi && p->has_psi) {
		uint64_t span_us = minus(s->now_ms, p->now_ms) * 1000;
		uint64_t ours = minus(s->own_action_us, p->own_action_us);
		st->mem_pm = per_mille(minus(minus(s->psi_mem_us, p->psi_mem_us), ours), span_us);
		st->io_pm = per_mille(minus(minus(s->psi_io_us, p->psi_io_us), ours), span_us);
	}
	return st->cpu_pm > set->cpu_busy_pm || st->mem_pm > set->mem_psi_pm || st->io_pm > set->io_psi_pm;
}

struct mr_action mr_decide(struct mr_state *st, const struct mr_settings *set, const struct mr_sample *s)
{
	if (!st->have_prev) {
		st->have_prev = true;
		st->prev = *s;
		st->busy = true; /* nothing is known yet: the window starts now */
		st->idle_since_ms = s->now_ms;
		return act(MR_NOTHING, 0, "first sample");
	}
	struct mr_sample p = st->prev;
	st->prev = *s;
	char why[96];
	if (interval_busy(st, set, &p, s)) {
		st->busy = true;
		st->idle_since_ms = s->now_ms;
		st->dropped = false;
		st->stuck = false;
		st->settled = false;
		st->recompact_at_ms = 0;
		st->asked = 0;
		snprintf(why, sizeof(why), "busy (cpu %u.%u%%, memory stall %u.%u%%, io stall %u.%u%%)", st->cpu_pm / 10,
			 st->cpu_pm % 10, st->mem_pm / 10, st->mem_pm % 10, st->io_pm / 10, st->io_pm % 10);
		return act(MR_NOTHING, 0, why);
	}
	st->busy = false;
	if (set->mode == MR_DISABLED)
		return act(MR_NOTHING, 0, "disabled");
	uint64_t idle_for = minus(s->now_ms, st->idle_since_ms);
	if (idle_for < set->idle_ms) {
		snprintf(why, sizeof(why), "idle for %llu of %llu ms", (unsigned long long)idle_for,
			 (unsigned long long)set->idle_ms);
		return act(MR_NOTHING, 0, why);
	}
	if (st->asked) {
		/* a step that freed under an eighth of what it asked (pinned, dirty or busy pages):
		 * asking again would only burn CPU */
		uint64_t freed = minus(st->cache_before, s->file_cache);
		if (freed < st->asked / 8)
			st->stuck = true;
		else {
			/* the largest ratio seen, not the last: on 6.1 it went 1.8, 1.0, 1.4 in three
			 * steps of one idle period */
			unsigned seen = per_mille_unbounded(freed, st->asked);
			if (seen > st->overshoot_pm)
				st->overshoot_pm = seen;
		}
		st->asked = 0;
	}
	bool drop = set->mode == MR_DROPCACHE || !s->has_memory_reclaim;
	if (drop) {
		/* drop_caches takes all clean cache at once: once per idle period */
		if (!st->dropped) {
			st->dropped = true;
			st->compact_due = true;
			return act(MR_DROP_CACHES, 0, s->has_memory_reclaim ? "idle: dropping caches" :
								       "idle: dropping caches (no memory.reclaim)");
		}
	} else if (!st->stuck && s->file_cache > set->floor_bytes + MR_CLOSE_ENOUGH(set) +
					      (st->settled ? set->step_bytes / 8 : 0)) {
		/* once at the floor, what an idle VM reads by itself (or a kernel that refills as
		 * fast as it is asked) is no reason for a step a second: only a real amount is */
		/* the gap over the kernel's largest overshoot, never taken as under 2, and a quarter
		 * more. One step's ratio says little of the next one's: on 6.1 a step freed 1.06 times
		 * what it asked, the next 1.35 times, and that took the cache from 307 MiB to 9 under
		 * a floor of 16; small steps have freed 2.3 times. */
		unsigned over = st->overshoot_pm > 2000 ? st->overshoot_pm : 2000;
		over = over > 4000 ? 4000 : over;
		uint64_t want = (s->file_cache - set->floor_bytes) * 1000 / (over + over / 4);
		if (want > set->step_bytes)
			want = set->step_bytes;
		st->compact_due = true;
		st->asked = want;
		st->cache_before = s->file_cache;
		snprintf(why, sizeof(why), "idle: reclaiming %llu MiB of %llu MiB cache (floor %llu MiB)",
			 (unsigned long long)(want / MiB), (unsigned long long)(s->file_cache / MiB),
			 (unsigned long long)(set->floor_bytes / MiB));
		return act(MR_RECLAIM, want, why);
	}
	if (!drop)
		st->settled = true;
	if (st->compact_due) {
		st->compact_due = false;
		st->recompact_at_ms = s->now_ms + MR_RECOMPACT_MS;
		return act(MR_COMPACT, 0, "idle: compacting what was freed");
	}
	if (st->recompact_at_ms && s->now_ms >= st->recompact_at_ms) {
		st->recompact_at_ms = 0;
		return act(MR_COMPACT, 0, "idle: compacting again, for pages freed after the first");
	}
	return act(MR_NOTHING, 0, drop ? "idle: caches dropped" : st->stuck ? "idle: the rest of the cache cannot be reclaimed now" :
								    "idle: cache at the floor");
}
