/* The codec: frames and fields round-trip, and every malformed input is refused by name. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "session_msg.h"
#include "control_msg.h"
#include "unit.h"

static const uint8_t *payload_of(const struct proto_buf *b, struct proto_hdr *h)
{
	ck_assert_int_eq(proto_hdr_decode(b->data, h), 0);
	ck_assert_uint_eq(h->len + PROTO_HDR_SIZE, b->len);
	return b->data + PROTO_HDR_SIZE;
}

START_TEST(header_is_little_endian_and_capped)
{
	uint8_t h[PROTO_HDR_SIZE];
	struct proto_hdr d;
	proto_hdr_encode(h, 0x0102, 0x0304, 0x00050607);
	const uint8_t want[] = { 2, 1, 4, 3, 7, 6, 5, 0 };
	ck_assert_mem_eq(h, want, sizeof(want));
	ck_assert_int_eq(proto_hdr_decode(h, &d), 0);
	ck_assert_uint_eq(d.type, 0x0102);
	ck_assert_uint_eq(d.flags, 0x0304);
	ck_assert_uint_eq(d.len, 0x50607);
	proto_hdr_encode(h, MSG_DATA, 0, PROTO_MAX_PAYLOAD + 1);
	ck_assert_int_eq(proto_hdr_decode(h, &d), -EMSGSIZE);
	proto_hdr_encode(h, MSG_DATA, 0, PROTO_MAX_PAYLOAD);
	ck_assert_int_eq(proto_hdr_decode(h, &d), 0);
}
END_TEST

START_TEST(hello_round_trip)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_hello in = { .version = 1, .features = PROTO_FEATURES_ALL, .token = "t0k", .kernel = "6.1.0" };
	proto_encode_hello(&b, &in);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	ck_assert_uint_eq(h.type, MSG_HELLO);
	struct proto_hello out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_hello(p, h.len, &out, &why), 0);
	ck_assert_uint_eq(out.version, 1);
	ck_assert_uint_eq(out.features, PROTO_FEATURES_ALL);
	ck_assert_str_eq(out.token, "t0k");
	ck_assert_str_eq(out.kernel, "6.1.0");
	proto_hello_free(&out);
	proto_buf_free(&b);
}
END_TEST

START_TEST(hello_without_token_or_with_a_repeat_is_refused)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_HELLO, 0);
	proto_put_u32(&b, TAG_VERSION, 1);
	proto_end(&b);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_hello out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_hello(p, h.len, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "no token field");
	proto_buf_reset(&b);
	proto_begin(&b, MSG_HELLO, 0);
	proto_put_u32(&b, TAG_VERSION, 1);
	proto_put_str(&b, TAG_TOKEN, "a");
	proto_put_str(&b, TAG_TOKEN, "b");
	proto_end(&b);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_hello(p, h.len, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad or repeated token field");
	proto_buf_free(&b);
}
END_TEST

START_TEST(fields_running_past_the_end_are_refused)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_hello in = { .version = 1, .token = "secret" };
	proto_encode_hello(&b, &in);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_hello out;
	const char *why = NULL;
	for (uint32_t n = 1; n < h.len; n++) { /* every truncation */
		int r = proto_decode_hello(p, n, &out, &why);
		ck_assert_int_eq(r, -EBADMSG);
	}
	proto_buf_free(&b);
}
END_TEST

START_TEST(strings_with_nul_are_refused)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_HELLO, 0);
	proto_put_u32(&b, TAG_VERSION, 1);
	proto_put_bytes(&b, TAG_TOKEN, "a\0b", 3);
	proto_end(&b);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_hello out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_hello(p, h.len, &out, &why), -EBADMSG);
	proto_buf_free(&b);
}
END_TEST

START_TEST(welcome_round_trip_with_drives_and_unknown_fields)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_welcome in = { .version = 1, .features = 3, .distro = "Debian", .default_user = "dev",
				    .timezone = "Europe/Paris", .reclaim = "gradual", .network = "nat", .hostname = "box",
				    .ndrives = 2 };
	in.drives[0] = (struct proto_drive){ 'C', "virtio:drvfs_c" };
	in.drives[1] = (struct proto_drive){ 'd', "tcp://10.0.2.2:5640" };
	proto_encode_welcome(&b, &in);
	/* a field of a later version, appended: skipped */
	proto_put_str(&b, 999, "future");
	proto_end(&b);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_welcome out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_welcome(p, h.len, &out, &why), 0);
	ck_assert_str_eq(out.distro, "Debian");
	ck_assert_str_eq(out.default_user, "dev");
	ck_assert_str_eq(out.timezone, "Europe/Paris");
	ck_assert_uint_eq(out.ndrives, 2);
	ck_assert_int_eq(out.drives[0].letter, 'c');
	ck_assert_str_eq(out.drives[0].source, "virtio:drvfs_c");
	ck_assert_int_eq(out.drives[1].letter, 'd');
	proto_welcome_free(&out);
	proto_buf_free(&b);
}
END_TEST

