/* The registry of distributions (see distro.h). */
#include "distro.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "kvtext.h"
#include "parse.h"
#include "readfile.h"
#include "state.h"

#define REGISTRY "distributions"
#define DEFAULT_FILE "default-distribution"

int distro_name_check(const char *name, struct gi_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > DISTRO_NAME_MAX)
		return gi_error_set(err, EINVAL, "'%s': a distribution's name has 1 to %d characters", name, DISTRO_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_'))
			return gi_error_set(err, EINVAL,
					    "'%s': a distribution's name holds only letters, digits, '.', '-' and '_'", name);
	}
	if (name[0] == '.' || name[0] == '-')
		return gi_error_set(err, EINVAL, "'%s': a distribution's name does not begin with '.' or '-'", name);
	return 0;
}

int distro_state_dir(const struct gh *root, const char *name, char *out, size_t cap, struct gi_error *err)
{
	if ((size_t)snprintf(out, cap, "%s/" REGISTRY "/%s", root->state, name) >= cap ||
	    strlen(out) + 1 + STATE_NAME_MAX >= sizeof(root->state))
		return gi_error_set(err, ENAMETOOLONG, "the state folder's path is too long for distribution %s", name);
	return 0;
}

static void builtin(const struct gh *root, struct distro *d)
{
	*d = (struct distro){ .version = 2, .builtin = true, .g = *root };
	snprintf(d->name, sizeof(d->name), "%s", DISTRO_BUILTIN);
}

