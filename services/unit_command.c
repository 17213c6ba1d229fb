/* Command lines of unit files, split as systemd does (quotes, backslash escapes, prefixes),
 * and the keys whose values are command lines: Exec*= and Environment=. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit_keys.h"

void unit_argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

void unit_cmds_free(struct unit_cmds *c)
{
	for (size_t i = 0; i < c->n; i++)
		unit_argv_free(c->v[i].argv);
	free(c->v);
	*c = (struct unit_cmds){ 0 };
}

/* The prefixes before the program (systemd.service(5), "Command lines"). */
static unsigned command_flags(const char **s)
{
	unsigned flags = 0;
	for (;; (*s)++) {
		if (**s == '-')
			flags |= CMD_IGNORE_FAILURE;
		else if (**s == '@')
			flags |= CMD_ARGV0;
		else if (**s == '+' || **s == '!')
			flags |= CMD_PRIVILEGED;
		else if (**s == ':')
			flags |= CMD_NO_ENV_EXPAND;
		else
			return flags;
	}
}

/* One word from *s into word (room for the rest of the line); 0, or -EINVAL with *why. */
static int next_word(const char **s, char *word, const char **why)
{
	size_t w = 0;
	char quote = 0;
	const char *p = *s;
	for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
		if (!quote && (*p == '"' || *p == '\'')) {
			quote = *p;
		} else if (quote && *p == quote) {
			quote = 0;
		} else if (*p == '\\' && p[1]) {
			p++;
			switch (*p) {
			case 'n': word[w++] = '\n'; break;
			case 't': word[w++] = '\t'; break;
			case 'a': word[w++] = '\a'; break;
			case 'r': word[w++] = '\r'; break;
			case ';': word[w++] = '\\', word[w++] = ';'; break; /* a literal ';' word, below */
			default: word[w++] = *p;
			}
		} else {
			word[w++] = *p;
		}
	}
	*s = p;
	if (quote) {
		*why = "a quote is not closed";
		return -EINVAL;
	}
	word[w] = '\0';
	if (!strcmp(word, ";")) {
		*why = "several commands on one line (';') are not supported; use one line each";
		return -EINVAL;
	}
	if (!strcmp(word, "\\;"))
		word[0] = ';', word[1] = '\0';
	return 0;
}

/* s split into words as systemd splits a value (quotes, C escapes): a NULL-terminated argv in
 * *out (no word: an empty one). 0 or -errno with why. */
static int split_words(const char *s, char ***out, size_t *count, const char **why)
{
	size_t n = 0, cap = 8;
	char **argv = calloc(cap, sizeof(*argv));
	char *word = malloc(strlen(s) + 1); /* a word is never longer than the rest of the line */
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
		int r = next_word(&s, word, why);
		if (r < 0) {
			unit_argv_free(argv), free(word);
			return r;
		}
		if (n + 2 > cap) {
			cap *= 2;
			char **nv = realloc(argv, cap * sizeof(*argv));
			if (!nv) {
				unit_argv_free(argv), free(word);
				*why = "out of memory";
				return -ENOMEM;
			}
			argv = nv;
		}
		if (!(argv[n] = strdup(word))) {
			unit_argv_free(argv), free(word);
			*why = "out of memory";
			return -ENOMEM;
		}
		argv[++n] = NULL;
	}
	free(word);
	*out = argv;
	*count = n;
	return 0;
}

int unit_split_command(const char *line, struct unit_cmd *out, const char **why)
{
	*out = (struct unit_cmd){ 0 };
	const char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	out->flags = command_flags(&s);
	char **argv;
	size_t n;
	int r = split_words(s, &argv, &n, why);
	if (r < 0)
		return r;
	if (n == 0) {
		free(argv);
		*why = "no command";
		return -EINVAL;
	}
	if ((out->flags & CMD_ARGV0) && n < 2) {
		unit_argv_free(argv);
		*why = "'@' needs a path and an argv[0]";
		return -EINVAL;
	}
	if (argv[0][0] != '/' && strchr(argv[0], '/')) {
		unit_argv_free(argv);
		*why = "the program must be an absolute path or a bare name";
		return -EINVAL;
	}
	out->argv = argv;
	return 0;
}

int unit_parse_exec(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why)
{
	struct unit_cmds *c = field;
	if (!*v->text) {
		unit_cmds_free(c);
		return 0;
	}
	struct unit_cmd cmd;
	const char *what;
	int r = unit_split_command(v->text, &cmd, &what);
	if (r < 0)
		return gi_error_set(&why->err, r, "%s", what);
	struct unit_cmd *nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv) {
		unit_argv_free(cmd.argv);
		return gi_error_set(&why->err, ENOMEM, "out of memory");
	}
	c->v = nv;
	c->v[c->n++] = cmd;
	return 0;
}

int unit_parse_environment(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			   struct conf_refusal *why)
{
	struct unit_strv *env = field;
	if (!*v->text) {
		unit_strv_free(env);
		return 0;
	}
	/* words as systemd splits them, not a command line: a value may hold '/' and a leading
	 * '-' (Environment=PATH=/usr/bin:/bin, Environment=-A=1) */
	char **words;
	size_t n;
	const char *what;
	int r = split_words(v->text, &words, &n, &what);
	if (r < 0)
		return gi_error_set(&why->err, EINVAL, "%s", what);
	for (char **w = words; *w && r == 0; w++) {
		if (!strchr(*w, '=') || **w == '=')
			r = gi_error_set(&why->err, EINVAL, "expected NAME=VALUE assignments");
		else if (unit_strv_add(env, *w) < 0)
			r = gi_error_set(&why->err, ENOMEM, "out of memory");
	}
	unit_argv_free(words);
	return r;
}
