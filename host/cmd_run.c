/* `guesthost run [--user U] [--cd DIR] [-e VAR=VAL]... -- CMD ARGS...` and `guesthost shell
 * [--user U]`: a command (or the user's login shell) in the guest, with our stdio relayed and
 * its exit status ours. The agent hands us the guest's session connection; the relay is
 * lib/chan's exec client. */
#include "guesthost.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "exec_session.h"
#include "session_msg.h"
#include "state.h"
#include "wslenv.h"

extern char **environ;

/* WSLENV, as wsl.exe reads it: the variables of ours it names for the guest (no direction
 * flag, or /u) go with the command as they are here, and WSLENV itself; the agent makes path
 * lists Windows paths on its drives, the guest its own paths. An -e of the same name wins. */
static void add_wslenv(struct proto_exec *spec)
{
	const char *w = getenv("WSLENV");
	if (!w || wslenv_find(spec->env, spec->nenv, "WSLENV") >= 0)
		return;
	enum { MAX_ENTRIES = 64 };
	struct wslenv_entry ents[MAX_ENTRIES];
	size_t n = wslenv_entries(w, WSLENV_TO_GUEST, ents, MAX_ENTRIES);
	for (char **e = environ; *e && spec->nenv < PROTO_MAX_ENV; e++)
		if (!strncmp(*e, "WSLENV=", 7)) {
			spec->env[spec->nenv++] = *e;
			break;
		}
	for (size_t i = 0; i < n && spec->nenv < PROTO_MAX_ENV; i++) {
		size_t len = strlen(ents[i].name);
		if (wslenv_find(spec->env, spec->nenv, ents[i].name) >= 0)
			continue;
		for (char **e = environ; *e; e++)
			if (!strncmp(*e, ents[i].name, len) && (*e)[len] == '=') {
				spec->env[spec->nenv++] = *e;
				break;
			}
	}
	spec->env[spec->nenv] = NULL;
}

static bool valid_env_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The command line into spec (env holds PROTO_MAX_ENV + 2 entries: TERM may be added). */
static int parse_session(int argc, char **argv, bool shell, struct proto_exec *spec, char **env,
			 struct gi_error *err)
{
	const char *verb = shell ? "shell" : "run";
	size_t nenv = 0;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if ((!strcmp(a, "--user") || !strcmp(a, "-u")) && i + 1 < argc)
			spec->user = argv[++i];
		else if ((!strcmp(a, "--cd") || !strcmp(a, "-d")) && i + 1 < argc && !shell)
			spec->cwd = argv[++i];
		else if (!strcmp(a, "-e") && i + 1 < argc && !shell) {
			const char *e = argv[++i];
			const char *eq = strchr(e, '=');
			if (!eq || !valid_env_name(e, (size_t)(eq - e)))
				return gi_error_set(err, EINVAL, "-e %s: not VAR=VALUE with a valid variable name", e);
			if (nenv == PROTO_MAX_ENV)
				return gi_error_set(err, E2BIG, "more than %d -e options", PROTO_MAX_ENV);
			env[nenv++] = (char *)e;
		} else if (a[0] == '-') {
			return gi_error_set(err, EINVAL, "%s: unknown option '%s' (see guesthost --help)", verb, a);
		} else {
			break;
		}
	}
	env[nenv] = NULL;
	if (shell && i < argc)
		return gi_error_set(err, EINVAL, "shell takes no command; use guesthost run -- CMD");
	if (!shell && i >= argc)
		return gi_error_set(err, EINVAL,
				    "run: no command (guesthost run [--user U] [--cd DIR] [-e VAR=VAL]... -- CMD ARGS...)");
	spec->argv = shell ? NULL : argv + i;
	spec->argc = shell ? 0 : (size_t)(argc - i);
	spec->env = env;
	spec->nenv = nenv;
	return 0;
}

/* TERM of the terminal we relay, for programs in the guest, unless -e gave one. */
static void add_term(struct proto_exec *spec, char *termvar, size_t cap)
{
	const char *term = getenv("TERM");
	if (!term || !(isatty(0) || isatty(1)) || strlen(term) >= cap - 5 || spec->nenv >= PROTO_MAX_ENV)
		return;
	for (size_t k = 0; k < spec->nenv; k++)
		if (!strncmp(spec->env[k], "TERM=", 5))
			return;
	snprintf(termvar, cap, "TERM=%s", term);
	spec->env[spec->nenv++] = termvar;
	spec->env[spec->nenv] = NULL;
}

