/* Windows ↔ guest path translation through the drive mounts (see winpath.h). */
#include "winpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Characters a Windows name cannot hold, which a Linux name may: escaped to U+F000 + c */
static bool win_reserved(unsigned char c)
{
	return c < 0x20 || strchr("\\:*?\"<>|", c);
}

struct out {
	char *buf;
	size_t cap, len;
	bool full;
};

static void put_c(struct out *o, char c)
{
	if (o->len + 1 >= o->cap) {
		o->full = true;
		return;
	}
	o->buf[o->len++] = c;
	o->buf[o->len] = '\0';
}

static void put_s(struct out *o, const char *s)
{
	while (*s)
		put_c(o, *s++);
}

/* U+F000 + c in UTF-8: EF 80 80+ (c >> 6) 80 + (c & 63) */
static void put_escaped(struct out *o, unsigned char c)
{
	put_c(o, (char)0xef);
	put_c(o, (char)(0x80 | ((c >> 6) & 0x3f)));
	put_c(o, (char)(0x80 | (c & 0x3f)));
}

/* The escape back: 3 bytes of U+F000..U+F0FF at p, or -1. */
static int escaped_at(const unsigned char *p)
{
	/* U+F000 + c is EF, 80 + (c >> 6), 80 + (c & 63) */
	if (p[0] == 0xef && (p[1] & 0xfc) == 0x80 && (p[2] & 0xc0) == 0x80) {
		int c = ((p[1] & 3) << 6) | (p[2] & 0x3f);
		return win_reserved((unsigned char)c) ? c : -1; /* only what we would have escaped */
	}
	return -1;
}

static int finish(struct out *o)
{
	return o->full ? -ENAMETOOLONG : 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

static void canon_win_root(const char *win, char *out, size_t cap)
{
	/* C:\src\ → C:\src; C: or c:\ → C:\ */
	snprintf(out, cap, "%s", win);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '\\';
	if (out[0])
		out[0] = (char)toupper((unsigned char)out[0]);
	size_t n = strlen(out);
	if (n == 2 && out[1] == ':' && cap > 3) {
		out[2] = '\\';
		out[3] = '\0';
		return;
	}
	while (n > 3 && out[n - 1] == '\\')
		out[--n] = '\0';
}

int winpath_table_add(struct winpath_table *t, const char *win, const char *linux_path)
{
	if (!isalpha((unsigned char)win[0]) || win[1] != ':' || linux_path[0] != '/')
		return -EINVAL;
	char w[PATH_MAX], l[PATH_MAX];
	canon_win_root(win, w, sizeof(w));
	snprintf(l, sizeof(l), "%s", linux_path);
	size_t n = strlen(l);
	while (n > 1 && l[n - 1] == '/')
		l[--n] = '\0';
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->m[i].guest, l)) { /* a later mount on the same point hides the earlier */
			memmove(&t->m[i], &t->m[i + 1], (t->n - i - 1) * sizeof(t->m[0]));
			t->n--;
			break;
		}
	if (t->n == WINPATH_MAX_MOUNTS)
		return -ENOSPC;
	snprintf(t->m[t->n].win, sizeof(t->m[0].win), "%s", w);
	snprintf(t->m[t->n].guest, sizeof(t->m[0].guest), "%s", l);
	t->n++;
	return 0;
}

/* mountinfo's fields escape space, tab, newline and backslash as \ooo */
static void unescape(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		if (in[i] == '\\' && i + 3 < len + 1 && in[i + 1] >= '0' && in[i + 1] <= '7' && in[i + 2] >= '0' &&
		    in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
			out[n++] = (char)(((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
			i += 3;
		} else {
			out[n++] = in[i];
		}
	}
	out[n] = '\0';
}

void winpath_table_from_mountinfo(struct winpath_table *t, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		const char *f[5];
		size_t fl[5], k = 0;
		const char *p = text, *end = text + len;
		while (p < end && k < 5) {
			while (p < end && *p == ' ')
				p++;
			const char *s = p;
			while (p < end && *p != ' ')
				p++;
			f[k] = s;
			fl[k++] = (size_t)(p - s);
		}
		const char *dash = NULL;
		for (const char *q = p; q + 2 < end; q++)
			if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') {
				dash = q + 3;
				break;
			}
		if (k == 5 && dash) {
			char fstype[32] = "", source[PATH_MAX], point[PATH_MAX];
			const char *s = dash, *e = strchr(s, ' ');
			if (e && e < end && (size_t)(e - s) < sizeof(fstype)) {
				memcpy(fstype, s, (size_t)(e - s));
				fstype[e - s] = '\0';
				s = e + 1;
				e = memchr(s, ' ', (size_t)(end - s));
				unescape(s, e ? (size_t)(e - s) : (size_t)(end - s), source, sizeof(source));
				unescape(f[4], fl[4], point, sizeof(point));
				if (!strcmp(fstype, "9p") || !strcmp(fstype, "drvfs")) {
					if (isalpha((unsigned char)source[0]) && source[1] == ':' &&
					    (source[2] == '\\' || source[2] == '/' || !source[2]))
						winpath_table_add(t, source, point);
					else if (!strncmp(source, "drvfs_", 6) && isalpha((unsigned char)source[6]) && !source[7]) {
						char drive[4] = { source[6], ':', '\\', '\0' };
						winpath_table_add(t, drive, point); /* QEMU's share, tag drvfs_X */
					}
				}
			}
		}
		text += len + (nl ? 1 : 0);
	}
}

