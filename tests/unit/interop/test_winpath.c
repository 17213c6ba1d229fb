/* Path translation, table-driven: the cases WSL's own tests assert (test/linux/unit_tests/
 * wslpath.c, ../shared/research/wsl-phase2-facts.md §3), and ours. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "winpath.h"
#include "wslpath.h"

static struct winpath_table t;

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	snprintf(t.distro, sizeof(t.distro), "Debian");
	ck_assert_int_eq(winpath_table_add(&t, "C:\\", "/mnt/c"), 0);
	ck_assert_int_eq(winpath_table_add(&t, "d:", "/mnt/d/"), 0);
	ck_assert_int_eq(winpath_table_add(&t, "C:\\src\\app", "/home/me/app"), 0); /* a folder within C: */
}

static const struct { const char *win, *guest; int err; } to_linux[] = {
	{ "C:\\", "/mnt/c/", 0 },
	{ "C:\\Foo", "/mnt/c/Foo", 0 },
	{ "C:\\Foo\\", "/mnt/c/Foo/", 0 },
	{ "C:/Foo/bar", "/mnt/c/Foo/bar", 0 },
	{ "c:\\windows", "/mnt/c/windows", 0 },
	{ "C:\\windows", "/mnt/c/windows", 0 },
	{ "foo", "foo", 0 },
	{ "foo\\", "foo/", 0 },
	{ ".", ".", 0 },
	{ "\\\\?\\C:\\Users", "/mnt/c/Users", 0 },
	{ "\\\\wsl.localhost\\Debian", "/", 0 },
	{ "\\\\wsl$\\Debian", "/", 0 },
	{ "\\\\wsl.localhost\\Debian\\proc\\stat", "/proc/stat", 0 },
	{ "\\\\wsl.localhost\\Debian/proc/stat", "/proc/stat", 0 },
	{ "\\\\wsl.localhost\\debian\\etc", "/etc", 0 },
	{ "\\\\wsl.localhost\\Debian-other\\foo", NULL, -EINVAL },
	{ "\\\\wsl.localhost\\DebianX\\foo", NULL, -EINVAL },
	{ "\\\\server\\share\\x", NULL, -EINVAL },
	{ "D:\\data", "/mnt/d/data", 0 },
	{ "Q:\\nothere", NULL, -ENOENT },
	{ "C:\\src\\app\\main.c", "/home/me/app/main.c", 0 }, /* the longest Windows prefix wins */
	{ "C:\\src\\application", "/mnt/c/src/application", 0 }, /* ... at a component boundary */
	{ "C:\\a\xef\x80\xba" "b", "/mnt/c/a:b", 0 },              /* U+F03A is ':' */
};

START_TEST(windows_to_guest)
{
	char out[4096];
	for (size_t i = 0; i < sizeof(to_linux) / sizeof(to_linux[0]); i++) {
		int r = winpath_to_linux(&t, to_linux[i].win, out, sizeof(out));
		ck_assert_msg(r == to_linux[i].err, "%s: %d, want %d", to_linux[i].win, r, to_linux[i].err);
		if (!r)
			ck_assert_msg(!strcmp(out, to_linux[i].guest), "%s -> %s, want %s", to_linux[i].win, out,
				      to_linux[i].guest);
	}
}
END_TEST

static const struct { const char *guest, *win, *mixed; } to_windows[] = {
	{ "/mnt/c", "C:\\", "C:/" },
	{ "/mnt/c/", "C:\\", "C:/" },
	{ "/mnt/c/Users/", "C:\\Users\\", "C:/Users/" },
	{ "/mnt/c/DOESNOTEXIST/", "C:\\DOESNOTEXIST\\", "C:/DOESNOTEXIST/" },
	{ "/mnt/c/windows", "C:\\windows", "C:/windows" },
	{ "/", "\\\\wsl.localhost\\Debian\\", "//wsl.localhost/Debian/" },
	{ "/proc/1/", "\\\\wsl.localhost\\Debian\\proc\\1\\", "//wsl.localhost/Debian/proc/1/" },
	{ "/etc", "\\\\wsl.localhost\\Debian\\etc", "//wsl.localhost/Debian/etc" },
	{ "/mnt/cc/x", "\\\\wsl.localhost\\Debian\\mnt\\cc\\x", "//wsl.localhost/Debian/mnt/cc/x" },
	{ "/home/me/app/x", "C:\\src\\app\\x", "C:/src/app/x" },
	{ "/home/me/app", "C:\\src\\app", "C:/src/app" },
	{ "/home/me/app/", "C:\\src\\app\\", "C:/src/app/" },
	{ "rel/x", "rel\\x", "rel/x" },
	{ "/mnt/d/a:b", "D:\\a\xef\x80\xba" "b", "D:/a\xef\x80\xba" "b" }, /* ':' becomes U+F03A */
	{ "/tmp/q?", "\\\\wsl.localhost\\Debian\\tmp\\q\xef\x80\xbf", "//wsl.localhost/Debian/tmp/q\xef\x80\xbf" },
};

