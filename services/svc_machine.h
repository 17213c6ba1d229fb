/* The start/stop state machine of one service, as s6-supervise has it: a table
 * actions[state][event] of small transition functions. A transition is pure: it reads and
 * changes the struct svc it is given (its state, counters, texts) and appends what it wants
 * done to a list of actions: a record saved, a log line, a timer, a signal, a job's reply. What
 * it must know of the world it asks for with a question (the last action of a step), and the
 * answer comes back as the next event: a spawn, the group's processes, a pidfile. svc_run.c
 * carries the actions out; tests/unit/services/test_machine.c drives the table with recorded
 * event sequences and checks both the states and the actions. */
#ifndef GUESTINIT_SERVICES_SVC_MACHINE_H
#define GUESTINIT_SERVICES_SVC_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "svc.h"

#define SVC_GROUP_POLL_MS 20          /* how often a stop (or a late pidfile) is looked at */
#define SVC_KILL_WAIT_MS 5000         /* after SIGKILL: how long to wait for the group to empty */
#define SVC_SCRIPT_STOP_GRACE_MS 5000 /* after an init.d script's stop: TERM to what it left, then KILL */

enum svc_event_type {
	SVC_EV_START,          /* begin a start: dependencies settled, the definition read again */
	SVC_EV_DEPS_FAILED,    /* a required dependency did not start (s->dep_failed) */
	SVC_EV_PREPARED,       /* answer to SVC_ASK_PREPARE: ok, or text says why not */
	SVC_EV_STOP,           /* a stop was asked for */
	SVC_EV_RELOAD,
	SVC_EV_SCRIPT_STARTED, /* an init.d script's verb runs as pid */
	SVC_EV_SPAWNED,        /* answer to SVC_ASK_SPAWN_*: pid runs (main: the main process) */
	SVC_EV_SPAWN_FAILED,   /* answer to SVC_ASK_SPAWN_*: text says why */
	SVC_EV_EXEC_REPORT,    /* the main process's report pipe closed: text is a failure, or empty */
	SVC_EV_READY,          /* READY=1 */
	SVC_EV_MAIN_EXIT,      /* wstatus (SVC_WAIT_UNKNOWN); text: what its report pipe said */
	SVC_EV_CTL_EXIT,       /* a control process (Exec*= other than a main process, a script) */
	SVC_EV_TIMEOUT,        /* the state's timeout (TimeoutStartSec=, TimeoutStopSec=...) */
	SVC_EV_WATCHDOG,       /* WatchdogSec= ran out (or WATCHDOG=trigger) */
	SVC_EV_RESTART_TIMER,
	SVC_EV_GROUP,          /* answer to SVC_ASK_GROUP, or the poll timer: is anything left (alive)? */
	SVC_EV_REAPED,         /* after a round of reaping, alive as for SVC_EV_GROUP */
	SVC_EV_PIDFILE,        /* answer to SVC_ASK_PIDFILE, or the poll timer */
	SVC_EV_COUNT
};

enum svc_pidfile_answer {
	SVC_PIDFILE_FOUND,    /* pid is the main process (0: none is known, the group is the service) */
	SVC_PIDFILE_NOT_YET,  /* no live process of ours named yet */
	SVC_PIDFILE_REFUSED,  /* text says why the file is not believed */
};

struct svc_event {
	enum svc_event_type type;
	uint64_t now_ms;          /* CLOCK_MONOTONIC */
	bool stopping_all;        /* the supervisor is shutting down */
	pid_t pid;                /* SPAWNED, SCRIPT_STARTED, PIDFILE */
	bool main;                /* SPAWNED: of the main process */
	bool watched;             /* SPAWNED main: its report pipe is watched */
	bool ok;                  /* PREPARED */
	bool unmet;               /* PREPARED: a Condition*= did not hold (text says which) */
	bool alive;               /* GROUP, REAPED */
	int wstatus;              /* MAIN_EXIT, CTL_EXIT */
	enum svc_pidfile_answer pidfile;
	const char *text;         /* see each event; NULL is "" */
};

