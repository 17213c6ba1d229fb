/* The services' start/stop state machine (services/svc_machine.c, svc_stop.c) driven with event
 * sequences written down as the supervisor sees them: each step is one event, the state the
 * machine must be in after it, and every action it must ask for, in order (svc_actions_format:
 * "kill-main:TERM", "timeout=2000", "ask-group", "reply=1"...). The answers to its questions are
 * the next events, as svc_run.c gives them. The sequences written here say what the machine
 * must do (test_machine_traces.c replays what the live supervisor did). No process, timer or
 * file is involved: the transitions are pure. */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "machine_rig.h"
#include "unit.h"

/* ---- sequences shared by several tests ---------------------------------------------------- */

#define SIMPLE_UP(pid)                                                               \
	{ "job start", NULL, NULL },                                                             \
	{ "start", "dead", "ask-prepare" },                                          \
	{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" }, \
	{ "spawned " #pid " main", "running", "timeout=0 save watchdog=0 note reply=0" }

/* A stop's signals to a group that empties after the main process's end. */
#define SIGNALS_THEN_EMPTY(timeout)                                                                \
	{ "group alive", "stop-sigterm", "kill-main:TERM kill-group:TERM timeout=" #timeout " ask-group" }, \
	{ "group alive", "stop-sigterm", "poll=20" },                                              \
	{ "main-exit signal 15", "stop-sigterm", "ask-group" }

#define STOPPED_BY_HAND(timeout)                                                                \
	{ "group empty", "dead",                                                                \
	  "poll=0 timeout=0 timeout=" #timeout " timeout=0 poll=0 cleanup stop-dependents save note reply=0" }

#define FAILED_START                                                                             \
	{ "group empty", "failed",                                                               \
	  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note reply=1" }

/* ---- the sequences ---------------------------------------------------------------------- */

START_TEST(simple_start_runs_and_stop_ends_it)
{
	struct rig r;
	rig_init(&r, "web", "[Service]\nExecStart=/usr/bin/daemon\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job stop", NULL, NULL },
		{ "stop", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		SIGNALS_THEN_EMPTY(90000),
		STOPPED_BY_HAND(90000),
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.replies, 2);
	ck_assert_int_eq(r.reply_status, 0);
	ck_assert_int_eq(r.s.main_pid, 0);
	ck_assert_str_eq(r.s.last_exit, "killed by signal 15 (SIGTERM)");
	ck_assert_int_eq(svc_shown(&r.s), SHOWN_INACTIVE);
	ck_assert_uint_eq(r.s.start_seq, 1);
	rig_free(&r);
}
END_TEST

/* A Condition*= that does not hold skips the start: no process, still inactive, start says 0,
 * and the next start checks again. */
START_TEST(an_unmet_condition_skips_the_start)
{
	struct rig r;
	rig_init(&r, "cond", "[Unit]\nConditionPathExists=/nonexistent\n[Service]\nExecStart=/usr/bin/daemon\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared unmet ConditionPathExists=/nonexistent was not met", "dead", "save note reply=0" },
		SIMPLE_UP(100),
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.replies, 2);
	ck_assert_str_eq(r.s.unmet, "");
	rig_free(&r);
	rig_init(&r, "cond", "[Unit]\nConditionPathExists=/nonexistent\n[Service]\nExecStart=/usr/bin/daemon\n");
	static const struct step skipped[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared unmet ConditionPathExists=/nonexistent was not met", "dead", "save note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, skipped);
	ck_assert_str_eq(r.s.unmet, "ConditionPathExists=/nonexistent was not met");
	ck_assert_int_eq(svc_shown(&r.s), SHOWN_INACTIVE);
	ck_assert_int_eq(r.s.main_pid, 0);
	rig_free(&r);
}
END_TEST

START_TEST(notify_is_running_at_ready)
{
	struct rig r;
	rig_init(&r, "nd", "[Service]\nType=notify\nExecStart=/usr/bin/notifier\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 env-notify ask-spawn-main" },
		{ "spawned 100 main watched", "start-ready", "" },
		{ "exec-report", "start-ready", "" }, /* it exec'd: notify waits on */
		{ "+300", NULL, NULL },
		{ "ready", "running", "drop-report timeout=0 save watchdog=0 note reply=0" },
		{ "ready", "running", "" }, /* a second READY=1 is nothing */
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.s.main_pid, 100);
	ck_assert_uint_eq(r.s.main_start_ms, 1000000);
	ck_assert(svc_is_active(&r.s));
	rig_free(&r);
}
END_TEST

START_TEST(notify_without_ready_times_out_and_fails)
{
	struct rig r;
	rig_init(&r, "nd", "[Service]\nType=notify\nExecStart=/usr/bin/notifier\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 env-notify ask-spawn-main" },
		{ "spawned 100 main watched", "start-ready", "" },
		{ "+90000", NULL, NULL },
		{ "timeout", "stop-signal", "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		SIGNALS_THEN_EMPTY(90000),
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_ptr_nonnull(strstr(r.s.result, "within TimeoutStartSec (90000 ms): no READY=1 came"));
	ck_assert_ptr_nonnull(strstr(r.reply, "nd: failed to start: did not finish starting"));
	ck_assert(r.s.abnormal_end);
	ck_assert_int_eq(svc_shown(&r.s), SHOWN_FAILED);
	rig_free(&r);
}
END_TEST

START_TEST(on_failure_restarts_with_backoff)
{
	struct rig r;
	rig_init(&r, "crashy", "[Service]\nExecStart=/usr/bin/crashy\nRestart=on-failure\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "+20000", NULL, NULL }, /* a long run: the backoff starts over, the first restart is at once */
		{ "main-exit exit 1", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=1" },
		{ "restart-timer", "auto-restart", "ask-start" },
		{ "start", "auto-restart", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 101 main", "running", "timeout=0 save watchdog=0 note" }, /* nobody waits: no reply */
		{ "+50", NULL, NULL },
		{ "main-exit exit 1", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=100" },
		{ "restart-timer", "auto-restart", "ask-start" },
		{ "start", "auto-restart", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 102 main", "running", "timeout=0 save watchdog=0 note" },
		{ "+50", NULL, NULL },
		{ "main-exit exit 1", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=200" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_uint_eq(r.s.restarts, 3);
	ck_assert_str_eq(r.s.result, "its main process exited with status 1");
	ck_assert_int_eq(svc_shown(&r.s), SHOWN_AUTO_RESTART);
	rig_free(&r);
}
END_TEST

START_TEST(clean_exit_is_no_failure_for_on_failure)
{
	struct rig r;
	rig_init(&r, "once", "[Service]\nExecStart=/usr/bin/once\nRestart=on-failure\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "main-exit exit 0", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "dead",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert(r.s.clean_end);
	ck_assert_uint_eq(r.s.restarts, 0);
	rig_free(&r);
}
END_TEST

START_TEST(start_limit_burst_ends_in_failed)
{
	struct rig r;
	rig_init(&r, "loop", "[Unit]\nStartLimitBurst=3\nStartLimitIntervalSec=10s\n"
		 "[Service]\nExecStart=/usr/bin/loop\nRestart=always\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "+100", NULL, NULL },
		{ "main-exit exit 0", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=1" },
		{ "restart-timer", "auto-restart", "ask-start" },
		{ "start", "auto-restart", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 101 main", "running", "timeout=0 save watchdog=0 note" },
		{ "+100", NULL, NULL },
		{ "main-exit exit 0", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=100" },
		{ "restart-timer", "auto-restart", "ask-start" },
		{ "start", "auto-restart", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 102 main", "running", "timeout=0 save watchdog=0 note" },
		{ "+100", NULL, NULL },
		{ "main-exit exit 0", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=200" },
		{ "restart-timer", "auto-restart", "ask-start" },
		/* the fourth start within 10 s */
		{ "start", "failed", "save note log" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_ptr_nonnull(strstr(r.s.result, "started too often (StartLimitBurst=3 in 10000 ms)"));
	ck_assert_int_eq(r.replies, 1); /* only the first start had a caller */
	rig_free(&r);
}
END_TEST

START_TEST(stop_timeout_sends_sigkill)
{
	struct rig r;
	rig_init(&r, "stubborn", "[Service]\nExecStart=/usr/bin/stubborn\nTimeoutStopSec=2s\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job stop", NULL, NULL },
		{ "stop", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=2000 ask-group" },
		{ "group alive", "stop-sigterm", "kill-main:TERM kill-group:TERM timeout=2000 ask-group" },
		{ "group alive", "stop-sigterm", "poll=20" },
		{ "+2000", NULL, NULL },
		{ "timeout", "stop-sigkill", "log note kill-main:KILL kill-group:KILL timeout=5000 ask-group" },
		{ "group alive", "stop-sigkill", "poll=20" },
		{ "main-exit signal 9", "stop-sigkill", "ask-group" },
		{ "group empty", "dead",
		  "poll=0 timeout=0 timeout=2000 timeout=0 poll=0 cleanup stop-dependents save note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.s.last_exit, "killed by signal 9 (SIGKILL)");
	rig_free(&r);
}
END_TEST

START_TEST(sendsigkill_no_leaves_it_and_stop_post_runs)
{
	struct rig r;
	rig_init(&r, "gentle", "[Service]\nExecStart=/usr/bin/gentle\nTimeoutStopSec=2s\nSendSIGKILL=no\n"
		 "ExecStopPost=/bin/rm -f /run/gentle.flag\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job stop", NULL, NULL },
		{ "stop", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=2000 ask-group" },
		{ "group alive", "stop-sigterm", "kill-main:TERM kill-group:TERM timeout=2000 ask-group" },
		{ "group alive", "stop-sigterm", "poll=20" },
		{ "timeout", "stop-post", "log poll=0 timeout=0 timeout=2000 ask-spawn-ctl" },
		{ "spawned 300", "stop-post", "" },
		{ "ctl-exit exit 0", "dead", "timeout=0 poll=0 cleanup stop-dependents save note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.s.ctl_pid, 0);
	rig_free(&r);
}
END_TEST

START_TEST(exec_stop_gets_mainpid_then_the_signals)
{
	struct rig r;
	rig_init(&r, "nginx", "[Service]\nExecStart=/usr/sbin/nginx\nExecStop=/usr/sbin/nginx -s quit\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job stop", NULL, NULL },
		{ "stop", "stop", "restart-timer=0 watchdog=0 poll=0 save timeout=90000 env-mainpid ask-spawn-ctl" },
		{ "spawned 300", "stop", "" },
		{ "main-exit exit 0", "stop", "" }, /* nginx quit before its ExecStop= returned */
		{ "ctl-exit exit 0", "stop-signal", "ask-group" },
		{ "group empty", "dead",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	rig_free(&r);
}
END_TEST

START_TEST(mixed_kill_mode_kills_the_rest_once_main_is_gone)
{
	struct rig r;
	rig_init(&r, "mixed", "[Service]\nExecStart=/usr/bin/parent\nKillMode=mixed\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job stop", NULL, NULL },
		{ "stop", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group alive", "stop-sigterm", "kill-main:TERM timeout=90000 ask-group" },
		{ "group alive", "stop-sigterm", "poll=20" },
		{ "main-exit signal 15", "stop-sigterm", "ask-group" },
		{ "group alive", "stop-sigkill", "kill-group:KILL timeout=5000 poll=20" },
		{ "reaped empty", "dead",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	rig_free(&r);
}
END_TEST

START_TEST(forking_waits_for_its_pidfile)
{
	struct rig r;
	rig_init(&r, "forky", "[Service]\nType=forking\nPIDFile=/run/forky.pid\nExecStart=/usr/sbin/forky\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 200", "start", "" },
		{ "ctl-exit exit 0", "start-pidfile", "ask-pidfile" },
		{ "pidfile not-yet", "start-pidfile", "poll-pidfile=20" },
		{ "+20", NULL, NULL },
		{ "pidfile 4242", "running", "timeout=0 save watchdog=0 note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.s.main_pid, 4242);
	ck_assert_int_eq(r.s.ctl_pid, 0);
	rig_free(&r);
}
END_TEST

START_TEST(forking_parent_failing_or_a_pidfile_refused_fails_the_start)
{
	struct rig r;
	rig_init(&r, "forky", "[Service]\nType=forking\nPIDFile=/run/forky.pid\nExecStart=/usr/sbin/forky\n");
	static const struct step parent_fails[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 200", "start", "" },
		{ "ctl-exit exit 3", "stop-signal", "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, parent_fails);
	ck_assert_str_eq(r.s.result, "ExecStart=/usr/sbin/forky exited with status 3");
	ck_assert_str_eq(r.s.last_exit, "exited with status 3");
	static const struct step refused[] = {
		{ "job start", NULL, NULL },
		{ "start", "failed", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 201", "start", "" },
		{ "ctl-exit exit 0", "start-pidfile", "ask-pidfile" },
		{ "pidfile refused its PIDFile= is writable by anyone", "stop-signal",
		  "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, refused);
	ck_assert_str_eq(r.s.result, "its PIDFile= is writable by anyone");
	rig_free(&r);
}
END_TEST

START_TEST(forking_without_pidfile_ends_with_its_group)
{
	struct rig r;
	rig_init(&r, "bare", "[Service]\nType=forking\nExecStart=/usr/sbin/bare\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 200", "start", "" },
		{ "ctl-exit exit 0", "start-pidfile", "ask-pidfile" },
		{ "pidfile 0", "running", "timeout=0 save watchdog=0 note reply=0" }, /* several left: no main */
		{ "reaped alive", "running", "" },
		{ "reaped empty", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "dead", "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note" },
		{ NULL, NULL, NULL },
	};
	ck_assert(!svc_machine_wants_group(&r.s));
	play(&r, steps);
	ck_assert_str_eq(r.s.last_exit, "all its processes ended");
	ck_assert(r.s.clean_end);
	rig_free(&r);
}
END_TEST

START_TEST(exec_start_post_failing_stops_the_start)
{
	struct rig r;
	rig_init(&r, "post", "[Service]\nExecStart=/usr/bin/daemon\nExecStartPost=/bin/false\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 100 main", "start-post", "ask-spawn-ctl" },
		{ "spawned 300", "start-post", "" },
		{ "ctl-exit exit 1", "stop-signal", "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		SIGNALS_THEN_EMPTY(90000),
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.s.result, "ExecStartPost=/bin/false exited with status 1");
	ck_assert_ptr_nonnull(strstr(r.reply, "post: failed to start: ExecStartPost=/bin/false exited with status 1"));
	rig_free(&r);
}
END_TEST

START_TEST(ignored_failure_and_ordered_commands)
{
	struct rig r;
	rig_init(&r, "pre", "[Service]\nExecStartPre=-/bin/false\nExecStartPre=/bin/true\nExecStart=/usr/bin/daemon\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start-pre", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 300", "start-pre", "" },
		{ "ctl-exit exit 1", "start-pre", "ask-spawn-ctl" }, /* '-': its failure is no failure */
		{ "spawned 301", "start-pre", "" },
		{ "ctl-exit exit 0", "start", "ask-spawn-main" },
		{ "spawn-failed fork: Resource temporarily unavailable", "stop-signal",
		  "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.s.result, "fork: Resource temporarily unavailable");
	rig_free(&r);
}
END_TEST

START_TEST(oneshot_finishes_or_remains)
{
	struct rig r;
	rig_init(&r, "setup", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
	static const struct step done[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 200", "start", "" },
		{ "ctl-exit exit 0", "stop-signal", "timeout=0 note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		STOPPED_BY_HAND(90000), /* ran to completion: the start's caller hears 0 */
		{ NULL, NULL, NULL },
	};
	play(&r, done);
	ck_assert(r.s.oneshot_done);
	rig_free(&r);
	rig_init(&r, "mount", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n");
	static const struct step remains[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-ctl" },
		{ "spawned 200", "start", "" },
		{ "ctl-exit exit 0", "exited", "timeout=0 save watchdog=0 note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, remains);
	ck_assert(svc_is_active(&r.s));
	rig_free(&r);
}
END_TEST

START_TEST(watchdog_aborts_and_on_watchdog_restarts)
{
	struct rig r;
	rig_init(&r, "wd", "[Service]\nType=notify\nExecStart=/usr/bin/wd\nWatchdogSec=1s\nRestart=on-watchdog\n");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 env-notify ask-spawn-main" },
		{ "spawned 100 main watched", "start-ready", "" },
		{ "ready", "running", "drop-report timeout=0 save watchdog=1000 note reply=0" },
		{ "+1000", NULL, NULL },
		{ "watchdog", "running", "log note kill-main-plain:ABRT" },
		{ "main-exit signal 6", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ "group empty", "auto-restart",
		  "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup stop-dependents save note restart-timer=1" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.s.result, "its watchdog ran out (no WATCHDOG=1 within 1000 ms)");
	ck_assert(r.s.watchdog_end && r.s.abnormal_end && !r.s.clean_end);
	rig_free(&r);
}
END_TEST

START_TEST(exec_type_reports_a_failed_exec)
{
	struct rig r;
	rig_init(&r, "ex", "[Service]\nType=exec\nExecStart=/usr/bin/ex\n");
	static const struct step fails[] = {
		{ "job start", NULL, NULL },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 100 main watched", "start-exec", "" },
		{ "exec-report User=www: no such user", "start-exec", "" },
		{ "main-exit exit 217", "stop-signal", "log note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		FAILED_START,
		{ NULL, NULL, NULL },
	};
	play(&r, fails);
	ck_assert_str_eq(r.s.result, "its main process exited with status 217 during start: User=www: no such user");
	static const struct step works[] = {
		{ "job start", NULL, NULL },
		{ "start", "failed", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 101 main watched", "start-exec", "" },
		{ "exec-report", "running", "timeout=0 save watchdog=0 note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, works);
	ck_assert_str_eq(r.s.result, ""); /* a new start forgets the last one's */
	/* a report pipe that could not be watched: exec is taken for done at once */
	rig_free(&r);
	rig_init(&r, "ex", "[Service]\nType=exec\nExecStart=/usr/bin/ex\n");
	static const struct step unwatched[] = {
		SIMPLE_UP(102),
		{ NULL, NULL, NULL },
	};
	play(&r, unwatched);
	rig_free(&r);
}
END_TEST

START_TEST(reload_and_a_failing_reload)
{
	struct rig r;
	rig_init(&r, "rl", "[Service]\nExecStart=/usr/bin/rl\nExecReload=/bin/kill -HUP $MAINPID\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job reload", NULL, NULL },
		{ "reload", "reload", "save env-mainpid timeout=90000 ask-spawn-ctl" },
		{ "spawned 300", "reload", "" },
		{ "ctl-exit exit 0", "running", "save note reply=0" },
		{ "job reload", NULL, NULL },
		{ "reload", "reload", "save env-mainpid timeout=90000 ask-spawn-ctl" },
		{ "spawned 301", "reload", "" },
		{ "ctl-exit exit 1", "running", "log note save reply=1" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.reply, "rl: reload failed: ExecReload=/bin/kill exited with status 1");
	rig_free(&r);
}
END_TEST

START_TEST(restart_is_a_stop_then_a_start_in_one_job)
{
	struct rig r;
	rig_init(&r, "web", "[Service]\nExecStart=/usr/bin/daemon\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "job restart", NULL, NULL },
		{ "stop", "stop-signal", "restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		SIGNALS_THEN_EMPTY(90000),
		/* no dependents stop for a restart, and no reply yet: the start follows */
		{ "group empty", "dead", "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup save note ask-start" },
		{ "start", "dead", "ask-prepare" },
		{ "prepared", "start", "number-start save note timeout=90000 ask-spawn-main" },
		{ "spawned 101 main", "running", "timeout=0 save watchdog=0 note reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_int_eq(r.replies, 2);
	ck_assert_uint_eq(r.s.start_seq, 2);
	rig_free(&r);
}
END_TEST

START_TEST(shutdown_stops_for_good)
{
	struct rig r;
	rig_init(&r, "crashy", "[Service]\nExecStart=/usr/bin/crashy\nRestart=always\n");
	static const struct step steps[] = {
		SIMPLE_UP(100),
		{ "main-exit exit 1", "stop-signal", "note restart-timer=0 watchdog=0 poll=0 save timeout=90000 ask-group" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	/* the supervisor is stopping everything: no restart, no dependents */
	r.stopping_all = true;
	static const struct step final[] = {
		{ "group empty", "failed", "poll=0 timeout=0 timeout=90000 timeout=0 poll=0 cleanup save note" },
		{ "restart-timer", "failed", "" },
		{ NULL, NULL, NULL },
	};
	play(&r, final);
	rig_free(&r);
}
END_TEST

START_TEST(a_required_dependency_that_failed_fails_the_start)
{
	struct rig r;
	rig_init(&r, "app", "[Unit]\nRequires=db.service\nAfter=db.service\n[Service]\nExecStart=/usr/bin/app\n");
	r.s.state = SVC_WAIT_DEPS; /* the job queue waits for the dependencies */
	snprintf(r.s.dep_failed, sizeof(r.s.dep_failed), "db");
	static const struct step steps[] = {
		{ "job start", NULL, NULL },
		{ "deps-failed", "failed", "save note log reply=1" },
		{ NULL, NULL, NULL },
	};
	play(&r, steps);
	ck_assert_str_eq(r.reply, "app: cannot start: db, which it requires, did not start");
	rig_free(&r);
}
END_TEST

START_TEST(init_script_stop_cleans_its_group)
{
	struct rig r;
	rig_init(&r, "legacy", NULL);
	static const struct step start[] = {
		{ "job script start", NULL, NULL },
		{ "script-started 500", "script", "" },
		{ "ctl-exit exit 0", "running", "save number-start reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, start);
	ck_assert_int_eq(svc_shown(&r.s), SHOWN_RUNNING);
	static const struct step stop[] = {
		{ "job script stop", NULL, NULL },
		{ "script-started 501", "script", "" },
		{ "ctl-exit exit 0", "script-signal", "save ask-group" },
		{ "group alive", "script-sigterm", "kill-group:TERM timeout=5000 ask-group" },
		{ "group alive", "script-sigterm", "poll=20" },
		{ "+5000", NULL, NULL },
		{ "timeout", "script-sigkill", "log note kill-group:KILL timeout=5000 ask-group" },
		{ "group empty", "dead", "poll=0 timeout=0 remove-group reply=0" },
		{ NULL, NULL, NULL },
	};
	play(&r, stop);
	ck_assert_int_eq(r.s.script_status, 0);
	/* a verb of the script's own: what it showed before, and its code passed on */
	static const struct step verb[] = {
		{ "job script configtest", NULL, NULL },
		{ "script-started 502", "script", "" },
		{ "ctl-exit exit 7", "dead", "reply=7" },
		{ NULL, NULL, NULL },
	};
	play(&r, verb);
	rig_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine");
	TCase *start = tcase_create("start");
	tcase_add_test(start, simple_start_runs_and_stop_ends_it);
	tcase_add_test(start, an_unmet_condition_skips_the_start);
	tcase_add_test(start, notify_is_running_at_ready);
	tcase_add_test(start, notify_without_ready_times_out_and_fails);
	tcase_add_test(start, forking_waits_for_its_pidfile);
	tcase_add_test(start, forking_parent_failing_or_a_pidfile_refused_fails_the_start);
	tcase_add_test(start, forking_without_pidfile_ends_with_its_group);
	tcase_add_test(start, exec_start_post_failing_stops_the_start);
	tcase_add_test(start, ignored_failure_and_ordered_commands);
	tcase_add_test(start, oneshot_finishes_or_remains);
	tcase_add_test(start, exec_type_reports_a_failed_exec);
	tcase_add_test(start, a_required_dependency_that_failed_fails_the_start);
	suite_add_tcase(s, start);
	TCase *restart = tcase_create("restart");
	tcase_add_test(restart, on_failure_restarts_with_backoff);
	tcase_add_test(restart, clean_exit_is_no_failure_for_on_failure);
	tcase_add_test(restart, start_limit_burst_ends_in_failed);
	tcase_add_test(restart, watchdog_aborts_and_on_watchdog_restarts);
	tcase_add_test(restart, restart_is_a_stop_then_a_start_in_one_job);
	tcase_add_test(restart, reload_and_a_failing_reload);
	suite_add_tcase(s, restart);
	TCase *stop = tcase_create("stop");
	tcase_add_test(stop, stop_timeout_sends_sigkill);
	tcase_add_test(stop, sendsigkill_no_leaves_it_and_stop_post_runs);
	tcase_add_test(stop, exec_stop_gets_mainpid_then_the_signals);
	tcase_add_test(stop, mixed_kill_mode_kills_the_rest_once_main_is_gone);
	tcase_add_test(stop, shutdown_stops_for_good);
	tcase_add_test(stop, init_script_stop_cleans_its_group);
	suite_add_tcase(s, stop);
	return unit_run(s);
}
