/* The utmp records that say "the system booted and is in runlevel 2": runlevel(8), who -r and
 * Debian's invoke-rc.d read them, and without them `apt install` starts no service. */
#ifndef GUESTINIT_INIT_UTMP_RECORDS_H
#define GUESTINIT_INIT_UTMP_RECORDS_H

#include "utmp_file.h"

/* Writes BOOT_TIME and RUN_LVL (runlevel) records to utmp, and appends them to wtmp if that
 * exists. 0 or -errno. */
int utmp_write_boot(const char *utmp_path, const char *wtmp_path, char runlevel);

/* Reads the last RUN_LVL record: *prev is 'N' when there was none. 0, -ENOENT or -errno. */
int utmp_read_runlevel(const char *utmp_path, char *prev, char *cur);

int runlevel_main(int argc, char **argv);

#endif