enum svc_action_type {
	SVC_DO_SAVE,            /* the record (svc_record.h) of what it now shows */
	SVC_DO_NOTE,            /* text into the service's log */
	SVC_DO_LOG,             /* text into the supervisor's log, at level */
	SVC_DO_TIMEOUT,         /* the state's timeout in ms from now; 0 cancels it */
	SVC_DO_RESTART_TIMER,   /* ms; 0 cancels */
	SVC_DO_WATCHDOG,        /* ms; 0 cancels */
	SVC_DO_POLL,            /* ms (0 cancels); pidfile: look at PIDFile=, else at the group */
	SVC_DO_KILL,            /* sig to who (pid for the main and control processes); cont: SIGCONT first */
	SVC_DO_ENV_MAINPID,     /* the next commands' environment gets MAINPID=pid */
	SVC_DO_ENV_NOTIFY,      /* ... NOTIFY_SOCKET=, and WATCHDOG_USEC= when ms */
	SVC_DO_DROP_REPORT,     /* stop listening to the main process's report pipe */
	SVC_DO_NUMBER_START,    /* this start's number, for stopping in reverse */
	SVC_DO_STOP_DEPENDENTS, /* manual: a stop asked for (Requires= follows too, not only BindsTo=) */
	SVC_DO_CLEANUP,         /* the run is over: adopted watches, the cgroup, RuntimeDirectory= */
	SVC_DO_REMOVE_GROUP,    /* an init.d script's cgroup */
	SVC_DO_JOB_DONE,        /* the running job's reply: status, text (last of a step) */
	/* questions: the last action of a step, answered by the event named */
	SVC_ASK_PREPARE,        /* → PREPARED: the cgroup, StateDirectory= and co, the environment */
	SVC_ASK_SPAWN_CTL,      /* → SPAWNED, SPAWN_FAILED: s->cmds->v[s->cmd_i] */
	SVC_ASK_SPAWN_MAIN,     /* → SPAWNED, SPAWN_FAILED: ExecStart=; watch: its report pipe */
	SVC_ASK_GROUP,          /* → GROUP */
	SVC_ASK_PIDFILE,        /* → PIDFILE */
	SVC_ASK_START,          /* → START (the restart timer cancelled, the definition read again) */
};

enum svc_kill_who { SVC_KILL_MAIN, SVC_KILL_CTL, SVC_KILL_GROUP };

struct svc_action {
	enum svc_action_type type;
	uint64_t ms;
	enum svc_kill_who who;
	pid_t pid;
	int sig;
	bool cont;
	bool flag;              /* POLL: pidfile; STOP_DEPENDENTS: manual; SPAWN_MAIN: watch */
	int level;              /* LOG: a log_level */
	int status;             /* JOB_DONE */
	const char *text;       /* NOTE, LOG, JOB_DONE (NULL: none); in the list's own storage */
};

#define SVC_MAX_ACTIONS 48

struct svc_actions {
	struct svc_action v[SVC_MAX_ACTIONS];
	size_t n;
	bool ended;             /* a question or a job's reply was asked for: nothing may follow */
	bool broken;            /* something followed, or the list was full: a bug of the machine */
	struct svc_action spare;
	char text[12288];
	size_t text_used;
};

void svc_actions_init(struct svc_actions *a);
/* One transition: the row of s->state, the column of ev->type (an empty cell: the events that
 * mean the same in every state, else nothing happens). */
void svc_machine_step(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
/* Whether the state has a transition for the event (a timer that fired late asks). */
bool svc_machine_handles(const struct svc *s, enum svc_event_type t);
/* Whether a round of reaping concerns s (a stop waiting for its group, a running service
 * without a known process), so that its group is looked at. */
bool svc_machine_wants_group(const struct svc *s);
const char *svc_state_name(svc_state_t st);
const char *svc_event_name(enum svc_event_type t);
const char *svc_action_name(enum svc_action_type t);
/* The step's actions as one line ("save note timeout=90000 ask-spawn-main"; a signal to the
 * main process without SIGCONT first is kill-main-plain): for the debug log and the tests. */
size_t svc_actions_format(const struct svc_actions *a, char *buf, size_t cap);
/* The event with what it carries ("spawned 812 main watched", "main-exit signal 15", "group
 * empty"), in the words tests/unit/services/test_machine.c reads back. */
size_t svc_event_format(const struct svc_event *ev, char *buf, size_t cap);

#endif
