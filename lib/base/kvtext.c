/* key=value record lines (see kvtext.h). */
#include "kvtext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kv_put(struct kv_writer *w, const char *key, const char *fmt, ...)
{
	if (w->overflow)
		return;
	char value[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	value[strcspn(value, "\n")] = '\0';
	int k = n < 0 || (size_t)n >= sizeof(value) ? -1 : snprintf(w->buf + w->len, w->cap - w->len, "%s=%s\n", key, value);
	if (k < 0 || (size_t)k >= w->cap - w->len) {
		w->overflow = true;
		return;
	}
	w->len += (size_t)k;
}

int kv_next(char **cursor, char **key, char **value)
{
	while (**cursor) {
		char *line = *cursor;
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
			*cursor = nl + 1;
		} else {
			*cursor = line + strlen(line);
		}
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		*key = line;
		*value = eq + 1;
		return 1;
	}
	return 0;
}

int kv_copy(char *out, size_t cap, const char *value)
{
	size_t n = strlen(value);
	if (n >= cap) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(out, value, n + 1);
	return 0;
}
