/* Unit file parser. inih splits sections and keys; our reader in front of it joins systemd's
 * backslash continuations and keeps every value from inih, whose options (inline ';'
 * comments, indented continuation lines, 200-byte lines) are fixed in Debian's build and are
 * not systemd's: inih sees "Key=\x01" and the value stays with us. */
#include "unitfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "signames.h"
#include "textlines.h"

const char *const unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
				  "/usr/lib/systemd/system" };
const size_t unit_ndirs = ARRAY_SIZE(unit_dirs);

#define UNIT_MAX_LINE 65536
#define UNIT_MAX_FILE (1 << 20)

void unit_init(struct unit *u)
{
	*u = (struct unit){
		.type = UNIT_SIMPLE,
		.restart_ms = 100,
		.timeout_start_ms = 90000,
		.timeout_stop_ms = 90000,
		.start_limit_interval_ms = 10000,
		.start_limit_burst = 5,
		.kill_signal = SIGTERM,
		.send_sigkill = true,
		.umask = -1,
		.runtime_dir_mode = 0755,
		.tasks_max_percent = 15, /* systemd's DefaultTasksMax= */
		.watchdog_signal = SIGABRT,
	};
}

static void strv_free(struct unit_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct unit_strv){ 0 };
}

static void cmds_free(struct unit_cmds *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (char **a = c->v[i].argv; a && *a; a++)
			free(*a);
		free(c->v[i].argv);
	}
	free(c->v);
	*c = (struct unit_cmds){ 0 };
}

void unit_free(struct unit *u)
{
	free(u->description);
	cmds_free(&u->start_pre), cmds_free(&u->start), cmds_free(&u->start_post);
	cmds_free(&u->reload), cmds_free(&u->stop), cmds_free(&u->stop_post);
	free(u->user), free(u->group), free(u->working_dir), free(u->pid_file);
	free(u->out_path), free(u->err_path), free(u->refused);
	struct unit_strv *lists[] = { &u->supp_groups, &u->env, &u->env_files, &u->after, &u->before, &u->requires,
				      &u->wants, &u->binds_to, &u->wanted_by, &u->runtime_dirs, &u->state_dirs,
				      &u->logs_dirs };
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		strv_free(lists[i]);
	unit_init(u);
}

/* ---- value parsers ------------------------------------------------------------------------ */

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
		uint64_t mult = 1000;
		if (n > 0) {
			size_t i;
			for (i = 0; i < ARRAY_SIZE(units); i++)
				if (strlen(units[i].suffix) == n && !strncmp(units[i].suffix, s, n))
					break;
			if (i == ARRAY_SIZE(units))
				return -EINVAL;
			mult = units[i].ms;
			if (mult == 0) { /* microseconds: round up to a millisecond */
				total += (uint64_t)((v + 999) / 1000);
				s += n;
				any = true;
				while (*s == ' ')
					s++;
				continue;
			}
		}
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

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on", "y", "t" };
	static const char *const no[] = { "0", "no", "false", "off", "n", "f" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_signal(const char *v, int *out)
{
	int s = signal_from_name(v);
	if (s < 0)
		return -EINVAL;
	*out = s;
	return 0;
}

/* Appends a copy of s; an empty value resets the list, as systemd does for list keys. */
static int strv_add(struct unit_strv *l, const char *s)
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

/* Space-separated words into the list; "" resets it. */
static int strv_add_words(struct unit_strv *l, const char *s)
{
	if (!*s) {
		strv_free(l);
		return 0;
	}
	char buf[UNIT_MAX_LINE + 1];
	snprintf(buf, sizeof(buf), "%s", s);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (strv_add(l, w) < 0)
			return -ENOMEM;
	return 0;
}

static int set_str(char **field, const char *v)
{
	char *c = strdup(v);
	if (!c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

/* ---- command lines ----------------------------------------------------------------------- */

static void argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

int unit_split_command(const char *line, struct unit_cmd *out, const char **why)
{
	*out = (struct unit_cmd){ 0 };
	const char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	for (;; s++) {
		if (*s == '-')
			out->flags |= CMD_IGNORE_FAILURE;
		else if (*s == '@')
			out->flags |= CMD_ARGV0;
		else if (*s == '+' || *s == '!')
			out->flags |= CMD_PRIVILEGED;
		else if (*s == ':')
			out->flags |= CMD_NO_ENV_EXPAND;
		else
			break;
	}
	size_t n = 0, cap = 8;
	char **argv = calloc(cap, sizeof(*argv));
	char *word = malloc(strlen(s) + 1);
	if (!argv || !word) {
		free(argv), free(word);
		*why = "out of memory";
		return -ENOMEM;
	}
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		size_t w = 0;
		char quote = 0;
		for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
			if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s;
			} else if (quote && *s == quote) {
				quote = 0;
			} else if (*s == '\\' && s[1]) {
				s++;
				switch (*s) {
				case 'n': word[w++] = '\n'; break;
				case 't': word[w++] = '\t'; break;
				case 'a': word[w++] = '\a'; break;
				case 'r': word[w++] = '\r'; break;
				case ';': word[w++] = '\\', word[w++] = ';'; break; /* a literal ';' word, below */
				default: word[w++] = *s;
				}
			} else {
				word[w++] = *s;
			}
		}
		if (quote) {
			argv_free(argv), free(word);
			*why = "a quote is not closed";
			return -EINVAL;
		}
		word[w] = '\0';
		if (!strcmp(word, ";")) {
			argv_free(argv), free(word);
			*why = "several commands on one line (';') are not supported; use one line each";
			return -EINVAL;
		}
		if (!strcmp(word, "\\;"))
			word[0] = ';', word[1] = '\0';
		if (n + 2 > cap) {
			cap *= 2;
			char **nv = realloc(argv, cap * sizeof(*argv));
			if (!nv) {
				argv_free(argv), free(word);
				*why = "out of memory";
				return -ENOMEM;
			}
			argv = nv;
		}
		if (!(argv[n] = strdup(word))) {
			argv_free(argv), free(word);
			*why = "out of memory";
			return -ENOMEM;
		}
		argv[++n] = NULL;
	}
	free(word);
	if (n == 0) {
		free(argv);
		*why = "no command";
		return -EINVAL;
	}
	if ((out->flags & CMD_ARGV0) && n < 2) {
		argv_free(argv);
		*why = "'@' needs a path and an argv[0]";
		return -EINVAL;
	}
	if (argv[0][0] != '/' && strchr(argv[0], '/')) {
		argv_free(argv);
		*why = "the program must be an absolute path or a bare name";
		return -EINVAL;
	}
	out->argv = argv;
	return 0;
}

