/* The 9P2000.L codec: requests round-trip, and every malformed one is refused by name. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p9.h"
#include "unit.h"

static uint8_t buf[8192];
static struct p9_out out;

static void begin(uint8_t type, uint16_t tag)
{
	out = (struct p9_out){ .buf = buf, .cap = sizeof(buf) };
	p9_begin(&out, type, tag);
}

static int decode(struct p9_tmsg *t, const char **why)
{
	int n = p9_finish(&out);
	ck_assert_int_gt(n, 0);
	return p9_decode_tmsg(buf, (size_t)n, t, why);
}

static int str_is(struct p9_str s, const char *want)
{
	return s.len == strlen(want) && !memcmp(s.s, want, s.len);
}

START_TEST(version_and_attach)
{
	struct p9_tmsg t;
	const char *why = NULL;
	begin(P9_TVERSION, P9_NOTAG);
	p9_put32(&out, 262144);
	p9_put_str(&out, "9P2000.L", 8);
	ck_assert_int_eq(decode(&t, &why), 0);
	ck_assert_uint_eq(t.version.msize, 262144);
	ck_assert(str_is(t.version.version, "9P2000.L"));
	begin(P9_TATTACH, 1);
	p9_put32(&out, 0);
	p9_put32(&out, P9_NOFID);
	p9_put_str(&out, "", 0);
	const char *aname = "drvfs;path=C:\\;metadata;uid=1000";
	p9_put_str(&out, aname, strlen(aname));
	p9_put32(&out, 1000);
	ck_assert_int_eq(decode(&t, &why), 0);
	ck_assert_uint_eq(t.tag, 1);
	ck_assert_uint_eq(t.attach.afid, P9_NOFID);
	ck_assert(str_is(t.attach.aname, aname));
	ck_assert_uint_eq(t.attach.n_uname, 1000);
}
END_TEST

START_TEST(walk_write_and_setattr)
{
	struct p9_tmsg t;
	const char *why = NULL;
	begin(P9_TWALK, 7);
	p9_put32(&out, 1);
	p9_put32(&out, 2);
	p9_put16(&out, 3);
	p9_put_str(&out, "src", 3);
	p9_put_str(&out, "My Files", 8);
	p9_put_str(&out, "\xc3\xa9t\xc3\xa9", 5);
	ck_assert_int_eq(decode(&t, &why), 0);
	ck_assert_uint_eq(t.walk.nwname, 3);
	ck_assert(str_is(t.walk.wname[1], "My Files"));
	begin(P9_TWRITE, 8);
	p9_put32(&out, 2);
	p9_put64(&out, 1ull << 40);
	p9_put32(&out, 5);
	p9_put_bytes(&out, "a\0b\0c", 5);
	ck_assert_int_eq(decode(&t, &why), 0);
	ck_assert_uint_eq(t.write.offset, 1ull << 40);
	ck_assert_mem_eq(t.write.data, "a\0b\0c", 5);
	begin(P9_TSETATTR, 9);
	p9_put32(&out, 2);
	p9_put32(&out, 0x1);
	p9_put32(&out, 0644);
	p9_put32(&out, 1000);
	p9_put32(&out, 1000);
	for (int i = 0; i < 5; i++)
		p9_put64(&out, (uint64_t)i);
	ck_assert_int_eq(decode(&t, &why), 0);
	ck_assert_uint_eq(t.setattr.mode, 0644);
	ck_assert_uint_eq(t.setattr.mtime_nsec, 4);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
	struct p9_tmsg t;
	const char *why = NULL;
	begin(P9_TLCREATE, 3);
	p9_put32(&out, 1);
	p9_put_str(&out, "file.txt", 8);
	p9_put32(&out, 0x8241);
	p9_put32(&out, 0644);
	p9_put32(&out, 0);
	int n = p9_finish(&out);
	for (int len = 0; len < n; len++) {
		uint8_t copy[64];
		memcpy(copy, buf, (size_t)len);
		if (len >= 4) { /* a consistent size field, so that the body is what is short */
			uint32_t le = htole32((uint32_t)len);
			memcpy(copy, &le, 4);
		}
		ck_assert_int_eq(p9_decode_tmsg(copy, (size_t)len, &t, &why), -EBADMSG);
	}
}
END_TEST

