/* libFuzzer target: any bytes through the config lexer, in both dialects, without a crash, a
 * hang or a sanitizer report; what it reports keeps the promises of lexer.h. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lexer.h"

struct seen {
	const struct conf_dialect *d;
	unsigned lines; /* physical lines in the input, at most */
	unsigned last;  /* the line of the last report */
};

static void check_line(struct seen *s, unsigned line)
{
	if (line == 0 || line > s->lines || line < s->last)
		__builtin_trap();
	s->last = line;
}

static int on_assignment(void *ctx, const struct conf_entry *e)
{
	struct seen *s = ctx;
	check_line(s, e->line);
	size_t kn = strlen(e->key), sn = strlen(e->section), vn = strlen(e->value);
	if (!s->d->is_name(e->key, kn) || kn > s->d->max_key || sn > s->d->max_section ||
	    (sn && !s->d->is_name(e->section, sn)) || vn > s->d->max_line || memchr(e->value, '\n', vn))
		__builtin_trap();
	char out[CONF_SYSTEMD_MAX_LINE + 1];
	enum conf_quote_problem q;
	if (conf_unquote(e->value, out, sizeof(out), &q) < 0 || strlen(out) > vn)
		__builtin_trap();
	return 0;
}

static void on_problem(void *ctx, const struct conf_lex_error *e)
{
	check_line(ctx, e->line);
	if (!e->msg[0])
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_lex_ops ops = { .assignment = on_assignment, .problem = on_problem };
	const struct conf_dialect *dialects[] = { &conf_dialect_wsl, &conf_dialect_systemd };
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		struct seen s = { .d = dialects[i], .lines = lines };
		if (conf_lex(dialects[i], "fuzz", (const char *)data, size, &ops, &s) < 0)
			__builtin_trap();
	}
	return 0;
}
