/* wslpath: the command, and its translation for the other users of it (the interop client's
 * cwd, WSLENV's path lists). */
#ifndef GUESTINIT_INTEROP_WSLPATH_H
#define GUESTINIT_INTEROP_WSLPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "winpath.h"

enum wslpath_mode { WSLPATH_TO_LINUX, WSLPATH_TO_WINDOWS, WSLPATH_TO_MIXED };

/* The guest's drive mounts and the distribution's name. */
void wslpath_table_load(struct winpath_table *t);
/* What `wslpath [-a] -u|-w|-m in` prints. 0 or -errno. */
int wslpath_translate(const struct winpath_table *t, enum wslpath_mode mode, bool absolute, const char *in, char *out,
		      size_t cap);

int wslpath_main(int argc, char **argv);

#endif
