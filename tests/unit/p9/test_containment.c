/* The 9P server against a hostile client: two connections to one server over socketpairs, a
 * fid walked to d/f (and d, d/sub) before d is renamed and replaced by a symlink to a folder
 * outside the share, by the other connection or on the host. Every request through the stale
 * fids must act on the renamed object or fail, and never touch the outside folder. Then the
 * other ways out: a symlink in aname's path, host xattr namespaces, set-uid host files, and
 * a client that never clunks. And what falls out of fd-based resolution: paths longer than
 * the host's PATH_MAX, set-id bits cleared on write, symlink owners. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "client.h"
#include "meta.h"
#include "server.h"
#include "unit.h"

static char base[] = "/tmp/p9contain.XXXXXX";
static char share[300], outside[300];
static pid_t server_pid;
static struct p9c c1, c2;
static size_t max_fids = P9_SERVER_MAX_FIDS;

static int conns_left;
static void on_gone(void *data)
{
	if (--conns_left == 0)
		evloop_quit(data, 0);
}

static void start_server(void)
{
	int a[2], b[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
	server_pid = fork();
	ck_assert_int_ge(server_pid, 0);
	if (server_pid == 0) {
		close(a[0]);
		close(b[0]);
		struct p9_export ex = { 'c', share };
		struct p9_server *s = p9_server_new(&ex, 1);
		struct evloop *loop;
		if (!s || evloop_new(&loop) < 0)
			_exit(1);
		p9_server_set_max_fids(s, max_fids);
		conns_left = 2;
		if (p9_server_add_conn(s, loop, a[1], a[1], on_gone, loop) < 0 ||
		    p9_server_add_conn(s, loop, b[1], b[1], on_gone, loop) < 0)
			_exit(1);
		int r = evloop_run(loop);
		p9_server_free(s);
		evloop_free(loop);
		_exit(r == 0 ? 0 : 1);
	}
	close(a[1]);
	close(b[1]);
	p9c_init(&c1, a[0]);
	p9c_init(&c2, b[0]);
}

static void rm_rf(const char *p)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	ck_assert_int_eq(system(cmd), 0);
}

static void setup(void)
{
	strcpy(base, "/tmp/p9contain.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(share, sizeof(share), "%s/share", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(share, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	start_server();
}

static void teardown(void)
{
	close(c1.fd);
	close(c2.fd);
	int st;
	ck_assert_int_eq(waitpid(server_pid, &st, 0), server_pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rm_rf(base);
	max_fids = P9_SERVER_MAX_FIDS;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void sub(char *out, size_t cap, const char *dir, const char *rel)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

/* Everything of a folder that a request could change: names, types, modes, owners, sizes,
 * times, contents and extended attributes, recursively, as one text. */
static void snapshot(const char *dir, char *out, size_t cap, size_t *w)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[600], xl[1024], body[256] = "";
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		ck_assert_int_eq(lstat(p, &st), 0);
		ssize_t xn = llistxattr(p, xl, sizeof(xl));
		for (ssize_t i = 0; i > -1 && i < xn; i++)
			if (!xl[i])
				xl[i] = ',';
		if (S_ISREG(st.st_mode)) {
			int fd = open(p, O_RDONLY);
			ck_assert_int_ge(fd, 0);
			ssize_t n = read(fd, body, sizeof(body) - 1);
			body[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		*w += (size_t)snprintf(out + *w, cap - *w, "%s %o %u:%u %lld %lld.%ld [%.*s] {%s}\n", p, st.st_mode, st.st_uid,
				       st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
				       xn > 0 ? (int)xn : 0, xl, body);
		ck_assert_uint_lt(*w, cap);
		if (S_ISDIR(st.st_mode))
			snapshot(p, out, cap, w);
	}
	closedir(d);
}

static char before[16384];

static void take_before(void)
{
	size_t w = 0;
	snapshot(outside, before, sizeof(before), &w);
}