START_TEST(welcome_with_a_bad_drive_is_refused)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_welcome in = { .version = 1, .ndrives = 2 };
	in.drives[0] = (struct proto_drive){ 'c', "virtio:a" };
	in.drives[1] = (struct proto_drive){ 'C', "virtio:b" };
	proto_encode_welcome(&b, &in);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_welcome out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_welcome(p, h.len, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "two drives with one letter");
	proto_buf_reset(&b);
	in.ndrives = 1;
	in.drives[0] = (struct proto_drive){ '7', "virtio:a" };
	proto_encode_welcome(&b, &in);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_welcome(p, h.len, &out, &why), -EBADMSG);
	proto_buf_free(&b);
}
END_TEST

START_TEST(exec_round_trip_and_limits)
{
	struct proto_buf b;
	proto_buf_init(&b);
	char *argv[] = { "sh", "-c", "echo $X", NULL };
	char *env[] = { "X=1", "EMPTY=", NULL };
	struct proto_exec in = { .argv = argv, .argc = 3, .env = env, .nenv = 2, .cwd = "/tmp", .user = "root",
				 .tty_mask = 5, .rows = 24, .cols = 80 };
	proto_encode_exec(&b, &in);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	struct proto_exec out;
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_exec(p, h.len, &out, &why), 0);
	ck_assert_uint_eq(out.argc, 3);
	ck_assert_str_eq(out.argv[2], "echo $X");
	ck_assert_ptr_null(out.argv[3]);
	ck_assert_str_eq(out.env[1], "EMPTY=");
	ck_assert_str_eq(out.cwd, "/tmp");
	ck_assert_uint_eq(out.tty_mask, 5);
	ck_assert_uint_eq(out.rows, 24);
	proto_exec_free(&out);
	/* NAME=VALUE only */
	proto_buf_reset(&b);
	char *bad_env[] = { "NOEQUALS", NULL };
	struct proto_exec in2 = { .argv = argv, .argc = 1, .env = bad_env, .nenv = 1 };
	proto_encode_exec(&b, &in2);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_exec(p, h.len, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "an environment entry is not NAME=VALUE");
	/* a terminal mask naming a fourth stream */
	proto_buf_reset(&b);
	struct proto_exec in3 = { .argv = argv, .argc = 1, .tty_mask = 8 };
	proto_encode_exec(&b, &in3);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_exec(p, h.len, &out, &why), -EBADMSG);
	proto_buf_free(&b);
}
END_TEST

START_TEST(a_frame_over_the_cap_cannot_be_built)
{
	struct proto_buf b;
	proto_buf_init(&b);
	char *big = malloc(PROTO_MAX_PAYLOAD);
	memset(big, 'x', PROTO_MAX_PAYLOAD - 1);
	big[PROTO_MAX_PAYLOAD - 1] = '\0';
	proto_begin(&b, MSG_EXEC, 0);
	proto_put_str(&b, TAG_ARG, big);
	ck_assert_int_eq(proto_end(&b), -EMSGSIZE);
	ck_assert_int_eq(proto_send(1, &b), -EMSGSIZE);
	free(big);
	proto_buf_free(&b);
}
END_TEST

START_TEST(exit_status_range)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_exit in = { .status = 137, .signal = 9 }, out;
	proto_encode_exit(&b, &in);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_exit(p, h.len, &out, &why), 0);
	ck_assert_uint_eq(out.status, 137);
	ck_assert_uint_eq(out.signal, 9);
	proto_buf_reset(&b);
	in.status = 256;
	proto_encode_exit(&b, &in);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_exit(p, h.len, &out, &why), -EBADMSG);
	proto_buf_free(&b);
}
END_TEST

