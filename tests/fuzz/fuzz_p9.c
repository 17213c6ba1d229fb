/* libFuzzer target for the 9P2000.L decoder: the input is a stream of messages as a client
 * might send them, and each is read as a reply too, as the host's client of \\wsl$ reads what
 * a guest it does not trust sends. Whatever decodes must point only inside its own message. */
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
		struct p9_rmsg r;
		why = NULL;
		if (p9_decode_rmsg(m, n, &r, &why) == 0) {
			if (r.type == P9_RWALK)
				CHECK(r.walk.nwqid <= P9_MAXWELEM);
			if (r.type == P9_RREAD || r.type == P9_RREADDIR)
				CHECK(INSIDE(r.data.data, r.data.count, m, n));
			if (r.type == P9_RREADLINK)
				CHECK(INSIDE(r.readlink.target.s, r.readlink.target.len, m, n));
			if (r.type == P9_RREADDIR) {
				uint32_t at = 0;
				struct p9_dirent d;
				while (p9_next_dirent(r.data.data, r.data.count, &at, &d) > 0) {
					CHECK(at <= r.data.count);
					CHECK(INSIDE(d.name.s, d.name.len, r.data.data, r.data.count));
					CHECK(d.name.len > 0 && !memchr(d.name.s, '/', d.name.len) && !memchr(d.name.s, 0, d.name.len));
				}
			}
		} else {
			CHECK(why != NULL);
		}
		off += n;
	}
	return 0;
}
