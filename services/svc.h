/* The supervisor's model, shared by its files: one struct svc per service that was asked
 * about, its job queue, and the supervisor's own state (struct supervisor).
 *
 * How the supervisor is split, by concern (docs/services.md, "The supervisor's files"):
 *   svc_machine.c  the start/stop state machine: a table actions[state][event] of small pure
 *                  transitions on a struct svc (they ask for effects, never do them), with
 *                  svc_stop.c (the stop's transitions), svc_actions.c (how they ask) and
 *                  svc_shown.c (what each state shows)
 *   svc_run.c      the machine's effects (spawn, kill, timers, records) and the world's
 *                  events (deaths, timers, pipes, cgroups) turned into its events; apart from
 *                  the machine so that the machine is tested without any of them
 *   svc_job.c      the per-service job queue, dependencies, init.d scripts, boot and shutdown
 *   svc_request.c  the request verbs as a table, authority, replies
 *   svc_status.c   status and list texts
 *   svc_adopt.c    taking services and log pipes back after a supervisor restart
 *   svc_notify.c   sd_notify messages
 *   supervisor.c   the service table (find, create, read the definition again, records) */
#ifndef GUESTINIT_SERVICES_SVC_H
#define GUESTINIT_SERVICES_SVC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "backoff.h"
#include "supervisor.h"
#include "svc_definition.h"
#include "svc_log.h"
#include "svc_names.h"
#include "unitfile.h"

#define SVC_LOG_MAX_BYTES (1024 * 1024)
#define SVC_WAIT_UNKNOWN (-1) /* the end of a process that is not our child: no wait status */

/* The machine's states. A unit goes DEAD → (WAIT_DEPS) → START_PRE → START → (START_EXEC |
 * START_READY | START_PIDFILE) → START_POST → RUNNING or EXITED, and STOP → STOP_SIGNAL →
 * STOP_SIGTERM → STOP_SIGKILL → STOP_POST → DEAD, FAILED or AUTO_RESTART; an init.d script's
 * verb runs in SCRIPT, and its stop's leftovers get SCRIPT_SIGNAL..SCRIPT_SIGKILL. */
typedef enum svc_state {
	SVC_DEAD,
	SVC_FAILED,
	SVC_AUTO_RESTART,   /* waiting for the restart timer */
	SVC_WAIT_DEPS,      /* waiting for what it Requires=/Wants= and is After= */
	SVC_START_PRE,      /* ExecStartPre= */
	SVC_START,          /* ExecStart=: the main process spawning, or a oneshot's/forking's commands */
	SVC_START_EXEC,     /* Type=exec: until the main process has exec'd */
	SVC_START_READY,    /* Type=notify: until READY=1 */
	SVC_START_PIDFILE,  /* Type=forking: until PIDFile= names a live process of ours */
	SVC_START_POST,     /* ExecStartPost= */
	SVC_RUNNING,
	SVC_EXITED,         /* a oneshot with RemainAfterExit=yes */
	SVC_RELOAD,         /* ExecReload= */
	SVC_STOP,           /* ExecStop= */
	SVC_STOP_SIGNAL,    /* about to send KillSignal=: is anything left to get it? */
	SVC_STOP_SIGTERM,   /* sent, waiting for the group to empty */
	SVC_STOP_SIGKILL,
	SVC_STOP_POST,      /* ExecStopPost= */
	SVC_SCRIPT,         /* an init.d script's verb (or a unit's script-only verb) runs */
	SVC_SCRIPT_SIGNAL,  /* after an init.d stop: is anything left in the group? */
	SVC_SCRIPT_SIGTERM,
	SVC_SCRIPT_SIGKILL,
	SVC_STATE_COUNT
} svc_state_t;

/* What a person and a restarted supervisor see (systemd's active and sub states), one value per
 * sub state name of svc_record.h. */
enum svc_shown {
	SHOWN_INACTIVE, SHOWN_STARTING, SHOWN_RUNNING, SHOWN_EXITED, SHOWN_RELOADING, SHOWN_STOPPING,
	SHOWN_FAILED, SHOWN_AUTO_RESTART, SHOWN_COUNT
};

enum svc_job_type { JOB_START, JOB_STOP, JOB_RESTART, JOB_TRY_RESTART, JOB_RELOAD, JOB_SCRIPT };

struct svc_job {
	struct svc_job *next;
	enum svc_job_type type;
	int client;               /* -1: nobody waits (boot, automatic) */
	struct sv_request *req;
	bool second_half;         /* restart: the stop is done, the start runs */
	void (*done)(void *ctx, int status); /* boot's own requests: told the outcome */
	void *done_ctx;
};

