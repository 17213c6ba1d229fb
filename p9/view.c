/* aname → how an attach presents the host's files (see view.h). */
#include "view.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "meta.h"
#include "parse.h"


static bool number(const char *s, int base, unsigned max, unsigned *out)
{
	uint64_t v;
	if (parse_uint(s, base, max, &v) < 0)
		return false;
	*out = (unsigned)v;
	return true;
}

/* path=C:\src\app → letter c, "src/app"; refuses "..", "." and empty components. */
static int parse_path(const char *val, char *letter, char *sub, size_t cap, struct gi_error *err)
{
	if (!isalpha((unsigned char)val[0]) || val[1] != ':')
		return gi_error_set(err, -EINVAL, "path '%s' is not a drive path such as C:\\ (UNC shares are not served here)", val);
	*letter = (char)tolower((unsigned char)val[0]);
	const char *p = val + 2;
	size_t n = 0;
	sub[0] = '\0';
	while (*p) {
		while (*p == '\\' || *p == '/')
			p++;
		if (!*p)
			break;
		size_t k = strcspn(p, "\\/");
		if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
			return gi_error_set(err, -EINVAL, "path '%s' holds '.' or '..'", val);
		if (n + k + 2 > cap)
			return gi_error_set(err, -ENAMETOOLONG, "path '%s' is too long", val);
		if (n)
			sub[n++] = '/';
		memcpy(sub + n, p, k);
		n += k;
		sub[n] = '\0';
		p += k;
	}
	return 0;
}

int p9_export_parse(const char *spec, struct p9_export *out, struct gi_error *err)
{
	char letter = (char)tolower((unsigned char)spec[0]);
	if (!(letter >= 'a' && letter <= 'z') || spec[1] != '=' || !spec[2])
		return gi_error_set(err, -EINVAL, "%s: not LETTER=DIR", spec);
	struct stat st;
	if (stat(spec + 2, &st) < 0 || !S_ISDIR(st.st_mode))
		return gi_error_set(err, -EINVAL, "%s: %s is not a folder", spec, spec + 2);
	char *dir = realpath(spec + 2, NULL);
	if (!dir)
		return gi_error_set(err, -errno, "%s: %s", spec, strerror(errno));
	*out = (struct p9_export){ letter, dir };
	return 0;
}

/* The drive's own folder is the host's configuration, opened as given; the folder within it
 * comes from the guest, so it is stepped into one name at a time and never through a
 * symlink: path=C:\\link\\ with link -> /etc stays on the share. */
