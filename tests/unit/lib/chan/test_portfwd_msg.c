/* The port forwarding family: each message through encode → decode, and the decoder's checks
 * of what a hostile guest or host could send (ports, families, addresses, missing fields). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "portfwd_msg.h"
#include "unit.h"

static struct proto_buf b;

static const uint8_t *payload(uint32_t *n)
{
	struct proto_hdr h;
	ck_assert_int_eq(proto_hdr_decode(b.data, &h), 0);
	*n = h.len;
	return b.data + PROTO_HDR_SIZE;
}

static int decode_listen(uint32_t port, uint32_t family, const char *addr, struct proto_portfwd_listen *out, const char **why)
{
	proto_buf_reset(&b);
	struct proto_portfwd_listen m = { .port = port, .family = family, .addr = (char *)addr };
	proto_encode_portfwd_listen(&b, MSG_PORTFWD_LISTEN, &m);
	uint32_t n;
	const uint8_t *p = payload(&n);
	return proto_decode_portfwd_listen(p, n, out, why);
}

START_TEST(listen_round_trip)
{
	struct proto_portfwd_listen l;
	const char *why = "";
	proto_buf_init(&b);
	ck_assert_int_eq(decode_listen(8080, 6, "::", &l, &why), 0);
	ck_assert_uint_eq(l.port, 8080);
	ck_assert_uint_eq(l.family, 6);
	ck_assert_str_eq(l.addr, "::");
	proto_portfwd_listen_free(&l);
	ck_assert_ptr_null(l.addr);
	ck_assert_int_eq(decode_listen(80, 4, "127.0.0.1", &l, &why), 0);
	proto_portfwd_listen_free(&l);
	proto_buf_free(&b);
}
END_TEST

START_TEST(listen_values_are_checked)
{
	struct proto_portfwd_listen l;
	const char *why = "";
	proto_buf_init(&b);
	ck_assert_int_lt(decode_listen(0, 4, "0.0.0.0", &l, &why), 0);
	ck_assert_str_eq(why, "port out of range");
	ck_assert_int_lt(decode_listen(65536, 4, "0.0.0.0", &l, &why), 0);
	ck_assert_str_eq(why, "port out of range");
	ck_assert_int_lt(decode_listen(80, 5, "0.0.0.0", &l, &why), 0);
	ck_assert_str_eq(why, "family is neither 4 nor 6");
	ck_assert_int_lt(decode_listen(80, 6, "127.0.0.1", &l, &why), 0);
	ck_assert_str_eq(why, "address is not one of its family");
	ck_assert_int_lt(decode_listen(80, 4, "localhost", &l, &why), 0);
	ck_assert_str_eq(why, "address is not one of its family");
	ck_assert_ptr_null(l.addr); /* nothing left to free after a refusal */
	/* a LISTEN without an address */
	proto_buf_reset(&b);
	proto_begin(&b, MSG_PORTFWD_LISTEN, 0);
	proto_put_u32(&b, TAG_FWD_PORT, 80);
	proto_put_u32(&b, TAG_FWD_FAMILY, 4);
	proto_end(&b);
	uint32_t n;
	const uint8_t *p = payload(&n);
	ck_assert_int_lt(proto_decode_portfwd_listen(p, n, &l, &why), 0);
	ck_assert_str_eq(why, "no address field");
	proto_buf_free(&b);
}
END_TEST

START_TEST(connect_needs_an_id_and_a_valid_port)
{
	proto_buf_init(&b);
	struct proto_portfwd_connect c = { .port = 443, .family = 6, .id = 99 }, got;
	const char *why = "";
	proto_encode_portfwd_connect(&b, &c);
	uint32_t n;
	const uint8_t *p = payload(&n);
	ck_assert_int_eq(proto_decode_portfwd_connect(p, n, &got, &why), 0);
	ck_assert_uint_eq(got.port, 443);
	ck_assert_uint_eq(got.family, 6);
	ck_assert_uint_eq(got.id, 99);
	proto_buf_reset(&b);
	proto_begin(&b, MSG_PORTFWD_CONNECT, 0);
	proto_put_u32(&b, TAG_FWD_PORT, 443);
	proto_put_u32(&b, TAG_FWD_FAMILY, 4);
	proto_end(&b);
	p = payload(&n);
	ck_assert_int_lt(proto_decode_portfwd_connect(p, n, &got, &why), 0);
	ck_assert_str_eq(why, "no id field");
	proto_buf_reset(&b);
	c.port = 0;
	proto_encode_portfwd_connect(&b, &c);
	p = payload(&n);
	ck_assert_int_lt(proto_decode_portfwd_connect(p, n, &got, &why), 0);
	ck_assert_str_eq(why, "port out of range");
	proto_buf_free(&b);
}
END_TEST

START_TEST(mapped_and_reply_round_trip)
{
	proto_buf_init(&b);
	struct proto_portfwd_mapped m = { .port = 80, .host_port = 8080, .reason = "80 needs privileges on the host" }, mg;
	const char *why = "";
	proto_encode_portfwd_mapped(&b, &m);
	uint32_t n;
	const uint8_t *p = payload(&n);
	ck_assert_int_eq(proto_decode_portfwd_mapped(p, n, &mg, &why), 0);
	ck_assert_uint_eq(mg.host_port, 8080);
	ck_assert_str_eq(mg.reason, m.reason);
	proto_portfwd_mapped_free(&mg);
	proto_buf_reset(&b);
	struct proto_portfwd_reply r = { .ok = 0, .reason = "off" }, rg;
	proto_encode_portfwd_reply(&b, MSG_PORTFWD_CONNECTED, &r);
	struct proto_hdr h;
	proto_hdr_decode(b.data, &h);
	ck_assert_uint_eq(h.type, MSG_PORTFWD_CONNECTED);
	p = payload(&n);
	ck_assert_int_eq(proto_decode_portfwd_reply(p, n, &rg, &why), 0);
	ck_assert_uint_eq(rg.ok, 0);
	ck_assert_str_eq(rg.reason, "off");
	proto_portfwd_reply_free(&rg);
	ck_assert_str_eq(proto_type_name(MSG_PORTFWD_RESET), "PORTFWD_RESET");
	proto_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("portfwd_msg");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, listen_round_trip);
	tcase_add_test(tc, listen_values_are_checked);
	tcase_add_test(tc, connect_needs_an_id_and_a_valid_port);
	tcase_add_test(tc, mapped_and_reply_round_trip);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