static int cmds_add(struct unit_cmds *c, const char *v, const char **why)
{
	if (!*v) {
		cmds_free(c);
		return 0;
	}
	struct unit_cmd cmd;
	int r = unit_split_command(v, &cmd, why);
	if (r < 0)
		return r;
	struct unit_cmd *nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv) {
		argv_free(cmd.argv);
		*why = "out of memory";
		return -ENOMEM;
	}
	c->v = nv;
	c->v[c->n++] = cmd;
	return 0;
}

/* ---- the key table --------------------------------------------------------------------- */

struct parse_ctx {
	struct unit *u;
	const char *file;
	unit_warn_fn warn;
	void *warn_ctx;
	unsigned warnings;
	struct text_lines text;
	unsigned cur_line, pending_blank;
	char logical[UNIT_MAX_LINE + 2];
	char value[UNIT_MAX_LINE + 2];
	char reported[32][48]; /* unsupported keys already reported, so each is said once */
	unsigned nreported;
};

static void warn_at(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_at(struct parse_ctx *p, const char *fmt, ...)
{
	p->warnings++;
	if (!p->warn)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->warn(p->warn_ctx, p->file, p->cur_line, msg);
}

enum key_kind {
	K_STR, K_BOOL, K_TIME, K_CMDS, K_WORDS, K_ENV, K_STRLIST, K_TYPE, K_RESTART, K_KILLMODE, K_NOTIFY_ACCESS, K_SIGNAL, K_UMASK,
	K_NICE, K_LIMIT, K_CAPS, K_OUTPUT, K_STATUS, K_WORKDIR, K_MODE, K_UINT, K_PRESERVE, K_TASKS, K_REFUSE, K_IGNORE
};

struct key_def {
	const char *section, *name;
	enum key_kind kind;
	size_t offset; /* into struct unit */
	int arg;
};

#define OFF(f) offsetof(struct unit, f)

static const struct key_def keys[] = {
	{ "Unit", "Description", K_STR, OFF(description), 0 },
	{ "Unit", "Documentation", K_IGNORE, 0, 0 },
	{ "Unit", "After", K_WORDS, OFF(after), 0 },
	{ "Unit", "Before", K_WORDS, OFF(before), 0 },
	{ "Unit", "Requires", K_WORDS, OFF(requires), 0 },
	{ "Unit", "Wants", K_WORDS, OFF(wants), 0 },
	{ "Unit", "BindsTo", K_WORDS, OFF(binds_to), 0 },
	{ "Unit", "StartLimitIntervalSec", K_TIME, OFF(start_limit_interval_ms), 0 },
	{ "Unit", "StartLimitBurst", K_UINT, OFF(start_limit_burst), 0 },
	{ "Unit", "DefaultDependencies", K_IGNORE, 0, 0 },
	{ "Unit", "Conflicts", K_IGNORE, 0, 0 },
	{ "Unit", "ConditionPathExists", K_IGNORE, 0, 0 },
	{ "Unit", "AssertPathExists", K_IGNORE, 0, 0 },
	{ "Service", "Type", K_TYPE, 0, 0 },
	{ "Service", "ExecStartPre", K_CMDS, OFF(start_pre), 0 },
	{ "Service", "ExecStart", K_CMDS, OFF(start), 0 },
	{ "Service", "ExecStartPost", K_CMDS, OFF(start_post), 0 },
	{ "Service", "ExecReload", K_CMDS, OFF(reload), 0 },
	{ "Service", "ExecStop", K_CMDS, OFF(stop), 0 },
	{ "Service", "ExecStopPost", K_CMDS, OFF(stop_post), 0 },
	{ "Service", "Restart", K_RESTART, 0, 0 },
	{ "Service", "RestartSec", K_TIME, OFF(restart_ms), 0 },
	{ "Service", "TimeoutStartSec", K_TIME, OFF(timeout_start_ms), 0 },
	{ "Service", "TimeoutStopSec", K_TIME, OFF(timeout_stop_ms), 0 },
	{ "Service", "TimeoutSec", K_TIME, OFF(timeout_start_ms), 1 },
	{ "Service", "StartLimitIntervalSec", K_TIME, OFF(start_limit_interval_ms), 0 },
	{ "Service", "StartLimitInterval", K_TIME, OFF(start_limit_interval_ms), 0 },
	{ "Service", "StartLimitBurst", K_UINT, OFF(start_limit_burst), 0 },
	{ "Service", "RestartPreventExitStatus", K_STATUS, OFF(prevent_status), 0 },
	{ "Service", "SuccessExitStatus", K_STATUS, OFF(success_status), 0 },
	{ "Service", "User", K_STR, OFF(user), 0 },
	{ "Service", "Group", K_STR, OFF(group), 0 },
	{ "Service", "SupplementaryGroups", K_WORDS, OFF(supp_groups), 0 },
	{ "Service", "WorkingDirectory", K_WORKDIR, 0, 0 },
	{ "Service", "Environment", K_ENV, OFF(env), 0 },
	{ "Service", "EnvironmentFile", K_STRLIST, OFF(env_files), 0 },
	{ "Service", "PIDFile", K_STR, OFF(pid_file), 0 },
	{ "Service", "KillMode", K_KILLMODE, 0, 0 },
	{ "Service", "NotifyAccess", K_NOTIFY_ACCESS, 0, 0 },
	{ "Service", "WatchdogSec", K_TIME, OFF(watchdog_ms), 0 },
	{ "Service", "WatchdogSignal", K_SIGNAL, OFF(watchdog_signal), 0 },
	{ "Service", "KillSignal", K_SIGNAL, OFF(kill_signal), 0 },
	{ "Service", "SendSIGKILL", K_BOOL, OFF(send_sigkill), 0 },
	{ "Service", "RemainAfterExit", K_BOOL, OFF(remain_after_exit), 0 },
	{ "Service", "UMask", K_UMASK, 0, 0 },
	{ "Service", "Nice", K_NICE, 0, 0 },
	{ "Service", "LimitCPU", K_LIMIT, 0, RLIMIT_CPU },
	{ "Service", "LimitFSIZE", K_LIMIT, 0, RLIMIT_FSIZE },
	{ "Service", "LimitDATA", K_LIMIT, 0, RLIMIT_DATA },
	{ "Service", "LimitSTACK", K_LIMIT, 0, RLIMIT_STACK },
	{ "Service", "LimitCORE", K_LIMIT, 0, RLIMIT_CORE },
	{ "Service", "LimitRSS", K_LIMIT, 0, RLIMIT_RSS },
	{ "Service", "LimitNOFILE", K_LIMIT, 0, RLIMIT_NOFILE },
	{ "Service", "LimitAS", K_LIMIT, 0, RLIMIT_AS },
	{ "Service", "LimitNPROC", K_LIMIT, 0, RLIMIT_NPROC },
	{ "Service", "LimitMEMLOCK", K_LIMIT, 0, RLIMIT_MEMLOCK },
	{ "Service", "LimitLOCKS", K_LIMIT, 0, RLIMIT_LOCKS },
	{ "Service", "LimitSIGPENDING", K_LIMIT, 0, RLIMIT_SIGPENDING },
	{ "Service", "LimitMSGQUEUE", K_LIMIT, 0, RLIMIT_MSGQUEUE },
	{ "Service", "LimitNICE", K_LIMIT, 0, RLIMIT_NICE },
	{ "Service", "LimitRTPRIO", K_LIMIT, 0, RLIMIT_RTPRIO },
	{ "Service", "LimitRTTIME", K_LIMIT, 0, RLIMIT_RTTIME },
	{ "Service", "TasksMax", K_TASKS, 0, 0 },
	{ "Service", "CapabilityBoundingSet", K_CAPS, OFF(bounding_caps), 0 },
	{ "Service", "AmbientCapabilities", K_CAPS, OFF(ambient_caps), 1 },
	{ "Service", "NoNewPrivileges", K_BOOL, OFF(no_new_privs), 0 },
	{ "Service", "RuntimeDirectory", K_WORDS, OFF(runtime_dirs), 0 },
	{ "Service", "StateDirectory", K_WORDS, OFF(state_dirs), 0 },
	{ "Service", "LogsDirectory", K_WORDS, OFF(logs_dirs), 0 },
	{ "Service", "RuntimeDirectoryMode", K_MODE, OFF(runtime_dir_mode), 0 },
	{ "Service", "RuntimeDirectoryPreserve", K_PRESERVE, 0, 0 },
	{ "Service", "StandardOutput", K_OUTPUT, 0, 1 },
	{ "Service", "StandardError", K_OUTPUT, 0, 2 },
	{ "Service", "Sockets", K_REFUSE, 0, 0 },
	{ "Service", "StandardInput", K_REFUSE, 0, 1 },
	{ "Install", "WantedBy", K_WORDS, OFF(wanted_by), 0 },
	{ "Install", "RequiredBy", K_IGNORE, 0, 0 },
	{ "Install", "Alias", K_IGNORE, 0, 0 },
	{ "Install", "Also", K_IGNORE, 0, 0 },
	{ "X-Guestinit", "UseInitScript", K_BOOL, OFF(use_init_script), 0 },
};

static void refuse(struct unit *u, const char *fmt, const char *arg)
{
	if (u->refused)
		return;
	char buf[256];
	snprintf(buf, sizeof(buf), fmt, arg);
	u->refused = strdup(buf);
}

static int parse_caps(const char *v, uint64_t *mask)
{
	bool invert = *v == '~';
	uint64_t m = 0;
	char buf[UNIT_MAX_LINE + 1];
	snprintf(buf, sizeof(buf), "%s", invert ? v + 1 : v);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		cap_value_t c;
		if (cap_from_name(w, &c) < 0 || c < 0 || c > 63)
			return -EINVAL;
		m |= 1ULL << c;
	}
	*mask = invert ? ~m : m;
	return 0;
}

