/* The 9P server on its own: a forked server on a socketpair, a small client here, a fresh
 * folder per test. What the guest's kernel would ask, checked against the host's files. */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "meta.h"
#include "p9.h"
#include "server.h"
#include "unit.h"

static char dir[] = "/tmp/p9test.XXXXXX";
static int sock = -1;
static pid_t server_pid;
static uint8_t rbuf[1 << 17];
static bool native; /* the next server serves its files as they are (\\wsl$) */

static void on_gone(void *data)
{
	evloop_quit(data, 0);
}

static void start_server(void)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	server_pid = fork();
	ck_assert_int_ge(server_pid, 0);
	if (server_pid == 0) {
		close(sv[0]);
		struct p9_export ex = { 'c', dir };
		struct p9_server *s = p9_server_new(&ex, 1);
		struct evloop *loop;
		if (s && native)
			p9_server_set_native(s);
		if (!s || evloop_new(&loop) < 0 || p9_server_add_conn(s, loop, sv[1], sv[1], on_gone, loop) < 0)
			_exit(1);
		_exit(evloop_run(loop) == 0 ? 0 : 1);
	}
	close(sv[1]);
	sock = sv[0];
}

static void setup(void)
{
	strcpy(dir, "/tmp/p9test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	start_server();
}

static void teardown(void)
{
	close(sock);
	int st;
	ck_assert_int_eq(waitpid(server_pid, &st, 0), server_pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* the server ends cleanly at EOF */
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- the client ---- */

static uint8_t obuf[1 << 17];
static struct p9_out o = { .buf = obuf, .cap = sizeof(obuf) };
static size_t rpos, rlen;

static void send_msg(void)
{
	int n = p9_finish(&o);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(write(sock, obuf, (size_t)n), n);
}

static void read_full(void *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(sock, (uint8_t *)p + got, n - got);
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
}

/* The reply: its type, or -errno for Rlerror. */
static int recv_msg(void)
{
	read_full(rbuf, 4);
	uint32_t size = p9_msg_size(rbuf);
	ck_assert_uint_ge(size, 7);
	ck_assert_uint_le(size, sizeof(rbuf));
	read_full(rbuf + 4, size - 4);
	rlen = size;
	rpos = 7;
	if (rbuf[4] == P9_RLERROR) {
		uint32_t e;
		memcpy(&e, rbuf + 7, 4);
		return -(int)le32toh(e);
	}
	return rbuf[4];
}

static uint64_t get(size_t n)
{
	ck_assert_uint_le(rpos + n, rlen);
	if (n > 8) { /* a qid or more: skipped */
		rpos += n;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, rbuf + rpos, n);
	rpos += n;
	return le64toh(v);
}

static int rpc(void)
{
	send_msg();
	return recv_msg();
}

static void str(const char *s)
{
	p9_put_str(&o, s, strlen(s));
}

static void version(void)
{
	p9_begin(&o, P9_TVERSION, P9_NOTAG);
	p9_put32(&o, 65536);
	str("9P2000.L");
	ck_assert_int_eq(rpc(), P9_RVERSION);
}

static int attach(uint32_t fid, const char *aname, uint32_t uid)
{
	p9_begin(&o, P9_TATTACH, 1);
	p9_put32(&o, fid);
	p9_put32(&o, P9_NOFID);
	str("");
	str(aname);
	p9_put32(&o, uid);
	return rpc();
}

/* Walks fid to newfid through up to 4 names (NULL-terminated); the number of qids, or -errno. */
static int walk(uint32_t fid, uint32_t newfid, const char *a, const char *b)
{
	p9_begin(&o, P9_TWALK, 1);
	p9_put32(&o, fid);
	p9_put32(&o, newfid);
	p9_put16(&o, (uint16_t)(!!a + !!b));
	if (a)
		str(a);
	if (b)
		str(b);
	int r = rpc();
	return r < 0 ? r : (int)get(2);
}

struct attr {
	uint32_t mode, uid, gid;
	uint64_t size, rdev;
};

static int getattr(uint32_t fid, struct attr *a)
{
	p9_begin(&o, P9_TGETATTR, 1);
	p9_put32(&o, fid);
	p9_put64(&o, 0x7ff);
	int r = rpc();
	if (r < 0)
		return r;
	get(8);
	get(13);
	a->mode = (uint32_t)get(4);
	a->uid = (uint32_t)get(4);
	a->gid = (uint32_t)get(4);
	get(8);
	a->rdev = get(8);
	a->size = get(8);
	return 0;
}

static int clunk(uint32_t fid)
{
	p9_begin(&o, P9_TCLUNK, 1);
	p9_put32(&o, fid);
	return rpc();
}

static int lcreate(uint32_t fid, const char *name, uint32_t mode)
{
	p9_begin(&o, P9_TLCREATE, 1);
	p9_put32(&o, fid);
	str(name);
	p9_put32(&o, O_RDWR);
	p9_put32(&o, mode);
	p9_put32(&o, 1000);
	return rpc();
}

static int lopen(uint32_t fid, uint32_t flags)
{
	p9_begin(&o, P9_TLOPEN, 1);
	p9_put32(&o, fid);
	p9_put32(&o, flags);
	return rpc();
}

static int setmode(uint32_t fid, uint32_t mode, uint32_t uid)
{
	p9_begin(&o, P9_TSETATTR, 1);
	p9_put32(&o, fid);
	p9_put32(&o, 0x3); /* mode, uid */
	p9_put32(&o, mode);
	p9_put32(&o, uid);
	p9_put32(&o, 0);
	for (int i = 0; i < 5; i++)
		p9_put64(&o, 0);
	return rpc();
}

static void put_file(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* the per-folder case flag, read on the host */
static bool case_flag(const char *path)
{
	char c;
	return lgetxattr(path, P9_META_CASE, &c, 1) == 1 && c == '1';
}

/* ---- the tests ---- */

START_TEST(presents_owner_and_masks)
{
	put_file("a.txt", "hello");
	mkdir(strcat(strcpy((char[256]){ 0 }, dir), "/sub"), 0700);
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;uid=1000;gid=1001;umask=022;fmask=111", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, "a.txt", NULL), 1);
	struct attr a;
	ck_assert_int_eq(getattr(2, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0644);
	ck_assert_uint_eq(a.uid, 1000);
	ck_assert_uint_eq(a.gid, 1001);
	ck_assert_uint_eq(a.size, 5);
	ck_assert_int_eq(walk(1, 3, "sub", NULL), 1);
	ck_assert_int_eq(getattr(3, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFDIR | 0755);
	/* without metadata, chmod succeeds and changes nothing (WSL) */
	ck_assert_int_eq(setmode(2, 0600, 5), P9_RSETATTR);
	ck_assert_int_eq(getattr(2, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0644);
	ck_assert_uint_eq(a.uid, 1000);
}
END_TEST

START_TEST(refuses_unknown_options_and_drives)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;bogus=1", 0), -EOPNOTSUPP);
	ck_assert_int_eq(attach(1, "drvfs;path=D:\\", 0), -ENOENT);
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\nothere", 0), -ENOENT);
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\..\\etc", 0), -EINVAL);
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;uid=x", 0), -EINVAL);
	ck_assert_int_eq(attach(1, "", 0), P9_RATTACH); /* one export: plain mount -t 9p works */
}
END_TEST

START_TEST(write_read_roundtrip)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, NULL, NULL), 0);
	ck_assert_int_eq(lcreate(2, "name with spaces é.txt", 0644), P9_RLCREATE);
	static uint8_t data[100000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (size_t off = 0; off < sizeof(data); off += 30000) {
		size_t n = sizeof(data) - off < 30000 ? sizeof(data) - off : 30000;
		p9_begin(&o, P9_TWRITE, 1);
		p9_put32(&o, 2);
		p9_put64(&o, off);
		p9_put32(&o, (uint32_t)n);
		p9_put_bytes(&o, data + off, n);
		ck_assert_int_eq(rpc(), P9_RWRITE);
		ck_assert_uint_eq(get(4), n);
	}
	ck_assert_int_eq(clunk(2), P9_RCLUNK);
	char p[256];
	snprintf(p, sizeof(p), "%s/name with spaces é.txt", dir);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, sizeof(data));
	/* and back */
	ck_assert_int_eq(walk(1, 3, "name with spaces é.txt", NULL), 1);
	ck_assert_int_eq(lopen(3, O_RDONLY), P9_RLOPEN);
	p9_begin(&o, P9_TREAD, 1);
	p9_put32(&o, 3);
	p9_put64(&o, 50000);
	p9_put32(&o, 20000);
	ck_assert_int_eq(rpc(), P9_RREAD);
	ck_assert_uint_eq(get(4), 20000);
	ck_assert_mem_eq(rbuf + rpos, data + 50000, 20000);
}
END_TEST

START_TEST(metadata_in_xattrs)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;metadata;uid=1000;gid=1000", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, NULL, NULL), 0);
	ck_assert_int_eq(lcreate(2, "f", 0640), P9_RLCREATE);
	ck_assert_int_eq(setmode(2, 04711, 4242), P9_RSETATTR);
	struct attr a;
	ck_assert_int_eq(getattr(2, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 04711);
	ck_assert_uint_eq(a.uid, 4242);
	ck_assert_uint_eq(a.gid, 1000);
	char p[256];
	snprintf(p, sizeof(p), "%s/f", dir);
	uint32_t v;
	ck_assert_int_eq(lgetxattr(p, P9_META_MODE, &v, 4), 4);
	ck_assert_uint_eq(le32toh(v), S_IFREG | 04711);
	ck_assert_int_eq(lgetxattr(p, P9_META_UID, &v, 4), 4);
	ck_assert_uint_eq(le32toh(v), 4242);
	/* mknod: a plain host file that remembers it is a device */
	p9_begin(&o, P9_TMKNOD, 1);
	p9_put32(&o, 1);
	str("null");
	p9_put32(&o, S_IFCHR | 0666);
	p9_put32(&o, 1);
	p9_put32(&o, 3);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), P9_RMKNOD);
	ck_assert_int_eq(walk(1, 3, "null", NULL), 1);
	ck_assert_int_eq(getattr(3, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFCHR | 0666);
	ck_assert_uint_eq(a.rdev, makedev(1, 3));
	snprintf(p, sizeof(p), "%s/null", dir);
	struct stat st;
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	/* the guest cannot reach our attributes through its own xattr calls */
	p9_begin(&o, P9_TXATTRCREATE, 1);
	p9_put32(&o, 3);
	str(P9_META_UID);
	p9_put64(&o, 4);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), -EPERM);
}
END_TEST

