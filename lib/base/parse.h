/* Numbers from text, checked the one way: the whole string, digits only (no sign, no
 * leading blank), within [0, max]. strtoul alone accepts " -1" as a huge number. */
#ifndef GUESTINIT_BASE_PARSE_H
#define GUESTINIT_BASE_PARSE_H

#include <stdint.h>

/* base 10, 8 or 16 (0: C's prefixes). 0, -EINVAL (not a number) or -ERANGE (over max). */
int parse_uint(const char *s, int base, uint64_t max, uint64_t *out);
int parse_u32(const char *s, int base, uint32_t *out);
/* A leading number of s (a field of a line): as parse_uint, but it ends at the first
 * character that is not a digit; *end points there. */
int parse_uint_prefix(const char *s, int base, uint64_t max, uint64_t *out, const char **end);

#endif
