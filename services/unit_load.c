/* Finding a unit's files: NAME.service in the unit directories, highest priority first, a
 * mask (a link to /dev/null), and the drop-ins of every directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "readfile.h"
#include "unit_keys.h"

const char *const unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
				  "/usr/lib/systemd/system" };
const size_t unit_ndirs = ARRAY_SIZE(unit_dirs);

#define UNIT_MAX_FILE (1 << 20)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Drop-ins: NAME.service.d/ *.conf files from every directory, sorted by file name; a name in a
 * higher-priority directory hides the same name below it. */
static void load_dropins(const char *root, const char *name, struct unit *u, unit_warn_fn warn, void *ctx)
{
	char *names[64], *paths[64];
	size_t n = 0;
	for (size_t d = 0; d < unit_ndirs; d++) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s%s/%s.service.d", root, unit_dirs[d], name);
		DIR *dh = opendir(dir);
		if (!dh)
			continue;
		struct dirent *e;
		while ((e = readdir(dh)) && n < ARRAY_SIZE(names)) {
			size_t l = strlen(e->d_name);
			if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
				continue;
			bool hidden = false;
			for (size_t i = 0; i < n; i++)
				hidden |= !strcmp(names[i], e->d_name);
			if (hidden)
				continue;
			char p[PATH_MAX + NAME_MAX + 2];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			names[n] = strdup(e->d_name);
			paths[n] = strdup(p);
			if (!names[n] || !paths[n]) {
				free(names[n]), free(paths[n]);
				break;
			}
			n++;
		}
		closedir(dh);
	}
	/* sort by file name, carrying the paths along */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_str(&names[j - 1], &names[j]) > 0; j--) {
			char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
			t = paths[j]; paths[j] = paths[j - 1]; paths[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		char *text;
		size_t len;
		if (read_file(paths[i], UNIT_MAX_FILE, &text, &len) == 0) {
			unit_parse_text(u, paths[i], text, len, warn, ctx);
			free(text);
		} else if (warn) {
			warn(ctx, paths[i], 0, "cannot be read, ignored");
		}
		free(names[i]), free(paths[i]);
	}
}

/* NAME.socket, the first found as for the service; one linked to /dev/null is no socket */
static void load_socket(const char *root, const char *name, struct unit *u, unit_warn_fn warn, void *ctx)
{
	for (size_t d = 0; d < unit_ndirs; d++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s/%s.socket", root, unit_dirs[d], name);
		char *text;
		size_t len;
		if (read_file(p, UNIT_MAX_FILE, &text, &len) < 0)
			continue;
		free(u->socket_file);
		u->socket_file = strdup(p + strlen(root));
		if (!u->socket_file)
			unit_refuse(u, "out of memory reading its socket%s", "");
		else if (len)
			unit_parse_text(u, p, text, len, warn, ctx);
		else {
			free(u->socket_file); /* an empty file, as /dev/null reads: masked */
			u->socket_file = NULL;
		}
		free(text);
		return;
	}
}

int unit_load(const char *root, const char *name, struct unit *u, char *path, size_t pathcap, unit_warn_fn warn,
	      void *ctx)
{
	unit_init(u);
	for (size_t d = 0; d < unit_ndirs; d++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s/%s.service", root, unit_dirs[d], name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		snprintf(path, pathcap, "%s", p);
		char target[PATH_MAX];
		ssize_t tl = S_ISLNK(st.st_mode) ? readlink(p, target, sizeof(target) - 1) : -1;
		if (tl > 0) {
			target[tl] = '\0';
			if (!strcmp(target, "/dev/null")) {
				u->masked = true;
				unit_refuse(u, "it is masked (%s.service links to /dev/null); remove that link to unmask it", name);
				return 1;
			}
		}
		char *text;
		size_t len;
		int r = read_file(p, UNIT_MAX_FILE, &text, &len);
		if (r < 0)
			return r;
		unit_parse_text(u, p, text, len, warn, ctx);
		free(text);
		load_dropins(root, name, u, warn, ctx);
		load_socket(root, name, u, warn, ctx);
		unit_finish(u, name);
		return 1;
	}
	return 0;
}
