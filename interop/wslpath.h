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
/* The same, the mounts only when mounts: a caller that knows no path it translates is on a
 * 9p file system (every drive is one) skips reading mountinfo. */
void wslpath_table_load_some(struct winpath_table *t, bool mounts);
/* Whether path is on a 9p file system, where every drive is (false when it cannot be told). */
bool wslpath_on_9p(const char *path);
/* What `wslpath [-a] -u|-w|-m in` prints. 0 or -errno. */
int wslpath_translate(const struct winpath_table *t, enum wslpath_mode mode, bool absolute, const char *in, char *out,
		      size_t cap);

int wslpath_main(int argc, char **argv);

#endif
