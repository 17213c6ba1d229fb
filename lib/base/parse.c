/* Checked number parsing (see parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int parse_uint_prefix(const char *s, int base, uint64_t max, uint64_t *out, const char **end)
{
	/* strtoull skips blanks and takes a sign: refuse both, and a prefix-only "0x" */
	if (!s || !isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		return -EINVAL;
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, base);
	if (e == s)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	if (end)
		*end = e;
	return 0;
}

int parse_uint(const char *s, int base, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int r = parse_uint_prefix(s, base, max, &v, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, int base, uint32_t *out)
{
	uint64_t v;
	int r = parse_uint(s, base, UINT32_MAX, &v);
	if (r == 0)
		*out = (uint32_t)v;
	return r;
}
