/* Physical lines of a buffer. */
#include "textlines.h"

#include <string.h>

long text_next_line(struct text_lines *t, const char **start)
{
	if (t->pos >= t->len)
		return -1;
	const char *s = t->buf + t->pos;
	const char *nl = memchr(s, '\n', t->len - t->pos);
	size_t n = nl ? (size_t)(nl - s) : t->len - t->pos;
	t->pos += n + (nl ? 1 : 0);
	t->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (t->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	*start = s;
	return (long)n;
}
