/* libFuzzer target: any bytes as mount.drvfs's SOURCE and as its option list must parse or be
 * refused with a message, never crash; what parses must give an aname without the
 * separators that would break the kernel's option string or the server's list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct gi_error err = GI_ERROR_INIT;
	struct drvfs_source s;
	if (drvfs_source_parse(text, &s, &err) == 0) {
		/* a letter a-z, and nothing that would split aname or the kernel's option string */
		if ((s.letter && (s.letter < 'a' || s.letter > 'z')) || strpbrk(s.path, ";,") || strpbrk(s.share, ";,"))
			__builtin_trap();
	} else if (!strstr(err.msg, "mount.drvfs: source")) {
		__builtin_trap();
	}
	struct drvfs_options o = { 0 };
	char aname[1024];
	if (drvfs_options_parse(text, &o, &err) == 0) {
		int n = drvfs_options_aname(&o, aname, sizeof(aname));
		if (n >= 0 && strchr(aname, ','))
			__builtin_trap();
		if (o.umask > 0777 || o.fmask > 0777 || o.dmask > 0777)
			__builtin_trap();
	} else if (!strstr(err.msg, "mount.drvfs:")) {
		__builtin_trap();
	}
	free(text);
	return 0;
}
