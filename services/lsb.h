/* LSB init script headers ("### BEGIN INIT INFO" ... "### END INIT INFO"), parsed as Debian's
 * insserv reads them: "# Keyword: words", continuation lines for Description. Pure: text in,
 * struct out, so it is unit-tested and fuzzed. */
#ifndef GUESTINIT_SERVICES_LSB_H
#define GUESTINIT_SERVICES_LSB_H

#include <stdbool.h>
#include <stddef.h>

#include "unitfile.h"

struct lsb_info {
	bool found;                         /* the script has a header block */
	struct unit_strv provides, required_start, required_stop, should_start, should_stop;
	struct unit_strv start_before, stop_after;
	unsigned default_start, default_stop; /* bit N: runlevel N (0-6); bit 7: S */
	char *short_description;
};

void lsb_parse(const char *text, size_t len, struct lsb_info *out);
/* Reads the first 64 KiB of path; false when it cannot be read. */
bool lsb_parse_file(const char *path, struct lsb_info *out);
void lsb_free(struct lsb_info *l);

#endif
