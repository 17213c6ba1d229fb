/* Parsing of mount.drvfs's SOURCE and options (see options.h for where each option goes). */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "error.h"
#include "parse.h"

static int bad(struct gi_error *err, const char *fmt, const char *what, const char *why)
{
	return gi_error_set(err, EINVAL, fmt, what, why);
}

/* path: '/' or '\' separated; stored with '\'; no empty "..": the server is the guard, but a
 * request that tries to climb out is wrong on its face. */
static int take_path(const char *p, char *out, size_t cap, const char *text, struct gi_error *err)
{
	size_t n = 0;
	while (*p == '\\' || *p == '/')
		p++;
	const char *seg = p;
	for (;; p++) {
		if (*p == '\\' || *p == '/' || *p == '\0') {
			size_t len = (size_t)(p - seg);
			if (len == 2 && seg[0] == '.' && seg[1] == '.')
				return bad(err, "mount.drvfs: source '%s': %s", text, "'..' is not allowed in a path");
			if (len) {
				if (n + len + 2 > cap)
					return bad(err, "mount.drvfs: source '%s': %s", text, "the path is too long");
				if (n)
					out[n++] = '\\';
				memcpy(out + n, seg, len);
				n += len;
			}
			if (*p == '\0')
				break;
			seg = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == ';' || *p == ',') {
			return bad(err, "mount.drvfs: source '%s': %s", text,
				   "a path may not hold control characters, ';' or ','");
		}
	}
	out[n] = '\0';
	return 0;
}

int drvfs_source_parse(const char *text, struct drvfs_source *out, struct gi_error *err)
{
	memset(out, 0, sizeof(*out));
	char c = text[0] | 0x20;
	if (c >= 'a' && c <= 'z' && text[1] == ':') {
		if (text[2] && text[2] != '\\' && text[2] != '/')
			return bad(err, "mount.drvfs: source '%s': %s", text, "a drive letter is followed by ':' and a path");
		out->letter = c;
		return take_path(text + 2, out->path, sizeof(out->path), text, err);
	}
	if ((text[0] == '\\' && text[1] == '\\') || (text[0] == '/' && text[1] == '/')) {
		/* \\server\share[\path] */
		char both[sizeof(out->share) + sizeof(out->path)];
		int r = take_path(text + 2, both, sizeof(both), text, err);
		if (r < 0)
			return r;
		char *sep = strchr(both, '\\');
		if (!sep || sep == both || !sep[1])
			return bad(err, "mount.drvfs: source '%s': %s", text, "a share is \\\\server\\share");
		char *rest = strchr(sep + 1, '\\');
		size_t share_len = rest ? (size_t)(rest - both) : strlen(both);
		if (share_len >= sizeof(out->share))
			return bad(err, "mount.drvfs: source '%s': %s", text, "the share name is too long");
		memcpy(out->share, both, share_len);
		out->share[share_len] = '\0';
		snprintf(out->path, sizeof(out->path), "%s", rest ? rest + 1 : "");
		return 0;
	}
	return bad(err, "mount.drvfs: source '%s': %s", text,
		   "not a drive (C:), a path on a drive (C:\\dir) or a share (\\\\server\\share)");
}

static const struct {
	const char *name;
	unsigned long set, clear;
} flag_options[] = {
	{ "ro", MS_RDONLY, 0 },		{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },	{ "noatime", MS_NOATIME, 0 },
	{ "atime", 0, MS_NOATIME },	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME }, { "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME }, { "strictatime", MS_STRICTATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0 },	{ "nolazytime", 0, MS_LAZYTIME },
};

/* Used by mount(8) and fstab themselves; they mean nothing to the filesystem. */
static const char *const userspace_options[] = { "defaults", "auto", "noauto", "nofail", "user",
						 "nouser", "users", "owner", "group", "_netdev" };

