/* libFuzzer target for every decoder of the protocol: the input is a stream of frames as a
 * peer might send it. Each frame's payload goes through every typed decoder (a decoded
 * message must survive encode → decode unchanged), and the whole stream goes through a
 * session relay, the decoder of DATA/EOF/CREDIT/CLOSE and of the frame stream itself. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_msg.h"
#include "evloop.h"
#include "proto.h"
#include "session_msg.h"
#include "control_msg.h"
#include "portfwd_msg.h"
#include "relay.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void decoders(const uint8_t *p, uint32_t n)
{
	const char *why;
	struct proto_buf b;
	struct proto_hdr h;
	proto_buf_init(&b);

	struct proto_hello hello, hello2;
	if (proto_decode_hello(p, n, &hello, &why) == 0) {
		CHECK(hello.token != NULL);
		proto_encode_hello(&b, &hello);
		proto_hdr_decode(b.data, &h);
		CHECK(proto_decode_hello(b.data + PROTO_HDR_SIZE, h.len, &hello2, &why) == 0);
		CHECK(!strcmp(hello.token, hello2.token) && hello.version == hello2.version);
		proto_hello_free(&hello2);
		proto_hello_free(&hello);
	}
	struct proto_welcome w, w2;
	if (proto_decode_welcome(p, n, &w, &why) == 0) {
		CHECK(w.ndrives <= PROTO_MAX_DRIVES);
		proto_buf_reset(&b);
		proto_encode_welcome(&b, &w);
		proto_hdr_decode(b.data, &h);
		CHECK(proto_decode_welcome(b.data + PROTO_HDR_SIZE, h.len, &w2, &why) == 0);
		CHECK(w2.ndrives == w.ndrives);
		for (size_t i = 0; i < w.ndrives; i++)
			CHECK(w.drives[i].letter == w2.drives[i].letter && !strcmp(w.drives[i].source, w2.drives[i].source));
		proto_welcome_free(&w2);
		proto_welcome_free(&w);
	}
	struct proto_ready r;
	if (proto_decode_ready(p, n, &r, &why) == 0) {
		CHECK(r.line != NULL);
		proto_ready_free(&r);
	}
	struct proto_exec e, e2;
	if (proto_decode_exec(p, n, &e, &why) == 0) {
		CHECK(e.argc == 0 || e.argv[e.argc] == NULL);
		CHECK(e.nenv == 0 || e.env[e.nenv] == NULL);
		CHECK(e.tty_mask <= 7);
		proto_buf_reset(&b);
		proto_encode_exec(&b, &e);
		if (proto_end(&b) == 0) {
			proto_hdr_decode(b.data, &h);
			CHECK(proto_decode_exec(b.data + PROTO_HDR_SIZE, h.len, &e2, &why) == 0);
			CHECK(e2.argc == e.argc && e2.nenv == e.nenv);
			for (size_t i = 0; i < e.argc; i++)
				CHECK(!strcmp(e.argv[i], e2.argv[i]));
			proto_exec_free(&e2);
		}
		proto_exec_free(&e);
	}
	struct proto_exit x;
	if (proto_decode_exit(p, n, &x, &why) == 0)
		CHECK(x.status <= 255);
	struct agent_status st, st2;
	if (agent_decode_status(p, n, &st, &why) == 0) {
		proto_buf_reset(&b);
		agent_encode_status(&b, &st);
		proto_hdr_decode(b.data, &h);
		CHECK(agent_decode_status(b.data + PROTO_HDR_SIZE, h.len, &st2, &why) == 0);
		CHECK(st2.boots == st.boots && st2.connected_at == st.connected_at && st2.uptime_ms == st.uptime_ms);
		CHECK(!st.ready_line == !st2.ready_line && (!st.ready_line || !strcmp(st.ready_line, st2.ready_line)));
		CHECK(!st.stats == !st2.stats && (!st.stats || !strcmp(st.stats, st2.stats)));
		agent_status_free(&st2);
		agent_status_free(&st);
	}
	struct agent_reply ar;
	if (agent_decode_reply(p, n, &ar, &why) == 0)
		agent_reply_free(&ar);
	/* port forwarding: what decodes is valid (port, family, address) and survives a round trip */
	struct proto_portfwd_listen l, l2;
	if (proto_decode_portfwd_listen(p, n, &l, &why) == 0) {
		CHECK(l.port >= 1 && l.port <= 65535 && (l.family == 4 || l.family == 6) && l.addr);
		proto_buf_reset(&b);
		proto_encode_portfwd_listen(&b, MSG_PORTFWD_LISTEN, &l);
		proto_hdr_decode(b.data, &h);
		CHECK(proto_decode_portfwd_listen(b.data + PROTO_HDR_SIZE, h.len, &l2, &why) == 0);
		CHECK(l2.port == l.port && l2.family == l.family && l2.v6only == l.v6only && !strcmp(l2.addr, l.addr));
		proto_portfwd_listen_free(&l2);
		proto_portfwd_listen_free(&l);
	}
	struct proto_portfwd_connect pc, pc2;
	if (proto_decode_portfwd_connect(p, n, &pc, &why) == 0) {
		CHECK(pc.port >= 1 && pc.port <= 65535 && (pc.family == 4 || pc.family == 6));
		proto_buf_reset(&b);
		proto_encode_portfwd_connect(&b, &pc);
		proto_hdr_decode(b.data, &h);
		CHECK(proto_decode_portfwd_connect(b.data + PROTO_HDR_SIZE, h.len, &pc2, &why) == 0);
		CHECK(pc2.port == pc.port && pc2.family == pc.family && pc2.id == pc.id);
	}
	struct proto_portfwd_mapped pm;
	if (proto_decode_portfwd_mapped(p, n, &pm, &why) == 0)
		proto_portfwd_mapped_free(&pm);
	struct proto_portfwd_reply pr;
	if (proto_decode_portfwd_reply(p, n, &pr, &why) == 0)
		proto_portfwd_reply_free(&pr);
	struct proto_portfwd_open po;
	if (proto_decode_portfwd_open(p, n, &po, &why) == 0)
		proto_portfwd_open_free(&po);
	uint32_t v;
	(void)agent_decode_status_request(p, n, &v, &why);
	(void)proto_decode_u32(p, n, TAG_SESSION, &v, &why);
	char *s = NULL;
	if (proto_decode_str(p, n, TAG_REASON, &s, &why) == 0)
		free(s);
	proto_buf_free(&b);
}

