/* The reader of key files (see keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

struct reader {
	const struct conf_keyfile *kf;
	void *target;
	const char *name;
	conf_warn_fn warn;
	void *warn_ctx;
	unsigned warnings;
	unsigned *seen_line;              /* where each key was set: the first one counts */
	char value[CONF_WSL_MAX_LINE + 1]; /* the value without its quotes */
};

static void warn_at(struct reader *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(struct reader *p, unsigned line, const char *fmt, ...)
{
	char msg[512], full[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(full, sizeof(full), "%s:%u: %s", p->name, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", p->name, msg);
	p->warnings++;
	if (p->warn)
		p->warn(p->warn_ctx, full);
	else
		log_warn(p->kf->ident, "%s", full);
}

static void on_problem(void *ctx, const struct conf_lex_error *e)
{
	warn_at(ctx, e->line, "%s", e->msg);
}

static int on_assignment(void *ctx, const struct conf_entry *e)
{
	struct reader *p = ctx;
	const struct conf_keyfile *kf = p->kf;
	const struct conf_key *k = conf_key_find(kf->keys, kf->nkeys, e->section, e->key, true);
	if (!k) {
		if (!*e->section)
			warn_at(p, e->line, "key '%s' outside any [section], ignored", e->key);
		else
			warn_at(p, e->line, "unknown key '%s.%s', ignored", e->section, e->key);
		return 0;
	}
	unsigned *seen = &p->seen_line[k - kf->keys];
	if (*seen) {
		warn_at(p, e->line, "duplicate key '%s.%s' (first set on line %u), ignored", k->section, k->key, *seen);
		return 0;
	}
	*seen = e->line;
	enum conf_quote_problem quotes;
	if (conf_unquote(e->value, p->value, sizeof(p->value), &quotes) < 0) {
		warn_at(p, e->line, "'%s.%s': value too long, ignored", k->section, k->key);
		return 0;
	}
	if (quotes == CONF_QUOTE_UNCLOSED)
		warn_at(p, e->line, "'%s': missing closing quote, value taken as far as the line goes", e->key);
	else if (quotes == CONF_QUOTE_TRAILING)
		warn_at(p, e->line, "'%s': text after the closing quote ignored", e->key);
	struct conf_value v = { .at = e, .text = p->value };
	struct conf_refusal why = { GI_ERROR_INIT, "" };
	if (k->parse(&v, k, (char *)p->target + k->offset, p->target, &why) < 0)
		warn_at(p, e->line, "invalid value '%.80s' for '%s.%s' (%s); using %s", p->value, k->section, k->key,
			why.err.msg, why.kept);
	return 0;
}

unsigned conf_keyfile_buffer(const struct conf_keyfile *kf, void *target, const char *name, const char *buf,
			     size_t len, conf_warn_fn warn, void *ctx)
{
	_cleanup_free_ struct reader *p = calloc(1, sizeof(*p));
	_cleanup_free_ unsigned *seen = calloc(kf->nkeys ? kf->nkeys : 1, sizeof(unsigned));
	if (!p || !seen) {
		struct reader w = { .kf = kf, .name = name, .warn = warn, .warn_ctx = ctx };
		warn_at(&w, 0, "out of memory; defaults used");
		return w.warnings;
	}
	*p = (struct reader){ .kf = kf, .target = target, .name = name, .warn = warn, .warn_ctx = ctx, .seen_line = seen };
	static const struct conf_lex_ops ops = { .assignment = on_assignment, .problem = on_problem };
	int r = conf_lex(kf->dialect, name, buf, len, &ops, p);
	if (r < 0)
		warn_at(p, 0, "could not be parsed (%s); defaults used for what was not read", strerror(-r));
	return p->warnings;
}

unsigned conf_keyfile_load(const struct conf_keyfile *kf, void *target, const char *path, conf_warn_fn warn,
			   void *ctx)
{
	struct reader w = { .kf = kf, .name = path, .warn = warn, .warn_ctx = ctx };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 && errno == ENOENT && kf->missing_ok)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		warn_at(&w, 0, "%s; defaults used", fd < 0 || errno ? strerror(errno) : "not a regular file");
		return w.warnings;
	}
	_cleanup_free_ char *buf = malloc(CONF_KEYFILE_MAX_FILE + 1);
	if (!buf) {
		warn_at(&w, 0, "out of memory; defaults used");
		return w.warnings;
	}
	size_t len = 0;
	while (len <= CONF_KEYFILE_MAX_FILE) {
		ssize_t n = read(fd, buf + len, CONF_KEYFILE_MAX_FILE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
				warn_at(&w, 0, "read failed: %s; defaults used", strerror(errno));
			return w.warnings;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	bool truncated = len > CONF_KEYFILE_MAX_FILE;
	if (truncated) {
		len = CONF_KEYFILE_MAX_FILE;
		char *nl = memrchr(buf, '\n', len); /* only whole lines */
		len = nl ? (size_t)(nl - buf) + 1 : 0;
	}
	unsigned n = conf_keyfile_buffer(kf, target, path, buf, len, warn, ctx);
	if (truncated) {
		w.warnings = 0;
		warn_at(&w, 0, "larger than %d bytes; the rest of the file was ignored", CONF_KEYFILE_MAX_FILE);
		n += w.warnings;
	}
	return n;
}
