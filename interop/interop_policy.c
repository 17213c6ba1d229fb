/* The interop policy (see policy.h). */
#include "interop_policy.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wslconf.h"

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg; /* PID 1 named the file's problems at boot */
}

static bool in_group(const struct passwd *pw, gid_t gid)
{
	if (pw->pw_gid == gid)
		return true;
	int n = 64;
	for (int tries = 0; tries < 4; tries++) {
		gid_t *groups = calloc((size_t)n, sizeof(gid_t));
		if (!groups)
			return false;
		int got = n;
		int r = getgrouplist(pw->pw_name, pw->pw_gid, groups, &got);
		if (r >= 0) {
			bool found = false;
			for (int i = 0; i < got && !found; i++)
				found = groups[i] == gid;
			free(groups);
			return found;
		}
		free(groups);
		n = got > n ? got : n * 4;
	}
	return false;
}

int interop_may_run(const char *conf_path, uid_t uid, char *why, size_t cap)
{
	static struct wsl_conf conf;
	wslconf_defaults(&conf);
	wslconf_load_file(&conf, conf_path, quiet, NULL);
	if (!conf.interop.enabled) {
		snprintf(why, cap, "interop: running host programs is disabled ([interop] enabled=false in %s)", conf_path);
		return -EPERM;
	}
	if (!conf.interop.allow_group[0] || uid == 0)
		return 0;
	const char *group = conf.interop.allow_group;
	struct group *gr = getgrnam(group);
	if (!gr) {
		snprintf(why, cap, "interop: group %s ([interop] allowGroup in %s) does not exist: only root may run host programs",
			 group, conf_path);
		return -EACCES;
	}
	gid_t gid = gr->gr_gid;
	struct passwd *pw = getpwuid(uid);
	if (!pw) {
		snprintf(why, cap, "interop: uid %u is not in group %s", (unsigned)uid, group);
		return -EACCES;
	}
	if (!in_group(pw, gid)) {
		snprintf(why, cap, "interop: %s is not in group %s", pw->pw_name, group);
		return -EACCES;
	}
	return 0;
}
