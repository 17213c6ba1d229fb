/* systemd .service units: the subset guestinit supervises (man 8 service lists it). Parsing is
 * pure: text in, struct unit out, warnings through a callback, so that it is unit-tested and
 * fuzzed without a file system. unit_load() finds the files and drop-ins. */
#ifndef GUESTINIT_SERVICES_UNITFILE_H
#define GUESTINIT_SERVICES_UNITFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* Where units are looked for, highest priority first (as systemd's system manager does). */
extern const char *const unit_dirs[];
extern const size_t unit_ndirs;

enum unit_type { UNIT_SIMPLE, UNIT_EXEC, UNIT_FORKING, UNIT_ONESHOT, UNIT_NOTIFY };
enum unit_restart {
	RESTART_NO, RESTART_ALWAYS, RESTART_ON_SUCCESS, RESTART_ON_FAILURE,
	RESTART_ON_ABNORMAL, RESTART_ON_ABORT, RESTART_ON_WATCHDOG
};
enum unit_kill_mode { KILL_CONTROL_GROUP, KILL_MIXED, KILL_PROCESS, KILL_NONE };
/* NotifyAccess=; unset means main for Type=notify or with a watchdog, none otherwise */
enum unit_notify_access { NOTIFY_UNSET, NOTIFY_NONE, NOTIFY_MAIN, NOTIFY_EXEC, NOTIFY_ALL };
/* Where a stream goes: our log file (journal, syslog, kmsg and inherit mean that here), nothing,
 * or a file. */
enum unit_output { OUT_LOG, OUT_NULL, OUT_FILE, OUT_APPEND, OUT_TRUNCATE };

/* Prefixes of an Exec line (systemd.service(5), "Command lines"). */
enum {
	CMD_IGNORE_FAILURE = 1 << 0, /* '-': a non-zero exit is not a failure */
	CMD_ARGV0 = 1 << 1,          /* '@': the second word is argv[0] */
	CMD_PRIVILEGED = 1 << 2,     /* '+' or '!': without User=, limits and capabilities */
	CMD_NO_ENV_EXPAND = 1 << 3,  /* ':': no $VAR expansion */
};

struct unit_cmd {
	unsigned flags;
	char **argv; /* argv[0] is the path; NULL-terminated */
};

struct unit_cmds {
	struct unit_cmd *v;
	size_t n;
};

struct unit_strv {
	char **v;
	size_t n;
};

#define UNIT_MAX_STATUS 32
#define UNIT_MAX_LISTEN 32
#define UNIT_MAX_LISTEN_TEXT "32"

struct unit {
	char *description;
	enum unit_type type;
	struct unit_cmds start_pre, start, start_post, reload, stop, stop_post;
	enum unit_restart restart;
	uint64_t restart_ms, timeout_start_ms, timeout_stop_ms; /* 0 timeout: none */
	bool restart_ms_set;      /* RestartSec= given: every restart waits exactly that */
	uint64_t start_limit_interval_ms;
	unsigned start_limit_burst;
	int prevent_status[UNIT_MAX_STATUS], nprevent;   /* RestartPreventExitStatus= (exit codes) */
	int success_status[UNIT_MAX_STATUS], nsuccess;   /* SuccessExitStatus= */
	char *user, *group;
	struct unit_strv supp_groups;
	char *working_dir;        /* "~" for the user's home */
	bool working_dir_optional; /* '-' prefix */
	struct unit_strv env;     /* NAME=VALUE, in order */
	struct unit_strv env_files; /* a leading '-': the file may be missing */
	char *pid_file;
	enum unit_kill_mode kill_mode;
	enum unit_notify_access notify_access;
	uint64_t watchdog_ms;     /* WatchdogSec=; 0: none */
	int watchdog_signal;      /* WatchdogSignal=, SIGABRT */
	int kill_signal;
	bool send_sigkill;
	struct unit_strv after, before, requires, wants, binds_to, wanted_by;
	bool remain_after_exit;
	int umask;                /* -1: unset */
	bool nice_set;
	int nice;
	bool limit_set[RLIM_NLIMITS];
	struct rlimit limits[RLIM_NLIMITS];
	bool bounding_set, ambient_set;
	uint64_t bounding_caps, ambient_caps; /* bit n = capability n */
	bool no_new_privs;
	/* TasksMax=: a number, or a percentage of the kernel's limit on tasks; both 0: infinity */
	unsigned long long tasks_max;
	unsigned tasks_max_percent;
	struct unit_strv runtime_dirs, state_dirs, logs_dirs;
	unsigned runtime_dir_mode;
	bool runtime_dir_preserve;
	enum unit_output out, err;
	char *out_path, *err_path;
	bool use_init_script;     /* [X-Guestinit] UseInitScript=yes: the init.d script wins */
	bool masked;              /* linked to /dev/null: never started, and that is no error */
	bool ignore_sigpipe;      /* IgnoreSIGPIPE=, yes as in systemd */
	/* Keys read and not applied because they only harden, tune or label a service (sandboxing,
	 * scheduling, syslog naming): it runs the same without them, so they are not warned about
	 * at boot; `service NAME status` lists them. "Key" once each, in order of appearance. */
	struct unit_strv not_applied;
	struct unit_strv conditions; /* "ConditionX=value", "AssertX=value" (unit_condition.h) */
	char *refused;            /* why this unit cannot be run here; NULL: it can */
	/* The service's own NAME.socket ([Socket], socket activation): the listening sockets are
	 * made before each start and given to the service as fds 3.. with LISTEN_FDS, LISTEN_PID
	 * and LISTEN_FDNAMES (sd_listen_fds(3)), as docker.socket gives dockerd -H fd:// */
	char *socket_file;        /* its path; NULL: the service has none */
	struct unit_strv listen_streams; /* ListenStream=: a path, @abstract, PORT, ADDR:PORT, [ADDR6]:PORT */
	unsigned socket_mode, socket_dir_mode;
	char *socket_user, *socket_group, *socket_fdname;
	unsigned socket_backlog;
	bool socket_accept;
};

/* One problem in a unit file: where, and what. */
typedef void (*unit_warn_fn)(void *ctx, const char *file, unsigned line, const char *msg);

void unit_init(struct unit *u);
void unit_free(struct unit *u);
/* Parses one file's text into u (drop-ins are further calls on the same unit). Returns the
 * number of warnings. */
unsigned unit_parse_text(struct unit *u, const char *file, const char *text, size_t len, unit_warn_fn warn,
			 void *ctx);
/* Finishes after the last file: defaults that depend on other keys, and refusals (no
 * ExecStart, a Type that needs what we lack). */
void unit_finish(struct unit *u, const char *name);

/* Finds NAME.service under root (normally "") in unit_dirs and its drop-ins. Returns 1 and
 * fills u (path: the main file) when found, 0 when there is none, -errno on a read error.
 * A unit linked to /dev/null is masked: found, with refused set. */
int unit_load(const char *root, const char *name, struct unit *u, char *path, size_t pathcap, unit_warn_fn warn,
	      void *ctx);

/* Splits one command line as systemd does (quotes, backslash escapes, prefixes). Returns 0, or
 * -EINVAL with *why set. */
int unit_split_command(const char *line, struct unit_cmd *out, const char **why);
/* "5s", "1min 30s", "100ms", "infinity" (→ 0), a bare number is seconds. */
int unit_parse_time(const char *s, uint64_t *ms);

const char *unit_type_name(enum unit_type t);

/* The unit file key of a resource limit (RLIMIT_NOFILE: "LimitNOFILE"). */
const char *unit_limit_key(int resource);

#endif