static int parse_limit(const char *v, struct rlimit *rl)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", v);
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
		char *end;
		errno = 0;
		unsigned long long n = strtoull(parts[i], &end, 10);
		if (!*parts[i] || errno || parts[i][0] == '-')
			return -EINVAL;
		unsigned long long mult = 1;
		if (*end == 'K') mult = 1024, end++;
		else if (*end == 'M') mult = 1024 * 1024, end++;
		else if (*end == 'G') mult = 1024ULL * 1024 * 1024, end++;
		if (*end)
			return -EINVAL;
		out[i] = (rlim_t)(n * mult);
	}
	if (out[0] > out[1])
		return -EINVAL;
	rl->rlim_cur = out[0];
	rl->rlim_max = out[1];
	return 0;
}

static int parse_status_list(const char *v, int *arr, int *n)
{
	if (!*v) {
		*n = 0;
		return 0;
	}
	char buf[UNIT_MAX_LINE + 1];
	snprintf(buf, sizeof(buf), "%s", v);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *end;
		long s = strtol(w, &end, 10);
		int sig;
		if (*end || s < 0 || s > 255) {
			/* a signal name: recorded as 256+signal */
			if (parse_signal(w, &sig) < 0)
				return -EINVAL;
			s = 256 + sig;
		}
		if (*n < UNIT_MAX_STATUS)
			arr[(*n)++] = (int)s;
	}
	return 0;
}

