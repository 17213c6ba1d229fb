/* /etc/wsl.conf loader. inih splits sections and keys; our reader in front of it makes the
 * file safe (binary bytes, over-long lines, comments, continuations) and keeps line numbers,
 * and the key table below gives each key its type, default and checks. Every problem is a
 * warning naming file, line and key, and the default stays in force. */
#include "wslconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "textlines.h"

enum key_type { T_BOOL, T_STR, T_UMASK, T_MS, T_INT, T_LOGLEVEL, T_CGROUPS };
enum str_check { S_ANY, S_ABSPATH, S_HOSTNAME, S_USERNAME, S_RECLAIM };

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;         /* T_STR: capacity of the array */
	enum str_check check; /* T_STR */
	long min, max;       /* T_MS, T_INT */
};

#define OFF(field) offsetof(struct wsl_conf, field)
#define STR(sec, key, field, chk) { sec, key, T_STR, OFF(field), sizeof(((struct wsl_conf *)0)->field), chk, 0, 0 }
#define BOOL(sec, key, field) { sec, key, T_BOOL, OFF(field), 0, S_ANY, 0, 0 }

static const struct key_def keys[] = {
	BOOL("automount", "enabled", automount.enabled),
	STR("automount", "root", automount.root, S_ABSPATH),
	STR("automount", "options", automount.options, S_ANY),
	BOOL("automount", "mountFsTab", automount.mount_fstab),
	BOOL("automount", "ldconfig", automount.ldconfig),
	{ "automount", "cgroups", T_CGROUPS, OFF(automount.cgroups), 0, S_ANY, 0, 0 },
	BOOL("network", "generateHosts", network.generate_hosts),
	BOOL("network", "generateResolvConf", network.generate_resolv_conf),
	STR("network", "hostname", network.hostname, S_HOSTNAME),
	BOOL("interop", "enabled", interop.enabled),
	BOOL("interop", "appendWindowsPath", interop.append_windows_path),
	STR("user", "default", user.default_user, S_USERNAME),
	BOOL("boot", "systemd", boot.systemd),
	STR("boot", "command", boot.command, S_ANY),
	BOOL("boot", "protectBinfmt", boot.protect_binfmt),
	{ "boot", "initTimeout", T_MS, OFF(boot.init_timeout_ms), 0, S_ANY, 0, 3600000 },
	BOOL("time", "useWindowsTimezone", time.use_windows_timezone),
	{ "filesystem", "umask", T_UMASK, OFF(filesystem.umask), 0, S_ANY, 0, 0777 },
	BOOL("gpu", "enabled", gpu.enabled),
	BOOL("gpu", "appendLibPath", gpu.append_lib_path),
	{ "guestinit", "logLevel", T_LOGLEVEL, OFF(guestinit.log_level), 0, S_ANY, 0, 0 },
	{ "guestinit", "shutdownTimeout", T_MS, OFF(guestinit.shutdown_timeout_ms), 0, S_ANY, 0, 600000 },
	{ "guestinit", "daemonStopTimeout", T_MS, OFF(guestinit.daemon_stop_timeout_ms), 0, S_ANY, 0, 600000 },
	STR("guestinit", "logFile", guestinit.log_file, S_ABSPATH),
	{ "guestinit", "logFileMaxKiB", T_INT, OFF(guestinit.log_file_max_kb), 0, S_ANY, 16, 1024 * 1024 },
	{ "guestinit", "logFileKeep", T_INT, OFF(guestinit.log_file_keep), 0, S_ANY, 0, 100 },
	STR("guestinit", "memoryReclaim", guestinit.memory_reclaim, S_RECLAIM),
	{ "guestinit", "memoryReclaimIdle", T_MS, OFF(guestinit.memory_reclaim_idle_ms), 0, S_ANY, 1000, 86400000 },
	{ "guestinit", "memoryReclaimFloorMiB", T_INT, OFF(guestinit.memory_reclaim_floor_mib), 0, S_ANY, 0, 1 << 20 },
};

void wslconf_defaults(struct wsl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->automount.enabled = true;
	strcpy(c->automount.root, "/mnt/");
	c->automount.mount_fstab = true;
	c->automount.ldconfig = true;
	c->automount.cgroups = WSLCONF_CGROUPS_V2;
	c->network.generate_hosts = true;
	c->network.generate_resolv_conf = true;
	c->interop.enabled = true;
	c->interop.append_windows_path = true;
	c->boot.protect_binfmt = true;
	c->boot.init_timeout_ms = 10000;
	c->time.use_windows_timezone = true;
	c->filesystem.umask = 022;
	c->gpu.enabled = true;
	c->gpu.append_lib_path = true;
	c->guestinit.log_level = LOG_LVL_INFO;
	c->guestinit.shutdown_timeout_ms = 5000;
	c->guestinit.daemon_stop_timeout_ms = 5000;
	strcpy(c->guestinit.log_file, "/var/log/guestinit.log");
	c->guestinit.log_file_max_kb = 1024;
	c->guestinit.log_file_keep = 3;
	c->guestinit.memory_reclaim_idle_ms = 10000;
}