START_TEST(no_mknod_without_metadata)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\", 0), P9_RATTACH);
	p9_begin(&o, P9_TMKNOD, 1);
	p9_put32(&o, 1);
	str("fifo");
	p9_put32(&o, S_IFIFO | 0666);
	p9_put32(&o, 0);
	p9_put32(&o, 0);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), -EPERM);
}
END_TEST

START_TEST(a_drive_server_refuses_the_native_view)
{
	/* a guest must never choose real chmod, chown and mknod on the host's drives */
	version();
	ck_assert_int_eq(attach(1, "native", 0), -EOPNOTSUPP);
	ck_assert_int_eq(attach(1, "drvfs;native", 0), -EOPNOTSUPP);
}
END_TEST

static void setup_native(void)
{
	native = true;
	setup();
}

static void teardown_native(void)
{
	teardown();
	native = false;
}

START_TEST(native_files_as_they_are)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;metadata", 0), -EOPNOTSUPP); /* no drvfs option means anything */
	ck_assert_int_eq(attach(1, "native", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, NULL, NULL), 0);
	ck_assert_int_eq(lcreate(2, "f", 0640), P9_RLCREATE);
	char path[600];
	snprintf(path, sizeof(path), "%s/f", dir);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640 & ~(mode_t)022); /* the server's umask, not a mask of the view */
	ck_assert_int_eq(walk(1, 3, "f", NULL), 1);
	ck_assert_int_eq(setmode(3, 0604, getuid()), P9_RSETATTR); /* a real chmod and chown */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0604);
	struct attr a;
	ck_assert_int_eq(getattr(3, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0604);
	ck_assert_uint_eq(a.uid, getuid());
	p9_begin(&o, P9_TMKNOD, 1); /* a real fifo */
	p9_put32(&o, 1);
	str("fifo");
	p9_put32(&o, S_IFIFO | 0600);
	p9_put32(&o, 0);
	p9_put32(&o, 0);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), P9_RMKNOD);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
}
END_TEST