static int open_root(struct p9_view *v, const char *drive_dir, const char *sub)
{
	int fd = open(drive_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	v->drive_dev = st.st_dev;
	v->drive_ino = st.st_ino;
	for (const char *p = sub; *p;) {
		size_t k = strcspn(p, "/");
		char name[NAME_MAX + 1];
		if (k > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(name, p, k);
		name[k] = '\0';
		int next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (next < 0)
			return e == ELOOP ? -ENOTDIR : -e;
		fd = next;
		p += k;
		if (*p == '/')
			p++;
	}
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	v->root_dev = st.st_dev;
	v->root_ino = st.st_ino;
	v->root_fd = fd;
	return 0;
}

int p9_view_open(const char *aname, size_t len, const struct p9_export *ex, size_t nex, bool native,
		 struct p9_view **out, struct gi_error *err)
{
	*out = NULL;
	char *text = strndup(aname, len);
	struct p9_view *v = calloc(1, sizeof(*v));
	if (!text || !v) {
		free(text);
		free(v);
		return gi_error_set(err, -ENOMEM, "out of memory");
	}
	v->root_fd = -1;
	v->refs = 1;
	mode_t umask_v = 0, fmask_v = 0, dmask_v = 0;
	bool has_path = false, masks_given = false;
	char letter = 0, sub[PATH_MAX] = "";
	int r = 0;

	/* "drvfs;opt;opt=val;..." — the leading word names the convention; a bare folder name
	 * (what plain `mount -t 9p` sends by default) is ignored like an empty aname. */
	char *save = NULL;
	bool first = true;
	for (char *tok = strtok_r(text, ";", &save); tok; tok = strtok_r(NULL, ";", &save), first = false) {
		if (first && (!strcmp(tok, "drvfs") || tok[0] == '/'))
			continue;
		if (native) { /* the files as they are: no drvfs option means anything here */
			if (first && !strcmp(tok, "native"))
				continue;
			r = gi_error_set(err, -EOPNOTSUPP, "option '%s' is not supported by this server (it serves its files "
							   "as they are)", tok);
			goto out;
		}
		char *eq = strchr(tok, '=');
		char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		unsigned u;
		if (!strcmp(tok, "path") && val) {
			if ((r = parse_path(val, &letter, sub, sizeof(sub), err)) < 0)
				goto out;
			has_path = true;
		} else if (!strcmp(tok, "metadata") && !val) {
			v->metadata = true;
		} else if ((!strcmp(tok, "uid") || !strcmp(tok, "gid")) && val) {
			if (!number(val, 10, 0xfffffffeu, &u)) {
				r = gi_error_set(err, -EINVAL, "option '%s=%s': not a number", tok, val);
				goto out;
			}
			*(tok[0] == 'u' ? &v->uid : &v->gid) = u;
		} else if ((!strcmp(tok, "umask") || !strcmp(tok, "fmask") || !strcmp(tok, "dmask")) && val) {
			if (!number(val, 8, 0777, &u)) {
				r = gi_error_set(err, -EINVAL, "option '%s=%s': not an octal mask of at most 777", tok, val);
				goto out;
			}
			*(tok[0] == 'u' ? &umask_v : tok[0] == 'f' ? &fmask_v : &dmask_v) = u;
			masks_given = true;
		} else if (!strcmp(tok, "case") && val) {
			if (!strcmp(val, "off"))
				v->case_mode = P9_CASE_OFF;
			else if (!strcmp(val, "dir") || !strcmp(val, "force")) /* force: WSL makes it dir too */
				v->case_mode = P9_CASE_DIR;
			else {
				r = gi_error_set(err, -EINVAL, "option 'case=%s': use off or dir", val);
				goto out;
			}
		} else if (!strcmp(tok, "symlinkroot") && val) {
			if (val[0] != '/' || strlen(val) >= sizeof(v->symlinkroot)) {
				r = gi_error_set(err, -EINVAL, "option 'symlinkroot=%s': not an absolute path", val);
				goto out;
			}
			snprintf(v->symlinkroot, sizeof(v->symlinkroot), "%s", val);
		} else {
			r = gi_error_set(err, -EOPNOTSUPP, "option '%s%s%s' is not supported by this server", tok,
				 val ? "=" : "", val ? val : "");
			goto out;
		}
	}
	v->native = native;
	v->fmask = umask_v | fmask_v;
	v->dmask = umask_v | dmask_v;
	if (!masks_given) /* WSL's default: rwxr-xr-x */
		v->fmask = v->dmask = 022;

	const struct p9_export *e = NULL;
	if (has_path) {
		for (size_t i = 0; i < nex; i++)
			if (ex[i].letter == letter)
				e = &ex[i];
		if (!e) {
			r = gi_error_set(err, -ENOENT, "drive %c: is not shared by this host", toupper((unsigned char)letter));
			goto out;
		}
	} else if (nex == 1) {
		e = &ex[0];
	} else {
		r = gi_error_set(err, -EINVAL, "no path= in aname, and this server shares %zu folders: name one", nex);
		goto out;
	}
	v->letter = e->letter;
	snprintf(v->drive_root, sizeof(v->drive_root), "%s", e->dir);
	/* for messages only: nothing resolves it, so a long one is merely shortened */
	snprintf(v->root, sizeof(v->root), "%.*s%s%s", (int)(sizeof(v->root) / 2), e->dir, sub[0] ? "/" : "", sub);
	if ((r = open_root(v, e->dir, sub)) < 0) {
		for (char *p = sub; *p; p++) /* as the guest wrote it */
			if (*p == '/')
				*p = '\\';
		gi_error_set(err, r, "%c:\\%s is not a folder on the host: %s", toupper((unsigned char)e->letter), sub,
		     strerror(-r));
		goto out;
	}
out:
	free(text);
	if (r < 0) {
		p9_view_put(v);
		return r;
	}
	*out = v;
	return 0;
}

void p9_view_put(struct p9_view *v)
{
	if (!v || --v->refs)
		return;
	if (v->root_fd >= 0)
		close(v->root_fd);
	free(v);
}

void p9_view_present(const struct p9_view *v, int fd, struct stat *st)
{
	if (v->native)
		return;
	mode_t type = st->st_mode & S_IFMT;
	mode_t perm = S_ISLNK(st->st_mode) ? 0777 : S_ISDIR(st->st_mode) ? 0777 & ~v->dmask : 0777 & ~v->fmask;
	uid_t uid = v->uid;
	gid_t gid = v->gid;
	if (v->metadata) {
		struct p9_meta m;
		p9_meta_get(fd, type, &m);
		if (m.has_mode) {
			perm = m.mode & 07777;
			/* a special file made by mknod is a plain host file that remembers its type */
			mode_t t = m.mode & S_IFMT;
			if (S_ISREG(st->st_mode) && (S_ISFIFO(t) || S_ISSOCK(t) || S_ISCHR(t) || S_ISBLK(t))) {
				type = t;
				st->st_size = 0;
				st->st_rdev = m.has_dev ? makedev(m.major, m.minor) : 0;
			}
		}
		if (m.has_uid)
			uid = m.uid;
		if (m.has_gid)
			gid = m.gid;
	}
	st->st_mode = type | perm;
	st->st_uid = uid;
	st->st_gid = gid;
}
