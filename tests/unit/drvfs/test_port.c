/* The guest's side of a drive port, with a socket pair standing in for the port: the claim
 * over a made-up sysfs, the sync against what a port can hold, and the relay against a host
 * that sends 9P a page at a time, sends what no 9P message is, or goes away. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drive_msg.h"
#include "port.h"
#include "unit.h"

static const char SYNC[] = "0123456789abcdef0123456789abcdef";

static char dir[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void sub(const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void fresh(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_port.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub("sys");
	sub("dev");
}

static void gone(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(claim_takes_a_drive_port_and_nothing_else)
{
	fresh();
	char sys[128], dev[128], name[64] = "";
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	struct gi_error err = GI_ERROR_INIT;
	ck_assert_int_eq(drive_port_claim("/nonexistent/virtio-ports", dev, name, sizeof(name), &err), -ENOENT);
	sub("sys/vport1p1");
	put("sys/vport1p1/name", "org.qemu.guest_agent.0\n");
	put("dev/vport1p1", "");
	sub("sys/vport1p2");
	put("sys/vport1p2/name", "org.guestinit.drive.030\n"); /* not a drive port's name */
	put("dev/vport1p2", "");
	ck_assert_int_eq(drive_port_claim(sys, dev, name, sizeof(name), &err), -ENOENT);
	sub("sys/vport1p3");
	put("sys/vport1p3/name", "org.guestinit.drive.3\n");
	ck_assert_int_lt(drive_port_claim(sys, dev, name, sizeof(name), &err), 0); /* no device file */
	ck_assert_msg(strstr(err.msg, "drive port org.guestinit.drive.3"), "%s", err.msg);
	put("dev/vport1p3", "");
	int fd = drive_port_claim(sys, dev, name, sizeof(name), &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(name, "org.guestinit.drive.3");
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	gone();
}
END_TEST

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
}

START_TEST(sync_drops_what_came_before_and_refuses_what_follows)
{
	int sv[2];
	struct gi_error err = GI_ERROR_INIT;
	pair(sv);
	/* a last mount's tail, then the text split across two writes */
	ck_assert_int_eq(write(sv[0], "\x0b\0\0\0\x75\x01\0stale", 12), 12);
	ck_assert_int_eq(write(sv[0], SYNC, 10), 10);
	ck_assert_int_eq(write(sv[0], SYNC + 10, DRIVE_SYNC_LEN - 10), DRIVE_SYNC_LEN - 10);
	ck_assert_int_eq(drive_port_sync(sv[1], SYNC, 2000, &err), 0);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	ck_assert_int_eq(write(sv[0], SYNC, DRIVE_SYNC_LEN), DRIVE_SYNC_LEN);
	ck_assert_int_eq(write(sv[0], "x", 1), 1);
	ck_assert_int_eq(drive_port_sync(sv[1], SYNC, 2000, &err), -EPROTO);
	ck_assert_msg(strstr(err.msg, "bytes after"), "%s", err.msg);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	ck_assert_int_eq(write(sv[0], "0123456789abcdef0123456789abcdee", DRIVE_SYNC_LEN), DRIVE_SYNC_LEN); /* another text */
	ck_assert_int_eq(drive_port_sync(sv[1], SYNC, 200, &err), -ETIMEDOUT);
	ck_assert_msg(strstr(err.msg, "did not come on the drive port in 200 ms"), "%s", err.msg);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A 9P message of size n (header: size, type, tag; the body a pattern). */
static size_t message(unsigned char *m, size_t n, unsigned char type)
{
	m[0] = n & 0xff, m[1] = (n >> 8) & 0xff, m[2] = (n >> 16) & 0xff, m[3] = (n >> 24) & 0xff;
	m[4] = type, m[5] = 1, m[6] = 0;
	for (size_t i = 7; i < n; i++)
		m[i] = (unsigned char)(i * 7);
	return n;
}

static ssize_t read_within(int fd, void *buf, size_t n, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	return read(fd, buf, n);
}

static int relay(int host[2])
{
	struct gi_error err = GI_ERROR_INIT;
	pair(host);
	int k = drive_port_relay(host[1], DRIVE_PORT_PREFIX "0", &err);
	ck_assert_msg(k >= 0, "%s", err.msg);
	return k;
}

START_TEST(relay_hands_the_kernel_whole_messages)
{
	int host[2];
	int k = relay(host);
	static unsigned char m[3 * 4096 + 100], got[sizeof(m) + 64];
	size_t n = message(m, sizeof(m), 117);
	/* page by page, as a port delivers: the kernel's end must see one read of the whole */
	for (size_t off = 0; off < n; off += 4096) {
		size_t piece = n - off < 4096 ? n - off : 4096;
		ck_assert_int_eq(write(host[0], m + off, piece), (ssize_t)piece);
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000000 }, NULL);
	}
	ck_assert_int_eq(read_within(k, got, sizeof(got), 5000), (ssize_t)n);
	ck_assert_int_eq(memcmp(got, m, n), 0);
	/* two small replies in one write come through, and the kernel's requests go up */
	unsigned char two[22];
	message(two, 11, 101);
	message(two + 11, 11, 103);
	ck_assert_int_eq(write(host[0], two, sizeof(two)), (ssize_t)sizeof(two));
	size_t have = 0;
	while (have < sizeof(two)) {
		ssize_t r = read_within(k, got + have, sizeof(got) - have, 5000);
		ck_assert_int_gt(r, 0);
		have += (size_t)r;
	}
	ck_assert_int_eq(memcmp(got, two, sizeof(two)), 0);
	ck_assert_int_eq(write(k, "\x07\0\0\0\x64\x01\0", 7), 7);
	ck_assert_int_eq(read_within(host[0], got, sizeof(got), 5000), 7);
	ck_assert_int_eq(got[4], 0x64);
	/* the kernel's end closing (the unmount) ends the relay: the port's holder lets go */
	close(k);
	ck_assert_int_eq(read_within(host[0], got, sizeof(got), 5000), 0);
	close(host[0]);
}
END_TEST

START_TEST(relay_ends_on_a_size_no_message_has_or_the_host_going)
{
	static const unsigned char bad[][4] = { { 3, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0xff, 0xff, 0xff, 0xff },
						{ 1, 0, 0x10, 0 } /* 1 MiB + 1 */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int host[2];
		int k = relay(host);
		unsigned char junk[16] = { 0 };
		memcpy(junk, bad[i], 4);
		ck_assert_int_eq(write(host[0], junk, sizeof(junk)), (ssize_t)sizeof(junk));
		unsigned char got[64];
		ck_assert_msg(read_within(k, got, sizeof(got), 5000) == 0, "size %zu: the kernel's end is not at its end", i);
		close(k);
		close(host[0]);
	}
	int host[2];
	int k = relay(host);
	unsigned char m[100], got[128];
	message(m, sizeof(m), 117);
	ck_assert_int_eq(write(host[0], m, 50), 50); /* half a message, then the host is gone */
	close(host[0]);
	ck_assert_int_eq(read_within(k, got, sizeof(got), 5000), 0);
	close(k);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drvfs_port");
	TCase *tc = tcase_create("port");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, claim_takes_a_drive_port_and_nothing_else);
	tcase_add_test(tc, sync_drops_what_came_before_and_refuses_what_follows);
	tcase_add_test(tc, relay_hands_the_kernel_whole_messages);
	tcase_add_test(tc, relay_ends_on_a_size_no_message_has_or_the_host_going);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