START_TEST(case_rules)
{
	put_file("ReadMe.TXT", "x");
	version();
	/* case=off: every folder without the flag ignores case */
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;case=off", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, "readme.txt", NULL), 1);
	ck_assert_int_eq(lcreate(1, "README.txt", 0644), -EEXIST);
	/* the folder's names are cached between lookups: what we create and what the host
	 * creates behind our back are both found in any case */
	ck_assert_int_eq(walk(1, 13, NULL, NULL), 0);
	ck_assert_int_eq(lcreate(13, "Made.Here", 0644), P9_RLCREATE);
	ck_assert_int_eq(walk(1, 14, "MADE.HERE", NULL), 1);
	put_file("Host.Side", "x");
	ck_assert_int_eq(walk(1, 15, "host.side", NULL), 1);
	ck_assert_int_eq(walk(1, 16, "no.such", NULL), -ENOENT);
	p9_begin(&o, P9_TMKDIR, 1);
	p9_put32(&o, 1);
	str("offdir");
	p9_put32(&o, 0755);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), P9_RMKDIR);
	/* case=dir: a folder made from the guest matches exactly */
	ck_assert_int_eq(attach(5, "drvfs;path=C:\\;case=dir", 0), P9_RATTACH);
	p9_begin(&o, P9_TMKDIR, 1);
	p9_put32(&o, 5);
	str("Src");
	p9_put32(&o, 0755);
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), P9_RMKDIR);
	put_file("Src/Main.c", "x");
	put_file("offdir/Main.c", "x");
	ck_assert_int_eq(walk(5, 6, "Src", "main.c"), 1); /* Src found, main.c not: a partial walk */
	ck_assert_int_eq(walk(5, 6, "Src", "Main.c"), 2);
	ck_assert_int_eq(walk(5, 7, "offdir", "main.c"), 2);
	char p[256];
	snprintf(p, sizeof(p), "%s/Src", dir);
	ck_assert(case_flag(p));
	snprintf(p, sizeof(p), "%s/offdir", dir);
	ck_assert(!case_flag(p));
}
END_TEST

