/* Static device nodes from a modules.devname as depmod writes it, made under a scratch /dev:
 * types, numbers, who may open them, folders, nodes already there, and lines that must not be
 * followed (an absolute or climbing name). Needs root, as mknod does (the tests run as root). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devnodes.h"
#include "unit.h"

static char dir[64], dev[96], devname[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_devnodes.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	snprintf(devname, sizeof(devname), "%s/modules.devname", dir);
	ck_assert_int_eq(mkdir(dev, 0755), 0);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_devname(const char *text)
{
	FILE *f = fopen(devname, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static struct stat node(const char *name)
{
	char p[160];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dev, name);
	ck_assert_msg(lstat(p, &st) == 0, "%s: %s", p, strerror(errno));
	return st;
}

START_TEST(nodes_are_made_as_kmod_static_nodes_would)
{
	write_devname("# Device nodes to trigger on-demand module loading.\n"
		      "fuse fuse c10:229\n"
		      "tun net/tun c10:200\n"
		      "loop loop-control c10:237\n"
		      "dm_mod mapper/control c10:236\n"
		      "btrfs btrfs-control c10:234\n"
		      "zram zram0 b252:0\n");
	mode_t old = umask(077); /* the nodes' modes must not depend on PID 1's umask */
	ck_assert_int_eq(devnodes_make(devname, dev), 6);
	umask(old);
	struct stat st = node("net/tun");
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(major(st.st_rdev), 10);
	ck_assert_uint_eq(minor(st.st_rdev), 200);
	ck_assert_uint_eq(st.st_mode & 07777, 0666);
	ck_assert_uint_eq(node("fuse").st_mode & 07777, 0666);
	ck_assert_uint_eq(node("loop-control").st_mode & 07777, 0600);
	ck_assert(S_ISDIR(node("mapper").st_mode));
	st = node("zram0");
	ck_assert(S_ISBLK(st.st_mode));
	ck_assert_uint_eq(major(st.st_rdev), 252);
	/* a second run makes nothing and changes nothing (devtmpfs or udev may have been first) */
	char p[160];
	snprintf(p, sizeof(p), "%s/fuse", dev);
	ck_assert_int_eq(chmod(p, 0640), 0);
	ck_assert_int_eq(devnodes_make(devname, dev), 0);
	ck_assert_uint_eq(node("fuse").st_mode & 07777, 0640);
}
END_TEST

START_TEST(bad_lines_are_skipped_and_never_followed_out)
{
	write_devname("evil /etc/evil c1:3\n"
		      "evil2 ../evil c1:3\n"
		      "evil3 a/../../evil c1:3\n"
		      "short fuse\n"
		      "kind thing x1:2\n"
		      "\n"
		      "tun net/tun c10:200\n");
	ck_assert_int_eq(devnodes_make(devname, dev), 1);
	char p[160];
	snprintf(p, sizeof(p), "%s/evil", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(access("/etc/evil", F_OK), -1);
	ck_assert(S_ISCHR(node("net/tun").st_mode));
}
END_TEST

START_TEST(a_missing_devname_is_an_error)
{
	ck_assert_int_eq(devnodes_make("/nonexistent/modules.devname", dev), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("devnodes");
	TCase *tc = tcase_create("devname");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nodes_are_made_as_kmod_static_nodes_would);
	tcase_add_test(tc, bad_lines_are_skipped_and_never_followed_out);
	tcase_add_test(tc, a_missing_devname_is_an_error);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
