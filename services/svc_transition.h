/* What the state machine's own files share (svc_machine.c: the table, the start and the ends of
 * processes; svc_stop.c: the stop and an init.d script's; svc_actions.c: how a transition asks
 * for what it wants). Nothing outside the machine includes it: the rest of the supervisor goes
 * through svc_machine.h. */
#ifndef GUESTINIT_SERVICES_SVC_TRANSITION_H
#define GUESTINIT_SERVICES_SVC_TRANSITION_H

#include "svc_machine.h"

typedef void (*svc_transition_fn)(struct svc *s, const struct svc_event *ev, struct svc_actions *a);

/* ---- asking (svc_actions.c): appended to the step's list; texts are copied into it ---- */
struct svc_action *svc_act_push(struct svc_actions *a, enum svc_action_type type);
void svc_act_note(struct svc_actions *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void svc_act_log(struct svc_actions *a, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The running job's reply; fmt NULL: no text. */
void svc_act_reply(struct svc_actions *a, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void svc_act_timer(struct svc_actions *a, enum svc_action_type type, uint64_t ms);
void svc_act_poll(struct svc_actions *a, uint64_t ms, bool pidfile);
void svc_act_ask(struct svc_actions *a, enum svc_action_type question);
void svc_act_kill(struct svc_actions *a, enum svc_kill_who who, pid_t pid, int sig, bool cont);
/* A stop's signal: the main process (SIGCONT first), a control process, and the whole group
 * when whole_group. */
void svc_act_stop_signal(const struct svc *s, struct svc_actions *a, int sig, bool whole_group);

/* ---- svc_machine.c ---- */
/* svc_state_set and the record saved. */
void svc_machine_set_state(struct svc *s, const struct svc_event *ev, struct svc_actions *a, svc_state_t st);
const struct svc_job *svc_running_job(const struct svc *s);
bool svc_job_starts(const struct svc_job *j); /* start, restart, try-restart */
/* Moves to st and runs cmds one after the other; their end is the state's end. */
void svc_machine_run_cmds(struct svc *s, const struct svc_event *ev, struct svc_actions *a, svc_state_t st,
			  const struct unit_cmds *cmds);

/* ---- svc_stop.c ---- */
/* manual: asked for (no restart after it); failed: the run failed; was_up: it got as far as
 * running, so ExecStop= runs. */
void svc_machine_begin_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a, bool manual,
			    bool failed, bool was_up);
void svc_machine_enter_signal(struct svc *s, const struct svc_event *ev, struct svc_actions *a); /* ExecStop= done */
void svc_machine_finish_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a);  /* ExecStopPost= done */
/* the stop's cells of the table */
void svc_on_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_signal_group(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_group_polled(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_reaped_stopping(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_stop_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_sigterm_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_sigkill_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_stop_post_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_restart_timer(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_started(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_exit(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_group(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_polled(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_reaped(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_sigterm_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
void svc_on_script_sigkill_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a);

#endif
