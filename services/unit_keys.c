/* The keys of .service units guestinit knows, as a typed table (section, key, parser, its
 * argument, field), and the parsers of the value types only units have. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "parse.h"
#include "signames.h"
#include "unit_keys.h"

/* ---- lists --------------------------------------------------------------------------------- */

void unit_strv_free(struct unit_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct unit_strv){ 0 };
}

int unit_strv_add(struct unit_strv *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	if (!(v[l->n] = strdup(s)))
		return -ENOMEM;
	v[++l->n] = NULL;
	return 0;
}

static int out_of_memory(struct conf_refusal *why)
{
	return gi_error_set(&why->err, ENOMEM, "out of memory");
}

/* Blank-separated words (After=, RuntimeDirectory=...) onto a list; "" resets it, as systemd
 * does for list keys. */
static int parse_words(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why)
{
	struct unit_strv *l = field;
	if (!*v->text) {
		unit_strv_free(l);
		return 0;
	}
	_cleanup_free_ char *buf = strdup(v->text);
	if (!buf)
		return out_of_memory(why);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (unit_strv_add(l, w) < 0)
			return out_of_memory(why);
	return 0;
}

/* The whole value as one more item (EnvironmentFile=); "" resets the list. */
static int parse_list_item(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why)
{
	struct unit_strv *l = field;
	if (!*v->text) {
		unit_strv_free(l);
		return 0;
	}
	return unit_strv_add(l, v->text) < 0 ? out_of_memory(why) : 0;
}

/* ---- time spans ---------------------------------------------------------------------------- */

int unit_parse_time(const char *s, uint64_t *ms)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!strcmp(s, "infinity")) {
		*ms = 0;
		return 0;
	}
	static const struct { const char *suffix; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "msec", 1 }, { "s", 1000 }, { "sec", 1000 }, { "second", 1000 }, { "seconds", 1000 },
		{ "m", 60000 }, { "min", 60000 }, { "minute", 60000 }, { "minutes", 60000 },
		{ "h", 3600000 }, { "hr", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
		{ "us", 0 }, { "usec", 0 }, { "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	};
	uint64_t total = 0;
	bool any = false;
	while (*s) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -EINVAL;
		char *end;
		errno = 0;
		double v = strtod(s, &end);
		if (errno || end == s || v < 0 || v > 1e12)
			return -EINVAL;
		s = end;
		while (*s == ' ')
			s++;
		size_t n = 0;
		while (isalpha((unsigned char)s[n]))
			n++;
		uint64_t mult = 1000; /* a bare number is seconds */
		if (n > 0) {
			size_t i;
			for (i = 0; i < ARRAY_SIZE(units); i++)
				if (strlen(units[i].suffix) == n && !strncmp(units[i].suffix, s, n))
					break;
			if (i == ARRAY_SIZE(units))
				return -EINVAL;
			mult = units[i].ms;
		}
		if (mult == 0) /* microseconds: rounded up to a millisecond */
			total += (uint64_t)((v + 999) / 1000);
		else
			total += (uint64_t)(v * (double)mult);
		s += n;
		any = true;
		while (*s == ' ')
			s++;
	}
	if (!any)
		return -EINVAL;
	*ms = total;
	return 0;
}

static int time_from(const struct conf_value *v, uint64_t *ms, struct conf_refusal *why)
{
	if (unit_parse_time(v->text, ms) == 0)
		return 0;
	return gi_error_set(&why->err, EINVAL, "expected a time span such as 5s, 1min 30s or infinity");
}

/* uint64_t milliseconds; 0 for infinity. */
static int parse_time(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	return time_from(v, field, why);
}

/* RestartSec=: given, it replaces the growing backoff. */
static int parse_restart_sec(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			     struct conf_refusal *why)
{
	struct unit *u = target;
	int r = time_from(v, &u->restart_ms, why);
	if (r == 0)
		u->restart_ms_set = true;
	return r;
}