static int number(const char *v, int base, unsigned long max, unsigned *out)
{
	uint64_t n;
	if (parse_uint(v, base, max, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int one_option(const char *opt, struct drvfs_options *o, struct gi_error *err)
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *v = eq ? eq + 1 : NULL;
#define KEY(k) (klen == strlen(k) && !strncmp(opt, k, klen))
	const char *fmt = "mount.drvfs: option '%s' is not supported: %s";
	for (size_t i = 0; i < ARRAY_SIZE(flag_options); i++)
		if (!eq && !strcmp(opt, flag_options[i].name)) {
			o->flags = (o->flags & ~flag_options[i].clear) | flag_options[i].set;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(userspace_options); i++)
		if (!eq && !strcmp(opt, userspace_options[i]))
			return 0;
	if (!strncmp(opt, "x-", 2) || KEY("comment"))
		return 0;
	if (KEY("metadata")) {
		if (v)
			return bad(err, fmt, opt, "metadata takes no value");
		o->metadata = true;
		return 0;
	}
	if (KEY("uid") || KEY("gid")) {
		unsigned n;
		if (!v || number(v, 10, 4294967294UL, &n) < 0)
			return bad(err, fmt, opt, "the value is not a numeric id (0-4294967294)");
		if (KEY("uid"))
			o->uid = n, o->has_uid = true;
		else
			o->gid = n, o->has_gid = true;
		return 0;
	}
	if (KEY("umask") || KEY("fmask") || KEY("dmask")) {
		unsigned n;
		if (!v || number(v, 8, 0777, &n) < 0)
			return bad(err, fmt, opt, "the value is not an octal mask (000-777)");
		if (KEY("umask"))
			o->umask = n, o->has_umask = true;
		else if (KEY("fmask"))
			o->fmask = n, o->has_fmask = true;
		else
			o->dmask = n, o->has_dmask = true;
		return 0;
	}
	if (KEY("case")) {
		if (v && !strcmp(v, "off"))
			o->case_mode = DRVFS_CASE_OFF, o->case_forced = false;
		else if (v && !strcmp(v, "dir"))
			o->case_mode = DRVFS_CASE_DIR, o->case_forced = false;
		else if (v && !strcmp(v, "force"))
			o->case_mode = DRVFS_CASE_DIR, o->case_forced = true; /* as WSL: dir, with a warning */
		else
			return bad(err, fmt, opt, "case is off, dir or force");
		return 0;
	}
	if (KEY("symlinkroot")) {
		if (!v || v[0] != '/' || strlen(v) >= sizeof(o->symlinkroot) || strpbrk(v, ";, \t\n"))
			return bad(err, fmt, opt,
				   "symlinkroot is an absolute path without ';', ',' or blanks, under 256 bytes");
		snprintf(o->symlinkroot, sizeof(o->symlinkroot), "%s", v);
		return 0;
	}
	if (KEY("cache")) {
		static const char *const modes[] = { "none", "loose", "fscache", "mmap" };
		for (size_t i = 0; v && i < ARRAY_SIZE(modes); i++)
			if (!strcmp(v, modes[i])) {
				snprintf(o->cache, sizeof(o->cache), "%s", v);
				return 0;
			}
		return bad(err, fmt, opt, "9p's cache is none, loose, fscache or mmap");
	}
	if (KEY("msize")) {
		unsigned n;
		if (!v || number(v, 10, 1u << 20, &n) < 0 || n < 4096)
			return bad(err, fmt, opt, "msize is a byte count from 4096 to 1048576");
		o->msize = n;
		return 0;
	}
	if (KEY("transport")) {
		static const char *const ways[] = { [DRVFS_TRANSPORT_AUTO] = "auto", [DRVFS_TRANSPORT_TCP] = "tcp",
						    [DRVFS_TRANSPORT_PORT] = "port" };
		for (size_t i = 0; v && i < sizeof(ways) / sizeof(ways[0]); i++)
			if (!strcmp(v, ways[i])) {
				o->transport = (enum drvfs_transport)i;
				return 0;
			}
		return bad(err, fmt, opt, "transport is auto, port or tcp");
	}
#undef KEY
	return bad(err, fmt, opt,
		   "drvfs knows metadata, uid, gid, umask, fmask, dmask, case and symlinkroot, the generic mount "
		   "options (ro, rw, noatime, nosuid, nodev, noexec, sync, ...), 9p's cache and msize, and transport");
}

int drvfs_options_parse(const char *text, struct drvfs_options *o, struct gi_error *err)
{
	if (!text || !*text)
		return 0;
	char *copy = strdup(text);
	if (!copy) {
		return gi_error_set(err, ENOMEM, "mount.drvfs: out of memory");
	}
	int r = 0;
	for (char *save = NULL, *opt = strtok_r(copy, ",", &save); opt && r == 0; opt = strtok_r(NULL, ",", &save))
		r = one_option(opt, o, err);
	free(copy);
	return r;
}

/* Appends ";" (after the first) and one formatted option; *full once something did not fit. */
static void aname_add(char *buf, size_t cap, size_t *n, bool *full, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void aname_add(char *buf, size_t cap, size_t *n, bool *full, const char *fmt, ...)
{
	if (*full)
		return;
	if (*n) {
		if (*n + 1 >= cap) {
			*full = true;
			return;
		}
		buf[(*n)++] = ';';
		buf[*n] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= cap - *n)
		*full = true;
	else
		*n += (size_t)k;
}

int drvfs_options_aname(const struct drvfs_options *o, char *buf, size_t cap)
{
	size_t n = 0;
	bool full = cap == 0;
	if (cap)
		buf[0] = '\0'; /* terminated even when no option is given */
	if (o->metadata)
		aname_add(buf, cap, &n, &full, "metadata");
	if (o->has_uid)
		aname_add(buf, cap, &n, &full, "uid=%u", o->uid);
	if (o->has_gid)
		aname_add(buf, cap, &n, &full, "gid=%u", o->gid);
	if (o->has_umask)
		aname_add(buf, cap, &n, &full, "umask=%03o", o->umask);
	if (o->has_fmask)
		aname_add(buf, cap, &n, &full, "fmask=%03o", o->fmask);
	if (o->has_dmask)
		aname_add(buf, cap, &n, &full, "dmask=%03o", o->dmask);
	if (o->case_mode != DRVFS_CASE_DEFAULT)
		aname_add(buf, cap, &n, &full, "case=%s", o->case_mode == DRVFS_CASE_OFF ? "off" : "dir");
	if (o->symlinkroot[0])
		aname_add(buf, cap, &n, &full, "symlinkroot=%s", o->symlinkroot);
	return full ? -ENOSPC : (int)n;
}