int wslconf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
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

struct parse_ctx {
	struct wsl_conf *conf;
	const char *name;
	wslconf_warn_fn warn;
	void *warn_ctx;
	unsigned warnings;
	/* reader state */
	struct text_lines text;
	unsigned cur_line;      /* physical line the last logical line started on */
	unsigned pending_blank; /* lines owed to inih after a continuation joined several */
	unsigned seen_line[ARRAY_SIZE(keys)];
	char logical[WSLCONF_MAX_LINE + 2];
	char value[WSLCONF_MAX_LINE + 2]; /* the value of the key line inih is looking at */
};

static void warn_at(struct parse_ctx *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn_at(struct parse_ctx *p, unsigned line, const char *fmt, ...)
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
		log_warn("wsl.conf", "%s", full);
}


static bool is_binary(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

/* Cuts an unquoted '#' comment; returns the new length. */
static size_t cut_comment(char *s, size_t n)
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

static size_t rtrim(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

static bool is_name(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* Checks the shape of a logical line; false (with a warning) means inih must not see it. */
static bool line_shape_ok(struct parse_ctx *p, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = rtrim(s, strlen(s));
	if (n == 0 || *s == ';')
		return true;
	if (*s == '[') {
		if (n < 2 || s[n - 1] != ']') {
			warn_at(p, p->cur_line, "section header without a closing ']', line ignored "
				"(keys below it stay in the previous section's place and are checked there)");
			return false;
		}
		if (!is_name(s + 1, n - 2)) {
			warn_at(p, p->cur_line, "invalid section name '%.*s', line ignored", (int)(n - 2), s + 1);
			return false;
		}
		return true;
	}
	const char *eq = memchr(s, '=', n);
	if (!eq) {
		warn_at(p, p->cur_line, "expected 'key = value', line ignored");
		return false;
	}
	size_t kn = rtrim(s, (size_t)(eq - s));
	if (!is_name(s, kn)) {
		warn_at(p, p->cur_line, "invalid key name '%.*s', line ignored", (int)(kn > 64 ? 64 : kn), s);
		return false;
	}
	return true;
}

/* Gives inih a checked logical line. A key's value stays with us and inih sees only
 * "key=\x01": Debian's static libinih.a has its options fixed at build time (200-byte lines,
 * ';' inline comments, indented lines as continuations), so no value text may reach it. */
static void hand_over(struct parse_ctx *p, size_t len, char *str, size_t cap)
{
	const char *s = len > 0 ? p->logical : "";
	while (*s == ' ' || *s == '\t')
		s++;
	const char *eq = *s != '[' ? strchr(s, '=') : NULL;
	size_t n = eq ? rtrim(s, (size_t)(eq - s)) + 2 : strlen(s);
	if (n + 2 > cap) {
		warn_at(p, p->cur_line, "section or key name longer than %zu bytes, line ignored", cap - 4);
		strcpy(str, "\n");
		return;
	}
	if (!eq) {
		memcpy(str, s, n);
		str[n] = '\n';
		str[n + 1] = '\0';
		return;
	}
	size_t kn = rtrim(s, (size_t)(eq - s));
	const char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	memmove(p->value, v, strlen(v) + 1);
	memcpy(str, s, kn);
	memcpy(str + kn, "=\x01\n", 4);
}

/* inih's line source. Gives inih exactly one line per physical line, so that its count and
 * ours agree: a rejected line becomes empty, and a continuation owes inih empty lines. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	if (p->pending_blank > 0) {
		p->pending_blank--;
		p->cur_line++;
		strcpy(str, "\n");
		return str;
	}
	const char *s;
	long n = text_next_line(&p->text, &s);
	if (n < 0)
		return NULL;
	p->cur_line = p->text.line;
	size_t cap = WSLCONF_MAX_LINE; /* inih's own buffer only gets names (see hand_over) */
	size_t len = 0;
	bool bad = false;
	for (;;) {
		if (is_binary(s, (size_t)n)) {
			warn_at(p, p->text.line, "control characters or binary data, line ignored");
			bad = true;
		} else if ((size_t)n > cap || len + (size_t)n > cap) {
			warn_at(p, p->text.line, "line longer than %zu bytes, ignored", cap);
			bad = true;
		}
		if (bad) {
			/* keep consuming a continuation so its tail is not read as lines of its own */
			size_t k = rtrim(s, (size_t)n);
			if (k > 0 && s[k - 1] == '\\' && (n = text_next_line(&p->text, &s)) >= 0) {
				p->pending_blank++;
				continue;
			}
			len = 0;
			break;
		}
		if (len > 0) /* a continuation: its leading blanks go */
			while (n > 0 && (*s == ' ' || *s == '\t')) {
				s++;
				n--;
			}
		memcpy(p->logical + len, s, (size_t)n);
		size_t start = len;
		len += (size_t)n;
		p->logical[len] = '\0';
		const char *t = p->logical + start;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '#' || *t == ';') { /* a whole-line comment */
			len = start;
			break;
		}
		len = start + cut_comment(p->logical + start, len - start);
		len = rtrim(p->logical, len);
		if (len > 0 && p->logical[len - 1] == '\\') {
			len--;
			long m = text_next_line(&p->text, &s);
			if (m >= 0) {
				p->pending_blank++;
				n = m;
				continue;
			}
		}
		break;
	}
	p->logical[len] = '\0';
	if (len > 0 && !line_shape_ok(p, p->logical))
		len = 0;
	hand_over(p, len, str, (size_t)num);
	return str;
}

/* Strips surrounding quotes and resolves \" \\ \n inside them. */
static int unquote(struct parse_ctx *p, const char *key, const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (*in != '"') {
		size_t n = strlen(in);
		if (n >= cap)
			return -ENAMETOOLONG;
		memcpy(out, in, n + 1);
		return 0;
	}
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
		warn_at(p, p->cur_line, "'%s': missing closing quote, value taken as far as the line goes", key);
		return 0;
	}
	for (s++; *s; s++)
		if (!isspace((unsigned char)*s)) {
			warn_at(p, p->cur_line, "'%s': text after the closing quote ignored", key);
			break;
		}
	return 0;
}

