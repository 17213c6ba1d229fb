/* Service names and their resolution. */
#include "svc_names.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unitfile.h"

int svc_name_check(const char *name, const char **why)
{
	size_t n = strlen(name);
	if (n == 0)
		*why = "it is empty";
	else if (n > SVC_NAME_MAX)
		*why = "it is longer than 255 bytes";
	else if (strchr(name, '/'))
		*why = "it holds a '/'";
	else if (!strcmp(name, ".") || !strcmp(name, "..") || strstr(name, ".."))
		*why = "it holds '..'";
	else {
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
				*why = "it holds a control character";
				return -EINVAL;
			}
		return 0;
	}
	return -EINVAL;
}

void svc_name_strip(char *name)
{
	size_t n = strlen(name);
	if (n > 8 && !strcmp(name + n - 8, ".service"))
		name[n - 8] = '\0';
}

bool svc_has_initd(const char *root, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s" INITD_DIR "/%s", root, name);
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

enum svc_kind svc_resolve(const char *root, const char *name)
{
	struct unit u;
	char path[PATH_MAX];
	int r = unit_load(root, name, &u, path, sizeof(path), NULL, NULL);
	bool prefer_script = r > 0 && u.use_init_script;
	unit_free(&u);
	if (r > 0 && !(prefer_script && svc_has_initd(root, name)))
		return SVC_UNIT;
	return svc_has_initd(root, name) ? SVC_INITD : SVC_NONE;
}
