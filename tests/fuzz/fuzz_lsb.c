/* libFuzzer target: any bytes as an init script's head must parse without a crash, a leak or
 * a sanitizer report. */
#include <stddef.h>
#include <stdint.h>

#include "lsb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lsb_info l;
	lsb_parse((const char *)data, size, &l);
	if (l.default_start > 0xff || l.default_stop > 0xff)
		__builtin_trap();
	for (size_t i = 0; i < l.provides.n; i++)
		if (!l.provides.v[i] || !l.provides.v[i][0])
			__builtin_trap();
	lsb_free(&l);
	return 0;
}