START_TEST(malformed_messages_are_named)
{
	struct p9_tmsg t;
	const char *why = NULL;
	begin(P9_TCLUNK, 4);
	p9_put32(&out, 1);
	p9_put32(&out, 99); /* one field too many */
	ck_assert_int_eq(decode(&t, &why), -EBADMSG);
	ck_assert_str_eq(why, "the message has bytes after its last field");
	begin(P9_TMKDIR, 5);
	p9_put32(&out, 1);
	p9_put_str(&out, "a\0b", 3);
	p9_put32(&out, 0755);
	p9_put32(&out, 0);
	ck_assert_int_eq(decode(&t, &why), -EBADMSG);
	ck_assert_str_eq(why, "a string holds a NUL byte");
	begin(P9_TWALK, 6);
	p9_put32(&out, 1);
	p9_put32(&out, 2);
	p9_put16(&out, 17);
	ck_assert_int_eq(decode(&t, &why), -EBADMSG);
	ck_assert_str_eq(why, "Twalk names more than 16 elements");
	begin(200, 77); /* unknown: the tag still comes back, for Rlerror */
	ck_assert_int_eq(decode(&t, &why), -EPROTONOSUPPORT);
	ck_assert_uint_eq(t.tag, 77);
	begin(P9_TCLUNK, 4);
	p9_put32(&out, 1);
	int n = p9_finish(&out);
	ck_assert_int_eq(p9_decode_tmsg(buf, (size_t)n - 1, &t, &why), -EBADMSG);
	ck_assert_str_eq(why, "the size field does not match the message");
	begin(P9_TWRITE, 1);
	p9_put32(&out, 1);
	p9_put64(&out, 0);
	p9_put32(&out, 100); /* claims 100 bytes, has 2 */
	p9_put_bytes(&out, "ab", 2);
	ck_assert_int_eq(decode(&t, &why), -EBADMSG);
}
END_TEST

START_TEST(a_reply_larger_than_msize_is_refused)
{
	uint8_t small[16];
	struct p9_out o = { .buf = small, .cap = sizeof(small) };
	p9_begin(&o, P9_RREADLINK, 1);
	p9_put_str(&o, "a-target-longer-than-the-buffer", 31);
	ck_assert_int_eq(p9_finish(&o), -EMSGSIZE);
	p9_begin(&o, P9_RCLUNK, 1);
	ck_assert_int_eq(p9_finish(&o), P9_HDR_SIZE);
}
END_TEST

/* ---- replies, as the host's client (host/p9client.c) reads them from a guest it does not trust */

static int decode_r(struct p9_rmsg *r, const char **why)
{
	int n = p9_finish(&out);
	ck_assert_int_gt(n, 0);
	return p9_decode_rmsg(buf, (size_t)n, r, why);
}

START_TEST(replies_decode)
{
	struct p9_rmsg r;
	const char *why = NULL;
	struct p9_qid q = { 0x80, 7, 0x1122334455667788ULL };
	begin(P9_RWALK, 3);
	p9_put16(&out, 2);
	p9_put_qid(&out, &q);
	p9_put_qid(&out, &q);
	ck_assert_int_eq(decode_r(&r, &why), 0);
	ck_assert_uint_eq(r.tag, 3);
	ck_assert_uint_eq(r.walk.nwqid, 2);
	ck_assert_uint_eq(r.walk.wqid[1].path, 0x1122334455667788ULL);
	begin(P9_RGETATTR, 4);
	p9_put64(&out, 0x7ff);
	p9_put_qid(&out, &q);
	p9_put32(&out, 0100644);
	p9_put32(&out, 1000);
	p9_put32(&out, 27);
	for (int i = 0; i < 15; i++) /* nlink .. data_version */
		p9_put64(&out, (uint64_t)i + 1);
	ck_assert_int_eq(decode_r(&r, &why), 0);
	ck_assert_uint_eq(r.getattr.mode, 0100644);
	ck_assert_uint_eq(r.getattr.gid, 27);
	ck_assert_uint_eq(r.getattr.size, 3);
	ck_assert_uint_eq(r.getattr.ctime_nsec, 11);
	begin(P9_RREADDIR, 5);
	uint8_t ents[64];
	struct p9_out e = { .buf = ents, .cap = sizeof(ents) };
	p9_put_qid(&e, &q);
	p9_put64(&e, 1);
	p9_put8(&e, 4);
	p9_put_str(&e, "etc", 3);
	p9_put32(&out, (uint32_t)e.len);
	p9_put_bytes(&out, ents, e.len);
	ck_assert_int_eq(decode_r(&r, &why), 0);
	uint32_t off = 0;
	struct p9_dirent d;
	ck_assert_int_eq(p9_next_dirent(r.data.data, r.data.count, &off, &d), 1);
	ck_assert(str_is(d.name, "etc"));
	ck_assert_int_eq(p9_next_dirent(r.data.data, r.data.count, &off, &d), 0);
	begin(P9_RLERROR, 6);
	p9_put32(&out, EACCES);
	ck_assert_int_eq(decode_r(&r, &why), 0);
	ck_assert_uint_eq(r.lerror.ecode, EACCES);
}
END_TEST