/* TimeoutSec=: both TimeoutStartSec= and TimeoutStopSec=. */
static int parse_timeout_sec(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			     struct conf_refusal *why)
{
	struct unit *u = target;
	uint64_t ms;
	int r = time_from(v, &ms, why);
	if (r == 0)
		u->timeout_start_ms = u->timeout_stop_ms = ms;
	return r;
}

/* ---- enums --------------------------------------------------------------------------------- */

static const char *const type_names[] = {
	[UNIT_SIMPLE] = "simple", [UNIT_EXEC] = "exec", [UNIT_FORKING] = "forking",
	[UNIT_ONESHOT] = "oneshot", [UNIT_NOTIFY] = "notify",
};
static const struct conf_enum unit_types = { type_names, ARRAY_SIZE(type_names),
					     "expected simple, exec, forking, oneshot or notify" };

const char *unit_type_name(enum unit_type t)
{
	const char *name = conf_enum_to_string(&unit_types, (int)t);
	return name ? name : "?";
}

/* Type=: systemd's types we run as another, with a note. */
static int parse_type(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	static const struct { const char *name; enum unit_type as; } taken_as[] = {
		{ "idle", UNIT_SIMPLE }, { "dbus", UNIT_SIMPLE }, { "notify-reload", UNIT_NOTIFY },
	};
	enum unit_type *type = field;
	int t = conf_enum_from_string(&unit_types, v->text);
	if (t >= 0) {
		*type = (enum unit_type)t;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(taken_as); i++)
		if (!strcmp(v->text, taken_as[i].name)) {
			*type = taken_as[i].as;
			conf_note(v, "Type=%s is run as Type=%s here", v->text, unit_type_name(*type));
			return 0;
		}
	return gi_error_set(&why->err, EINVAL, "%s", unit_types.why);
}

static const char *const restart_names[] = {
	[RESTART_NO] = "no", [RESTART_ALWAYS] = "always", [RESTART_ON_SUCCESS] = "on-success",
	[RESTART_ON_FAILURE] = "on-failure", [RESTART_ON_ABNORMAL] = "on-abnormal",
	[RESTART_ON_ABORT] = "on-abort", [RESTART_ON_WATCHDOG] = "on-watchdog",
};
static const struct conf_enum restarts = {
	restart_names, ARRAY_SIZE(restart_names),
	"expected no, always, on-success, on-failure, on-abnormal, on-abort or on-watchdog"
};

static const char *const kill_mode_names[] = {
	[KILL_CONTROL_GROUP] = "control-group", [KILL_MIXED] = "mixed", [KILL_PROCESS] = "process",
	[KILL_NONE] = "none",
};
static const struct conf_enum kill_modes = { kill_mode_names, ARRAY_SIZE(kill_mode_names),
					     "expected control-group, mixed, process or none" };

static const char *const notify_access_names[] = {
	[NOTIFY_NONE] = "none", [NOTIFY_MAIN] = "main", [NOTIFY_EXEC] = "exec", [NOTIFY_ALL] = "all",
};
static const struct conf_enum notify_accesses = { notify_access_names, ARRAY_SIZE(notify_access_names),
						  "expected none, main, exec or all" };

/* conf_parse_enum stores an int */
_Static_assert(sizeof(enum unit_restart) == sizeof(int) && sizeof(enum unit_kill_mode) == sizeof(int) &&
		       sizeof(enum unit_notify_access) == sizeof(int),
	       "enums parsed by conf_parse_enum are int-sized");

/* ---- numbers, signals, capabilities -------------------------------------------------------- */

/* int, a signal by name or number. */
static int parse_signal(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	int s = signal_from_name(v->text);
	if (s < 0)
		return gi_error_set(&why->err, EINVAL, "expected a signal name such as SIGTERM");
	*(int *)field = s;
	return 0;
}

/* UMask=: an int field, -1 while unset. */
static int parse_umask(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why)
{
	uint64_t m;
	if (parse_uint(v->text, 8, 0777, &m) < 0)
		return gi_error_set(&why->err, EINVAL, "expected an octal mask such as 0022");
	*(int *)field = (int)m;
	return 0;
}

