/* memreclaim's sampler and policy on inputs recorded in the VM (recorded/NAME.trace, made with
 * recorded/record.sh under memoryReclaim=disabled): each second's files are written into a
 * root folder, read back by mr_sample_read() as the daemon reads them, and decided on. The
 * recordings: a 1 GiB file read, then idle ("read"); a CPU+I/O workload, then idle ("work"). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "sample.h"
#include "unit.h"

#define MAX_SAMPLES 200

struct trace {
	struct mr_sample s[MAX_SAMPLES];
	int n;
};

static void put(const char *root, const char *path, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", root, path);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Writes one sample's sections under root and reads them back as the daemon would. */
static void take(const char *root, double uptime, char **sections, char **texts, int nsec, struct trace *t)
{
	for (int i = 0; i < nsec; i++)
		put(root, sections[i], texts[i]);
	ck_assert_int_lt(t->n, MAX_SAMPLES);
	struct mr_sample *s = &t->s[t->n];
	const char *what;
	int r = mr_sample_read(root, s, &what);
	ck_assert_msg(r == 0, "sample %d: %s", t->n, what ? what : "?");
	s->now_ms = (uint64_t)(uptime * 1000);
	ck_assert(s->has_psi);
	ck_assert(s->has_memory_reclaim);
	t->n++;
}

static void load(const char *name, struct trace *t)
{
	char path[512], root[] = "/tmp/gi-mr-recorded.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	const char *dirs[] = { "/proc", "/proc/self", "/proc/pressure", "/sys", "/sys/fs", "/sys/fs/cgroup" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	put(root, "/sys/fs/cgroup/memory.reclaim", "");
	snprintf(path, sizeof(path), "%s/%s.trace", RECORDED_DIR, name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	char line[4096], *sections[8], *texts[8];
	int nsec = 0;
	double uptime = -1;
	size_t cap = 0;
	t->n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "@ ", 2)) {
			if (uptime >= 0)
				take(root, uptime, sections, texts, nsec, t);
			for (int i = 0; i < nsec; i++)
				free(sections[i]), free(texts[i]);
			nsec = 0;
			uptime = atof(line + 2);
		} else if (!strncmp(line, "== ", 3)) {
			ck_assert_int_lt(nsec, 8);
			line[strcspn(line, "\n")] = '\0';
			sections[nsec] = strdup(line + 3);
			texts[nsec] = calloc(1, 1);
			cap = 1;
			nsec++;
		} else if (nsec > 0) {
			size_t have = strlen(texts[nsec - 1]), add = strlen(line);
			if (have + add + 1 > cap) {
				cap = (have + add + 1) * 2;
				texts[nsec - 1] = realloc(texts[nsec - 1], cap);
			}
			memcpy(texts[nsec - 1] + have, line, add + 1);
		}
	}
	if (uptime >= 0)
		take(root, uptime, sections, texts, nsec, t);
	for (int i = 0; i < nsec; i++)
		free(sections[i]), free(texts[i]);
	fclose(f);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_ge(t->n, 20);
}

struct replay {
	int busy, first_busy, last_busy, first_action;
	uint64_t asked;
};

/* Decides on every sample as the daemon would in gradual mode. The recording was made with
 * reclaim disabled, so the cache does not fall after a step: the policy stops after one. */
static struct replay replay(const struct trace *t, struct mr_settings *set)
{
	struct mr_state st = { 0 };
	struct replay r = { .first_busy = -1, .last_busy = -1, .first_action = -1 };
	mr_settings_default(set, MR_GRADUAL, t->s[0].mem_total);
	for (int i = 0; i < t->n; i++) {
		struct mr_action a = mr_decide(&st, set, &t->s[i]);
		if (i > 0 && st.busy) {
			r.busy++;
			if (r.first_busy < 0)
				r.first_busy = i;
			r.last_busy = i;
		}
		if (a.kind != MR_NOTHING && r.first_action < 0) {
			r.first_action = i;
			ck_assert_int_eq(a.kind, MR_RECLAIM);
			ck_assert_uint_le(a.bytes, set->step_bytes);
			ck_assert_uint_le(a.bytes, t->s[i].file_cache - set->floor_bytes);
		}
		r.asked += a.kind == MR_RECLAIM ? a.bytes : 0;
	}
	return r;
}

START_TEST(a_big_read_then_idle)
{
	struct trace *t = malloc(sizeof(*t));
	load("read", t);
	struct mr_settings set;
	struct replay r = replay(t, &set);
	/* the read (from the third second on) is busy; the recording's own start may be too */
	ck_assert_int_ge(r.last_busy, 3);
	ck_assert_int_ge(r.busy, 2);
	/* no step before a whole idle window after the read, and one soon after it */
	ck_assert_int_gt(r.first_action, r.last_busy);
	uint64_t waited = t->s[r.first_action].now_ms - t->s[r.last_busy].now_ms;
	ck_assert_uint_ge(waited, set.idle_ms);
	ck_assert_uint_le(waited, set.idle_ms + 2500);
	/* the read left well over a step of cache: the first step is a whole one */
	ck_assert_uint_gt(t->s[r.first_action].file_cache, set.floor_bytes + set.step_bytes);
	ck_assert_uint_eq(r.asked, set.step_bytes); /* then stuck: the recording's cache never fell */
	free(t);
}
END_TEST

START_TEST(a_workload_then_idle)
{
	struct trace *t = malloc(sizeof(*t));
	load("work", t);
	struct mr_settings set;
	struct replay r = replay(t, &set);
	ck_assert_int_ge(r.busy, 8); /* the workload's seconds */
	ck_assert_int_ge(r.last_busy, 10);
	/* nothing while it ran; if the idle tail is a whole window, a step after it */
	if (r.first_action >= 0) {
		ck_assert_int_gt(r.first_action, r.last_busy);
		ck_assert_uint_ge(t->s[r.first_action].now_ms - t->s[r.last_busy].now_ms, set.idle_ms);
	}
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memreclaim/recorded");
	TCase *tc = tcase_create("recorded");
	tcase_add_test(tc, a_big_read_then_idle);
	tcase_add_test(tc, a_workload_then_idle);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