static int set_key(struct parse_ctx *p, const struct key_def *k, const char *v, const char **why)
{
	struct unit *u = p->u;
	char *field = (char *)u + k->offset;
	*why = "invalid value";
	switch (k->kind) {
	case K_IGNORE:
		return 0;
	case K_STR:
		return set_str((char **)field, v);
	case K_BOOL:
		*why = "expected yes or no";
		return parse_bool(v, (bool *)field);
	case K_TIME: {
		*why = "expected a time span such as 5s, 1min 30s or infinity";
		uint64_t ms;
		if (unit_parse_time(v, &ms) < 0)
			return -EINVAL;
		*(uint64_t *)field = ms;
		if (k->offset == OFF(restart_ms))
			u->restart_ms_set = true;
		if (k->arg == 1)
			u->timeout_stop_ms = ms; /* TimeoutSec= sets both */
		return 0;
	}
	case K_UINT: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(v, &end, 10);
		*why = "expected a whole number";
		if (!*v || *end || errno || n > 1000000)
			return -EINVAL;
		*(unsigned *)field = (unsigned)n;
		return 0;
	}
	case K_CMDS:
		return cmds_add((struct unit_cmds *)field, v, why);
	case K_WORDS:
		return strv_add_words((struct unit_strv *)field, v);
	case K_STRLIST:
		if (!*v) {
			strv_free((struct unit_strv *)field);
			return 0;
		}
		return strv_add((struct unit_strv *)field, v);
	case K_ENV: {
		/* Environment="A=1" B=2 "C=with space" */
		struct unit_cmd words;
		if (!*v) {
			strv_free(&u->env);
			return 0;
		}
		if (unit_split_command(v, &words, why) < 0)
			return -EINVAL;
		int r = 0;
		for (char **w = words.argv; *w && r == 0; w++) {
			if (!strchr(*w, '=') || **w == '=') {
				*why = "expected NAME=VALUE assignments";
				r = -EINVAL;
			} else {
				r = strv_add(&u->env, *w);
			}
		}
		argv_free(words.argv);
		return r;
	}
	case K_TYPE: {
		static const char *const names[] = { "simple", "exec", "forking", "oneshot", "notify" };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(v, names[i])) {
				u->type = (enum unit_type)i;
				return 0;
			}
		if (!strcmp(v, "idle") || !strcmp(v, "dbus") || !strcmp(v, "notify-reload")) {
			u->type = !strcmp(v, "notify-reload") ? UNIT_NOTIFY : UNIT_SIMPLE;
			warn_at(p, "Type=%s is run as Type=%s here", v, unit_type_name(u->type));
			return 0;
		}
		*why = "expected simple, exec, forking, oneshot or notify";
		return -EINVAL;
	}
	case K_RESTART: {
		static const char *const names[] = { "no", "always", "on-success", "on-failure",
						     "on-abnormal", "on-abort", "on-watchdog" };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(v, names[i])) {
				u->restart = (enum unit_restart)i;
				return 0;
			}
		*why = "expected no, always, on-success, on-failure, on-abnormal, on-abort or on-watchdog";
		return -EINVAL;
	}
	case K_KILLMODE: {
		static const char *const names[] = { "control-group", "mixed", "process", "none" };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(v, names[i])) {
				u->kill_mode = (enum unit_kill_mode)i;
				return 0;
			}
		*why = "expected control-group, mixed, process or none";
		return -EINVAL;
	}
	case K_NOTIFY_ACCESS: {
		static const char *const names[] = { "none", "main", "exec", "all" };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(v, names[i])) {
				u->notify_access = (enum unit_notify_access)(i + 1);
				return 0;
			}
		*why = "expected none, main, exec or all";
		return -EINVAL;
	}
	case K_SIGNAL:
		*why = "expected a signal name such as SIGTERM";
		return parse_signal(v, (int *)field);
	case K_UMASK: {
		char *end;
		unsigned long m = strtoul(v, &end, 8);
		*why = "expected an octal mask such as 0022";
		if (!*v || *end || m > 0777)
			return -EINVAL;
		u->umask = (int)m;
		return 0;
	}
	case K_MODE: {
		char *end;
		unsigned long m = strtoul(v, &end, 8);
		*why = "expected an octal mode such as 0755";
		if (!*v || *end || m > 07777)
			return -EINVAL;
		*(unsigned *)field = (unsigned)m;
		return 0;
	}
	case K_NICE: {
		char *end;
		long n = strtol(v, &end, 10);
		*why = "expected a number from -20 to 19";
		if (!*v || *end || n < -20 || n > 19)
			return -EINVAL;
		u->nice = (int)n;
		u->nice_set = true;
		return 0;
	}
	case K_LIMIT:
		*why = "expected a number, N:M or infinity";
		if (parse_limit(v, &u->limits[k->arg]) < 0)
			return -EINVAL;
		u->limit_set[k->arg] = true;
		return 0;
	case K_CAPS:
		*why = "expected capability names such as CAP_NET_BIND_SERVICE";
		if (parse_caps(v, (uint64_t *)field) < 0)
			return -EINVAL;
		if (k->arg)
			u->ambient_set = true;
		else
			u->bounding_set = true;
		return 0;
	case K_STATUS:
		*why = "expected exit codes or signal names";
		return parse_status_list(v, (int *)field, k->offset == OFF(prevent_status) ? &u->nprevent : &u->nsuccess);
	case K_WORKDIR:
		u->working_dir_optional = *v == '-';
		return set_str(&u->working_dir, *v == '-' ? v + 1 : v);
	case K_PRESERVE: {
		bool b;
		if (!strcmp(v, "restart") || parse_bool(v, &b) == 0) {
			u->runtime_dir_preserve = strcmp(v, "restart") ? b : true;
			return 0;
		}
		*why = "expected yes, no or restart";
		return -EINVAL;
	}
	case K_OUTPUT: {
		enum unit_output *o = k->arg == 1 ? &u->out : &u->err;
		char **path = k->arg == 1 ? &u->out_path : &u->err_path;
		static const char *const to_log[] = { "journal", "syslog", "kmsg", "inherit", "journal+console",
						      "syslog+console", "kmsg+console", "tty", "" };
		for (size_t i = 0; i < ARRAY_SIZE(to_log); i++)
			if (!strcmp(v, to_log[i])) {
				*o = OUT_LOG;
				return 0;
			}
		if (!strcmp(v, "null")) {
			*o = OUT_NULL;
			return 0;
		}
		static const struct { const char *prefix; enum unit_output o; } files[] = {
			{ "file:", OUT_FILE }, { "append:", OUT_APPEND }, { "truncate:", OUT_TRUNCATE } };
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			size_t n = strlen(files[i].prefix);
			if (!strncmp(v, files[i].prefix, n) && v[n] == '/') {
				*o = files[i].o;
				return set_str(path, v + n);
			}
		}
		if (!strcmp(v, "socket") || !strncmp(v, "fd:", 3)) {
			refuse(u, "StandardOutput/StandardError=%s needs socket activation, which guestinit does not do", v);
			return 0;
		}
		*why = "expected journal, inherit, null, file:PATH, append:PATH or truncate:PATH";
		return -EINVAL;
	}
	case K_TASKS: {
		*why = "expected a number of tasks, a percentage such as 15%, or infinity";
		if (!strcmp(v, "infinity")) {
			u->tasks_max = 0;
			u->tasks_max_percent = 0;
			return 0;
		}
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 10);
		if (errno || end == v || *v == '-' || n == 0)
			return -EINVAL;
		if (*end == '%' && !end[1] && n <= 100) {
			u->tasks_max = 0;
			u->tasks_max_percent = (unsigned)n;
			return 0;
		}
		if (*end)
			return -EINVAL;
		u->tasks_max = n;
		u->tasks_max_percent = 0;
		return 0;
	}
	case K_REFUSE:
		if (k->arg == 1 && (!strcmp(v, "null") || !strcmp(v, "tty") || !strcmp(v, "tty-force") ||
				    !strcmp(v, "tty-fail")))
			return 0; /* stdin from /dev/null: what we do anyway */
		refuse(u, "it needs socket activation (%s), which guestinit does not do", k->name);
		return 0;
	}
	return -EINVAL;
}

