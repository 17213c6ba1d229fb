/* The session family's typed messages (see session_msg.h). */
#include "session_msg.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void proto_exec_free(struct proto_exec *m)
{
	free_strv(m->argv, m->argc);
	free_strv(m->env, m->nenv);
	free(m->cwd);
	free(m->user);
	free(m->program);
	free(m->default_user);
	memset(m, 0, sizeof(*m));
}

/* Appends to a NULL-terminated vector, growing it; count capped at max. */
static int strv_push(char ***v, size_t *n, size_t max, char *s)
{
	if (*n >= max)
		return -E2BIG;
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* ARG and ENV, the repeated fields of EXEC. */
static int exec_repeated(const struct proto_field *f, void *msg, const char **why)
{
	struct proto_exec *m = msg;
	bool arg = f->tag == TAG_ARG;
	if (!arg && f->tag != TAG_ENV)
		return 0;
	char *s;
	int rc = proto_field_str(f, &s);
	if (rc < 0) {
		*why = arg ? "an argument holds a NUL byte" : "an environment entry holds a NUL byte";
		return rc;
	}
	if (!arg && (!strchr(s, '=') || s[0] == '=')) {
		free(s);
		*why = "an environment entry is not NAME=VALUE";
		return -EBADMSG;
	}
	rc = arg ? strv_push(&m->argv, &m->argc, PROTO_MAX_ARGS, s) : strv_push(&m->env, &m->nenv, PROTO_MAX_ENV, s);
	if (rc < 0) {
		free(s);
		*why = arg ? "too many arguments" : "too many environment entries";
	}
	return rc;
}

int proto_decode_exec(const void *p, size_t n, struct proto_exec *m, const char **why)
{
	static const struct proto_field_spec specs[] = {
		PROTO_FIELD(TAG_CWD, PROTO_STR, struct proto_exec, cwd, "bad or repeated working directory", NULL),
		PROTO_FIELD(TAG_USER, PROTO_STR, struct proto_exec, user, "bad or repeated user", NULL),
		PROTO_FIELD(TAG_PROGRAM, PROTO_STR, struct proto_exec, program, "bad or repeated program", NULL),
		PROTO_FIELD(TAG_EXEC_DEFAULT_USER, PROTO_STR, struct proto_exec, default_user, "bad or repeated default user", NULL),
		PROTO_FIELD(TAG_TTY_MASK, PROTO_U32, struct proto_exec, tty_mask, "bad or repeated terminal mask", NULL),
		PROTO_FIELD(TAG_ROWS, PROTO_U32, struct proto_exec, rows, "bad or repeated rows", NULL),
		PROTO_FIELD(TAG_COLS, PROTO_U32, struct proto_exec, cols, "bad or repeated columns", NULL),
		PROTO_FIELD(TAG_EXEC_RAW, PROTO_U32, struct proto_exec, raw, "bad or repeated raw flag", NULL),
	};
	memset(m, 0, sizeof(*m));
	int rc = proto_decode_fields(p, n, specs, ARRAY_SIZE(specs), m, exec_repeated, why);
	if (rc == 0 && (m->tty_mask & ~7u)) {
		*why = "the terminal mask names a stream other than 0-2";
		rc = -EBADMSG;
	}
	if (rc == 0 && (m->raw > 1 || (m->raw && m->tty_mask))) {
		*why = m->raw > 1 ? "the raw flag is not 0 or 1" : "a raw session has no terminal";
		rc = -EBADMSG;
	}
	if (rc == 0 && (m->rows > 0xffff || m->cols > 0xffff)) {
		*why = "the window size is over 65535";
		rc = -EBADMSG;
	}
	if (rc == 0 && m->program && (!m->program[0] || !m->argc)) {
		*why = m->program[0] ? "a program without arguments" : "the program is empty";
		rc = -EBADMSG;
	}
	if (rc == 0 && m->argc && !m->argv[0][0]) {
		*why = "the command name is empty";
		rc = -EBADMSG;
	}
	if (rc < 0)
		proto_exec_free(m);
	return rc;
}

void proto_encode_exec(struct proto_buf *b, const struct proto_exec *m)
{
	proto_begin(b, MSG_EXEC, 0);
	for (size_t i = 0; i < m->argc; i++)
		proto_put_str(b, TAG_ARG, m->argv[i]);
	for (size_t i = 0; i < m->nenv; i++)
		proto_put_str(b, TAG_ENV, m->env[i]);
	proto_put_str(b, TAG_CWD, m->cwd);
	proto_put_str(b, TAG_USER, m->user);
	proto_put_str(b, TAG_PROGRAM, m->program);
	proto_put_str(b, TAG_EXEC_DEFAULT_USER, m->default_user);
	proto_put_u32(b, TAG_TTY_MASK, m->tty_mask);
	if (m->raw)
		proto_put_u32(b, TAG_EXEC_RAW, 1);
	if (m->rows || m->cols) {
		proto_put_u32(b, TAG_ROWS, m->rows);
		proto_put_u32(b, TAG_COLS, m->cols);
	}
	proto_end(b);
}

static const struct proto_field_spec exit_fields[] = {
	PROTO_FIELD(TAG_STATUS, PROTO_U32, struct proto_exit, status, "bad or repeated status", "no status"),
	PROTO_FIELD(TAG_SIGNAL, PROTO_U32, struct proto_exit, signal, "bad or repeated signal", NULL),
};
static const struct proto_msg_spec exit_msg = PROTO_MSG(MSG_EXIT, struct proto_exit, exit_fields);

int proto_decode_exit(const void *p, size_t n, struct proto_exit *m, const char **why)
{
	int rc = proto_decode_msg(p, n, &exit_msg, m, why);
	if (rc == 0 && m->status > 255) {
		*why = "a status over 255";
		rc = -EBADMSG;
	}
	return rc;
}

void proto_encode_exit(struct proto_buf *b, const struct proto_exit *m) { proto_encode_msg(b, &exit_msg, m); }