static void assert_outside_untouched(const char *what)
{
	static char after[16384];
	size_t w = 0;
	snapshot(outside, after, sizeof(after), &w);
	ck_assert_msg(!strcmp(before, after), "%s changed the folder outside the share:\nbefore:\n%s\nafter:\n%s", what,
		      before, after);
}

#define F_FILE 10 /* d/f */
#define F_DIR 11  /* d */
#define F_SUB 12  /* d/sub */

/* d/f and d/sub in the share; outside, a file of the same name with an attribute, a sub
 * folder with a file only it has, and a marker. Then the fids, then the swap. */
static void prepare(bool host_swap)
{
	char p[600], q[600];
	sub(p, sizeof(p), share, "d");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	sub(p, sizeof(p), share, "d/sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put(share, "d/f", "inside\n");
	put(share, "tomove", "to be moved\n");
	put(outside, "f", "OUTSIDE\n");
	put(outside, "marker", "only outside\n");
	sub(p, sizeof(p), outside, "sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put(outside, "sub/onlyout", "x");
	sub(p, sizeof(p), outside, "f");
	ck_assert_int_eq(setxattr(p, "user.secret", "SECRET", 6, 0), 0);

	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\;metadata", 1000), P9_RATTACH);
	ck_assert_int_eq(p9c_hello(&c2, 1, "", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_walk(&c1, 1, F_FILE, (const char *[]){ "d", "f", NULL }), 2);
	ck_assert_int_eq(p9c_walk(&c1, 1, F_DIR, (const char *[]){ "d", NULL }), 1);
	ck_assert_int_eq(p9c_walk(&c1, 1, F_SUB, (const char *[]){ "d", "sub", NULL }), 2);
	if (host_swap) {
		sub(p, sizeof(p), share, "d");
		sub(q, sizeof(q), share, "moved");
		ck_assert_int_eq(rename(p, q), 0);
		ck_assert_int_eq(symlink(outside, p), 0);
	} else {
		ck_assert_int_eq(p9c_renameat(&c2, 1, "d", 1, "moved"), P9_RRENAMEAT);
		ck_assert_int_eq(p9c_symlink(&c2, 1, "d", outside), P9_RSYMLINK);
	}
	take_before();
}

/* What the renamed file holds now. */
static void moved_file(char *out, size_t cap)
{
	char p[600];
	sub(p, sizeof(p), share, "moved/f");
	int fd = open(p, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void op_read(void)
{
	char buf[64] = "";
	if (p9c_lopen(&c1, F_FILE, O_RDONLY) == P9_RLOPEN) {
		int n = p9c_read(&c1, F_FILE, 0, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			ck_assert_str_eq(buf, "inside\n");
		}
	}
}

static void op_write(void)
{
	ck_assert_int_eq(p9c_lopen(&c1, F_FILE, O_WRONLY), P9_RLOPEN);
	ck_assert_int_eq(p9c_write(&c1, F_FILE, 0, "EVIL\n", 5), P9_RWRITE);
	char now[64];
	moved_file(now, sizeof(now));
	ck_assert_str_eq(now, "EVIL\ne\n"); /* the renamed file took the write */
}

static void op_truncate(void)
{
	p9c_setattr(&c1, F_FILE, &(struct p9c_setattr){ .valid = 0x8, .size = 0 });
}

static void op_chmod(void)
{
	p9c_setattr(&c1, F_FILE, &(struct p9c_setattr){ .valid = 0x1, .mode = 04777 });
}

static void op_chown(void)
{
	p9c_setattr(&c1, F_FILE, &(struct p9c_setattr){ .valid = 0x6, .uid = 4242, .gid = 4343 });
}

static void op_utimes(void)
{
	p9c_setattr(&c1, F_FILE, &(struct p9c_setattr){ .valid = 0x10 | 0x20 | 0x80 | 0x100, .atime_sec = 12345,
						       .mtime_sec = 12345 });
}

static void op_xattr_set(void)
{
	ck_assert_int_eq(p9c_walk(&c1, F_FILE, 20, NULL), 0);
	p9c_xattr_set(&c1, 20, "user.evil", "1", 1);
}

static void op_xattr_get(void)
{
	char buf[64];
	ck_assert_int_eq(p9c_xattr_get(&c1, F_FILE, 21, "user.secret", buf, sizeof(buf)), -ENODATA);
}

static void op_mknod(void)
{
	p9c_mknod(&c1, F_DIR, "nod", S_IFCHR | 0666, 1, 3);
}

static void op_mkdir(void)
{
	p9c_mkdir(&c1, F_DIR, "newdir", 0755);
}

static void op_symlink(void)
{
	p9c_symlink(&c1, F_DIR, "newlink", "/etc/passwd");
}

static void op_lcreate(void)
{
	ck_assert_int_eq(p9c_walk(&c1, F_DIR, 22, NULL), 0);
	p9c_lcreate(&c1, 22, "newfile", O_RDWR, 0644);
	p9c_write(&c1, 22, 0, "EVIL", 4);
}

static void op_link(void)
{
	p9c_link(&c1, F_DIR, F_FILE, "hl");
}

static void op_rename_source(void)
{
	p9c_renameat(&c1, F_DIR, "f", F_DIR, "g");
}

static void op_rename_target(void)
{
	p9c_renameat(&c1, 1, "tomove", F_DIR, "arrived");
}

static void op_trename(void)
{
	p9c_rename(&c1, F_FILE, F_DIR, "renamed");
}

static void op_readdir(void)
{
	ck_assert_int_eq(p9c_walk(&c1, F_DIR, 23, NULL), 0);
	ck_assert_int_eq(p9c_lopen(&c1, 23, O_RDONLY | O_DIRECTORY), P9_RLOPEN);
	char names[4096];
	int n = p9c_readdir_all(&c1, 23, names, sizeof(names));
	ck_assert_int_gt(n, 0);
	for (char *s = names; n-- > 0; s += strlen(s) + 1)
		ck_assert_str_ne(s, "marker");
}

static void op_unlinkat(void)
{
	p9c_unlinkat(&c1, F_DIR, "f", 0);
}

static void op_remove(void)
{
	p9c_remove(&c1, F_FILE);
}

static void op_walks(void)
{
	/* ".." from d/sub is the renamed d, whose f is the inside one */
	ck_assert_int_eq(p9c_walk(&c1, F_SUB, 24, (const char *[]){ "..", "f", NULL }), 2);
	ck_assert_int_eq(p9c_lopen(&c1, 24, O_RDONLY), P9_RLOPEN);
	char buf[64];
	int n = p9c_read(&c1, 24, 0, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, 7);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "inside\n");
	/* and d's sub is the inside one: the outside's file is not found through it */
	ck_assert_int_eq(p9c_walk(&c1, F_DIR, 25, (const char *[]){ "sub", "onlyout", NULL }), 1);
	/* the symlink now at d is not walked through from the root either */
	ck_assert_int_eq(p9c_walk(&c1, 1, 26, (const char *[]){ "d", "marker", NULL }), 1);
}

static void (*const stale_ops[])(void) = {
	op_read,     op_write,         op_truncate,      op_chmod,   op_chown,   op_utimes,    op_xattr_set,
	op_xattr_get, op_mknod,        op_mkdir,         op_symlink, op_lcreate, op_link,      op_rename_source,
	op_rename_target, op_trename,  op_readdir,       op_unlinkat, op_remove, op_walks,
};
static const char *const stale_names[] = {
	"read", "write", "truncate", "chmod", "chown", "utimes", "xattr set", "xattr get", "mknod", "mkdir",
	"symlink", "lcreate", "link", "rename source", "rename target", "Trename", "readdir", "unlinkat", "remove",
	"walks",
};
#define N_STALE (int)(sizeof(stale_ops) / sizeof(stale_ops[0]))

/* _i: the operation, and (past N_STALE) the swap made on the host instead of by connection 2 */
START_TEST(stale_fids_stay_inside)
{
	bool host_swap = _i >= N_STALE;
	prepare(host_swap);
	stale_ops[_i % N_STALE]();
	char what[80];
	snprintf(what, sizeof(what), "%s (swap %s)", stale_names[_i % N_STALE], host_swap ? "on the host" : "by conn 2");
	assert_outside_untouched(what);
}
END_TEST

START_TEST(aname_path_never_follows_a_symlink)
{
	char p[600];
	sub(p, sizeof(p), share, "link");
	ck_assert_int_eq(symlink(outside, p), 0);
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\link", 0), -ENOTDIR);
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\link\\sub", 0), -ENOTDIR);
}
END_TEST

START_TEST(guest_sets_only_user_xattrs)
{
	put(share, "f", "x");
	ck_assert_int_eq(p9c_hello(&c1, 1, "", 0), P9_RATTACH);
	static const char *const refused[] = { "trusted.x", "security.capability", "system.posix_acl_access", "user." };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_int_eq(p9c_walk(&c1, 1, 2, (const char *[]){ "f", NULL }), 1);
		ck_assert_int_eq(p9c_xattr_set(&c1, 2, refused[i], "v", 1), -EOPNOTSUPP);
		ck_assert_int_eq(p9c_clunk(&c1, 2), P9_RCLUNK);
	}
	ck_assert_int_eq(p9c_walk(&c1, 1, 2, (const char *[]){ "f", NULL }), 1);
	ck_assert_int_eq(p9c_xattr_set(&c1, 2, "user.ok", "v", 1), 0);
	char p[600], v[8];
	sub(p, sizeof(p), share, "f");
	ck_assert_int_eq(lgetxattr(p, "user.ok", v, sizeof(v)), 1);
	ck_assert_int_eq(lgetxattr(p, "trusted.x", v, sizeof(v)), -1);
	/* a host trusted.* attribute is not shown to the guest */
	ck_assert_int_eq(lsetxattr(p, "trusted.hostonly", "h", 1, 0), 0);
	ck_assert_int_eq(p9c_walk(&c1, 1, 3, (const char *[]){ "f", NULL }), 1);
	char list[256];
	int n = p9c_xattr_get(&c1, 3, 4, "", list, sizeof(list));
	ck_assert_int_eq(n, (int)sizeof("user.ok"));
	ck_assert_str_eq(list, "user.ok");
	ck_assert_int_eq(p9c_xattr_get(&c1, 3, 4, "trusted.hostonly", list, sizeof(list)), -ENODATA);
}
END_TEST

START_TEST(host_files_are_never_setid)
{
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\;metadata", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_walk(&c1, 1, 2, NULL), 0);
	ck_assert_int_eq(p9c_lcreate(&c1, 2, "suid", O_RDWR, 04755), P9_RLCREATE);
	ck_assert_int_eq(p9c_mkdir(&c1, 1, "sgid", 02775), P9_RMKDIR);
	char p[600];
	struct stat st;
	sub(p, sizeof(p), share, "suid");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07000, 0);
	sub(p, sizeof(p), share, "sgid");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07000, 0);
	/* the guest still sees what it asked for */
	struct p9c_attr a;
	ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 04755);
}
END_TEST

