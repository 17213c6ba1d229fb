/* Kernel command line parameters. */
#include "cmdline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void cmdline_read(char *buf, size_t cap)
{
	buf[0] = '\0';
	FILE *f = fopen("/proc/cmdline", "re");
	if (!f)
		return;
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
}

int cmdline_param(const char *cmdline, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	for (const char *p = cmdline; (p = strstr(p, key)); p += klen) {
		if ((p != cmdline && p[-1] != ' ') || p[klen] != '=')
			continue; /* part of a longer word, or a longer key */
		const char *v = p + klen + 1;
		size_t n = strcspn(v, " \n");
		if (n >= cap)
			return -ENAMETOOLONG;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}
