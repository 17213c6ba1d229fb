/* The boot's utmp records and the runlevel command (the layout is lib/base/utmp_file.h). */
#include "utmp_records.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "utmp_file.h"

int utmp_write_boot(const char *utmp_path, const char *wtmp_path, char runlevel)
{
	struct utmp_record recs[2];
	utmp_fill(&recs[0], UT_BOOT_TIME, 0, "~", "~~", "reboot", NULL);
	/* sysvinit's encoding: pid = previous * 256 + current; previous 0 prints as 'N' */
	utmp_fill(&recs[1], UT_RUN_LVL, (int32_t)(unsigned char)runlevel, "~", "~~", "runlevel", NULL);
	int r = utmp_append(utmp_path, recs, 2, 1);
	if (wtmp_path && access(wtmp_path, W_OK) == 0)
		utmp_append(wtmp_path, recs, 2, 0);
	return r;
}

int utmp_read_runlevel(const char *utmp_path, char *prev, char *cur)
{
	_cleanup_close_ int fd = open(utmp_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct utmp_record r;
	bool found = false;
	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		if (r.type == UT_RUN_LVL) {
			int p = (r.pid >> 8) & 0xff, c = r.pid & 0xff;
			*prev = p ? (char)p : 'N';
			*cur = c ? (char)c : 'N';
			found = true;
		}
	return found ? 0 : -ENOENT;
}

int runlevel_main(int argc, char **argv)
{
	const char *path = UTMP_PATH;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: runlevel [UTMP]\n");
		return argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 1;
	}
	if (argc == 2)
		path = argv[1];
	char prev, cur;
	if (utmp_read_runlevel(path, &prev, &cur) < 0) {
		puts("unknown"); /* what sysvinit's runlevel prints */
		return 1;
	}
	printf("%c %c\n", prev, cur);
	return 0;
}
