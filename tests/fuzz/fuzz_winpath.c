/* libFuzzer target for the path translation: the input as a Windows path, as a guest path and
 * as a mountinfo text, with buffers of every size. Nothing may overrun, and a guest path that
 * translates to Windows and back comes back the same (escapes included). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "winpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	static struct winpath_table t;
	memset(&t, 0, sizeof(t));
	strcpy(t.distro, "Debian");
	winpath_table_add(&t, "C:\\", "/mnt/c");
	winpath_table_add(&t, "D:\\data", "/srv/d");
	char out[PATH_MAX * 2], back[PATH_MAX * 2];
	size_t cap = size % 64 + 1; /* small buffers too */
	winpath_to_linux(&t, in, out, cap);
	winpath_to_linux(&t, in, out, sizeof(out));
	winpath_to_windows(&t, in, size & 1, out, cap);
	/* a guest name that already holds U+F000-U+F0FF reads back as the character it stands for
	 * (WSL's escape has the same ambiguity): the property holds for the others */
	if (in[0] == '/' && !strstr(in, "//") && !memmem(in, size, "\xef\x80", 2) && !memmem(in, size, "\xef\x81", 2) &&
	    !memmem(in, size, "\xef\x82", 2) && !memmem(in, size, "\xef\x83", 2) && winpath_to_windows(&t, in, false, out, sizeof(out)) == 0 &&
	    winpath_to_linux(&t, out, back, sizeof(back)) == 0) {
		/* a trailing '/' of a mount point's root is the one thing that may be added */
		size_t n = strlen(in);
		if (strcmp(back, in) && !(n && strncmp(back, in, n) == 0 && !strcmp(back + n, "/")))
			abort();
	}
	struct winpath_table m;
	memset(&m, 0, sizeof(m));
	winpath_table_from_mountinfo(&m, in);
	free(in);
	return 0;
}
