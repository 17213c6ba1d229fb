/* libFuzzer target: any bytes as a unit file must parse without a crash, a hang, a leak or a
 * sanitizer report, into a unit the supervisor can use or one refused with a reason. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "unitfile.h"

static void quiet(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx, (void)file, (void)line, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unit u;
	unit_init(&u);
	unit_parse_text(&u, "fuzz.service", (const char *)data, size, quiet, NULL);
	/* a second file on the same unit, as a drop-in is */
	unit_parse_text(&u, "fuzz.conf", (const char *)data, size / 2, quiet, NULL);
	unit_finish(&u, "fuzz");
	/* invariants the supervisor relies on */
	if (!u.refused) {
		if (u.type != UNIT_ONESHOT && u.start.n != 1)
			__builtin_trap();
		for (size_t i = 0; i < u.start.n; i++)
			if (!u.start.v[i].argv || !u.start.v[i].argv[0])
				__builtin_trap();
	}
	if (u.umask > 0777 || u.kill_signal <= 0 || u.nprevent > UNIT_MAX_STATUS || u.nsuccess > UNIT_MAX_STATUS)
		__builtin_trap();
	unit_free(&u);
	return 0;
}
