/* The config lexer (see lexer.h): physical lines joined into logical ones, comments cut,
 * section headers and assignments checked, each bad line reported and skipped. */
#include "lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "textlines.h"

static bool is_name_wsl(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_name_systemd(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

const struct conf_dialect conf_dialect_wsl = {
	.max_line = CONF_WSL_MAX_LINE,
	.max_section = 196,
	.max_key = 196,
	.is_name = is_name_wsl,
	.lines = CONF_LINES_WSL,
	.words = CONF_WORDS_WSL,
	.flags = CONF_INLINE_COMMENTS | CONF_CONTROL_UNREADABLE,
};

const struct conf_dialect conf_dialect_systemd = {
	.max_line = CONF_SYSTEMD_MAX_LINE,
	.max_section = 196,
	.max_key = 47,
	.is_name = is_name_systemd,
	.lines = CONF_LINES_SYSTEMD,
	.words = CONF_WORDS_SYSTEMD,
	.flags = 0,
};

struct lexer {
	const struct conf_dialect *d;
	const char *file;
	const struct conf_lex_ops *ops;
	void *ctx;
	struct text_lines text;
	unsigned start; /* the physical line the logical line began on */
	char *logical;  /* max_line + 2 bytes */
	char *section;  /* max_section + 1 bytes */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static size_t rtrim(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* What a problem is about: the trimmed logical line, and the name at fault if any. */
struct detail {
	const char *line;
	size_t line_len;
	const char *name;
	size_t name_len;
};

static int cut(size_t n, size_t max)
{
	return (int)(n < max ? n : max);
}

static void words_wsl(const struct lexer *l, enum conf_problem what, const struct detail *dt, char *out,
		      size_t cap)
{
	switch (what) {
	case CONF_LEX_UNREADABLE:
		snprintf(out, cap, "control characters or binary data, line ignored");
		return;
	case CONF_LEX_TOO_LONG:
		snprintf(out, cap, "line longer than %zu bytes, ignored", l->d->max_line);
		return;
	case CONF_LEX_SECTION_UNCLOSED:
		snprintf(out, cap, "section header without a closing ']', line ignored (keys below it stay in "
			 "the previous section's place and are checked there)");
		return;
	case CONF_LEX_SECTION_NAME:
		snprintf(out, cap, "invalid section name '%.*s', line ignored", (int)dt->name_len, dt->name);
		return;
	case CONF_LEX_SECTION_TOO_LONG:
	case CONF_LEX_KEY_TOO_LONG:
		snprintf(out, cap, "section or key name longer than %zu bytes, line ignored",
			 what == CONF_LEX_KEY_TOO_LONG ? l->d->max_key : l->d->max_section);
		return;
	case CONF_LEX_NO_ASSIGNMENT:
		snprintf(out, cap, "expected 'key = value', line ignored");
		return;
	case CONF_LEX_KEY_NAME:
		snprintf(out, cap, "invalid key name '%.*s', line ignored", cut(dt->name_len, 64), dt->name);
		return;
	}
	snprintf(out, cap, "line ignored");
}

static void words_systemd(enum conf_problem what, const struct detail *dt, char *out, size_t cap)
{
	switch (what) {
	case CONF_LEX_UNREADABLE:
	case CONF_LEX_TOO_LONG:
		snprintf(out, cap, "line too long or holding a NUL byte, ignored");
		return;
	case CONF_LEX_SECTION_UNCLOSED:
	case CONF_LEX_SECTION_NAME:
	case CONF_LEX_SECTION_TOO_LONG:
		snprintf(out, cap, "invalid section header '%.*s', line ignored", cut(dt->line_len, 60), dt->line);
		return;
	case CONF_LEX_NO_ASSIGNMENT:
	case CONF_LEX_KEY_NAME:
	case CONF_LEX_KEY_TOO_LONG:
		snprintf(out, cap, "expected Key=Value, line '%.*s' ignored", cut(dt->line_len, 60), dt->line);
		return;
	}
	snprintf(out, cap, "line ignored");
}

static void report(const struct lexer *l, unsigned line, enum conf_problem what, const struct detail *dt)
{
	if (!l->ops->problem)
		return;
	static const struct detail none = { "", 0, "", 0 };
	char msg[512];
	if (l->d->words == CONF_WORDS_SYSTEMD)
		words_systemd(what, dt ? dt : &none, msg, sizeof(msg));
	else
		words_wsl(l, what, dt ? dt : &none, msg, sizeof(msg));
	struct conf_lex_error e = { .file = l->file, .line = line, .problem = what, .msg = msg };
	l->ops->problem(l->ctx, &e);
}

static bool next_line(struct lexer *l, const char **s, size_t *n)
{
	long r = text_next_line(&l->text, s);
	if (r < 0)
		return false;
	*n = (size_t)r;
	return true;
}

static bool unreadable(const struct conf_dialect *d, const char *s, size_t n)
{
	if (!(d->flags & CONF_CONTROL_UNREADABLE))
		return memchr(s, '\0', n) != NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

/* Where an unquoted '#' starts a comment in s[0..n); n if nowhere. */
static size_t comment_start(const char *s, size_t n)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && quoted && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == '#' && !quoted)
			return i;
	}
	return n;
}

/* One logical line WSL's way, from its first physical line s; -1: ignored (already reported). */
static long join_wsl(struct lexer *l, const char *s, size_t n)
{
	const struct conf_dialect *d = l->d;
	size_t len = 0;
	bool bad = false;
	for (;;) {
		if (unreadable(d, s, n)) {
			report(l, l->text.line, CONF_LEX_UNREADABLE, NULL);
			bad = true;
		} else if (len + n > d->max_line) {
			report(l, l->text.line, CONF_LEX_TOO_LONG, NULL);
			bad = true;
		}
		if (bad) {
			size_t k = rtrim(s, n);
			if (k > 0 && s[k - 1] == '\\' && next_line(l, &s, &n))
				continue;
			return -1;
		}
		if (len > 0) /* a continuation: its leading blanks go */
			while (n > 0 && is_blank(*s))
				s++, n--;
		size_t start = len;
		memcpy(l->logical + len, s, n);
		len += n;
		l->logical[len] = '\0';
		const char *t = skip_blanks(l->logical + start);
		if (*t == '#' || *t == ';') { /* a whole-line comment ends the logical line */
			len = start;
			break;
		}
		if (d->flags & CONF_INLINE_COMMENTS)
			len = start + comment_start(l->logical + start, len - start);
		len = rtrim(l->logical, len);
		if (len > 0 && l->logical[len - 1] == '\\') {
			len--;
			if (next_line(l, &s, &n))
				continue;
		}
		break;
	}
	l->logical[len] = '\0';
	return (long)len;
}

/* One logical line systemd's way; -1: ignored (reported here, on its first line). */
static long join_systemd(struct lexer *l, const char *s, size_t n)
{
	const struct conf_dialect *d = l->d;
	size_t len = 0;
	bool first = true, bad = false;
	enum conf_problem why = CONF_LEX_UNREADABLE;
	for (;;) {
		if (!first && n > 0 && (*s == '#' || *s == ';')) {
			/* a comment inside a continuation is dropped and the continuation goes on */
			if (!next_line(l, &s, &n))
				break;
			continue;
		} else if (unreadable(d, s, n)) {
			bad = true;
			why = CONF_LEX_UNREADABLE;
		} else if (len + n > d->max_line) {
			bad = true;
			why = CONF_LEX_TOO_LONG;
		} else {
			memcpy(l->logical + len, s, n);
			len += n;
		}
		first = false;
		if (len > 0 && l->logical[len - 1] == '\\') {
			l->logical[len - 1] = ' ';
			if (!next_line(l, &s, &n))
				break;
			continue;
		}
		break;
	}
	len = rtrim(l->logical, len);
	l->logical[len] = '\0';
	if (bad) {
		report(l, l->start, why, NULL);
		return -1;
	}
	return (long)len;
}

/* A section header or an assignment out of a joined line. */
static int take_line(struct lexer *l)
{
	const struct conf_dialect *d = l->d;
	char *s = skip_blanks(l->logical);
	size_t n = rtrim(s, strlen(s));
	if (n == 0 || *s == '#' || *s == ';')
		return 0;
	struct detail dt = { .line = s, .line_len = n };
	if (*s == '[') {
		if (n < 2 || s[n - 1] != ']') {
			report(l, l->start, CONF_LEX_SECTION_UNCLOSED, &dt);
			return 0;
		}
		dt.name = s + 1;
		dt.name_len = n - 2;
		if (!d->is_name(dt.name, dt.name_len)) {
			report(l, l->start, CONF_LEX_SECTION_NAME, &dt);
			return 0;
		}
		if (dt.name_len > d->max_section) {
			report(l, l->start, CONF_LEX_SECTION_TOO_LONG, &dt);
			return 0;
		}
		memcpy(l->section, dt.name, dt.name_len);
		l->section[dt.name_len] = '\0';
		return 0;
	}
	char *eq = memchr(s, '=', n);
	if (!eq) {
		report(l, l->start, CONF_LEX_NO_ASSIGNMENT, &dt);
		return 0;
	}
	size_t kn = (size_t)(eq - s);
	while (kn > 0 && is_blank(s[kn - 1]))
		kn--;
	dt.name = s;
	dt.name_len = kn;
	if (!d->is_name(s, kn)) {
		report(l, l->start, CONF_LEX_KEY_NAME, &dt);
		return 0;
	}
	if (kn > d->max_key) {
		report(l, l->start, CONF_LEX_KEY_TOO_LONG, &dt);
		return 0;
	}
	s[kn] = '\0'; /* a blank or the '=' itself: the value starts after it */
	struct conf_entry e = {
		.file = l->file, .line = l->start, .section = l->section, .key = s, .value = skip_blanks(eq + 1),
	};
	return l->ops->assignment(l->ctx, &e);
}

int conf_lex(const struct conf_dialect *d, const char *file, const char *buf, size_t len,
	     const struct conf_lex_ops *ops, void *ctx)
{
	_cleanup_free_ char *logical = malloc(d->max_line + 2);
	_cleanup_free_ char *section = malloc(d->max_section + 1);
	if (!logical || !section)
		return -ENOMEM;
	section[0] = '\0';
	struct lexer l = {
		.d = d, .file = file, .ops = ops, .ctx = ctx, .text = { .buf = buf, .len = len },
		.logical = logical, .section = section,
	};
	const char *s;
	size_t n;
	while (next_line(&l, &s, &n)) {
		l.start = l.text.line;
		long r = d->lines == CONF_LINES_SYSTEMD ? join_systemd(&l, s, n) : join_wsl(&l, s, n);
		if (r < 0)
			continue;
		int rc = take_line(&l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int conf_unquote(const char *in, char *out, size_t cap, enum conf_quote_problem *problem)
{
	*problem = CONF_QUOTE_OK;
	if (cap == 0)
		return -ENAMETOOLONG;
	if (*in != '"') {
		size_t n = strlen(in);
		if (n >= cap)
			return -ENAMETOOLONG;
		memcpy(out, in, n + 1);
		return 0;
	}
	size_t o = 0;
	const char *s = in + 1;
	for (; *s && *s != '"'; s++) {
		char c = *s;
		if (c == '\\' && s[1]) {
			s++;
			c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	if (*s != '"') {
		*problem = CONF_QUOTE_UNCLOSED;
		return 0;
	}
	for (s++; *s; s++)
		if (!isspace((unsigned char)*s)) {
			*problem = CONF_QUOTE_TRAILING;
			break;
		}
	return 0;
}