struct svc {
	struct svc *next;
	char name[SVC_NAME_MAX + 1];
	enum svc_kind kind;
	struct unit unit;
	char unit_path[PATH_MAX];
	unsigned long long stamp; /* of the definition's files when last read; 0: never read */
	svc_state_t state;
	svc_state_t script_from;  /* SVC_SCRIPT: the state it shows, which the script's end returns to */
	const struct unit_cmds *cmds;
	size_t cmd_i;
	pid_t main_pid, ctl_pid;
	int main_pidfd;        /* an adopted main process (not our child) is watched through it */
	int events_fd;         /* an adopted service's cgroup.events: its group emptying is no SIGCHLD of ours */
	int ctl_report, main_report;
	int timer, restart_timer, poll_timer, watchdog_timer;
	bool poll_pidfile;           /* poll_timer looks at PIDFile= (else at the group) */
	uint64_t timer_deadline_ms;  /* when timer fires: EXTEND_TIMEOUT_USEC= moves it only later */
	uint64_t watchdog_ms;        /* WatchdogSec=, or what WATCHDOG_USEC= made it */
	bool watchdog_end;           /* the main process ends because its watchdog ran out */
	uint64_t since_ms;           /* when what it shows last changed */
	unsigned restarts;
	struct backoff backoff;
	uint64_t main_start_ms;
	char last_exit[96];
	char result[600];
	char status_text[160];
	char unmet[320];          /* the Condition*= that skipped the last start; "" once one ran */
	uint64_t starts[64];
	unsigned nstarts;
	struct svc_job *jobs;
	bool job_running;
	bool stop_manual;      /* this stop was asked for: no restart after it */
	bool oneshot_done;     /* this stop ends a oneshot that ran to completion */
	bool run_failed;       /* the run being stopped failed (start failure, unclean end) */
	bool clean_end, abnormal_end; /* how the main process ended, for Restart= */
	int end_status;        /* the main process's wait status, for RestartPreventExitStatus */
	int script_status;
	char **env;            /* the environment of this run's processes */
	struct svc_log log;
	unsigned start_seq;    /* order of the last start, for stopping in reverse */
	unsigned deps_pending; /* Requires=/Wants= ordered After= that this start waits for */
	char dep_failed[SVC_NAME_MAX + 32]; /* a required one that did not start */
};

/* The supervisor's own state: one per process. */
struct supervisor {
	struct evloop *loop;
	struct svc *services;
	unsigned start_seq;            /* the last start's number */
	bool stopping_all;             /* shutdown: every stop is final, nothing restarts */
	void (*stop_all_done)(void);
};
extern struct supervisor sup;

/* ---- svc_machine.c: what a service shows (pure) ---- */
enum svc_shown svc_shown(const struct svc *s);
const char *svc_shown_active(enum svc_shown v); /* "active", "activating", ... */
const char *svc_shown_sub(enum svc_shown v);    /* "running", "auto-restart", ... */
/* A record's sub state name → the shown value; -EINVAL for none. */
int svc_shown_of_sub(const char *sub);
bool svc_is_active(const struct svc *s);   /* running, exited or reloading */
bool svc_is_starting(const struct svc *s); /* activating (start), dependencies included */
/* Moves to st; since_ms changes when what it shows does. The caller saves the record. */
void svc_state_set(struct svc *s, svc_state_t st, uint64_t now_ms);
/* How long the watchdog timer should run now (WatchdogSec= of a running main process), or 0. */
uint64_t svc_watchdog_due(const struct svc *s);

/* ---- supervisor.c: the service table ---- */
struct svc *svc_find(const char *name);
/* Finds or creates the entry (reading its definition); NULL when out of memory. */
struct svc *svc_get(const char *name);
/* Reads the definition again if its files changed (always with force). */
void svc_load_definition(struct svc *s, bool force);
void svc_save_record(const struct svc *s);
/* svc_state_set and the record, for changes made outside the machine. */
void svc_set_state(struct svc *s, svc_state_t st);
void svc_unwatch(int *fd);
void svc_cancel(int *timer);

/* ---- svc_run.c: the machine's effects and the world's events ---- */
struct svc_event;
/* Steps the machine with ev and carries out what it asks, answering its questions, until it
 * asks nothing more. */
void svc_dispatch(struct svc *s, struct svc_event ev);
/* Begins a start: the restart timer cancelled, the definition read again unless restarting. */
void svc_start(struct svc *s);
/* The main process ended (SVC_WAIT_UNKNOWN: not our child, status unknown). */
void svc_main_exited(struct svc *s, int wstatus);
void svc_arm_watchdog(struct svc *s);
void svc_arm_restart(struct svc *s, uint64_t ms);
void svc_arm_timeout(struct svc *s, uint64_t ms);
void svc_create_group(struct svc *s);
/* pid is this service's: in its cgroup, or without cgroups started after the service did. */
bool svc_pid_is_ours(const struct svc *s, pid_t pid);

/* ---- svc_job.c ---- */
/* Queues a job; done (may be NULL) hears its outcome, also when it finishes at once. */
void svc_job_enqueue(struct svc *s, enum svc_job_type type, int client, struct sv_request *req,
		     void (*done)(void *ctx, int status), void *ctx);
/* The running job is over: its client gets status and err, the next job runs. */
void svc_job_done(struct svc *s, int status, const char *err);
/* The job a unit verb is; false for a verb units do not have. */
bool svc_unit_job(const struct svc *s, const char *verb, enum svc_job_type *t);
/* Requires=/BindsTo= the other way: those that need s stop with it. */
void svc_stop_dependents(struct svc *s, bool manual);

/* ---- svc_request.c ---- */
/* Sends the reply to client (nothing when client < 0) and closes it. */
void svc_reply(int client, int status, const char *out, const char *err);

/* ---- svc_status.c ---- */
int svc_status_code(const struct svc *s);
void svc_status_text(const struct svc *s, FILE *f);
void svc_list(FILE *f);

#endif