bool winpath_is_windows_absolute(const char *s)
{
	if (isalpha((unsigned char)s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/'))
		return true;
	return (s[0] == '\\' || s[0] == '/') && (s[1] == '\\' || s[1] == '/') && s[2];
}

/* ---- Windows → guest ---------------------------------------------------------------------- */

/* The rest of a Windows path after its root, into o with '/' and escapes undone. */
static void put_win_rest(struct out *o, const char *rest)
{
	for (const unsigned char *p = (const unsigned char *)rest; *p;) {
		int c = escaped_at(p);
		if (c >= 0) {
			put_c(o, (char)c);
			p += 3;
			continue;
		}
		put_c(o, *p == '\\' ? '/' : (char)*p);
		p++;
	}
}

/* Whether win (separators '\') starts with root, case-insensitively for the letter, at a
 * component boundary: the length matched, or 0. */
static size_t prefix_len(const char *win, const char *root)
{
	size_t n = strlen(root);
	if (strncasecmp(win, root, n))
		return 0;
	if (win[n] == '\0' || win[n] == '\\' || root[n - 1] == '\\')
		return n;
	return 0;
}

int winpath_to_linux(const struct winpath_table *t, const char *win, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, false };
	buf[0] = '\0';
	char w[PATH_MAX];
	if (snprintf(w, sizeof(w), "%s", win) >= (int)sizeof(w))
		return -ENAMETOOLONG;
	for (char *p = w; *p; p++)
		if (*p == '/')
			*p = '\\';
	const char *p = w;
	if (!strncmp(p, "\\\\?\\", 4) || !strncmp(p, "\\\\.\\", 4))
		p += 4; /* \\?\C:\x: the long-path form of C:\x */
	if (p[0] == '\\' && p[1] == '\\') {
		/* \\wsl.localhost\DISTRO\... or \\wsl$\DISTRO\...: the guest's own files */
		const char *host = p + 2, *slash = strchr(host, '\\');
		size_t hl = slash ? (size_t)(slash - host) : strlen(host);
		bool ours = (hl == 13 && !strncasecmp(host, "wsl.localhost", 13)) || (hl == 4 && !strncasecmp(host, "wsl$", 4));
		if (!ours || !slash)
			return -EINVAL;
		const char *d = slash + 1, *ds = strchr(d, '\\');
		size_t dl = ds ? (size_t)(ds - d) : strlen(d);
		if (!t->distro[0] || dl != strlen(t->distro) || strncasecmp(d, t->distro, dl))
			return -EINVAL;
		put_c(&o, '/');
		if (ds && ds[1])
			put_win_rest(&o, ds + 1);
		return finish(&o);
	}
	if (isalpha((unsigned char)p[0]) && p[1] == ':' && p[2] == '\\') {
		const struct winpath_mount *best = NULL;
		size_t best_len = 0;
		for (size_t i = 0; i < t->n; i++) {
			size_t l = prefix_len(p, t->m[i].win);
			if (l > best_len) {
				best = &t->m[i];
				best_len = l;
			}
		}
		if (!best)
			return -ENOENT;
		put_s(&o, best->guest);
		const char *rest = p + best_len;
		if (*rest == '\\' || (best_len && p[best_len - 1] == '\\'))
			put_c(&o, '/'); /* C:\ → /mnt/c/: the root's separator stays */
		if (*rest == '\\')
			rest++;
		put_win_rest(&o, rest);
		return finish(&o);
	}
	put_win_rest(&o, p); /* relative: foo\ → foo/ */
	return finish(&o);
}

/* ---- guest → Windows ---------------------------------------------------------------------- */

/* path's components with '\' (or '/'), names escaped */
static void put_linux_rest(struct out *o, const char *rest, char sep)
{
	for (const unsigned char *p = (const unsigned char *)rest; *p; p++) {
		if (*p == '/')
			put_c(o, sep);
		else if (win_reserved(*p))
			put_escaped(o, *p);
		else
			put_c(o, (char)*p);
	}
}

int winpath_to_windows(const struct winpath_table *t, const char *path, bool mixed, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, false };
	buf[0] = '\0';
	char sep = mixed ? '/' : '\\';
	if (path[0] != '/') {
		put_linux_rest(&o, path, sep);
		return finish(&o);
	}
	const struct winpath_mount *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < t->n; i++) {
		size_t l = strlen(t->m[i].guest);
		if (!strncmp(path, t->m[i].guest, l) && (path[l] == '/' || !path[l]) && l > best_len) {
			best = &t->m[i];
			best_len = l;
		}
	}
	if (best) {
		for (const char *w = best->win; *w; w++)
			put_c(&o, *w == '\\' ? sep : *w);
		const char *rest = path + best_len;
		size_t wl = strlen(best->win);
		bool root_sep = wl && best->win[wl - 1] == '\\';
		if (*rest == '/')
			rest++;
		if (*rest) {
			if (!root_sep)
				put_c(&o, sep);
			put_linux_rest(&o, rest, sep);
		} else if (path[best_len] == '/' && !root_sep) {
			put_c(&o, sep); /* /mnt/c/src/ → C:\src\ */
		}
		return finish(&o);
	}
	if (!t->distro[0])
		return -ENOENT;
	/* \\wsl.localhost\DISTRO\... (the guest's files seen from the host) */
	put_c(&o, sep);
	put_c(&o, sep);
	put_s(&o, "wsl.localhost");
	put_c(&o, sep);
	put_s(&o, t->distro);
	put_c(&o, sep);
	put_linux_rest(&o, path + 1, sep);
	return finish(&o);
}
