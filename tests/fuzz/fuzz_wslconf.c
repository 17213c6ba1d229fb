/* libFuzzer target: any bytes as /etc/wsl.conf must load without a crash, a hang or a sanitizer
 * report, and leave a fully set configuration. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wslconf.h"

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsl_conf c;
	wslconf_load_buffer(&c, "fuzz", (const char *)data, size, quiet, NULL);
	/* invariants the rest of guestinit relies on */
	if (c.automount.root[0] != '/' || c.filesystem.umask > 0777 || c.guestinit.shutdown_timeout_ms < 0 ||
	    memchr(c.boot.command, '\0', sizeof(c.boot.command)) == NULL)
		__builtin_trap();
	return 0;
}
