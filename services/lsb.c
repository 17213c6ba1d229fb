/* LSB header parser. */
#include "lsb.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"

static void add_words(struct unit_strv *l, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		size_t start = i;
		while (i < n && !isspace((unsigned char)s[i]))
			i++;
		if (i == start || l->n >= 256)
			continue;
		char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
		if (!v)
			return;
		l->v = v;
		v[l->n] = strndup(s + start, i - start);
		if (!v[l->n])
			return;
		v[++l->n] = NULL;
	}
}

static unsigned runlevels(const char *s, size_t n)
{
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '6')
			m |= 1u << (s[i] - '0');
		else if (s[i] == 'S' || s[i] == 's')
			m |= 1u << 7;
	}
	return m;
}

void lsb_parse(const char *text, size_t len, struct lsb_info *out)
{
	*out = (struct lsb_info){ 0 };
	const char *p = text, *end = text + len;
	bool in = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += n + (nl ? 1 : 0);
		if (n >= 19 && !strncmp(line, "### BEGIN INIT INFO", 19)) {
			in = true;
			out->found = true;
			continue;
		}
		if (!in)
			continue;
		if (n >= 17 && !strncmp(line, "### END INIT INFO", 17))
			break;
		if (n < 2 || line[0] != '#' || line[1] != ' ' || memchr(line, '\0', n))
			continue; /* a NUL byte is no text: the line is not a header line */
		const char *kw = line + 2;
		size_t rest = n - 2;
		const char *colon = memchr(kw, ':', rest);
		if (!colon)
			continue;
		size_t kl = (size_t)(colon - kw);
		const char *val = colon + 1;
		size_t vl = n - (size_t)(val - line);
		static const struct { const char *kw; size_t off; } lists[] = {
			{ "Provides", offsetof(struct lsb_info, provides) },
			{ "Required-Start", offsetof(struct lsb_info, required_start) },
			{ "Required-Stop", offsetof(struct lsb_info, required_stop) },
			{ "Should-Start", offsetof(struct lsb_info, should_start) },
			{ "Should-Stop", offsetof(struct lsb_info, should_stop) },
			{ "X-Start-Before", offsetof(struct lsb_info, start_before) },
			{ "X-Stop-After", offsetof(struct lsb_info, stop_after) },
		};
		bool done = false;
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && !done; i++)
			if (strlen(lists[i].kw) == kl && !strncasecmp(kw, lists[i].kw, kl)) {
				add_words((struct unit_strv *)((char *)out + lists[i].off), val, vl);
				done = true;
			}
		if (done)
			continue;
		if (kl == 13 && !strncasecmp(kw, "Default-Start", 13))
			out->default_start |= runlevels(val, vl);
		else if (kl == 12 && !strncasecmp(kw, "Default-Stop", 12))
			out->default_stop |= runlevels(val, vl);
		else if (kl == 17 && !strncasecmp(kw, "Short-Description", 17) && !out->short_description) {
			while (vl > 0 && isspace((unsigned char)*val))
				val++, vl--;
			while (vl > 0 && isspace((unsigned char)val[vl - 1]))
				vl--;
			out->short_description = strndup(val, vl);
		}
	}
}

bool lsb_parse_file(const char *path, struct lsb_info *out)
{
	*out = (struct lsb_info){ 0 };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return false;
	_cleanup_free_ char *buf = malloc(65536);
	if (!buf)
		return false;
	ssize_t n = read(fd, buf, 65536);
	if (n < 0)
		return false;
	lsb_parse(buf, (size_t)n, out);
	return true;
}

void lsb_free(struct lsb_info *l)
{
	struct unit_strv *lists[] = { &l->provides, &l->required_start, &l->required_stop, &l->should_start,
				      &l->should_stop, &l->start_before, &l->stop_after };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		for (size_t j = 0; j < lists[i]->n; j++)
			free(lists[i]->v[j]);
		free(lists[i]->v);
	}
	free(l->short_description);
	*l = (struct lsb_info){ 0 };
}
