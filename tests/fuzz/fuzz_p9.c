/* libFuzzer target for the 9P2000.L decoder: the input is a stream of messages as a client
 * might send them. Whatever decodes must point only inside its own message. */
#include <stdint.h>
#include <string.h>

#include "p9.h"

#define INSIDE(p, n, m, len) ((const uint8_t *)(p) >= (m) && (const uint8_t *)(p) + (n) <= (m) + (len))
#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (size - off >= 4) {
		uint32_t n = p9_msg_size(data + off);
		if (n < 4 || n > size - off)
			n = (uint32_t)(size - off); /* the rest, as a (bad) message of its own */
		const uint8_t *m = data + off;
		struct p9_tmsg t;
		const char *why = NULL;
		if (p9_decode_tmsg(m, n, &t, &why) == 0) {
			if (t.type == P9_TWALK) {
				CHECK(t.walk.nwname <= P9_MAXWELEM);
				for (int i = 0; i < t.walk.nwname; i++) {
					CHECK(INSIDE(t.walk.wname[i].s, t.walk.wname[i].len, m, n));
					CHECK(!memchr(t.walk.wname[i].s, 0, t.walk.wname[i].len));
				}
			}
			if (t.type == P9_TWRITE)
				CHECK(INSIDE(t.write.data, t.write.count, m, n));
			if (t.type == P9_TATTACH)
				CHECK(INSIDE(t.attach.aname.s, t.attach.aname.len, m, n));
		} else {
			CHECK(why != NULL);
		}
		off += n;
	}
	return 0;
}