static int parse_nice(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	struct unit *u = target;
	bool negative = v->text[0] == '-';
	uint64_t n;
	if (parse_uint(v->text + negative, 10, negative ? 20 : 19, &n) < 0)
		return gi_error_set(&why->err, EINVAL, "expected a number from -20 to 19");
	u->nice = negative ? -(int)n : (int)n;
	u->nice_set = true;
	return 0;
}

/* "N", "SOFT:HARD", "infinity", with K, M or G; ltype: the resource (int). */
static int parse_limit(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why)
{
	struct unit *u = target;
	int resource = *(const int *)k->ltype;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", v->text);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	const char *parts[2] = { buf, colon ? colon + 1 : buf };
	rlim_t out[2];
	for (int i = 0; i < 2; i++) {
		if (!strcmp(parts[i], "infinity")) {
			out[i] = RLIM_INFINITY;
			continue;
		}
		uint64_t n;
		const char *end;
		if (parse_uint_prefix(parts[i], 10, UINT64_MAX, &n, &end) < 0)
			goto bad;
		uint64_t mult = 1;
		if (*end == 'K')
			mult = 1024, end++;
		else if (*end == 'M')
			mult = 1024 * 1024, end++;
		else if (*end == 'G')
			mult = 1024ULL * 1024 * 1024, end++;
		if (*end)
			goto bad;
		out[i] = (rlim_t)(n * mult);
	}
	if (out[0] > out[1])
		goto bad;
	u->limits[resource] = (struct rlimit){ .rlim_cur = out[0], .rlim_max = out[1] };
	u->limit_set[resource] = true;
	return 0;
bad:
	return gi_error_set(&why->err, EINVAL, "expected a number, N:M or infinity");
}

/* Capability names into a mask (bit n: capability n); a leading '~' inverts it. */
static int caps_from(const char *v, uint64_t *mask, struct conf_refusal *why)
{
	bool invert = *v == '~';
	uint64_t m = 0;
	_cleanup_free_ char *buf = strdup(invert ? v + 1 : v);
	if (!buf)
		return out_of_memory(why);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		cap_value_t c;
		if (cap_from_name(w, &c) < 0 || c < 0 || c > 63)
			return gi_error_set(&why->err, EINVAL,
					    "expected capability names such as CAP_NET_BIND_SERVICE");
		m |= 1ULL << c;
	}
	*mask = invert ? ~m : m;
	return 0;
}

static int parse_bounding_caps(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			       struct conf_refusal *why)
{
	struct unit *u = target;
	int r = caps_from(v->text, &u->bounding_caps, why);
	if (r == 0)
		u->bounding_set = true;
	return r;
}

static int parse_ambient_caps(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			      struct conf_refusal *why)
{
	struct unit *u = target;
	int r = caps_from(v->text, &u->ambient_caps, why);
	if (r == 0)
		u->ambient_set = true;
	return r;
}

/* Exit codes (0-255) and signal names (recorded as 256 + the signal); "" resets. */
static int status_list(const char *v, int *arr, int *n, struct conf_refusal *why)
{
	if (!*v) {
		*n = 0;
		return 0;
	}
	_cleanup_free_ char *buf = strdup(v);
	if (!buf)
		return out_of_memory(why);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		uint64_t code;
		int s;
		if (parse_uint(w, 10, 255, &code) == 0) {
			s = (int)code;
		} else {
			int sig = signal_from_name(w);
			if (sig < 0)
				return gi_error_set(&why->err, EINVAL, "expected exit codes or signal names");
			s = 256 + sig;
		}
		if (*n < UNIT_MAX_STATUS)
			arr[(*n)++] = s;
	}
	return 0;
}

static int parse_prevent_status(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
				struct conf_refusal *why)
{
	struct unit *u = target;
	return status_list(v->text, u->prevent_status, &u->nprevent, why);
}

