/* String tables (see strtab.h). */
#include "strtab.h"

#include <errno.h>
#include <string.h>

const char *strtab_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

int strtab_lookup(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -EINVAL;
}