START_TEST(symlinkroot_rewrites)
{
	char target[300], p[300];
	snprintf(target, sizeof(target), "%s/docs/x", dir);
	snprintf(p, sizeof(p), "%s/abs", dir);
	ck_assert_int_eq(symlink(target, p), 0);
	ck_assert_int_eq(symlink("/etc/passwd", strcat(strcpy((char[300]){ 0 }, dir), "/outside")), 0);
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;symlinkroot=/mnt/", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, "abs", NULL), 1);
	p9_begin(&o, P9_TREADLINK, 1);
	p9_put32(&o, 2);
	ck_assert_int_eq(rpc(), P9_RREADLINK);
	ck_assert_uint_eq(get(2), strlen("/mnt/c/docs/x"));
	ck_assert_mem_eq(rbuf + rpos, "/mnt/c/docs/x", strlen("/mnt/c/docs/x"));
	ck_assert_int_eq(walk(1, 3, "outside", NULL), 1);
	p9_begin(&o, P9_TREADLINK, 1);
	p9_put32(&o, 3);
	ck_assert_int_eq(rpc(), P9_RREADLINK);
	ck_assert_uint_eq(get(2), strlen("/etc/passwd"));
	/* a link made in the guest to /mnt/c/... is stored as the host's path */
	p9_begin(&o, P9_TSYMLINK, 1);
	p9_put32(&o, 1);
	str("made");
	str("/mnt/c/docs/y");
	p9_put32(&o, 0);
	ck_assert_int_eq(rpc(), P9_RSYMLINK);
	char got[300];
	snprintf(p, sizeof(p), "%s/made", dir);
	ssize_t n = readlink(p, got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	snprintf(target, sizeof(target), "%s/docs/y", dir);
	ck_assert_str_eq(got, target);
}
END_TEST

START_TEST(never_leaves_the_root)
{
	mkdir(strcat(strcpy((char[256]){ 0 }, dir), "/sub"), 0755);
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\sub", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, "..", ".."), 2); /* ".." at the root is the root */
	struct attr a, b;
	ck_assert_int_eq(getattr(1, &a), 0);
	ck_assert_int_eq(getattr(2, &b), 0);
	ck_assert_int_eq(walk(1, 3, "a/b", NULL), -EINVAL); /* one element per name */
	/* a symlink is not walked through: the client resolves it */
	ck_assert_int_eq(symlink("/etc", strcat(strcpy((char[256]){ 0 }, dir), "/sub/etc")), 0);
	ck_assert_int_eq(walk(1, 4, "etc", "passwd"), 1);
	/* nor followed by a truncate: a link to a host file off the share leaves it whole */
	char outside[300], link[300];
	snprintf(outside, sizeof(outside), "%s.outside", dir);
	snprintf(link, sizeof(link), "%s/sub/out", dir);
	FILE *f = fopen(outside, "w");
	ck_assert_ptr_nonnull(f);
	fputs("keep me", f);
	fclose(f);
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_eq(walk(1, 5, "out", NULL), 1);
	p9_begin(&o, P9_TSETATTR, 1);
	p9_put32(&o, 5);
	p9_put32(&o, 0x8); /* size */
	for (int i = 0; i < 3; i++)
		p9_put32(&o, 0);
	for (int i = 0; i < 5; i++)
		p9_put64(&o, 0);
	int r = rpc();
	struct stat st;
	ck_assert_int_eq(stat(outside, &st), 0);
	unlink(outside);
	ck_assert_int_eq(r, -ELOOP);
	ck_assert_int_eq(st.st_size, 7);
}
END_TEST

START_TEST(readdir_lists_everything)
{
	char name[64];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "file-%03d", i);
		put_file(name, "");
	}
	version();
	ck_assert_int_eq(attach(1, "", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, NULL, NULL), 0);
	ck_assert_int_eq(lopen(2, O_RDONLY | O_DIRECTORY), P9_RLOPEN);
	uint64_t off = 0;
	int seen = 0;
	for (;;) {
		p9_begin(&o, P9_TREADDIR, 1);
		p9_put32(&o, 2);
		p9_put64(&o, off);
		p9_put32(&o, 1000); /* small: many round trips, each resuming at an offset */
		ck_assert_int_eq(rpc(), P9_RREADDIR);
		uint32_t count = (uint32_t)get(4);
		if (!count)
			break;
		size_t end = rpos + count;
		while (rpos < end) {
			get(13);
			off = get(8);
			get(1);
			size_t nl = get(2);
			if (nl == 8 && !memcmp(rbuf + rpos, "file-", 5))
				seen++;
			rpos += nl;
		}
	}
	ck_assert_int_eq(seen, 300);
}
END_TEST

