/* A hostile 9P client for the VM tests, run inside the guest as root: it opens a drive
 * connection to the host itself (the way mount.drvfs does: DRIVE_OPEN with the host token)
 * through the hub (as mount.drvfs does: HUB_DIAL of a DRIVE_OPEN; the hub adds the boot
 * token) and speaks raw 9P on it, not through the kernel's client.
 *   p9probe ANAME
 * Walks three fids to d/f, prints "walked", and waits for a line on stdin (the host swaps d
 * for a symlink to a folder outside the share meanwhile). Then through the stale fids: opens
 * and reads (prints "read: DATA" or "read: error N"), opens for writing and writes "EVIL",
 * truncates to 0, and prints one line for each. Exits 0 when every step got an answer.
 *   p9probe --port NAME ANAME
 * Asks for ANAME on drive port NAME (any text: the guest may send what it likes) and prints
 * the host's answer, "ok" or "refused: REASON"; exits 0 when an answer came. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "p9.h"
#include "proto.h"
#include "drive_msg.h"
#include "hub.h"

static int fd = -1;
static uint8_t obuf[1 << 16], rbuf[1 << 16];
static struct p9_out o = { .buf = obuf, .cap = sizeof(obuf) };

static int full(void *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (uint8_t *)p + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The reply's type, -errno for Rlerror; exits if the server hung up. */
static int rpc(void)
{
	int n = p9_finish(&o);
	if (n < 0 || write(fd, obuf, (size_t)n) != n || full(rbuf, 4) < 0) {
		printf("the server hung up\n");
		exit(1);
	}
	uint32_t size = p9_msg_size(rbuf);
	if (size < 7 || size > sizeof(rbuf) || full(rbuf + 4, size - 4) < 0) {
		printf("a bad reply\n");
		exit(1);
	}
	if (rbuf[4] == P9_RLERROR) {
		uint32_t e;
		memcpy(&e, rbuf + 7, 4);
		return -(int)le32toh(e);
	}
	return rbuf[4];
}

static void str(const char *s)
{
	p9_put_str(&o, s, strlen(s));
}

static int open_drive(const char *aname, const char *port)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_drive_open m = { .aname = (char *)aname, .port = (char *)port };
	proto_encode_drive_open(&b, &m);
	struct gi_error err = GI_ERROR_INIT;
	fd = hub_dial(b.data, b.len, 5000, &err);
	proto_buf_free(&b);
	if (fd < 0) {
		fprintf(stderr, "p9probe: %s\n", err.msg);
		return -1;
	}
	struct timeval tv = { .tv_sec = 15 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr h;
	uint8_t *payload = NULL;
	uint32_t ok = 0;
	const char *why = "";
	char *reason = NULL;
	int got = proto_recv(fd, &h, &payload) == 0 && h.type == MSG_DRIVE_REPLY;
	if (got) {
		proto_decode_u32(payload, h.len, TAG_OK, &ok, &why);
		proto_decode_str(payload, h.len, TAG_REASON, &reason, &why);
	}
	free(payload);
	if (port) {
		if (got)
			printf(ok ? "ok\n" : "refused: %s\n", reason ? reason : "");
		free(reason);
		return got ? 0 : -1;
	}
	free(reason);
	if (!ok) {
		fprintf(stderr, "p9probe: the host refused the drive connection\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--port"))
		return open_drive(argv[3], argv[2]) < 0;
	if (argc != 2) {
		fprintf(stderr, "usage: p9probe ANAME | p9probe --port NAME ANAME\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (open_drive(argv[1], NULL) < 0)
		return 1;
	p9_begin(&o, P9_TVERSION, P9_NOTAG);
	p9_put32(&o, 65536);
	str("9P2000.L");
	if (rpc() != P9_RVERSION)
		return 1;
	p9_begin(&o, P9_TATTACH, 1);
	p9_put32(&o, 1);
	p9_put32(&o, P9_NOFID);
	str("");
	str(argv[1]);
	p9_put32(&o, 0);
	if (rpc() != P9_RATTACH)
		return 1;
	for (uint32_t fid = 10; fid <= 12; fid++) {
		p9_begin(&o, P9_TWALK, 1);
		p9_put32(&o, 1);
		p9_put32(&o, fid);
		p9_put16(&o, 2);
		str("d");
		str("f");
		int r = rpc();
		if (r != P9_RWALK) {
			printf("walk d/f: %d\n", r);
			return 1;
		}
	}
	printf("walked\n");
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	/* read */
	p9_begin(&o, P9_TLOPEN, 1);
	p9_put32(&o, 10);
	p9_put32(&o, O_RDONLY);
	int r = rpc();
	if (r == P9_RLOPEN) {
		p9_begin(&o, P9_TREAD, 1);
		p9_put32(&o, 10);
		p9_put64(&o, 0);
		p9_put32(&o, 100);
		r = rpc();
	}
	if (r == P9_RREAD) {
		uint32_t n;
		char data[101];
		memcpy(&n, rbuf + 7, 4);
		n = le32toh(n) < 100 ? le32toh(n) : 100;
		memcpy(data, rbuf + 11, n);
		data[n] = '\0';
		data[strcspn(data, "\n")] = '\0';
		printf("read: %s\n", data);
	} else {
		printf("read: error %d\n", -r);
	}
	/* write */
	p9_begin(&o, P9_TLOPEN, 1);
	p9_put32(&o, 11);
	p9_put32(&o, O_WRONLY);
	r = rpc();
	if (r == P9_RLOPEN) {
		p9_begin(&o, P9_TWRITE, 1);
		p9_put32(&o, 11);
		p9_put64(&o, 0);
		p9_put32(&o, 4);
		p9_put_bytes(&o, "EVIL", 4);
		r = rpc();
	}
	printf("write: %s %d\n", r == P9_RWRITE ? "done" : "error", r < 0 ? -r : 0);
	/* truncate */
	p9_begin(&o, P9_TSETATTR, 1);
	p9_put32(&o, 12);
	p9_put32(&o, 0x8);
	for (int i = 0; i < 3; i++)
		p9_put32(&o, 0);
	for (int i = 0; i < 5; i++)
		p9_put64(&o, 0);
	r = rpc();
	printf("truncate: %s %d\n", r == P9_RSETATTR ? "done" : "error", r < 0 ? -r : 0);
	close(fd);
	return 0;
}