static void report_unsupported(struct parse_ctx *p, const char *section, const char *name)
{
	char key[48];
	snprintf(key, sizeof(key), "%s.%s", section, name);
	for (unsigned i = 0; i < p->nreported; i++)
		if (!strcmp(p->reported[i], key))
			return;
	if (p->nreported < ARRAY_SIZE(p->reported))
		strcpy(p->reported[p->nreported++], key);
	warn_at(p, "unsupported key %s= in [%s], ignored", name, section);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	(void)value; /* always "\x01": the value is p->value */
	if (!strncmp(section, "X-", 2) && strcmp(section, "X-Guestinit"))
		return 1; /* systemd ignores X- sections; so do we */
	size_t i;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			break;
	if (i == ARRAY_SIZE(keys)) {
		if (!*section)
			warn_at(p, "key %s= outside of any section, ignored", name);
		else if (strcmp(section, "Unit") && strcmp(section, "Service") && strcmp(section, "Install"))
			warn_at(p, "unknown section [%s], key %s= ignored", section, name);
		else if (!strcmp(name, "BusName") || !strncmp(name, "Condition", 9) || !strncmp(name, "Assert", 6) ||
			 !strncmp(name, "Protect", 7) || !strncmp(name, "Private", 7) || !strncmp(name, "Restrict", 8) ||
			 !strncmp(name, "Memory", 6) || !strncmp(name, "System", 6) || !strncmp(name, "Lock", 4) ||
			 !strncmp(name, "ReadWrite", 9) || !strncmp(name, "ReadOnly", 8) || !strncmp(name, "Inaccessible", 12))
			report_unsupported(p, section, name); /* sandboxing: the service runs, unsandboxed */
		else
			report_unsupported(p, section, name);
		return 1;
	}
	const char *why = "";
	if (set_key(p, &keys[i], p->value, &why) < 0)
		warn_at(p, "%s=%.80s: %s; ignored", name, p->value, why);
	return 1;
}