START_TEST(survives_malformed_requests)
{
	version();
	/* a body too short for its type: Rlerror with the same tag, and the server goes on */
	uint8_t bad[] = { 11, 0, 0, 0, P9_TWALK, 7, 0, 1, 2, 3, 4 };
	ck_assert_int_eq(write(sock, bad, sizeof(bad)), sizeof(bad));
	ck_assert_int_eq(recv_msg(), -EBADMSG);
	ck_assert_uint_eq(rbuf[5], 7);
	uint8_t unknown[] = { 7, 0, 0, 0, 200, 9, 0 };
	ck_assert_int_eq(write(sock, unknown, sizeof(unknown)), sizeof(unknown));
	ck_assert_int_lt(recv_msg(), 0);
	ck_assert_int_eq(attach(1, "", 0), P9_RATTACH);
	ck_assert_int_eq(clunk(99), -EBADF);
	/* a size field beyond msize: the stream is not trusted further and the server hangs up
	 * (teardown checks it exits cleanly) */
	uint8_t huge[] = { 0xff, 0xff, 0xff, 0x7f, P9_TREAD, 1, 0 };
	ck_assert_int_eq(write(sock, huge, sizeof(huge)), sizeof(huge));
	uint8_t c;
	ck_assert_int_eq(read(sock, &c, 1), 0);
}
END_TEST

