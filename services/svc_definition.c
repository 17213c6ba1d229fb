/* Finding a service's definition (see svc_definition.h). */
#include "svc_definition.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "svc_names.h"

void svc_each_wanted_unit(void (*each)(void *ctx, const char *name, const char *link), void *ctx)
{
	static const char *const wants[] = { "/etc/systemd/system/multi-user.target.wants",
					     "/etc/systemd/system/default.target.wants",
					     "/etc/systemd/system/graphical.target.wants" };
	for (size_t d = 0; d < sizeof(wants) / sizeof(wants[0]); d++) {
		_cleanup_closedir_ DIR *dh = opendir(wants[d]);
		if (!dh)
			continue;
		struct dirent *de;
		while ((de = readdir(dh))) {
			char nm[SVC_NAME_MAX + 1], link[PATH_MAX];
			if (!svc_name_of_unit_file(de->d_name, nm, sizeof(nm)))
				continue;
			snprintf(link, sizeof(link), "%s/%s", wants[d], de->d_name);
			each(ctx, nm, link);
		}
	}
}

bool svc_has_initd(const char *root, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s" INITD_DIR "/%s", root, name);
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

enum svc_kind svc_resolve_unit(const char *root, const char *name, struct unit *u, char *path, size_t cap,
			       unit_warn_fn warn, void *ctx)
{
	int r = unit_load(root, name, u, path, cap, warn, ctx);
	bool script = svc_has_initd(root, name);
	if (r > 0 && !(u->use_init_script && script))
		return SVC_UNIT;
	unit_free(u);
	path[0] = '\0';
	return script ? SVC_INITD : SVC_NONE;
}

enum svc_kind svc_resolve(const char *root, const char *name)
{
	struct unit u;
	char path[PATH_MAX];
	enum svc_kind k = svc_resolve_unit(root, name, &u, path, sizeof(path), NULL, NULL);
	unit_free(&u);
	return k;
}

static unsigned long long mix(unsigned long long h, const struct stat *st)
{
	unsigned long long v[] = { (unsigned long long)st->st_ino, (unsigned long long)st->st_size,
				   (unsigned long long)st->st_mtim.tv_sec, (unsigned long long)st->st_mtim.tv_nsec,
				   (unsigned long long)st->st_mode };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		h = (h ^ v[i]) * 1099511628211ULL;
	return h;
}

unsigned long long svc_definition_stamp(const char *root, const char *name)
{
	unsigned long long h = 1469598103934665603ULL;
	struct stat st;
	char p[PATH_MAX];
	for (size_t d = 0; d < unit_ndirs; d++) {
		snprintf(p, sizeof(p), "%s%s/%s.service", root, unit_dirs[d], name);
		h = lstat(p, &st) == 0 ? mix(h, &st) : h * 31;
		if (stat(p, &st) == 0) /* a link's target edited in place */
			h = mix(h, &st);
		snprintf(p, sizeof(p), "%s%s/%s.socket", root, unit_dirs[d], name);
		h = stat(p, &st) == 0 ? mix(h, &st) : h * 31;
		snprintf(p, sizeof(p), "%s%s/%s.service.d", root, unit_dirs[d], name);
		DIR *dh = opendir(p);
		if (!dh) {
			h *= 31;
			continue;
		}
		struct dirent *e;
		while ((e = readdir(dh)))
			if (fstatat(dirfd(dh), e->d_name, &st, 0) == 0 && e->d_name[0] != '.')
				h = mix(h, &st);
		closedir(dh);
	}
	snprintf(p, sizeof(p), "%s" INITD_DIR "/%s", root, name);
	return stat(p, &st) == 0 ? mix(h, &st) : h * 31;
}