int distro_record_read(const struct gh *g, struct distro *d, struct gi_error *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(state_file(g, DISTRO_RECORD, path), 16384, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return gi_error_errno(err, -r, "cannot read %s", path);
	*d = (struct distro){ .version = 2, .g = *g };
	char *cur = text, *key, *val;
	uint64_t v;
	while (kv_next(&cur, &key, &val) > 0) {
		if (!strcmp(key, "name"))
			r = kv_copy(d->name, sizeof(d->name), val);
		else if (!strcmp(key, "base"))
			r = kv_copy(d->base, sizeof(d->base), val);
		else if (!strcmp(key, "disk"))
			r = kv_copy(d->disk, sizeof(d->disk), val);
		else if (!strcmp(key, "version") && parse_uint(val, 10, 2, &v) == 0)
			d->version = (unsigned)v;
		if (r < 0)
			return gi_error_errno(err, -r, "%s: the value of %s", path, key);
	}
	if (!d->name[0] || !d->disk[0])
		return gi_error_set(err, EINVAL, "%s names no distribution or no disk", path);
	return 1;
}

int distro_record_write(const struct gh *g, const struct distro *d, struct gi_error *err)
{
	char buf[3 * PATH_MAX], path[PATH_MAX];
	struct kv_writer w = { .buf = buf, .cap = sizeof(buf) };
	kv_put(&w, "name", "%s", d->name);
	kv_put(&w, "base", "%s", d->base);
	kv_put(&w, "disk", "%s", d->disk);
	kv_put(&w, "version", "%u", d->version);
	if (w.overflow)
		return gi_error_set(err, ENAMETOOLONG, "the record of distribution %s is too long", d->name);
	int r = atomic_write(state_file(g, DISTRO_RECORD, path), buf, w.len, 0600, true);
	return r < 0 ? gi_error_errno(err, -r, "cannot write %s", path) : 0;
}

void distro_default(const struct gh *root, char *out, size_t cap)
{
	char name[DISTRO_NAME_MAX + 2];
	struct distro d;
	struct gi_error ignored = GI_ERROR_INIT;
	if (state_read_line(root, DEFAULT_FILE, name, sizeof(name)) && name[0] && strcasecmp(name, DISTRO_BUILTIN) &&
	    distro_find(root, name, &d, &ignored) == 0) {
		snprintf(out, cap, "%s", d.name);
		return;
	}
	snprintf(out, cap, "%s", DISTRO_BUILTIN);
}

int distro_set_default(const struct gh *root, const char *name, struct gi_error *err)
{
	struct distro d;
	int r = distro_find(root, name, &d, err);
	if (r < 0)
		return r;
	if ((r = state_create(root, err)) < 0)
		return r;
	char text[DISTRO_NAME_MAX + 2];
	snprintf(text, sizeof(text), "%s\n", d.name);
	return state_write(root, DEFAULT_FILE, text, 0644, err);
}

static int one_imported(const struct gh *root, const char *entry, struct distro *d, struct gi_error *err)
{
	char dir[PATH_MAX];
	int r = distro_state_dir(root, entry, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	struct gh g = *root;
	snprintf(g.state, sizeof(g.state), "%s", dir);
	r = distro_record_read(&g, d, err);
	if (r == 0)
		return gi_error_set(err, ENOENT, "%s has no record", dir); /* an import on its way, or a killed one */
	if (r > 0 && strcmp(d->name, entry))
		return gi_error_set(err, EINVAL, "%s/%s names the distribution %s", dir, DISTRO_RECORD, d->name);
	return r < 0 ? r : 0;
}

int distro_find(const struct gh *root, const char *name, struct distro *d, struct gi_error *err)
{
	if (!strcasecmp(name, DISTRO_BUILTIN)) {
		builtin(root, d);
		return 0;
	}
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/" REGISTRY, root->state);
	_cleanup_closedir_ DIR *dp = opendir(dir);
	struct dirent *e;
	while (dp && (e = readdir(dp))) {
		if (e->d_name[0] == '.' || strcasecmp(e->d_name, name))
			continue;
		struct gi_error why = GI_ERROR_INIT;
		if (one_imported(root, e->d_name, d, &why) == 0)
			return 0;
	}
	return gi_error_set(err, ENOENT, "There is no distribution with the supplied name.");
}

/* An import holds its registry folder's lock until the record is written (wsl_disk.c). */
static bool importing(const char *registry, const char *name)
{
	char lock[PATH_MAX + 300];
	snprintf(lock, sizeof(lock), "%s/%s/lock", registry, name);
	_cleanup_close_ int fd = open(lock, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static int by_name(const void *a, const void *b)
{
	return strcasecmp(((const struct distro *)a)->name, ((const struct distro *)b)->name);
}

int distro_list(const struct gh *root, struct distro *out, size_t *n, struct gi_error *err)
{
	(void)err;
	char def[DISTRO_NAME_MAX + 1], dir[PATH_MAX + 32];
	distro_default(root, def, sizeof(def));
	size_t k = 0;
	builtin(root, &out[k++]);
	snprintf(dir, sizeof(dir), "%s/" REGISTRY, root->state);
	_cleanup_closedir_ DIR *dp = opendir(dir);
	struct dirent *e;
	while (dp && (e = readdir(dp)) && k < DISTRO_MAX) {
		if (e->d_name[0] == '.')
			continue;
		struct gi_error why = GI_ERROR_INIT;
		if (one_imported(root, e->d_name, &out[k], &why) == 0)
			k++;
		else if (why.code == ENOENT && importing(dir, e->d_name)) /* WSL lists it as Installing */
			out[k++] = (struct distro){ .version = 2, .installing = true };
		else if (why.code != ENOENT) /* ENOENT: what a killed import left, taken over by the next */
			fprintf(stderr, "wsl: skipping %s/%s: %s\n", dir, e->d_name, why.msg);
		if (k && out[k - 1].installing && !out[k - 1].name[0]) {
			snprintf(out[k - 1].name, sizeof(out[k - 1].name), "%.64s", e->d_name);
			out[k - 1].g = *root;
			distro_state_dir(root, e->d_name, out[k - 1].g.state, sizeof(out[k - 1].g.state), &why);
		}
	}
	qsort(out, k, sizeof(*out), by_name);
	for (size_t i = 0; i < k; i++) /* the default first, as WSL lists it */
		if (!strcmp(out[i].name, def) && i > 0) {
			struct distro t = out[i];
			memmove(&out[1], &out[0], i * sizeof(*out));
			out[0] = t;
			break;
		}
	*n = k;
	return 0;
}

bool distro_running(const struct distro *d)
{
	return state_read_pid(&d->g, "qemu.pid") != 0;
}
