/* The services' state machine replaying what the live supervisor did in namespaces
 * (recorded/record.sh keeps its debug log's "trace" lines), step by step, and the shown states
 * each machine state maps to. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_rig.h"
#include "unit.h"

START_TEST(shown_states_and_what_they_mean)
{
	struct rig r;
	rig_init(&r, "web", "[Service]\nExecStart=/usr/bin/daemon\n");
	struct svc *s = &r.s;
	/* a running script shows what the service showed before it */
	s->state = SVC_SCRIPT;
	s->script_from = SVC_RUNNING;
	ck_assert_int_eq(svc_shown(s), SHOWN_RUNNING);
	ck_assert(svc_is_active(s));
	s->script_from = SVC_FAILED;
	ck_assert_str_eq(svc_shown_active(svc_shown(s)), "failed");
	/* since_ms moves only when what it shows does: a pidfile's pid is checked against it */
	s->state = SVC_START_PRE;
	s->since_ms = 5;
	svc_state_set(s, SVC_START_PIDFILE, 99);
	ck_assert_uint_eq(s->since_ms, 5);
	svc_state_set(s, SVC_RUNNING, 99);
	ck_assert_uint_eq(s->since_ms, 99);
	/* the sub states a record keeps, both ways */
	for (int v = 0; v < SHOWN_COUNT; v++)
		ck_assert_int_eq(svc_shown_of_sub(svc_shown_sub((enum svc_shown)v)), v);
	ck_assert_int_eq(svc_shown_of_sub("bogus"), -EINVAL);
	/* the watchdog runs only for a running main process */
	s->watchdog_ms = 1000;
	s->main_pid = 0;
	ck_assert_uint_eq(svc_watchdog_due(s), 0);
	s->main_pid = 100;
	ck_assert_uint_eq(svc_watchdog_due(s), 1000);
	s->state = SVC_STOP;
	ck_assert_uint_eq(svc_watchdog_due(s), 0);
	/* a reaping round concerns a stop waiting for its group, or a unit running without pids */
	ck_assert(!svc_machine_wants_group(s));
	s->state = SVC_STOP_SIGTERM;
	ck_assert(svc_machine_wants_group(s));
	s->state = SVC_RUNNING;
	ck_assert(!svc_machine_wants_group(s));
	s->main_pid = 0;
	ck_assert(svc_machine_wants_group(s));
	/* an event a state has no cell for changes nothing and asks nothing */
	static const struct step nothing[] = {
		{ "ready", "running", "" },
		{ "pidfile 7", "running", "" },
		{ "restart-timer", "running", "" },
		{ "exec-report", "running", "" },
		{ NULL, NULL, NULL },
	};
	play(&r, nothing);
	ck_assert(svc_machine_handles(s, SVC_EV_STOP));
	ck_assert(!svc_machine_handles(s, SVC_EV_PIDFILE));
	rig_free(&r);
}
END_TEST

/* ---- recordings (recorded/record.sh): what the live supervisor did, replayed -------------- */

static int replay(const char *file)
{
	char path[512], name[64], line[2048], unit_text[4096] = "";
	snprintf(path, sizeof(path), RECORDED_DIR "/%s", file);
	snprintf(name, sizeof(name), "rec-%.*s", (int)(strlen(file) - strlen(".trace")), file);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	enum { HEAD, UNIT, STEPS } part = HEAD;
	bool initd = false;
	struct rig r;
	int steps = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		char where[600];
		snprintf(where, sizeof(where), "%s:%d", file, lineno);
		if (line[0] == '#') {
			continue;
		} else if (!strcmp(line, "== unit")) {
			part = UNIT;
		} else if (!strcmp(line, "== initd")) {
			initd = true;
		} else if (!strcmp(line, "== steps")) {
			part = STEPS;
			rig_init(&r, name, initd ? NULL : unit_text);
		} else if (part == UNIT) {
			ck_assert_uint_lt(strlen(unit_text) + strlen(line) + 2, sizeof(unit_text));
			strcat(unit_text, line);
			strcat(unit_text, "\n");
		} else if (part == STEPS && line[0] == '@') {
			/* @MS EVENT -> STATE: ACTIONS */
			char *event, *arrow = strstr(line, " -> "), *colon = arrow ? strstr(arrow + 4, ": ") : NULL;
			ck_assert_msg(colon != NULL, "%s: not a step: %s", where, line);
			r.now = strtoull(line + 1, &event, 10);
			*arrow = *colon = '\0';
			run_step(&r, event + 1, arrow + 4, colon + 2, where);
			steps++;
		} else if (part == STEPS) {
			ck_assert_msg(context_line(&r, line), "%s: not a step: %s", where, line);
		}
	}
	fclose(f);
	ck_assert_msg(part == STEPS && steps > 0, "%s: no steps", file);
	rig_free(&r);
	return steps;
}

START_TEST(recorded_traces_replay)
{
	DIR *d = opendir(RECORDED_DIR);
	ck_assert_ptr_nonnull(d);
	int files = 0, steps = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l > 6 && !strcmp(e->d_name + l - 6, ".trace")) {
			steps += replay(e->d_name);
			files++;
		}
	}
	closedir(d);
	ck_assert_int_ge(files, 10);
	ck_assert_int_ge(steps, 100);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine_traces");
	TCase *recorded = tcase_create("recorded");
	tcase_add_test(recorded, recorded_traces_replay);
	suite_add_tcase(s, recorded);
	TCase *shown = tcase_create("shown");
	tcase_add_test(shown, shown_states_and_what_they_mean);
	suite_add_tcase(s, shown);
	return unit_run(s);
}