/* ---- the reader in front of inih --------------------------------------------------------- */


static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	if (p->pending_blank > 0) {
		p->pending_blank--;
		strcpy(str, "\n");
		return str;
	}
	const char *s;
	long n = text_next_line(&p->text, &s);
	if (n < 0)
		return NULL;
	p->cur_line = p->text.line;
	size_t len = 0;
	bool bad = false, first = true;
	for (;;) {
		if (!first && n > 0 && (*s == '#' || *s == ';')) {
			/* a comment inside a continuation is dropped and the continuation goes on, as
			 * systemd does */
			long m = text_next_line(&p->text, &s);
			p->pending_blank++;
			if (m < 0)
				break;
			n = m;
			continue;
		} else if (memchr(s, '\0', (size_t)n)) {
			bad = true;
		} else if (len + (size_t)n > UNIT_MAX_LINE) {
			bad = true;
		} else {
			memcpy(p->logical + len, s, (size_t)n);
			len += (size_t)n;
		}
		first = false;
		if (len > 0 && p->logical[len - 1] == '\\') {
			p->logical[len - 1] = ' ';
			long m = text_next_line(&p->text, &s);
			if (m < 0)
				break;
			n = m;
			p->pending_blank++;
			continue;
		}
		break;
	}
	p->logical[len] = '\0';
	char *t = p->logical;
	while (*t == ' ' || *t == '\t')
		t++;
	size_t tl = strlen(t);
	while (tl > 0 && isspace((unsigned char)t[tl - 1]))
		t[--tl] = '\0';
	if (bad) {
		warn_at(p, "line too long or holding a NUL byte, ignored");
		strcpy(str, "\n");
		return str;
	}
	if (tl == 0 || *t == '#' || *t == ';') {
		strcpy(str, "\n");
		return str;
	}
	if (*t == '[') {
		bool ok = tl >= 3 && t[tl - 1] == ']' && tl + 2 <= (size_t)num;
		for (size_t i = 1; ok && i + 1 < tl; i++)
			ok = is_key_char(t[i]);
		if (!ok) {
			warn_at(p, "invalid section header '%.60s', line ignored", t);
			strcpy(str, "\n");
			return str;
		}
		snprintf(str, (size_t)num, "%s\n", t);
		return str;
	}
	char *eq = strchr(t, '=');
	size_t kn = eq ? (size_t)(eq - t) : 0;
	while (kn > 0 && (t[kn - 1] == ' ' || t[kn - 1] == '\t'))
		kn--;
	bool ok = eq && kn > 0 && kn + 4 <= (size_t)num && kn < 48;
	for (size_t i = 0; ok && i < kn; i++)
		ok = is_key_char(t[i]);
	if (!ok) {
		warn_at(p, "expected Key=Value, line '%.60s' ignored", t);
		strcpy(str, "\n");
		return str;
	}
	const char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	memmove(p->value, v, strlen(v) + 1);
	memcpy(str, t, kn);
	memcpy(str + kn, "=\x01\n", 4);
	return str;
}