static int on_frame(struct relay *r, const struct proto_hdr *h, const uint8_t *p, void *ctx)
{
	(void)r;
	(void)ctx;
	decoders(p, h->len);
	return 0;
}

static void through_relay(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	struct evloop *loop;
	struct relay *r;
	static const struct relay_ops ops = { .on_frame = on_frame };
	CHECK(evloop_new(&loop) == 0);
	CHECK(relay_new(loop, sv[0], &ops, NULL, &r) == 0);
	for (int s = STREAM_STDIN; s < STREAM_COUNT; s++)
		relay_add_sink(r, (enum proto_stream)s, open("/dev/null", O_WRONLY | O_CLOEXEC), false);
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(sv[1], data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
		relay_run_once(r, 0);
	}
	close(sv[1]);
	for (int i = 0; i < 1000 && relay_run_once(r, 0) == 0; i++)
		;
	relay_free(r);
	evloop_free(loop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once++)
		signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	while (size - off >= PROTO_HDR_SIZE) {
		struct proto_hdr h;
		if (proto_hdr_decode(data + off, &h) < 0 || h.len > size - off - PROTO_HDR_SIZE)
			break;
		decoders(data + off + PROTO_HDR_SIZE, h.len);
		off += PROTO_HDR_SIZE + h.len;
	}
	if (size <= 1 << 16)
		through_relay(data, size);
	return 0;
}
