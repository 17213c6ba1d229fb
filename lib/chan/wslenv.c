/* WSLENV (see wslenv.h). */
#include "wslenv.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUE (128u << 10)

static int push(struct wslenv_result *r, char *var)
{
	if (!var)
		return -ENOMEM;
	char **v = realloc(r->vars, (r->n + 2) * sizeof(*v));
	if (!v) {
		free(var);
		return -ENOMEM;
	}
	r->vars = v;
	r->vars[r->n++] = var;
	r->vars[r->n] = NULL;
	return 0;
}

void wslenv_result_free(struct wslenv_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->vars[i]);
	free(r->vars);
	r->vars = NULL;
	r->n = 0;
}

/* The flags after '/': which apply, or false for an entry to drop. */
static bool parse_flags(const char *f, bool *path, bool *to_guest_only, bool *to_host_only)
{
	*path = *to_guest_only = *to_host_only = false;
	for (; *f; f++) {
		switch (*f) {
		case 'p':
		case 'l': *path = true; break;
		case 'u': *to_guest_only = true; break;
		case 'w': *to_host_only = true; break;
		default: return false;
		}
	}
	return true;
}

char *wslenv_translate_list(const char *value, enum wslenv_direction dir, const struct winpath_table *t,
			    wslenv_warn_fn warn, void *ctx)
{
	if (strlen(value) > MAX_VALUE)
		return NULL;
	char in_sep = dir == WSLENV_TO_GUEST ? ';' : ':', out_sep = dir == WSLENV_TO_GUEST ? ':' : ';';
	size_t cap = strlen(value) * 3 + 64, n = 0;
	char *out = malloc(cap), *copy = strdup(value);
	if (!out || !copy) {
		free(out);
		free(copy);
		return NULL;
	}
	out[0] = '\0';
	char sep[2] = { in_sep, '\0' };
	for (char *save = NULL, *e = strtok_r(copy, sep, &save); e; e = strtok_r(NULL, sep, &save)) {
		char tr[8192];
		int r;
		if (dir == WSLENV_TO_GUEST) {
			if (!winpath_is_windows_absolute(e))
				continue; /* WSL skips a relative Windows element without a word */
			r = winpath_to_linux(t, e, tr, sizeof(tr));
		} else {
			r = winpath_to_windows(t, e, false, tr, sizeof(tr));
		}
		if (r < 0) {
			char msg[256];
			snprintf(msg, sizeof(msg), "Failed to translate '%.200s'", e);
			if (warn)
				warn(ctx, msg);
			continue;
		}
		size_t l = strlen(tr);
		if (n + l + 2 > cap) {
			char *b = realloc(out, (cap = (n + l + 2) * 2));
			if (!b) {
				free(out);
				free(copy);
				return NULL;
			}
			out = b;
		}
		if (n)
			out[n++] = out_sep;
		memcpy(out + n, tr, l + 1);
		n += l;
	}
	free(copy);
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
}

ssize_t wslenv_find(char *const *env, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = n; i-- > 0;)
		if (!strncmp(env[i], name, len) && env[i][len] == '=')
			return (ssize_t)i;
	return -1;
}

size_t wslenv_entries(const char *wslenv, enum wslenv_direction dir, struct wslenv_entry *out, size_t cap)
{
	size_t k = 0;
	char *list = wslenv ? strdup(wslenv) : NULL;
	if (!list)
		return 0;
	for (size_t n = strlen(list); n && isspace((unsigned char)list[n - 1]);)
		list[--n] = '\0';
	for (char *save = NULL, *e = strtok_r(list, ":", &save); e && k < cap; e = strtok_r(NULL, ":", &save)) {
		char *slash = strchr(e, '/');
		bool path, guest_only, host_only;
		if (!parse_flags(slash ? slash + 1 : "", &path, &guest_only, &host_only))
			continue; /* an unknown flag: the entry is for a later version */
		if (slash)
			*slash = '\0';
		/* a name with '=' cannot be a variable's: WSL would pass "A=B=..." for it */
		if (!*e || strchr(e, '=') || strlen(e) >= sizeof(out[k].name) || (dir == WSLENV_TO_HOST && guest_only) ||
		    (dir == WSLENV_TO_GUEST && host_only))
			continue;
		snprintf(out[k].name, sizeof(out[k].name), "%s", e);
		out[k++].path = path;
	}
	free(list);
	return k;
}

int wslenv_build(const char *wslenv, enum wslenv_direction dir, const struct winpath_table *t, wslenv_lookup_fn lookup,
		 wslenv_warn_fn warn, void *ctx, struct wslenv_result *out)
{
	*out = (struct wslenv_result){ 0 };
	if (!wslenv)
		return 0;
	char *raw;
	if (asprintf(&raw, "WSLENV=%s", wslenv) < 0 || push(out, raw) < 0)
		return -ENOMEM;
	enum { MAX_ENTRIES = 256 };
	struct wslenv_entry *ents = calloc(MAX_ENTRIES, sizeof(*ents));
	if (!ents)
		goto oom;
	size_t n = wslenv_entries(wslenv, dir, ents, MAX_ENTRIES);
	for (size_t i = 0; i < n; i++) {
		const char *name = ents[i].name;
		const char *value = lookup(ctx, name);
		char *var = NULL;
		if (!value) {
			if (ents[i].path)
				continue; /* nothing to translate: not passed */
			if (asprintf(&var, "%s=", name) < 0)
				goto oom;
		} else if (ents[i].path) {
			char *tr = wslenv_translate_list(value, dir, t, warn, ctx);
			if (!tr)
				continue; /* no element translated: left out, not passed raw */
			int k = asprintf(&var, "%s=%s", name, tr);
			free(tr);
			if (k < 0)
				goto oom;
		} else if (asprintf(&var, "%s=%s", name, value) < 0) {
			goto oom;
		}
		if (push(out, var) < 0)
			goto oom;
	}
	free(ents);
	return 0;
oom:
	free(ents);
	wslenv_result_free(out);
	return -ENOMEM;
}
