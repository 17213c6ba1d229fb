/* Service names (see svc_names.h). */
#include "svc_names.h"

#include <errno.h>
#include <string.h>

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

bool svc_name_of_unit_file(const char *file, char *name, size_t cap)
{
	size_t l = strlen(file);
	if (l <= 8 || l > SVC_NAME_MAX || strcmp(file + l - 8, ".service") || strchr(file, '@') || l - 8 >= cap)
		return false;
	memcpy(name, file, l - 8);
	name[l - 8] = '\0';
	return true;
}