START_TEST(inbuf_gathers_split_frames)
{
	int sv[2];
	ck_assert_int_eq(pipe(sv), 0);
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SESSION_REQUEST, 0);
	proto_put_u32(&b, TAG_SESSION, 7);
	proto_end(&b);
	proto_begin(&b, MSG_SHUTDOWN, 0);
	proto_put_u32(&b, TAG_SHUTDOWN_KIND, 1);
	proto_end(&b);
	struct proto_inbuf in = { 0 };
	struct proto_hdr h;
	const uint8_t *p;
	ck_assert_int_eq(write(sv[1], b.data, 5), 5); /* a torn header */
	ck_assert_int_eq(proto_inbuf_read(&in, sv[0]), 0);
	ck_assert_int_eq(proto_inbuf_frame(&in, &h, &p), 0);
	ck_assert_int_eq(write(sv[1], b.data + 5, b.len - 5), (ssize_t)(b.len - 5));
	ck_assert_int_eq(proto_inbuf_read(&in, sv[0]), 0);
	ck_assert_int_eq(proto_inbuf_frame(&in, &h, &p), 1);
	ck_assert_uint_eq(h.type, MSG_SESSION_REQUEST);
	uint32_t v = 0;
	const char *why;
	ck_assert_int_eq(proto_decode_u32(p, h.len, TAG_SESSION, &v, &why), 0);
	ck_assert_uint_eq(v, 7);
	proto_inbuf_consume(&in, &h);
	ck_assert_int_eq(proto_inbuf_frame(&in, &h, &p), 1);
	ck_assert_uint_eq(h.type, MSG_SHUTDOWN);
	proto_inbuf_consume(&in, &h);
	ck_assert_int_eq(proto_inbuf_frame(&in, &h, &p), 0);
	close(sv[1]);
	ck_assert_int_eq(proto_inbuf_read(&in, sv[0]), -EPIPE);
	/* a small limit: a big announced frame is an error before any payload arrives */
	in.max_len = 64;
	uint8_t hdr[PROTO_HDR_SIZE];
	proto_hdr_encode(hdr, MSG_HELLO, 0, 65);
	memcpy(in.data, hdr, sizeof(hdr));
	in.len = sizeof(hdr);
	ck_assert_int_eq(proto_inbuf_frame(&in, &h, &p), -EMSGSIZE);
	proto_inbuf_free(&in);
	close(sv[0]);
	proto_buf_free(&b);
}
END_TEST

/* One table drives a message's encoding, decoding and freeing. */
struct sample {
	uint32_t n;
	uint64_t big;
	char *name, *note;
};
static const struct proto_field_spec sample_fields[] = {
	PROTO_FIELD(100, PROTO_U32, struct sample, n, "bad n", "no n"),
	PROTO_FIELD(101, PROTO_U64, struct sample, big, "bad big", NULL),
	PROTO_FIELD(102, PROTO_STR, struct sample, name, "bad name", "no name"),
	PROTO_FIELD(103, PROTO_STR, struct sample, note, "bad note", NULL),
};
static const struct proto_msg_spec sample_msg = PROTO_MSG(0x7001, struct sample, sample_fields);

START_TEST(a_field_table_encodes_decodes_and_frees)
{
	struct proto_buf b;
	proto_buf_init(&b);
	const struct sample in = { 7, 1ull << 40, "x y", NULL };
	proto_encode_msg(&b, &sample_msg, &in);
	ck_assert_int_eq(b.error, 0);
	struct proto_hdr h;
	const uint8_t *p = payload_of(&b, &h);
	ck_assert_uint_eq(h.type, 0x7001);
	/* numbers always, a NULL string not at all: 4+8+3 value bytes and three field headers */
	ck_assert_uint_eq(h.len, 3 * PROTO_FIELD_HDR + 4 + 8 + 3);
	struct sample out = { 99, 99, NULL, NULL };
	const char *why = NULL;
	ck_assert_int_eq(proto_decode_msg(p, h.len, &sample_msg, &out, &why), 0);
	ck_assert_uint_eq(out.n, 7);
	ck_assert_uint_eq(out.big, 1ull << 40);
	ck_assert_str_eq(out.name, "x y");
	ck_assert_ptr_null(out.note);
	proto_free_msg(&sample_msg, &out);
	ck_assert_ptr_null(out.name);
	ck_assert_uint_eq(out.n, 0);

	/* a missing required field is named, and what was taken before it is freed (ASan) */
	proto_buf_reset(&b);
	proto_begin(&b, 0x7001, 0);
	proto_put_str(&b, 103, "kept until the error");
	proto_put_u32(&b, 100, 1);
	proto_end(&b);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_msg(p, h.len, &sample_msg, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "no name");
	ck_assert_ptr_null(out.note);

	/* a repeat is refused by the field's own words */
	proto_buf_reset(&b);
	proto_begin(&b, 0x7001, 0);
	proto_put_str(&b, 102, "a");
	proto_put_str(&b, 102, "b");
	proto_end(&b);
	p = payload_of(&b, &h);
	ck_assert_int_eq(proto_decode_msg(p, h.len, &sample_msg, &out, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad name");
	ck_assert_ptr_null(out.name);
	proto_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, header_is_little_endian_and_capped);
	tcase_add_test(tc, hello_round_trip);
	tcase_add_test(tc, hello_without_token_or_with_a_repeat_is_refused);
	tcase_add_test(tc, fields_running_past_the_end_are_refused);
	tcase_add_test(tc, strings_with_nul_are_refused);
	tcase_add_test(tc, welcome_round_trip_with_drives_and_unknown_fields);
	tcase_add_test(tc, welcome_with_a_bad_drive_is_refused);
	tcase_add_test(tc, exec_round_trip_and_limits);
	tcase_add_test(tc, a_frame_over_the_cap_cannot_be_built);
	tcase_add_test(tc, exit_status_range);
	tcase_add_test(tc, inbuf_gathers_split_frames);
	tcase_add_test(tc, a_field_table_encodes_decodes_and_frees);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
