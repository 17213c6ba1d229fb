/* The text form of the records under /run/guestinit: one "key=value" line per field, so that
 * a shell reads them with sed. Each record's own module (one struct, one pack and one unpack)
 * builds on these two helpers; nothing else parses a record's lines. */
#ifndef GUESTINIT_BASE_KVTEXT_H
#define GUESTINIT_BASE_KVTEXT_H

#include <stdbool.h>
#include <stddef.h>

struct kv_writer {
	char *buf;
	size_t cap, len;
	bool overflow; /* sticky: a line did not fit (the record is then not written) */
};

/* key=value\n, the value printf-formatted; a value must not hold a newline (it is cut there). */
void kv_put(struct kv_writer *w, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The next line of *cursor (text modified in place): 1 with key and value, 0 at the end.
 * A line without '=' is skipped. */
int kv_next(char **cursor, char **key, char **value);
/* value into out (cap bytes): 0, or -ENAMETOOLONG if it does not fit (out is then ""). */
int kv_copy(char *out, size_t cap, const char *value);

#endif