START_TEST(hostile_replies_are_refused_by_name)
{
	struct p9_rmsg r;
	const char *why = NULL;
	begin(P9_RWALK, 1); /* more qids than a walk may ask for */
	p9_put16(&out, 17);
	ck_assert_int_eq(decode_r(&r, &why), -EBADMSG);
	ck_assert_str_eq(why, "Rwalk holds more than 16 qids");
	begin(P9_RREAD, 1); /* a count past the end of the message */
	p9_put32(&out, 1000);
	p9_put_bytes(&out, "abc", 3);
	ck_assert_int_eq(decode_r(&r, &why), -EBADMSG);
	begin(P9_RCLUNK, 1); /* bytes after the last field */
	p9_put8(&out, 0);
	ck_assert_int_eq(decode_r(&r, &why), -EBADMSG);
	ck_assert_str_eq(why, "the message has bytes after its last field");
	begin(P9_TWALK, 1); /* a request where a reply is due */
	p9_put32(&out, 0);
	ck_assert_int_eq(decode_r(&r, &why), -EPROTONOSUPPORT);
	begin(P9_RREADLINK, 1); /* a NUL inside a string */
	p9_put_str(&out, "a\0b", 3);
	ck_assert_int_eq(decode_r(&r, &why), -EBADMSG);
	/* entries of Rreaddir: a name with '/', an empty one, one cut short */
	static const char *const names[] = { "a/b", "", NULL };
	for (int i = 0; i < 3; i++) {
		uint8_t ents[64];
		struct p9_out e = { .buf = ents, .cap = sizeof(ents) };
		struct p9_qid q = { 0 };
		p9_put_qid(&e, &q);
		p9_put64(&e, 1);
		p9_put8(&e, 8);
		if (names[i])
			p9_put_str(&e, names[i], strlen(names[i]));
		else
			p9_put16(&e, 10); /* says 10 bytes, has none */
		uint32_t off = 0;
		struct p9_dirent d;
		ck_assert_int_eq(p9_next_dirent(ents, (uint32_t)e.len, &off, &d), -EBADMSG);
	}
	/* every truncation of a good Rgetattr is refused */
	begin(P9_RGETATTR, 1);
	p9_put64(&out, 0x7ff);
	for (int i = 0; i < 13 + 12 + 15 * 8; i++)
		p9_put8(&out, 0);
	int n = p9_finish(&out);
	ck_assert_int_eq(p9_decode_rmsg(buf, (size_t)n, &r, &why), 0);
	for (int k = P9_HDR_SIZE; k < n; k++) {
		uint32_t sz = (uint32_t)k;
		memcpy(buf, &sz, 4);
		ck_assert_int_eq(p9_decode_rmsg(buf, (size_t)k, &r, &why), -EBADMSG);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("p9");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, version_and_attach);
	tcase_add_test(tc, walk_write_and_setattr);
	tcase_add_test(tc, every_truncation_is_refused);
	tcase_add_test(tc, malformed_messages_are_named);
	tcase_add_test(tc, a_reply_larger_than_msize_is_refused);
	tcase_add_test(tc, replies_decode);
	tcase_add_test(tc, hostile_replies_are_refused_by_name);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
