/* A misbehaving guest, for the agent's tests: connects to URI and sends one thing.
 *   rawpeer URI hello TOKEN     a HELLO with that token
 *   rawpeer URI garbage         text that is not a frame
 *   rawpeer URI oversize        a header announcing 4 GiB
 *   rawpeer URI attach TOKEN ID a SESSION_ATTACH nobody asked for
 * Prints what came back: "WELCOME", "REJECT: reason", or "closed". Exits 0 on WELCOME. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "proto.h"
#include "transport.h"

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
	char *reason = NULL;
	const char *why;
	proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
	printf("%s: %s\n", proto_type_name(h.type), reason ? reason : "");
	free(reason);
	free(payload);
	close(fd);
	return 1;
}
