/* .service units: text in, struct unit out. The config lexer (systemd's dialect) reads the
 * lines, the key table (unit_keys.c) gives each key its parser; here are the rules about keys
 * no table holds, and what a unit needs once all its files are read. */
#include "unitfile.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lexer.h"
#include "unit_keys.h"

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
		.socket_mode = 0666,
		.socket_dir_mode = 0755,
		.socket_backlog = 4096, /* systemd's Backlog=: SOMAXCONN */
		.tasks_max_percent = 15, /* systemd's DefaultTasksMax= */
		.watchdog_signal = SIGABRT,
		.ignore_sigpipe = true,
	};
}

void unit_free(struct unit *u)
{
	free(u->description);
	unit_cmds_free(&u->start_pre), unit_cmds_free(&u->start), unit_cmds_free(&u->start_post);
	unit_cmds_free(&u->reload), unit_cmds_free(&u->stop), unit_cmds_free(&u->stop_post);
	free(u->user), free(u->group), free(u->working_dir), free(u->pid_file);
	free(u->out_path), free(u->err_path), free(u->refused);
	free(u->socket_file), free(u->socket_user), free(u->socket_group), free(u->socket_fdname);
	struct unit_strv *lists[] = { &u->supp_groups, &u->env, &u->env_files, &u->after, &u->before, &u->requires,
				      &u->wants, &u->binds_to, &u->wanted_by, &u->runtime_dirs, &u->state_dirs,
				      &u->logs_dirs, &u->not_applied, &u->conditions, &u->listen_streams };
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		unit_strv_free(lists[i]);
	unit_init(u);
}

void unit_refuse(struct unit *u, const char *fmt, const char *arg)
{
	if (u->refused)
		return;
	char buf[256];
	snprintf(buf, sizeof(buf), fmt, arg);
	u->refused = strdup(buf);
}

struct reader {
	struct unit *u;
	const char *file;
	unit_warn_fn warn;
	void *warn_ctx;
	unsigned warnings;
	char reported[32][48]; /* unsupported keys already reported, so each is said once */
	unsigned nreported;
	bool socket_file; /* NAME.socket: only its [Socket] applies to the service */
};

static void warn_at(struct reader *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(struct reader *p, unsigned line, const char *fmt, ...)
{
	p->warnings++;
	if (!p->warn)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->warn(p->warn_ctx, p->file, line, msg);
}

static void on_problem(void *ctx, const struct conf_lex_error *e)
{
	warn_at(ctx, e->line, "%s", e->msg);
}

static void on_note(void *ctx, const struct conf_entry *at, const char *msg)
{
	warn_at(ctx, at->line, "%s", msg);
}

/* A key of [Unit], [Service] or [Install] we do not have; sandboxing keys among them leave the
 * service running, unsandboxed. */
static void report_unsupported(struct reader *p, const struct conf_entry *e)
{
	char key[48];
	snprintf(key, sizeof(key), "%s.%s", e->section, e->key);
	for (unsigned i = 0; i < p->nreported; i++)
		if (!strcmp(p->reported[i], key))
			return;
	if (p->nreported < ARRAY_SIZE(p->reported))
		strcpy(p->reported[p->nreported++], key);
	warn_at(p, e->line, "unsupported key %s= in [%s], ignored", e->key, e->section);
}

static int on_assignment(void *ctx, const struct conf_entry *e)
{
	struct reader *p = ctx;
	if (!strncmp(e->section, "X-", 2) && strcmp(e->section, "X-Guestinit"))
		return 0; /* systemd ignores X- sections; so do we */
	/* a socket file's [Unit] and [Install] are the socket unit's own, not the service's */
	if (p->socket_file != !strcmp(e->section, "Socket")) {
		if (!p->socket_file)
			warn_at(p, e->line, "[Socket] belongs in a .socket file, key %s= ignored", e->key);
		return 0;
	}
	const struct conf_key *k = conf_key_find(unit_keys, unit_nkeys, e->section, e->key, false);
	if (!k && p->socket_file && !strncmp(e->key, "Listen", 6)) {
		/* a socket of a kind we do not make: the service would miss it, so it is not run */
		unit_refuse(p->u, "its socket needs %s=, which guestinit does not make (only ListenStream=)", e->key);
		return 0;
	}
	if (!k) {
		if (!*e->section)
			warn_at(p, e->line, "key %s= outside of any section, ignored", e->key);
		else if (strcmp(e->section, "Unit") && strcmp(e->section, "Service") && strcmp(e->section, "Install") &&
			 strcmp(e->section, "Socket"))
			warn_at(p, e->line, "unknown section [%s], key %s= ignored", e->section, e->key);
		else
			report_unsupported(p, e);
		return 0;
	}
	struct conf_value v = { .at = e, .text = e->value, .note = on_note, .note_ctx = p };
	struct conf_refusal why = { GI_ERROR_INIT, "" };
	if (k->parse(&v, k, (char *)p->u + k->offset, p->u, &why) < 0)
		warn_at(p, e->line, "%s=%.80s: %s; ignored", e->key, e->value, why.err.msg);
	return 0;
}

unsigned unit_parse_text(struct unit *u, const char *file, const char *text, size_t len, unit_warn_fn warn, void *ctx)
{
	size_t fl = strlen(file);
	struct reader p = { .u = u, .file = file, .warn = warn, .warn_ctx = ctx,
			    .socket_file = fl > 7 && !strcmp(file + fl - 7, ".socket") };
	static const struct conf_lex_ops ops = { .assignment = on_assignment, .problem = on_problem };
	if (conf_lex(&conf_dialect_systemd, file, text, len, &ops, &p) < 0)
		warn_at(&p, 0, "could not be parsed: out of memory");
	return p.warnings;
}

void unit_finish(struct unit *u, const char *name)
{
	(void)name;
	if (u->notify_access == NOTIFY_UNSET)
		u->notify_access = u->type == UNIT_NOTIFY || u->watchdog_ms ? NOTIFY_MAIN : NOTIFY_NONE;
	if (u->refused)
		return;
	if (u->start.n == 0 && u->type != UNIT_ONESHOT)
		unit_refuse(u, "it has no ExecStart=%s", "");
	if (u->start.n > 1 && u->type != UNIT_ONESHOT)
		unit_refuse(u, "it has several ExecStart= lines, which only Type=oneshot allows%s", "");
	if (u->type == UNIT_ONESHOT && u->start.n == 0 && !u->remain_after_exit)
		unit_refuse(u, "it has no ExecStart=%s", "");
	if (u->socket_file && u->socket_accept)
		unit_refuse(u, "its socket has Accept=yes (a service instance per connection), which guestinit does not do%s", "");
	if (u->socket_file && !u->listen_streams.n)
		unit_refuse(u, "its socket %s listens on nothing (no ListenStream=)", u->socket_file);
	if (u->listen_streams.n > UNIT_MAX_LISTEN)
		unit_refuse(u, "its socket has more than " UNIT_MAX_LISTEN_TEXT " ListenStream= lines%s", "");
}
