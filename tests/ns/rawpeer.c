/* A misbehaving guest, for the agent's tests: connects to URI and sends one thing.
 *   rawpeer URI hello TOKEN     a HELLO with that token
 *   rawpeer URI garbage         text that is not a frame
 *   rawpeer URI oversize        a header announcing 4 GiB
 *   rawpeer URI attach TOKEN ID a SESSION_ATTACH nobody asked for
 *   rawpeer URI interop TOKEN [PROGRAM ARG0 ARGS...]
 *                               an INTEROP_OPEN, and then (a compromised guest knows the
 *                               token) an EXEC of PROGRAM with that argv, its stdin closed
 *   rawpeer URI portfwd TOKEN ADDR PORT [FAMILY]
 *                               a PORTFWD_OPEN, then a LISTEN of ADDR:PORT (FAMILY: 4 for an
 *                               address without ':', else 6); prints every frame back, then
 *                               "closed" or, after 3 s of nothing, "open"
 *   rawpeer URI portfwdspare TOKEN  a PORTFWD_SPARE and at once a frame (a spare may not speak
 *                               before the host's CONNECT)
 * Prints what came back: "WELCOME", "REJECT: reason", "INTEROP_REPLY: ok|reason", then
 * "EXEC_ERROR: reason" or the program's output and "EXIT: status", or "closed". Exits 0 on
 * WELCOME and on EXIT. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "proto.h"
#include "session_msg.h"
#include "control_msg.h"
#include "interop_msg.h"
#include "portfwd_msg.h"
#include "transport.h"

/* After INTEROP_REPLY: EXEC of argv[0] with argv[1..] as its argv, then the frames back. */
static int interop_exec(int fd, uint8_t *reply, uint32_t len, int argc, char **argv)
{
	struct proto_interop_reply rep;
	const char *why = "";
	if (proto_decode_interop_reply(reply, len, &rep, &why) < 0) {
		printf("INTEROP_REPLY: malformed: %s\n", why);
		return 1;
	}
	printf("INTEROP_REPLY: %s\n", rep.ok ? "ok" : rep.reason ? rep.reason : "refused");
	proto_interop_reply_free(&rep);
	free(reply);
	if (argc < 2)
		return 0;
	struct proto_exec spec = { .program = argv[0], .argv = argv + 1, .argc = (size_t)argc - 1 };
	struct proto_buf b;
	proto_buf_init(&b);
	proto_encode_exec(&b, &spec);
	proto_begin(&b, MSG_EOF, STREAM_STDIN);
	proto_end(&b);
	int r = proto_send(fd, &b);
	proto_buf_free(&b);
	if (r < 0) {
		printf("closed\n");
		return 1;
	}
	for (;;) {
		struct proto_hdr h;
		uint8_t *p;
		if (proto_recv(fd, &h, &p) < 0) {
			printf("closed\n");
			return 1;
		}
		if (h.type == MSG_DATA) {
			fwrite(p, 1, h.len, stdout);
		} else if (h.type == MSG_EXEC_ERROR || h.type == MSG_EXIT) {
			char *reason = NULL;
			uint32_t status = 0;
			proto_decode_str(p, h.len, TAG_REASON, &reason, &why);
			proto_decode_u32(p, h.len, TAG_STATUS, &status, &why);
			if (h.type == MSG_EXIT)
				printf("EXIT: %u\n", status);
			else
				printf("EXEC_ERROR: %s\n", reason ? reason : "");
			free(reason);
			free(p);
			return h.type == MSG_EXIT ? 0 : 1;
		}
		free(p);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rawpeer URI hello TOKEN | garbage | oversize | attach TOKEN ID\n");
		return 2;
	}
	struct transport_addr a;
	char err[256];
	if (transport_parse(argv[1], &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "rawpeer: %s\n", err);
		return 2;
	}
	int fd = transport_connect(&a, 5000);
	if (fd < 0) {
		fprintf(stderr, "rawpeer: connect %s: %s\n", argv[1], strerror(-fd));
		return 2;
	}
	struct timeval tv = { .tv_sec = 15 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_buf b;
	proto_buf_init(&b);
	const char *mode = argv[2];
	if (!strcmp(mode, "hello") && argc > 3) {
		struct proto_hello h = { .version = PROTO_VERSION, .features = PROTO_FEATURES_ALL, .token = argv[3] };
		proto_encode_hello(&b, &h);
	} else if (!strcmp(mode, "garbage")) {
		proto_put_raw(&b, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	} else if (!strcmp(mode, "oversize")) {
		uint8_t h[PROTO_HDR_SIZE];
		proto_hdr_encode(h, MSG_HELLO, 0, 0xffffffffu);
		proto_put_raw(&b, h, sizeof(h));
	} else if (!strcmp(mode, "attach") && argc > 4) {
		proto_begin(&b, MSG_SESSION_ATTACH, 0);
		proto_put_str(&b, TAG_TOKEN, argv[3]);
		proto_put_u32(&b, TAG_SESSION, (uint32_t)strtoul(argv[4], NULL, 10));
		proto_end(&b);
	} else if (!strcmp(mode, "interop") && argc > 3) {
		proto_encode_interop_open(&b, &(struct proto_interop_open){ .token = argv[3] });
	} else if (!strcmp(mode, "portfwd") && argc > 5) {
		proto_encode_portfwd_open(&b, MSG_PORTFWD_OPEN, &(struct proto_portfwd_open){ .token = argv[3] });
		struct proto_portfwd_listen l = {
			.addr = argv[4], .port = (uint32_t)strtoul(argv[5], NULL, 10),
			.family = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : strchr(argv[4], ':') ? 6 : 4,
		};
		proto_encode_portfwd_listen(&b, MSG_PORTFWD_LISTEN, &l);
	} else if (!strcmp(mode, "portfwdspare") && argc > 3) {
		proto_encode_portfwd_open(&b, MSG_PORTFWD_SPARE, &(struct proto_portfwd_open){ .token = argv[3] });
		proto_encode_portfwd_reply(&b, MSG_PORTFWD_CONNECTED, &(struct proto_portfwd_reply){ .ok = 1 });
	} else {
		fprintf(stderr, "rawpeer: unknown mode '%s'\n", mode);
		return 2;
	}
	int sent = proto_send(fd, &b);
	proto_buf_free(&b);
	if (sent < 0) {
		printf("closed\n");
		return 1;
	}
	struct proto_hdr h;
	uint8_t *payload;
	if (!strncmp(mode, "portfwd", 7)) { /* every frame back until the end */
		tv.tv_sec = 3;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (;;) {
			int r = proto_recv(fd, &h, &payload);
			if (r == -EAGAIN) {
				printf("open\n");
				return 0;
			}
			if (r < 0) {
				printf("closed\n");
				return 0;
			}
			char *reason = NULL;
			const char *why;
			proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
			printf("%s: %s\n", proto_type_name(h.type), reason ? reason : "ok");
			free(reason);
			free(payload);
		}
	}
	int r = proto_recv(fd, &h, &payload);
	if (r < 0) {
		printf("closed\n");
		return 1;
	}
	if (h.type == MSG_WELCOME) {
		printf("WELCOME\n");
		free(payload);
		return 0;
	}
	if (h.type == MSG_INTEROP_REPLY)
		return interop_exec(fd, payload, h.len, argc - 4, argv + 4);
	char *reason = NULL;
	const char *why;
	proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
	printf("%s: %s\n", proto_type_name(h.type), reason ? reason : "");
	free(reason);
	free(payload);
	close(fd);
	return 1;
}
