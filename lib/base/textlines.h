/* Walking a text buffer by physical lines, for the config and unit file readers. */
#ifndef GUESTINIT_TEXTLINES_H
#define GUESTINIT_TEXTLINES_H

#include <stddef.h>

struct text_lines {
	const char *buf;
	size_t len, pos;
	unsigned line; /* physical lines consumed so far */
};

/* The next line without its end ("\n" or "\r\n"; a UTF-8 byte order mark before the first
 * line is dropped): sets *start and returns its length, or -1 at the end. */
long text_next_line(struct text_lines *t, const char **start);

#endif
