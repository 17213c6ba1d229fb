/* libFuzzer target for WSLENV: the first line is WSLENV's value, the rest NAME=VALUE lines of
 * the side it reads; both directions. Every variable out must be NAME=..., WSLENV first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wslenv.h"

static char *lines[64];
static size_t nlines;

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	size_t n = strlen(name);
	for (size_t i = 0; i < nlines; i++)
		if (!strncmp(lines[i], name, n) && lines[i][n] == '=')
			return lines[i] + n + 1;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *save = NULL, *first = strtok_r(text, "\n", &save);
	nlines = 0;
	for (char *l; nlines < 64 && (l = strtok_r(NULL, "\n", &save));)
		lines[nlines++] = l;
	static struct winpath_table t;
	memset(&t, 0, sizeof(t));
	strcpy(t.distro, "Debian");
	winpath_table_add(&t, "C:\\", "/mnt/c");
	for (int dir = 0; dir < 2 && first; dir++) {
		struct wslenv_result r;
		if (wslenv_build(first, (enum wslenv_direction)dir, &t, lookup, NULL, NULL, &r) == 0) {
			if (r.n && strncmp(r.vars[0], "WSLENV=", 7))
				abort();
			for (size_t i = 0; i < r.n; i++)
				if (!strchr(r.vars[i], '=') || r.vars[i][0] == '=')
					abort();
			wslenv_result_free(&r);
		}
	}
	free(text);
	return 0;
}
