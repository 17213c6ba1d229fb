/* The drive family: DRIVE_OPEN through encode → decode with and without a port, and the
 * strict reading of a port's name, which the host trusts to pick a socket of its own. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "drive_msg.h"
#include "unit.h"

static int round_trip(const struct proto_drive_open *in, struct proto_drive_open *out, const char **why)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_drive_open(&b, in);
	struct proto_hdr h;
	ck_assert_int_eq(proto_hdr_decode(b.data, &h), 0);
	ck_assert_uint_eq(h.type, MSG_DRIVE_OPEN);
	int r = proto_decode_drive_open(b.data + PROTO_HDR_SIZE, h.len, out, why);
	proto_buf_free(&b);
	return r;
}

START_TEST(open_round_trip_with_and_without_a_port)
{
	struct proto_drive_open in = { .token = "t0k", .aname = "drvfs;path=C:\\" }, out;
	const char *why = "";
	ck_assert_int_eq(round_trip(&in, &out, &why), 0);
	ck_assert_str_eq(out.aname, "drvfs;path=C:\\");
	ck_assert_ptr_null(out.port);
	proto_drive_open_free(&out);
	in.port = "org.guestinit.drive.7";
	ck_assert_int_eq(round_trip(&in, &out, &why), 0);
	ck_assert_str_eq(out.port, "org.guestinit.drive.7");
	ck_assert_str_eq(out.token, "t0k");
	proto_drive_open_free(&out);
	ck_assert_ptr_null(out.port);
}
END_TEST

START_TEST(open_needs_its_aname)
{
	struct proto_drive_open in = { .token = "t0k" }, out;
	const char *why = "";
	ck_assert_int_lt(round_trip(&in, &out, &why), 0);
	ck_assert_str_eq(why, "no aname field");
}
END_TEST

START_TEST(port_names_are_read_strictly)
{
	ck_assert_int_eq(drive_port_index("org.guestinit.drive.0"), 0);
	ck_assert_int_eq(drive_port_index("org.guestinit.drive.7"), 7);
	ck_assert_int_eq(drive_port_index("org.guestinit.drive.29"), DRIVE_PORTS_MAX - 1);
	static const char *const bad[] = {
		NULL, "", "org.guestinit.drive.", "org.guestinit.drive.30", "org.guestinit.drive.99",
		"org.guestinit.drive.07", "org.guestinit.drive.-1", "org.guestinit.drive.+1", "org.guestinit.drive.1a",
		"org.guestinit.drive.1 ", "org.guestinit.drive.100", "org.guestinit.drive.4294967297",
		"org.guestinit.drive.../../x", "org.guestinit.drivE.1", "xorg.guestinit.drive.1", "org.qemu.guest_agent.0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(drive_port_index(bad[i]) == -1, "'%s' was taken for a port", bad[i] ? bad[i] : "(null)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drive_msg");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, open_round_trip_with_and_without_a_port);
	tcase_add_test(tc, open_needs_its_aname);
	tcase_add_test(tc, port_names_are_read_strictly);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