static int parse_success_status(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
				struct conf_refusal *why)
{
	struct unit *u = target;
	return status_list(v->text, u->success_status, &u->nsuccess, why);
}

/* TasksMax=: a number, a percentage of the kernel's limit, or infinity (both 0). */
static int parse_tasks_max(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why)
{
	struct unit *u = target;
	if (!strcmp(v->text, "infinity")) {
		u->tasks_max = 0;
		u->tasks_max_percent = 0;
		return 0;
	}
	uint64_t n;
	const char *end;
	if (parse_uint_prefix(v->text, 10, UINT64_MAX, &n, &end) < 0 || n == 0)
		goto bad;
	if (*end == '%' && !end[1] && n <= 100) {
		u->tasks_max = 0;
		u->tasks_max_percent = (unsigned)n;
		return 0;
	}
	if (*end)
		goto bad;
	u->tasks_max = n;
	u->tasks_max_percent = 0;
	return 0;
bad:
	return gi_error_set(&why->err, EINVAL, "expected a number of tasks, a percentage such as 15%%, or infinity");
}

/* ---- the rest ------------------------------------------------------------------------------ */

/* WorkingDirectory=: a leading '-' means it may be missing. */
static int parse_working_dir(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			     struct conf_refusal *why)
{
	struct unit *u = target;
	bool optional = v->text[0] == '-';
	u->working_dir_optional = optional;
	struct conf_value dir = *v;
	dir.text += optional;
	return conf_parse_strdup(&dir, k, &u->working_dir, target, why);
}

static int parse_dir_preserve(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			      struct conf_refusal *why)
{
	bool *preserve = field;
	bool b;
	if (!strcmp(v->text, "restart"))
		*preserve = true;
	else if (conf_bool_systemd(v->text, &b) == 0)
		*preserve = b;
	else
		return gi_error_set(&why->err, EINVAL, "expected yes, no or restart");
	return 0;
}

static int output_to(const struct conf_value *v, struct unit *u, enum unit_output *o, char **path,
		     struct conf_refusal *why)
{
	static const char *const to_log[] = { "journal", "syslog", "kmsg", "inherit", "journal+console",
					      "syslog+console", "kmsg+console", "tty", "" };
	const char *s = v->text;
	for (size_t i = 0; i < ARRAY_SIZE(to_log); i++)
		if (!strcmp(s, to_log[i])) {
			*o = OUT_LOG;
			return 0;
		}
	if (!strcmp(s, "null")) {
		*o = OUT_NULL;
		return 0;
	}
	static const struct { const char *prefix; enum unit_output o; } files[] = {
		{ "file:", OUT_FILE }, { "append:", OUT_APPEND }, { "truncate:", OUT_TRUNCATE } };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		size_t n = strlen(files[i].prefix);
		if (!strncmp(s, files[i].prefix, n) && s[n] == '/') {
			*o = files[i].o;
			struct conf_value p = *v;
			p.text += n;
			return conf_parse_strdup(&p, NULL, path, u, why);
		}
	}
	if (!strcmp(s, "socket") || !strncmp(s, "fd:", 3)) {
		unit_refuse(u, "StandardOutput/StandardError=%s needs socket activation, which guestinit does not do", s);
		return 0;
	}
	return gi_error_set(&why->err, EINVAL,
			    "expected journal, inherit, null, file:PATH, append:PATH or truncate:PATH");
}

static int parse_stdout(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	struct unit *u = target;
	return output_to(v, u, &u->out, &u->out_path, why);
}

static int parse_stderr(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	struct unit *u = target;
	return output_to(v, u, &u->err, &u->err_path, why);
}

/* Sockets=: the unit needs socket activation. */
static int parse_sockets(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			 struct conf_refusal *why)
{
	unit_refuse(target, "it needs socket activation (%s), which guestinit does not do", k->key);
	return 0;
}

