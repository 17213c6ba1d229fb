/* Key lookup and the parsers of the value types every dialect shares (see keytable.h). */
#include "keytable.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "parse.h"

const struct conf_key *conf_key_find(const struct conf_key *keys, size_t n, const char *section, const char *key,
				     bool ignore_case)
{
	int (*cmp)(const char *, const char *) = ignore_case ? strcasecmp : strcmp;
	for (size_t i = 0; i < n; i++)
		if (cmp(keys[i].section, section) == 0 && cmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

void conf_note(const struct conf_value *v, const char *fmt, ...)
{
	if (!v->note)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->note(v->note_ctx, v->at, msg);
}

static int explain(struct conf_refusal *why, const char *what)
{
	return gi_error_set(&why->err, EINVAL, "%s", what);
}

/* ---- booleans ------------------------------------------------------------------------------ */

/* yes[i] and no[i] are a pair; the first n pairs are WSL's words. */
static const char *const yes[] = { "true", "yes", "on", "1", "y", "t" };
static const char *const no[] = { "false", "no", "off", "0", "n", "f" };

static int bool_from(const char *s, size_t n, bool *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int conf_bool_wsl(const char *s, bool *out)
{
	return bool_from(s, 4, out);
}

int conf_bool_systemd(const char *s, bool *out)
{
	return bool_from(s, ARRAY_SIZE(yes), out);
}

static int parse_bool_with(int (*from)(const char *, bool *), const char *what, const struct conf_value *v,
			   bool *field, struct conf_refusal *why)
{
	if (from(v->text, field) == 0)
		return 0;
	snprintf(why->kept, sizeof(why->kept), "%s", *field ? "true" : "false");
	return explain(why, what);
}

int conf_parse_bool_wsl(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	return parse_bool_with(conf_bool_wsl, "expected true or false", v, field, why);
}

int conf_parse_bool_systemd(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			    struct conf_refusal *why)
{
	return parse_bool_with(conf_bool_systemd, "expected yes or no", v, field, why);
}

/* ---- numbers ------------------------------------------------------------------------------- */

static int in_range(const char *s, const struct conf_range *r, int base, uint64_t *out)
{
	uint64_t u;
	if (parse_uint(s, base, r->max, &u) < 0 || u < r->min)
		return -EINVAL;
	*out = u;
	return 0;
}

int conf_parse_int(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		   struct conf_refusal *why)
{
	const struct conf_range *r = k->ltype;
	int *n = field;
	uint64_t u;
	if (r->max > INT_MAX || in_range(v->text, r, r->base, &u) < 0) {
		snprintf(why->kept, sizeof(why->kept), "%d", *n);
		return explain(why, r->why);
	}
	*n = (int)u;
	return 0;
}

int conf_parse_unsigned(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why)
{
	const struct conf_range *r = k->ltype;
	unsigned *n = field;
	uint64_t u;
	if (r->max > UINT_MAX || in_range(v->text, r, r->base, &u) < 0) {
		snprintf(why->kept, sizeof(why->kept), "%u", *n);
		return explain(why, r->why);
	}
	*n = (unsigned)u;
	return 0;
}

int conf_parse_mode(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why)
{
	const struct conf_range *r = k->ltype;
	unsigned *mode = field;
	uint64_t u;
	if (r->max > UINT_MAX || in_range(v->text, r, 8, &u) < 0) {
		snprintf(why->kept, sizeof(why->kept), "%03o", *mode);
		return explain(why, r->why);
	}
	*mode = (unsigned)u;
	return 0;
}

/* ---- strings ------------------------------------------------------------------------------- */

int conf_parse_string(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	const struct conf_string *spec = k->ltype;
	char *s = field;
	const char *problem = NULL;
	if (strlen(v->text) >= spec->size)
		problem = "value too long";
	else if (spec->valid && !spec->valid(v->text))
		problem = spec->why;
	if (problem) {
		snprintf(why->kept, sizeof(why->kept), "'%s'", s);
		return explain(why, problem);
	}
	strcpy(s, v->text);
	return 0;
}

int conf_parse_strdup(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why)
{
	char **s = field;
	char *copy = strdup(v->text);
	if (!copy)
		return gi_error_set(&why->err, ENOMEM, "out of memory");
	free(*s);
	*s = copy;
	return 0;
}

/* ---- enums --------------------------------------------------------------------------------- */

int conf_enum_from_string(const struct conf_enum *e, const char *s)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->names[i] && strcmp(e->names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

const char *conf_enum_to_string(const struct conf_enum *e, int value)
{
	return value >= 0 && (size_t)value < e->n ? e->names[value] : NULL;
}

int conf_parse_enum(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why)
{
	const struct conf_enum *e = k->ltype;
	int *value = field;
	int r = conf_enum_from_string(e, v->text);
	if (r < 0) {
		const char *now = conf_enum_to_string(e, *value);
		snprintf(why->kept, sizeof(why->kept), "%s", now ? now : "");
		return explain(why, e->why);
	}
	*value = r;
	return 0;
}

int conf_parse_ignored(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why)
{
	return 0;
}