START_TEST(truncated_then_gone)
{
	version();
	uint8_t part[] = { 40, 0, 0, 0, P9_TATTACH, 1 };
	ck_assert_int_eq(write(sock, part, sizeof(part)), sizeof(part));
	/* teardown closes the socket mid-message: the server must end cleanly */
}
END_TEST

/* The command (guesthost p9), not the library: on a unix listener, then on stdin/stdout. */
static void talk_to_command(void)
{
	version();
	ck_assert_int_eq(attach(1, "drvfs;path=C:\\;uid=7", 0), P9_RATTACH);
	ck_assert_int_eq(walk(1, 2, "f.txt", NULL), 1);
	struct attr a;
	ck_assert_int_eq(getattr(2, &a), 0);
	ck_assert_uint_eq(a.uid, 7);
	ck_assert_uint_eq(a.size, 3);
}

START_TEST(command_on_a_listener)
{
	put_file("f.txt", "abc");
	char sockpath[300], uri[320], drive[300];
	snprintf(sockpath, sizeof(sockpath), "%s.sock", dir);
	snprintf(uri, sizeof(uri), "unix://%s", sockpath);
	snprintf(drive, sizeof(drive), "c=%s", dir);
	pid_t pid = fork();
	if (pid == 0) {
		execl(GUESTHOST_BIN, "guesthost", "p9", "--listen", uri, drive, (char *)NULL);
		_exit(127);
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ck_assert_uint_lt(strlen(sockpath), sizeof(sa.sun_path));
	memcpy(sa.sun_path, sockpath, strlen(sockpath) + 1);
	int fd = -1;
	for (int i = 0; i < 200 && fd < 0; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			fd = -1;
			usleep(10000);
		}
	}
	ck_assert_int_ge(fd, 0);
	int saved = sock;
	sock = fd;
	talk_to_command();
	close(fd);
	sock = saved;
	kill(pid, SIGTERM);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_ne(access(sockpath, F_OK), 0); /* the listener's socket is removed */
}
END_TEST

START_TEST(command_on_stdio)
{
	put_file("f.txt", "abc");
	char drive[300];
	snprintf(drive, sizeof(drive), "c=%s", dir);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		execl(GUESTHOST_BIN, "guesthost", "p9", drive, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	int saved = sock;
	sock = sv[0];
	talk_to_command();
	close(sv[0]);
	sock = saved;
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid); /* it ends by itself when its client does */
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("p9 server");
	TCase *tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, presents_owner_and_masks);
	tcase_add_test(tc, refuses_unknown_options_and_drives);
	tcase_add_test(tc, write_read_roundtrip);
	tcase_add_test(tc, metadata_in_xattrs);
	tcase_add_test(tc, no_mknod_without_metadata);
	tcase_add_test(tc, case_rules);
	tcase_add_test(tc, symlinkroot_rewrites);
	tcase_add_test(tc, never_leaves_the_root);
	tcase_add_test(tc, readdir_lists_everything);
	tcase_add_test(tc, survives_malformed_requests);
	tcase_add_test(tc, truncated_then_gone);
	tcase_add_test(tc, command_on_a_listener);
	tcase_add_test(tc, command_on_stdio);
	tcase_add_test(tc, a_drive_server_refuses_the_native_view);
	suite_add_tcase(s, tc);
	TCase *tn = tcase_create("native");
	tcase_add_checked_fixture(tn, setup_native, teardown_native);
	tcase_add_test(tn, native_files_as_they_are);
	suite_add_tcase(s, tn);
	return unit_run(s);
}