static bool check_string(enum str_check chk, const char *v)
{
	size_t n = strlen(v);
	switch (chk) {
	case S_ANY:
		return true;
	case S_ABSPATH:
		return v[0] == '/';
	case S_HOSTNAME:
		if (n == 0 || n > 64 || v[0] == '-' || v[0] == '.')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '.')
				return false;
		return true;
	case S_RECLAIM:
		return !strcmp(v, "disabled") || !strcmp(v, "gradual") || !strcmp(v, "dropcache");
	case S_USERNAME:
		if (n == 0 || n > 32 || !(islower((unsigned char)v[0]) || v[0] == '_'))
			return false;
		for (size_t i = 1; i < n; i++)
			if (!islower((unsigned char)v[i]) && !isdigit((unsigned char)v[i]) && v[i] != '_' &&
			    v[i] != '-' && !(v[i] == '$' && i == n - 1))
				return false;
		return true;
	}
	return false;
}

static const char *check_what(enum str_check chk)
{
	switch (chk) {
	case S_ABSPATH: return "an absolute path";
	case S_HOSTNAME: return "a host name of letters, digits, '-' and '.', at most 64 characters";
	case S_USERNAME: return "a user name such as 'alice'";
	case S_RECLAIM: return "disabled, gradual or dropcache";
	default: return "a string";
	}
}

static void describe_default(const struct key_def *k, const struct wsl_conf *c, char *buf, size_t cap)
{
	const char *field = (const char *)c + k->offset;
	switch (k->type) {
	case T_BOOL: snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false"); break;
	case T_STR: snprintf(buf, cap, "'%s'", field); break;
	case T_UMASK: snprintf(buf, cap, "%03o", *(const unsigned *)field); break;
	case T_MS: case T_INT: snprintf(buf, cap, "%d", *(const int *)field); break;
	case T_LOGLEVEL: snprintf(buf, cap, "info"); break;
	case T_CGROUPS: snprintf(buf, cap, "v2"); break;
	}
}