unsigned unit_parse_text(struct unit *u, const char *file, const char *text, size_t len, unit_warn_fn warn, void *ctx)
{
	_cleanup_free_ struct parse_ctx *p = calloc(1, sizeof(*p));
	if (!p) {
		refuse(u, "%s: out of memory while reading it", file);
		return 1;
	}
	*p = (struct parse_ctx){ .u = u, .file = file, .warn = warn, .warn_ctx = ctx, .text = { .buf = text, .len = len } };
	if (ini_parse_stream(reader, p, handler, p) < 0)
		warn_at(p, "could not be parsed: out of memory");
	return p->warnings;
}

const char *unit_type_name(enum unit_type t)
{
	static const char *const names[] = { "simple", "exec", "forking", "oneshot", "notify" };
	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

void unit_finish(struct unit *u, const char *name)
{
	(void)name;
	if (u->notify_access == NOTIFY_UNSET)
		u->notify_access = u->type == UNIT_NOTIFY || u->watchdog_ms ? NOTIFY_MAIN : NOTIFY_NONE;
	if (u->refused)
		return;
	if (u->start.n == 0 && u->type != UNIT_ONESHOT)
		refuse(u, "it has no ExecStart=%s", "");
	if (u->start.n > 1 && u->type != UNIT_ONESHOT)
		refuse(u, "it has several ExecStart= lines, which only Type=oneshot allows%s", "");
	if (u->type == UNIT_ONESHOT && u->start.n == 0 && !u->remain_after_exit)
		refuse(u, "it has no ExecStart=%s", "");
}

/* ---- finding the files ------------------------------------------------------------------- */

static int read_text(const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > UNIT_MAX_FILE)
		return -EFBIG;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Drop-ins: NAME.service.d/ *.conf files from every directory, sorted by file name; a name in a
 * higher-priority directory hides the same name below it. */
static void load_dropins(const char *root, const char *name, struct unit *u, unit_warn_fn warn, void *ctx)
{
	char *names[64], *paths[64];
	size_t n = 0;
	for (size_t d = 0; d < unit_ndirs; d++) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s%s/%s.service.d", root, unit_dirs[d], name);
		DIR *dh = opendir(dir);
		if (!dh)
			continue;
		struct dirent *e;
		while ((e = readdir(dh)) && n < ARRAY_SIZE(names)) {
			size_t l = strlen(e->d_name);
			if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
				continue;
			bool hidden = false;
			for (size_t i = 0; i < n; i++)
				hidden |= !strcmp(names[i], e->d_name);
			if (hidden)
				continue;
			char p[PATH_MAX + NAME_MAX + 2];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			names[n] = strdup(e->d_name);
			paths[n] = strdup(p);
			if (!names[n] || !paths[n]) {
				free(names[n]), free(paths[n]);
				break;
			}
			n++;
		}
		closedir(dh);
	}
	/* sort by file name, carrying the paths along */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_str(&names[j - 1], &names[j]) > 0; j--) {
			char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
			t = paths[j]; paths[j] = paths[j - 1]; paths[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		char *text;
		size_t len;
		if (read_text(paths[i], &text, &len) == 0) {
			unit_parse_text(u, paths[i], text, len, warn, ctx);
			free(text);
		} else if (warn) {
			warn(ctx, paths[i], 0, "cannot be read, ignored");
		}
		free(names[i]), free(paths[i]);
	}
}

int unit_load(const char *root, const char *name, struct unit *u, char *path, size_t pathcap, unit_warn_fn warn,
	      void *ctx)
{
	unit_init(u);
	for (size_t d = 0; d < unit_ndirs; d++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s/%s.service", root, unit_dirs[d], name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		snprintf(path, pathcap, "%s", p);
		char target[PATH_MAX];
		ssize_t tl = S_ISLNK(st.st_mode) ? readlink(p, target, sizeof(target) - 1) : -1;
		if (tl > 0) {
			target[tl] = '\0';
			if (!strcmp(target, "/dev/null")) {
				refuse(u, "it is masked (%s.service links to /dev/null); remove that link to unmask it", name);
				return 1;
			}
		}
		char *text;
		size_t len;
		int r = read_text(p, &text, &len);
		if (r < 0)
			return r;
		unit_parse_text(u, p, text, len, warn, ctx);
		free(text);
		load_dropins(root, name, u, warn, ctx);
		unit_finish(u, name);
		return 1;
	}
	return 0;
}