START_TEST(guest_to_windows)
{
	char out[4096];
	for (size_t i = 0; i < sizeof(to_windows) / sizeof(to_windows[0]); i++) {
		ck_assert_int_eq(winpath_to_windows(&t, to_windows[i].guest, false, out, sizeof(out)), 0);
		ck_assert_msg(!strcmp(out, to_windows[i].win), "%s -> %s, want %s", to_windows[i].guest, out,
			      to_windows[i].win);
		ck_assert_int_eq(winpath_to_windows(&t, to_windows[i].guest, true, out, sizeof(out)), 0);
		ck_assert_msg(!strcmp(out, to_windows[i].mixed), "-m %s -> %s", to_windows[i].guest, out);
	}
	/* and back: an escaped name returns to its Linux spelling */
	ck_assert_int_eq(winpath_to_windows(&t, "/mnt/d/a:b*c", false, out, sizeof(out)), 0);
	char back[4096];
	ck_assert_int_eq(winpath_to_linux(&t, out, back, sizeof(back)), 0);
	ck_assert_str_eq(back, "/mnt/d/a:b*c");
	/* no distribution name: a path on no drive cannot be said */
	struct winpath_table none = t;
	none.distro[0] = '\0';
	ck_assert_int_eq(winpath_to_windows(&none, "/etc", false, out, sizeof(out)), -ENOENT);
	/* too long for the buffer */
	ck_assert_int_eq(winpath_to_windows(&t, "/mnt/c/a-long-name", false, out, 8), -ENAMETOOLONG);
}
END_TEST

START_TEST(mounts_from_mountinfo)
{
	static const char mi[] =
		"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		"40 22 0:35 / /mnt/c rw,nosuid - 9p C:\\134 rw,trans=fd,aname=drvfs;path=C:\\134;uid=1000\n"
		"41 22 0:36 / /mnt/my\\040drive rw - 9p D:\\134data rw,trans=fd\n"
		"42 22 0:37 / /mnt/v rw - 9p drvfs_v rw,trans=virtio\n"
		"43 22 0:38 / /mnt/other rw - 9p sometag rw,trans=virtio\n"
		"44 22 0:39 / /tmp/x rw - tmpfs C:\\134 rw\n"
		"45 22 0:40 / /mnt/c rw - 9p E:\\134 rw,trans=fd\n"; /* a later mount on /mnt/c hides C: */
	struct winpath_table m = { 0 };
	winpath_table_from_mountinfo(&m, mi);
	ck_assert_uint_eq(m.n, 3);
	char out[512];
	ck_assert_int_eq(winpath_to_linux(&m, "D:\\data\\x", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/mnt/my drive/x");
	ck_assert_int_eq(winpath_to_linux(&m, "V:\\y", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/mnt/v/y");
	ck_assert_int_eq(winpath_to_linux(&m, "E:\\z", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/mnt/c/z");
	ck_assert_int_eq(winpath_to_linux(&m, "C:\\z", out, sizeof(out)), -ENOENT);
}
END_TEST

/* wslpath's translation beyond the text: -a, relative and existing paths (realpath) */
START_TEST(wslpath_resolves_and_makes_absolute)
{
	char dir[] = "/tmp/wslpath.XXXXXX", out[4096], link[128], target[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	struct winpath_table m = t;
	ck_assert_int_eq(winpath_table_add(&m, "E:\\", dir), 0);
	snprintf(target, sizeof(target), "%s/real", dir);
	ck_assert_int_eq(mkdir(target, 0755), 0);
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(wslpath_translate(&m, WSLPATH_TO_WINDOWS, false, link, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "E:\\real"); /* a symlink is resolved, as WSL's wslpath does */
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(wslpath_translate(&m, WSLPATH_TO_WINDOWS, false, "real/", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "E:\\real\\"); /* an existing relative path: absolute */
	ck_assert_int_eq(wslpath_translate(&m, WSLPATH_TO_WINDOWS, false, "missing", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "missing"); /* a missing one stays relative */
	ck_assert_int_eq(wslpath_translate(&m, WSLPATH_TO_MIXED, true, "missing/../x", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "E:/x"); /* ... unless -a */
	ck_assert_int_eq(wslpath_translate(&m, WSLPATH_TO_LINUX, true, "foo\\bar", out, sizeof(out)), 0);
	char want[4200];
	snprintf(want, sizeof(want), "%s/foo/bar", dir);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(chdir(cwd), 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The command's messages and statuses, as WSL prints them. */
static int run(const char *args, char *out, size_t cap)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s wslpath %s 2>&1", INIT_BIN, args);
	FILE *p = popen(cmd, "r");
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(command_messages)
{
	char out[4096];
	ck_assert_int_eq(run("", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "wslpath: Invalid argument"));
	ck_assert_ptr_nonnull(strstr(out, "Usage:"));
	ck_assert_int_eq(run("--help", out, sizeof(out)), 1);
	ck_assert_int_eq(run("-x C:\\\\", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "Invalid command line argument: -x"));
	ck_assert_ptr_nonnull(strstr(out, "Please use 'wslpath --help' to get a list of supported arguments."));
	ck_assert_int_eq(run("-u -w /x", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "Usage:"));
	ck_assert_int_eq(run("'Q:\\nothere'", out, sizeof(out)), 1); /* no drive Q: on this machine */
	ck_assert_ptr_nonnull(strstr(out, "wslpath: Q:\\nothere: No such file or directory"));
	ck_assert_int_eq(run("-- foo", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "foo\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("winpath");
	TCase *tc = tcase_create("winpath");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, windows_to_guest);
	tcase_add_test(tc, guest_to_windows);
	tcase_add_test(tc, mounts_from_mountinfo);
	tcase_add_test(tc, wslpath_resolves_and_makes_absolute);
	tcase_add_test(tc, command_messages);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
