/* A local client of the hub's broker for the namespace tests, polite or not. Run in the
 * guest (as root or as another user):
 *   hubpeer dial-drive ANAME [FORGED_TOKEN]  HUB_DIAL of a DRIVE_OPEN; then prints the host's
 *                                            DRIVE_REPLY ("host: ok" / "host: refused: why")
 *   hubpeer dial-type TYPE                   HUB_DIAL of an empty frame of that type
 *   hubpeer ready LINE                       HUB_READY (only PID 1 may)
 *   hubpeer stats NAME TEXT                  hub_stats(): the record, then HUB_STATS
 *   hubpeer stats-raw NAME TEXT              HUB_STATS alone (as a user who may not write the record)
 *   hubpeer status                           HUB_STATUS; prints the text
 *   hubpeer garbage                          a packet that is no frame
 *   hubpeer hold N                           opens N connections, prints how many the hub
 *                                            kept open after a moment, then a status request
 * Prints "hub: refused: REASON" when the hub says no, "hub: closed" when it hangs up.
 * Exits 0 when it could talk to the hub at all. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "drive_msg.h"
#include "hub.h"
#include "hub_msg.h"
#include "unixsock.h"

static int send_frame(const struct proto_buf *b)
{
	int fd = unixsock_connect(HUB_SOCKET_PATH, SOCK_SEQPACKET);
	if (fd < 0) {
		printf("hub: cannot connect: %s\n", strerror(-fd));
		exit(1);
	}
	if (send(fd, b->data, b->len, MSG_NOSIGNAL) < 0) {
		printf("hub: send: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* Whether the hub closed fd within ms (a report has no answer: it just closes). */
static void expect_close(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;
	if (poll(&p, 1, ms) == 1 && recv(fd, &c, 1, 0) == 0)
		printf("hub: closed\n");
	else
		printf("hub: still open\n");
	close(fd);
}

static int dial(const struct proto_buf *frame)
{
	struct gi_error err = GI_ERROR_INIT;
	int fd = hub_dial(frame->data, frame->len, 5000, &err);
	if (fd < 0) {
		printf("hub: refused: %s\n", err.msg);
		return 0;
	}
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	uint8_t *payload = NULL;
	int r = proto_recv(fd, &h, &payload);
	if (r < 0) {
		printf("host: no answer: %s\n", strerror(-r));
	} else {
		uint32_t ok = 0;
		char *reason = NULL;
		const char *why = "";
		proto_decode_u32(payload, h.len, TAG_OK, &ok, &why);
		proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
		printf("host: %s%s%s\n", ok ? "ok" : "refused", reason ? ": " : "", reason ? reason : "");
		free(reason);
	}
	free(payload);
	close(fd);
	return 0;
}

static int run(int argc, char **argv, struct proto_buf *bp);

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: hubpeer dial-drive ANAME [TOKEN] | dial-type TYPE | ready LINE | stats NAME TEXT | "
				"stats-raw NAME TEXT | status | garbage | hold N\n");
		return 2;
	}
	struct proto_buf b;
	proto_buf_init(&b);
	int rc = run(argc, argv, &b);
	proto_buf_free(&b);
	return rc;
}

static int run(int argc, char **argv, struct proto_buf *bp)
{
	const char *cmd = argv[1];
#define b (*bp)
	if (!strcmp(cmd, "dial-drive") && argc >= 3) {
		proto_begin(&b, MSG_DRIVE_OPEN, 0);
		if (argc > 3)
			proto_put_str(&b, TAG_TOKEN, argv[3]);
		proto_put_str(&b, TAG_ANAME, argv[2]);
		proto_end(&b);
		return dial(&b);
	}
	if (!strcmp(cmd, "dial-type") && argc == 3) {
		proto_begin(&b, (uint16_t)strtoul(argv[2], NULL, 0), 0);
		proto_end(&b);
		return dial(&b);
	}
	if (!strcmp(cmd, "ready") && argc == 3) {
		struct proto_ready r = { .line = argv[2], .ready_ms = 1, .uptime_ms = 2 };
		hub_encode_ready(&b, &r);
		expect_close(send_frame(&b), 2000);
		return 0;
	}
	if (!strcmp(cmd, "stats") && argc == 4) {
		int r = hub_stats(argv[2], argv[3]);
		printf("hub_stats: %s\n", r < 0 ? strerror(-r) : "sent");
		return r < 0;
	}
	if (!strcmp(cmd, "stats-raw") && argc == 4) {
		hub_encode_stats(&b, argv[2], argv[3]);
		expect_close(send_frame(&b), 2000);
		return 0;
	}
	if (!strcmp(cmd, "status")) {
		char text[2048];
		struct gi_error err = GI_ERROR_INIT;
		if (hub_status(text, sizeof(text), 5000, &err) < 0) {
			printf("hub: refused: %s\n", err.msg);
			return 1;
		}
		fputs(text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "garbage")) {
		proto_put_raw(&b, "this is not a frame", 19);
		expect_close(send_frame(&b), 2000);
		return 0;
	}
	if (!strcmp(cmd, "hold") && argc == 3) {
		int n = atoi(argv[2]), kept = 0;
		int *fds = calloc((size_t)n, sizeof(int));
		for (int i = 0; i < n; i++)
			fds[i] = unixsock_connect(HUB_SOCKET_PATH, SOCK_SEQPACKET);
		usleep(300000); /* the hub accepts and closes what is over its limit */
		for (int i = 0; i < n; i++) {
			struct pollfd p = { fds[i], POLLIN, 0 };
			char c;
			if (fds[i] >= 0 && !(poll(&p, 1, 0) == 1 && recv(fds[i], &c, 1, MSG_DONTWAIT) == 0))
				kept++;
		}
		printf("kept: %d of %d\n", kept, n);
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		free(fds);
		return 0;
	}
	fprintf(stderr, "hubpeer: unknown command\n");
	return 2;
}
#undef b
