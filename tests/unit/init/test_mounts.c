/* Boot mount logic against a fake world, and the shutdown unmount order from mountinfo. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mounts.h"
#include "unit.h"

struct fake {
	const char *mounted[8];
	const char *failing;
	const char *done[16];
	int ndone;
	int mkdirs;
};

static int fake_is_mounted(const char *target, unsigned long magic, void *ctx)
{
	struct fake *f = ctx;
	for (int i = 0; f->mounted[i]; i++)
		if (!strcmp(f->mounted[i], target))
			return 1;
	return 0;
}
static int fake_make_dir(const char *path, mode_t mode, void *ctx)
{
	((struct fake *)ctx)->mkdirs++;
	return 0;
}
static int fake_do_mount(const struct boot_mount *m, void *ctx)
{
	struct fake *f = ctx;
	if (f->failing && !strcmp(f->failing, m->target))
		return -EPERM;
	f->done[f->ndone++] = m->target;
	return 0;
}

START_TEST(mounts_only_what_is_missing_and_goes_on_after_a_failure)
{
	struct fake f = { .mounted = { "/dev", "/proc", NULL }, .failing = "/sys/fs/cgroup" };
	struct mount_ops ops = { fake_is_mounted, fake_make_dir, fake_do_mount, &f };
	size_t missing = boot_mounts_apply(boot_mount_table, boot_mount_count, &ops);
	ck_assert_uint_eq(missing, 1);
	ck_assert_int_eq(f.ndone, (int)boot_mount_count - 3);
	for (int i = 0; i < f.ndone; i++) {
		ck_assert_str_ne(f.done[i], "/dev");
		ck_assert_str_ne(f.done[i], "/proc");
	}
	/* the one after the failing entry still happened */
	ck_assert_str_eq(f.done[f.ndone - 1], "/proc/sys/fs/binfmt_misc");
}
END_TEST

START_TEST(table_has_every_required_mount_in_dependency_order)
{
	const char *want[] = { "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run", "/sys/fs/cgroup",
			       "/proc/sys/fs/binfmt_misc" };
	ck_assert_uint_eq(boot_mount_count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < boot_mount_count; i++)
		ck_assert_str_eq(boot_mount_table[i].target, want[i]);
}
END_TEST

START_TEST(mountinfo_line_with_optional_fields_and_escapes)
{
	char line[] = "36 35 98:0 / /mnt/with\\040space rw,noatime master:1 shared:7 - ext3 /dev/ro\\134ot rw,errors=continue";
	struct mountinfo_entry e;
	ck_assert_int_eq(mountinfo_parse_line(line, &e), 0);
	ck_assert_int_eq(e.id, 36);
	ck_assert_int_eq(e.parent, 35);
	ck_assert_str_eq(e.target, "/mnt/with space");
	ck_assert_str_eq(e.fstype, "ext3");
	ck_assert_str_eq(e.source, "/dev/ro\\ot");
}
END_TEST

START_TEST(mountinfo_garbage_is_rejected)
{
	char a[] = "not a mountinfo line";
	char b[] = "1 2 3:4 / /x rw no-separator ext4 /dev/x rw";
	char c[] = "";
	struct mountinfo_entry e;
	ck_assert_int_eq(mountinfo_parse_line(a, &e), -EINVAL);
	ck_assert_int_eq(mountinfo_parse_line(b, &e), -EINVAL);
	ck_assert_int_eq(mountinfo_parse_line(c, &e), -EINVAL);
}
END_TEST

START_TEST(unmount_order_is_newest_first_without_root)
{
	const char *text = "1 0 8:1 / / rw - ext4 /dev/vda rw\n"
			   "2 1 0:5 / /proc rw - proc proc rw\n"
			   "3 1 0:6 / /sys rw - sysfs sysfs rw\n"
			   "4 3 0:7 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
			   "garbage line\n"
			   "5 1 0:8 / /mnt/c rw - 9p c rw\n";
	char **v;
	int n = mountinfo_unmount_order(text, &v);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(v[0], "/mnt/c");
	ck_assert_str_eq(v[1], "/sys/fs/cgroup");
	ck_assert_str_eq(v[2], "/sys");
	ck_assert_str_eq(v[3], "/proc");
	free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mounts");
	TCase *tc = tcase_create("mounts");
	tcase_add_test(tc, mounts_only_what_is_missing_and_goes_on_after_a_failure);
	tcase_add_test(tc, table_has_every_required_mount_in_dependency_order);
	tcase_add_test(tc, mountinfo_line_with_optional_fields_and_escapes);
	tcase_add_test(tc, mountinfo_garbage_is_rejected);
	tcase_add_test(tc, unmount_order_is_newest_first_without_root);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