static int session(struct gh *g, int argc, char **argv, bool shell, struct gi_error *err)
{
	struct proto_exec spec = { 0 };
	char *env[PROTO_MAX_ENV + 2];
	int r = parse_session(argc, argv, shell, &spec, env, err);
	if (r < 0)
		return r;
	return gh_exec(g, &spec, err);
}

/* The agent's session for spec (EXEC goes with the request: the agent writes it into the
 * session before handing the session over, so the guest starts the command while we are
 * still being handed it): 0 and *conn, or -errno with err. */
static int open_session(struct gh *g, const struct proto_exec *spec, int *conn, struct gi_error *err)
{
	struct proto_buf exec, req;
	proto_buf_init(&exec);
	proto_encode_exec(&exec, spec);
	if (exec.error == -EMSGSIZE || exec.len > PROTO_MAX_PAYLOAD) {
		proto_buf_free(&exec);
		return gi_error_set(err, EMSGSIZE, "the command line and environment are over the 1 MiB message limit");
	}
	proto_buf_init(&req);
	proto_begin(&req, MSG_AGENT_OPEN, 0);
	proto_put_raw(&req, exec.data, exec.len); /* the EXEC frame itself, for the agent to pass on */
	proto_end(&req);
	proto_buf_free(&exec);
	*conn = -1;
	int r = agent_request(g, &req, conn, err);
	proto_buf_free(&req);
	if (r < 0) { /* the agent is gone, or never was */
		char why[GI_ERROR_MAX];
		snprintf(why, sizeof(why), "%s", err->msg);
		return gi_error_set(err, err->code, "the VM is not running (%s); start it with: %s", why,
				    g->start_hint ? g->start_hint : "guesthost start");
	}
	if (r == 0)
		return -err->code; /* the agent's reason */
	if (*conn < 0)
		return gi_error_set(err, EPROTO, "the agent gave no session");
	return 0;
}

int gh_exec(struct gh *g, struct proto_exec *spec_in, struct gi_error *err)
{
	struct proto_exec spec = *spec_in;
	char termvar[128];
	add_wslenv(&spec);
	add_term(&spec, termvar, sizeof(termvar));
	g->error_status = 255; /* from here on, what fails is the guest's end */
	exec_client_prepare(&spec);
	int conn, r = open_session(g, &spec, &conn, err);
	if (r < 0)
		return r;
	return exec_client_run(conn, &spec, &(struct exec_client_opts){ .progname = "guesthost", .exec_sent = true });
}

int gh_exec_raw(struct gh *g, struct proto_exec *spec_in, int *conn, struct gi_error *err)
{
	struct proto_exec spec = *spec_in;
	spec.raw = 1;
	spec.tty_mask = 0;
	int r = open_session(g, &spec, conn, err);
	if (r < 0)
		return r;
	char why[GI_ERROR_MAX];
	if ((r = exec_client_await_raw(*conn, why, sizeof(why))) < 0) {
		close(*conn);
		*conn = -1;
		return gi_error_set(err, -r, "%s", why);
	}
	return 0;
}

int cmd_run(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	return session(g, argc, argv, false, err);
}

int cmd_shell(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	return session(g, argc, argv, true, err);
}

int gh_exec_with(struct gh *g, struct proto_exec *spec, int in_fd, int out_fd, struct gi_error *err)
{
	fflush(stdout);
	int in = dup(0), out = dup(1);
	if (in < 0 || out < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0) {
		int e = errno;
		if (in >= 0)
			dup2(in, 0), close(in);
		if (out >= 0)
			dup2(out, 1), close(out);
		return gi_error_errno(err, e, "redirecting a session's stdio");
	}
	int saved = g->error_status;
	int r = gh_exec(g, spec, err);
	g->error_status = saved;
	dup2(in, 0);
	dup2(out, 1);
	close(in);
	close(out);
	return r;
}