static int set_value(const struct key_def *k, struct wsl_conf *c, const char *v, const char **why)
{
	char *field = (char *)c + k->offset;
	char *end;
	switch (k->type) {
	case T_BOOL:
		*why = "expected true or false";
		return wslconf_parse_bool(v, (bool *)field);
	case T_STR:
		*why = check_what(k->check);
		if (strlen(v) >= k->size) {
			*why = "value too long";
			return -EINVAL;
		}
		if (!check_string(k->check, v))
			return -EINVAL;
		strcpy(field, v);
		if (k->check == S_ABSPATH && k->offset == OFF(automount.root) && field[strlen(field) - 1] != '/' &&
		    strlen(field) + 1 < k->size)
			strcat(field, "/"); /* WSL's root is a prefix: "/mnt" and "/mnt/" mean the same */
		return 0;
	case T_UMASK: {
		*why = "expected an octal mask such as 022";
		errno = 0;
		unsigned long u = strtoul(v, &end, 8);
		if (!*v || *end || errno || u > (unsigned long)k->max)
			return -EINVAL;
		*(unsigned *)field = (unsigned)u;
		return 0;
	}
	case T_MS:
	case T_INT: {
		*why = k->type == T_MS ? "expected milliseconds" : "expected a whole number";
		errno = 0;
		long l = strtol(v, &end, 0);
		if (!*v || *end || errno || l < k->min || l > k->max)
			return -EINVAL;
		*(int *)field = (int)l;
		return 0;
	}
	case T_LOGLEVEL:
		*why = "expected err, warn, info or debug";
		return log_level_parse(v, (enum log_level *)field);
	case T_CGROUPS:
		*why = "expected v1 or v2";
		if (strcasecmp(v, "v2") == 0) {
			*(enum wslconf_cgroups *)field = WSLCONF_CGROUPS_V2;
			return 0;
		}
		if (strcasecmp(v, "v1") == 0) {
			*why = "v1 is not supported by guestinit (cgroup v2 only)";
			return -ENOTSUP;
		}
		return -EINVAL;
	}
	return -EINVAL;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	size_t i;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcasecmp(keys[i].section, section) == 0 && strcasecmp(keys[i].name, name) == 0)
			break;
	if (i == ARRAY_SIZE(keys)) {
		if (!*section)
			warn_at(p, p->cur_line, "key '%s' outside any [section], ignored", name);
		else
			warn_at(p, p->cur_line, "unknown key '%s.%s', ignored", section, name);
		return 1;
	}
	const struct key_def *k = &keys[i];
	if (p->seen_line[i]) {
		warn_at(p, p->cur_line, "duplicate key '%s.%s' (first set on line %u), ignored", k->section,
			k->name, p->seen_line[i]);
		return 1;
	}
	p->seen_line[i] = p->cur_line;
	char v[WSLCONF_MAX_LINE + 1];
	(void)value; /* always "\x01": the real value is p->value, see hand_over() */
	if (unquote(p, name, p->value, v, sizeof(v)) < 0) {
		warn_at(p, p->cur_line, "'%s.%s': value too long, ignored", k->section, k->name);
		return 1;
	}
	const char *why = "";
	if (set_value(k, p->conf, v, &why) < 0) {
		char def[64];
		describe_default(k, p->conf, def, sizeof(def));
		warn_at(p, p->cur_line, "invalid value '%.80s' for '%s.%s' (%s); using %s", v, k->section,
			k->name, why, def);
	}
	return 1;
}

unsigned wslconf_load_buffer(struct wsl_conf *conf, const char *name, const char *buf, size_t len,
			     wslconf_warn_fn warn, void *ctx)
{
	_cleanup_free_ struct parse_ctx *p = calloc(1, sizeof(*p));
	wslconf_defaults(conf);
	if (!p) {
		log_err("wsl.conf", "%s: out of memory; defaults used", name);
		return 1;
	}
	*p = (struct parse_ctx){ .conf = conf, .name = name, .warn = warn, .warn_ctx = ctx, .text = { .buf = buf, .len = len } };
	int r = ini_parse_stream(reader, p, handler, p);
	if (r < 0)
		warn_at(p, 0, "could not be parsed (%s); defaults used for what was not read", strerror(ENOMEM));
	return p->warnings;
}

unsigned wslconf_load_file(struct wsl_conf *conf, const char *path, wslconf_warn_fn warn, void *ctx)
{
	struct parse_ctx w = { .name = path, .warn = warn, .warn_ctx = ctx };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		wslconf_defaults(conf);
		warn_at(&w, 0, "%s; defaults used", fd < 0 || errno ? strerror(errno) : "not a regular file");
		return w.warnings;
	}
	_cleanup_free_ char *buf = malloc(WSLCONF_MAX_FILE + 1);
	if (!buf) {
		wslconf_defaults(conf);
		warn_at(&w, 0, "out of memory; defaults used");
		return w.warnings;
	}
	size_t len = 0;
	while (len <= WSLCONF_MAX_FILE) {
		ssize_t n = read(fd, buf + len, WSLCONF_MAX_FILE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			wslconf_defaults(conf);
			warn_at(&w, 0, "read failed: %s; defaults used", strerror(errno));
			return w.warnings;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	bool truncated = len > WSLCONF_MAX_FILE;
	if (truncated) {
		len = WSLCONF_MAX_FILE;
		char *nl = memrchr(buf, '\n', len); /* only whole lines */
		len = nl ? (size_t)(nl - buf) + 1 : 0;
	}
	unsigned n = wslconf_load_buffer(conf, path, buf, len, warn, ctx);
	if (truncated) {
		w.warnings = 0;
		warn_at(&w, 0, "larger than %d bytes; the rest of the file was ignored", WSLCONF_MAX_FILE);
		n += w.warnings;
	}
	return n;
}