START_TEST(fid_budget_answers_emfile)
{
	/* the server of this test was started with the default; a small one needs a new server */
	close(c1.fd);
	close(c2.fd);
	int st;
	ck_assert_int_eq(waitpid(server_pid, &st, 0), server_pid);
	max_fids = 8;
	start_server();
	ck_assert_int_eq(p9c_hello(&c1, 1, "", 0), P9_RATTACH);
	for (uint32_t f = 2; f <= 8; f++)
		ck_assert_int_eq(p9c_walk(&c1, 1, f, NULL), 0);
	ck_assert_int_eq(p9c_walk(&c1, 1, 9, NULL), -EMFILE);
	ck_assert_int_eq(p9c_clunk(&c1, 8), P9_RCLUNK);
	ck_assert_int_eq(p9c_walk(&c1, 1, 9, NULL), 0);
	/* the other connection has a budget of its own */
	ck_assert_int_eq(p9c_hello(&c2, 1, "", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_walk(&c2, 1, 2, NULL), 0);
}
END_TEST

/* 255-byte names, 20 deep below the share: a guest path of over 5,000 bytes, and more than
 * PATH_MAX on the host once the share's own folder is in front. */
START_TEST(paths_longer_than_path_max)
{
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\;metadata", 0), P9_RATTACH);
	char name[256];
	memset(name, 'a', 255);
	name[255] = '\0';
	uint32_t fid = 1;
	for (int i = 0; i < 20; i++) {
		name[0] = (char)('a' + i);
		ck_assert_int_eq(p9c_mkdir(&c1, fid, name, 0755), P9_RMKDIR);
		ck_assert_int_eq(p9c_walk(&c1, fid, 100 + (uint32_t)i, (const char *[]){ name, NULL }), 1);
		fid = 100 + (uint32_t)i;
	}
	/* a UTF-8 name of 255 bytes: 85 three-byte characters */
	char utf[256] = "";
	for (int i = 0; i < 85; i++)
		strcat(utf, "\xe6\x97\xa5");
	ck_assert_uint_eq(strlen(utf), 255);
	ck_assert_int_eq(p9c_walk(&c1, fid, 200, NULL), 0);
	ck_assert_int_eq(p9c_lcreate(&c1, 200, utf, O_RDWR, 0640), P9_RLCREATE);
	ck_assert_int_eq(p9c_write(&c1, 200, 0, "deep", 4), P9_RWRITE);
	ck_assert_int_eq(p9c_setattr(&c1, 200, &(struct p9c_setattr){ .valid = 0x1, .mode = 0600 }), P9_RSETATTR);
	ck_assert_int_eq(p9c_link(&c1, fid, 200, "hard"), P9_RLINK);
	ck_assert_int_eq(p9c_renameat(&c1, fid, "hard", fid, "hard2"), P9_RRENAMEAT);
	struct p9c_attr a;
	ck_assert_int_eq(p9c_walk(&c1, fid, 201, (const char *[]){ "hard2", NULL }), 1);
	ck_assert_int_eq(p9c_getattr(&c1, 201, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFREG | 0600);
	ck_assert_uint_eq(a.size, 4);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_lt(a.ino, 1ull << 63);
	ck_assert_int_eq(p9c_unlinkat(&c1, fid, "hard2", 0), P9_RUNLINKAT);
	/* on the host: the same file, one name at a time */
	int dfd = open(share, O_PATH | O_DIRECTORY);
	for (int i = 0; i < 20; i++) {
		name[0] = (char)('a' + i);
		int next = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
		ck_assert_int_ge(next, 0);
		close(dfd);
		dfd = next;
	}
	struct stat st;
	ck_assert_int_eq(fstatat(dfd, utf, &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_size, 4);
	close(dfd);
}
END_TEST

/* Linux's rule, which the guest's 9p client leaves to the server on write: a write by someone
 * other than root takes set-uid off (and set-gid where the group may execute); truncate and
 * chown too. Root (CAP_FSETID) keeps them. */
START_TEST(setid_cleared_on_write_by_others)
{
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\;metadata", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_hello(&c2, 1, "drvfs;path=C:\\;metadata", 65534), P9_RATTACH);
	static const struct {
		const char *name;
		uint32_t mode, after;
	} files[] = { { "u", 04777, 0777 }, { "g", 02777, 0777 }, { "gnox", 02767, 02767 }, { "ug", 06755, 06755 } };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(p9c_walk(&c1, 1, 2, NULL), 0);
		ck_assert_int_eq(p9c_lcreate(&c1, 2, files[i].name, O_RDWR, files[i].mode), P9_RLCREATE);
		ck_assert_int_eq(p9c_write(&c1, 2, 0, "root", 4), P9_RWRITE); /* root keeps them */
		struct p9c_attr a;
		ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
		ck_assert_uint_eq(a.mode & 07777, files[i].mode);
		ck_assert_int_eq(p9c_clunk(&c1, 2), P9_RCLUNK);
	}
	/* nobody writes u, g and gnox; ug is kept for the chown below */
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(p9c_walk(&c2, 1, 3, (const char *[]){ files[i].name, NULL }), 1);
		ck_assert_int_eq(p9c_lopen(&c2, 3, O_WRONLY | O_APPEND), P9_RLOPEN);
		ck_assert_int_eq(p9c_write(&c2, 3, 4, "y", 1), P9_RWRITE);
		struct p9c_attr a;
		ck_assert_int_eq(p9c_getattr(&c2, 3, &a), 0);
		ck_assert_msg((a.mode & 07777) == files[i].after, "%s: %o after a write by another user", files[i].name,
			      a.mode & 07777);
		ck_assert_int_eq(p9c_clunk(&c2, 3), P9_RCLUNK);
	}
	/* a chown takes set-uid off, for root too; set-gid stays where the group may not execute */
	ck_assert_int_eq(p9c_walk(&c1, 1, 4, (const char *[]){ "ug", NULL }), 1);
	ck_assert_int_eq(p9c_setattr(&c1, 4, &(struct p9c_setattr){ .valid = 0x2, .uid = 7 }), P9_RSETATTR);
	struct p9c_attr a;
	ck_assert_int_eq(p9c_getattr(&c1, 4, &a), 0);
	ck_assert_uint_eq(a.mode & 07777, 0755);
	ck_assert_uint_eq(a.uid, 7);
	/* a truncate by another user */
	ck_assert_int_eq(p9c_setattr(&c1, 4, &(struct p9c_setattr){ .valid = 0x1, .mode = 04755 }), P9_RSETATTR);
	ck_assert_int_eq(p9c_walk(&c2, 1, 5, (const char *[]){ "ug", NULL }), 1);
	ck_assert_int_eq(p9c_setattr(&c2, 5, &(struct p9c_setattr){ .valid = 0x8, .size = 0 }), P9_RSETATTR);
	ck_assert_int_eq(p9c_getattr(&c2, 5, &a), 0);
	ck_assert_uint_eq(a.mode & 07777, 0755);
}
END_TEST

START_TEST(symlink_owner_is_kept)
{
	ck_assert_int_eq(p9c_hello(&c1, 1, "drvfs;path=C:\\;metadata;uid=1000;gid=1000", 4321), P9_RATTACH);
	ck_assert_int_eq(p9c_symlink(&c1, 1, "l", "target"), P9_RSYMLINK);
	ck_assert_int_eq(p9c_walk(&c1, 1, 2, (const char *[]){ "l", NULL }), 1);
	struct p9c_attr a;
	ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
	ck_assert_uint_eq(a.mode, S_IFLNK | 0777);
	ck_assert_uint_eq(a.uid, 4321); /* its maker */
	ck_assert_int_eq(p9c_setattr(&c1, 2, &(struct p9c_setattr){ .valid = 0x6, .uid = 1234, .gid = 4321 }), P9_RSETATTR);
	ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
	ck_assert_uint_eq(a.uid, 1234);
	ck_assert_uint_eq(a.gid, 4321);
	ck_assert_int_eq(p9c_setattr(&c1, 2, &(struct p9c_setattr){ .valid = 0x1, .mode = 0700 }), -EOPNOTSUPP);
	/* the host's link is untouched: still ours, still a link to "target" */
	char p[600], t[64];
	sub(p, sizeof(p), share, "l");
	struct stat st;
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_uint_eq(st.st_uid, getuid());
	ck_assert_int_eq(readlink(p, t, sizeof(t)), 6);
	/* the guest cannot reach the attributes that hold it */
	ck_assert_int_eq(p9c_walk(&c1, 1, 3, (const char *[]){ "l", NULL }), 1);
	ck_assert_int_eq(p9c_xattr_get(&c1, 3, 4, P9_META_LINK_UID, t, sizeof(t)), -ENODATA);
}
END_TEST

/* What Tsetattr carries is kept to the nanosecond (the guest's kernel may send less). */
START_TEST(times_keep_nanoseconds)
{
	put(share, "t", "x");
	ck_assert_int_eq(p9c_hello(&c1, 1, "", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_walk(&c1, 1, 2, (const char *[]){ "t", NULL }), 1);
	ck_assert_int_eq(p9c_setattr(&c1, 2, &(struct p9c_setattr){ .valid = 0x10 | 0x20 | 0x80 | 0x100,
								    .atime_sec = 1577836800, .atime_nsec = 987654321,
								    .mtime_sec = 1577836800, .mtime_nsec = 123456789 }),
			 P9_RSETATTR);
	char p[600];
	sub(p, sizeof(p), share, "t");
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1577836800);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 123456789);
	ck_assert_int_eq(st.st_atim.tv_nsec, 987654321);
	struct p9c_attr a;
	ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
	ck_assert_uint_eq(a.mtime_nsec, 123456789);
	/* a nanosecond field of a second or more is malformed */
	ck_assert_int_eq(p9c_setattr(&c1, 2, &(struct p9c_setattr){ .valid = 0x20 | 0x100, .mtime_nsec = 1000000000 }),
			 -EINVAL);
}
END_TEST