/* StandardInput=: /dev/null (what services get anyway) or a terminal; else socket activation. */
static int parse_stdin(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why)
{
	static const char *const fine[] = { "null", "tty", "tty-force", "tty-fail" };
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
		if (!strcmp(v->text, fine[i]))
			return 0;
	return parse_sockets(v, k, field, target, why);
}

/* A key whose only effect is hardening, tuning or labelling: the service runs the same without
 * it, so it is remembered for `service NAME status` instead of warned about at every boot. */
static int parse_not_applied(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			     struct conf_refusal *why)
{
	(void)v, (void)field;
	struct unit *u = target;
	for (size_t i = 0; i < u->not_applied.n; i++)
		if (!strcmp(u->not_applied.v[i], k->key))
			return 0;
	if (unit_strv_add(&u->not_applied, k->key) < 0)
		return out_of_memory(why);
	return 0;
}

/* Condition*= and Assert*=, checked before each start (unit_condition.c); "" empties the
 * list, as in systemd. Paths must be absolute. */
static int parse_condition(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why)
{
	(void)field;
	struct unit *u = target;
	if (!*v->text) {
		unit_strv_free(&u->conditions);
		return 0;
	}
	const char *val = v->text + (v->text[0] == '|');
	val += val[0] == '!';
	if (strstr(k->key, "Path") || strstr(k->key, "File") || strstr(k->key, "Directory")) {
		if (val[0] != '/')
			return gi_error_set(&why->err, EINVAL, "expected an absolute path");
	} else if (!*val) {
		return gi_error_set(&why->err, EINVAL, "expected a value after '|' or '!'");
	}
	char *entry;
	if (asprintf(&entry, "%s=%s", k->key, v->text) < 0)
		return out_of_memory(why);
	int r = unit_strv_add(&u->conditions, entry);
	free(entry);
	return r < 0 ? out_of_memory(why) : 0;
}

/* ---- the table ----------------------------------------------------------------------------- */

#define OFF(f) offsetof(struct unit, f)
#define UNIT(key, parse, ltype, f) { "Unit", key, parse, ltype, OFF(f) }
#define SERVICE(key, parse, ltype, f) { "Service", key, parse, ltype, OFF(f) }
#define IGNORED(section, key) { section, key, conf_parse_ignored, NULL, 0 }
#define NOT_APPLIED(section, key) { section, key, parse_not_applied, NULL, 0 }
#define CONDITION(check) { "Unit", "Condition" check, parse_condition, NULL, 0 }, \
			  { "Unit", "Assert" check, parse_condition, NULL, 0 }
#define SOCKET(key, parse, ltype, f) { "Socket", key, parse, ltype, OFF(f) }
#define LIMIT(key, res) { "Service", key, parse_limit, &(const int){ res }, OFF(limits[res]) }

static const struct conf_range burst = { 0, 1000000, 10, "expected a whole number" };
static const struct conf_range dir_mode = { 0, 07777, 8, "expected an octal mode such as 0755" };
static const struct conf_range backlog = { 1, 65535, 10, "expected a whole number from 1 to 65535" };