START_TEST(readdir_inodes_match_walks)
{
	put(share, "x", "1");
	ck_assert_int_eq(p9c_hello(&c1, 1, "", 0), P9_RATTACH);
	ck_assert_int_eq(p9c_walk(&c1, 1, 2, (const char *[]){ "x", NULL }), 1);
	struct p9c_attr a;
	ck_assert_int_eq(p9c_getattr(&c1, 2, &a), 0);
	ck_assert_int_eq(p9c_walk(&c1, 1, 3, NULL), 0);
	ck_assert_int_eq(p9c_lopen(&c1, 3, O_RDONLY | O_DIRECTORY), P9_RLOPEN);
	p9_begin(&c1.o, P9_TREADDIR, 1);
	p9_put32(&c1.o, 3);
	p9_put64(&c1.o, 0);
	p9_put32(&c1.o, 8192);
	ck_assert_int_eq(p9c_rpc(&c1), P9_RREADDIR);
	uint32_t n = (uint32_t)p9c_get(&c1, 4);
	size_t end = c1.pos + n;
	bool seen = false;
	while (c1.pos < end) {
		p9c_get(&c1, 5);
		uint64_t ino = p9c_get(&c1, 8);
		p9c_get(&c1, 9);
		size_t nl = p9c_get(&c1, 2);
		if (nl == 1 && c1.in[c1.pos] == 'x') {
			ck_assert_uint_eq(ino, a.ino);
			seen = true;
		}
		c1.pos += nl;
	}
	ck_assert(seen);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("p9 containment");
	TCase *tc = tcase_create("containment");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, stale_fids_stay_inside, 0, 2 * N_STALE);
	tcase_add_test(tc, aname_path_never_follows_a_symlink);
	tcase_add_test(tc, guest_sets_only_user_xattrs);
	tcase_add_test(tc, host_files_are_never_setid);
	tcase_add_test(tc, fid_budget_answers_emfile);
	tcase_add_test(tc, paths_longer_than_path_max);
	tcase_add_test(tc, setid_cleared_on_write_by_others);
	tcase_add_test(tc, symlink_owner_is_kept);
	tcase_add_test(tc, times_keep_nanoseconds);
	tcase_add_test(tc, readdir_inodes_match_walks);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