const struct conf_key unit_keys[] = {
	UNIT("Description", conf_parse_strdup, NULL, description),
	IGNORED("Unit", "Documentation"),
	UNIT("After", parse_words, NULL, after),
	UNIT("Before", parse_words, NULL, before),
	UNIT("Requires", parse_words, NULL, requires),
	UNIT("Wants", parse_words, NULL, wants),
	UNIT("BindsTo", parse_words, NULL, binds_to),
	UNIT("StartLimitIntervalSec", parse_time, NULL, start_limit_interval_ms),
	UNIT("StartLimitBurst", conf_parse_unsigned, &burst, start_limit_burst),
	IGNORED("Unit", "DefaultDependencies"),
	IGNORED("Unit", "Conflicts"),
	CONDITION("PathExists"),
	CONDITION("PathExistsGlob"),
	CONDITION("PathIsDirectory"),
	CONDITION("PathIsSymbolicLink"),
	CONDITION("PathIsMountPoint"),
	CONDITION("PathIsReadWrite"),
	CONDITION("DirectoryNotEmpty"),
	CONDITION("FileNotEmpty"),
	CONDITION("FileIsExecutable"),
	CONDITION("Capability"),
	CONDITION("Virtualization"),
	CONDITION("KernelCommandLine"),
	SERVICE("Type", parse_type, NULL, type),
	SERVICE("ExecStartPre", unit_parse_exec, NULL, start_pre),
	SERVICE("ExecStart", unit_parse_exec, NULL, start),
	SERVICE("ExecStartPost", unit_parse_exec, NULL, start_post),
	SERVICE("ExecReload", unit_parse_exec, NULL, reload),
	SERVICE("ExecStop", unit_parse_exec, NULL, stop),
	SERVICE("ExecStopPost", unit_parse_exec, NULL, stop_post),
	SERVICE("Restart", conf_parse_enum, &restarts, restart),
	SERVICE("RestartSec", parse_restart_sec, NULL, restart_ms),
	SERVICE("TimeoutStartSec", parse_time, NULL, timeout_start_ms),
	SERVICE("TimeoutStopSec", parse_time, NULL, timeout_stop_ms),
	SERVICE("TimeoutSec", parse_timeout_sec, NULL, timeout_start_ms),
	SERVICE("StartLimitIntervalSec", parse_time, NULL, start_limit_interval_ms),
	SERVICE("StartLimitInterval", parse_time, NULL, start_limit_interval_ms),
	SERVICE("StartLimitBurst", conf_parse_unsigned, &burst, start_limit_burst),
	SERVICE("RestartPreventExitStatus", parse_prevent_status, NULL, prevent_status),
	SERVICE("SuccessExitStatus", parse_success_status, NULL, success_status),
	SERVICE("User", conf_parse_strdup, NULL, user),
	SERVICE("Group", conf_parse_strdup, NULL, group),
	SERVICE("SupplementaryGroups", parse_words, NULL, supp_groups),
	SERVICE("WorkingDirectory", parse_working_dir, NULL, working_dir),
	SERVICE("Environment", unit_parse_environment, NULL, env),
	SERVICE("EnvironmentFile", parse_list_item, NULL, env_files),
	SERVICE("PIDFile", conf_parse_strdup, NULL, pid_file),
	SERVICE("KillMode", conf_parse_enum, &kill_modes, kill_mode),
	SERVICE("NotifyAccess", conf_parse_enum, &notify_accesses, notify_access),
	SERVICE("WatchdogSec", parse_time, NULL, watchdog_ms),
	SERVICE("WatchdogSignal", parse_signal, NULL, watchdog_signal),
	SERVICE("KillSignal", parse_signal, NULL, kill_signal),
	SERVICE("SendSIGKILL", conf_parse_bool_systemd, NULL, send_sigkill),
	SERVICE("RemainAfterExit", conf_parse_bool_systemd, NULL, remain_after_exit),
	SERVICE("UMask", parse_umask, NULL, umask),
	SERVICE("Nice", parse_nice, NULL, nice),
	LIMIT("LimitCPU", RLIMIT_CPU),
	LIMIT("LimitFSIZE", RLIMIT_FSIZE),
	LIMIT("LimitDATA", RLIMIT_DATA),
	LIMIT("LimitSTACK", RLIMIT_STACK),
	LIMIT("LimitCORE", RLIMIT_CORE),
	LIMIT("LimitRSS", RLIMIT_RSS),
	LIMIT("LimitNOFILE", RLIMIT_NOFILE),
	LIMIT("LimitAS", RLIMIT_AS),
	LIMIT("LimitNPROC", RLIMIT_NPROC),
	LIMIT("LimitMEMLOCK", RLIMIT_MEMLOCK),
	LIMIT("LimitLOCKS", RLIMIT_LOCKS),
	LIMIT("LimitSIGPENDING", RLIMIT_SIGPENDING),
	LIMIT("LimitMSGQUEUE", RLIMIT_MSGQUEUE),
	LIMIT("LimitNICE", RLIMIT_NICE),
	LIMIT("LimitRTPRIO", RLIMIT_RTPRIO),
	LIMIT("LimitRTTIME", RLIMIT_RTTIME),
	SERVICE("TasksMax", parse_tasks_max, NULL, tasks_max),
	SERVICE("CapabilityBoundingSet", parse_bounding_caps, NULL, bounding_caps),
	SERVICE("AmbientCapabilities", parse_ambient_caps, NULL, ambient_caps),
	SERVICE("NoNewPrivileges", conf_parse_bool_systemd, NULL, no_new_privs),
	SERVICE("RuntimeDirectory", parse_words, NULL, runtime_dirs),
	SERVICE("StateDirectory", parse_words, NULL, state_dirs),
	SERVICE("LogsDirectory", parse_words, NULL, logs_dirs),
	SERVICE("RuntimeDirectoryMode", conf_parse_mode, &dir_mode, runtime_dir_mode),
	SERVICE("RuntimeDirectoryPreserve", parse_dir_preserve, NULL, runtime_dir_preserve),
	SERVICE("StandardOutput", parse_stdout, NULL, out),
	SERVICE("StandardError", parse_stderr, NULL, err),
	SERVICE("Sockets", parse_sockets, NULL, refused),
	SERVICE("StandardInput", parse_stdin, NULL, refused),
	SERVICE("IgnoreSIGPIPE", conf_parse_bool_systemd, NULL, ignore_sigpipe),
	SOCKET("ListenStream", parse_list_item, NULL, listen_streams),
	SOCKET("SocketMode", conf_parse_mode, &dir_mode, socket_mode),
	SOCKET("DirectoryMode", conf_parse_mode, &dir_mode, socket_dir_mode),
	SOCKET("SocketUser", conf_parse_strdup, NULL, socket_user),
	SOCKET("SocketGroup", conf_parse_strdup, NULL, socket_group),
	SOCKET("FileDescriptorName", conf_parse_strdup, NULL, socket_fdname),
	SOCKET("Backlog", conf_parse_unsigned, &backlog, socket_backlog),
	SOCKET("Accept", conf_parse_bool_systemd, NULL, socket_accept),
	/* the service is NAME.service, whose socket this is; a file's own is on disk, not in /run */
	IGNORED("Socket", "Service"),
	IGNORED("Socket", "RemoveOnStop"),
	NOT_APPLIED("Unit", "IgnoreOnIsolate"),
	NOT_APPLIED("Service", "SyslogIdentifier"),
	NOT_APPLIED("Service", "SyslogFacility"),
	NOT_APPLIED("Service", "SyslogLevel"),
	NOT_APPLIED("Service", "SyslogLevelPrefix"),
	NOT_APPLIED("Service", "LogLevelMax"),
	NOT_APPLIED("Service", "LogExtraFields"),
	NOT_APPLIED("Service", "LogRateLimitIntervalSec"),
	NOT_APPLIED("Service", "LogRateLimitBurst"),
	NOT_APPLIED("Service", "LogNamespace"),
	NOT_APPLIED("Service", "ProtectSystem"),
	NOT_APPLIED("Service", "ProtectHome"),
	NOT_APPLIED("Service", "ProtectKernelTunables"),
	NOT_APPLIED("Service", "ProtectKernelModules"),
	NOT_APPLIED("Service", "ProtectKernelLogs"),
	NOT_APPLIED("Service", "ProtectControlGroups"),
	NOT_APPLIED("Service", "ProtectClock"),
	NOT_APPLIED("Service", "ProtectHostname"),
	NOT_APPLIED("Service", "ProtectProc"),
	NOT_APPLIED("Service", "ProcSubset"),
	NOT_APPLIED("Service", "PrivateTmp"),
	NOT_APPLIED("Service", "PrivateDevices"),
	NOT_APPLIED("Service", "PrivateNetwork"),
	NOT_APPLIED("Service", "PrivateUsers"),
	NOT_APPLIED("Service", "PrivateMounts"),
	NOT_APPLIED("Service", "PrivateIPC"),
	NOT_APPLIED("Service", "RestrictNamespaces"),
	NOT_APPLIED("Service", "RestrictRealtime"),
	NOT_APPLIED("Service", "RestrictSUIDSGID"),
	NOT_APPLIED("Service", "RestrictAddressFamilies"),
	NOT_APPLIED("Service", "RestrictFileSystems"),
	NOT_APPLIED("Service", "SystemCallFilter"),
	NOT_APPLIED("Service", "SystemCallArchitectures"),
	NOT_APPLIED("Service", "SystemCallErrorNumber"),
	NOT_APPLIED("Service", "SystemCallLog"),
	NOT_APPLIED("Service", "MemoryDenyWriteExecute"),
	NOT_APPLIED("Service", "LockPersonality"),
	NOT_APPLIED("Service", "RemoveIPC"),
	NOT_APPLIED("Service", "KeyringMode"),
	NOT_APPLIED("Service", "DevicePolicy"),
	NOT_APPLIED("Service", "DeviceAllow"),
	NOT_APPLIED("Service", "ReadOnlyPaths"),
	NOT_APPLIED("Service", "ReadWritePaths"),
	NOT_APPLIED("Service", "InaccessiblePaths"),
	NOT_APPLIED("Service", "NoExecPaths"),
	NOT_APPLIED("Service", "ExecPaths"),
	NOT_APPLIED("Service", "ReadOnlyDirectories"),
	NOT_APPLIED("Service", "ReadWriteDirectories"),
	NOT_APPLIED("Service", "InaccessibleDirectories"),
	NOT_APPLIED("Service", "TemporaryFileSystem"),
	NOT_APPLIED("Service", "IPAddressAllow"),
	NOT_APPLIED("Service", "IPAddressDeny"),
	NOT_APPLIED("Service", "IOSchedulingClass"),
	NOT_APPLIED("Service", "IOSchedulingPriority"),
	NOT_APPLIED("Service", "CPUSchedulingPolicy"),
	NOT_APPLIED("Service", "CPUSchedulingPriority"),
	NOT_APPLIED("Service", "CPUSchedulingResetOnFork"),
	NOT_APPLIED("Service", "CPUAffinity"),
	NOT_APPLIED("Service", "CPUWeight"),
	NOT_APPLIED("Service", "StartupCPUWeight"),
	NOT_APPLIED("Service", "CPUShares"),
	NOT_APPLIED("Service", "CPUQuota"),
	NOT_APPLIED("Service", "IOWeight"),
	NOT_APPLIED("Service", "StartupIOWeight"),
	NOT_APPLIED("Service", "IOAccounting"),
	NOT_APPLIED("Service", "CPUAccounting"),
	NOT_APPLIED("Service", "MemoryAccounting"),
	NOT_APPLIED("Service", "TasksAccounting"),
	NOT_APPLIED("Service", "MemoryLow"),
	NOT_APPLIED("Service", "MemoryMin"),
	NOT_APPLIED("Service", "OOMScoreAdjust"),
	NOT_APPLIED("Service", "OOMPolicy"),
	NOT_APPLIED("Service", "ManagedOOMPreference"),
	{ "Install", "WantedBy", parse_words, NULL, OFF(wanted_by) },
	IGNORED("Install", "RequiredBy"),
	IGNORED("Install", "Alias"),
	IGNORED("Install", "Also"),
	{ "X-Guestinit", "UseInitScript", conf_parse_bool_systemd, NULL, OFF(use_init_script) },
};
const size_t unit_nkeys = ARRAY_SIZE(unit_keys);

const char *unit_limit_key(int resource)
{
	for (size_t i = 0; i < unit_nkeys; i++)
		if (unit_keys[i].parse == parse_limit && *(const int *)unit_keys[i].ltype == resource)
			return unit_keys[i].key;
	return "Limit";
}
