/* mount.drvfs's SOURCE and options: WSL's forms accepted, each mistake named, nothing dropped. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "options.h"
#include "unit.h"

START_TEST(drive_letters_and_paths)
{
	struct drvfs_source s;
	struct gi_error err = GI_ERROR_INIT;
	const char *forms[] = { "C:", "c:", "C:\\", "c:/" };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(drvfs_source_parse(forms[i], &s, &err), 0);
		ck_assert_int_eq(s.letter, 'c');
		ck_assert_str_eq(s.path, "");
	}
	ck_assert_int_eq(drvfs_source_parse("D:\\src\\app\\", &s, &err), 0);
	ck_assert_int_eq(s.letter, 'd');
	ck_assert_str_eq(s.path, "src\\app");
	ck_assert_int_eq(drvfs_source_parse("e:/My Files//x", &s, &err), 0);
	ck_assert_str_eq(s.path, "My Files\\x");
}
END_TEST

START_TEST(unc_shares)
{
	struct drvfs_source s;
	struct gi_error err = GI_ERROR_INIT;
	ck_assert_int_eq(drvfs_source_parse("\\\\server\\share", &s, &err), 0);
	ck_assert_int_eq(s.letter, 0);
	ck_assert_str_eq(s.share, "server\\share");
	ck_assert_str_eq(s.path, "");
	ck_assert_int_eq(drvfs_source_parse("\\\\server\\share\\a\\b", &s, &err), 0);
	ck_assert_str_eq(s.path, "a\\b");
	ck_assert_int_eq(drvfs_source_parse("\\\\server", &s, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "\\\\server\\share"));
}
END_TEST

START_TEST(bad_sources_are_named)
{
	struct drvfs_source s;
	struct gi_error err = GI_ERROR_INIT;
	const char *bad[] = { "", "C", "CC:", "1:", "C:x", "C:\\..\\Windows", "/mnt/c", "C:\\a;b", "C:\\a,b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(drvfs_source_parse(bad[i], &s, &err), -EINVAL);
		char want[64];
		snprintf(want, sizeof(want), "source '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, want));
	}
}
END_TEST

START_TEST(drvfs_options_go_to_aname)
{
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	char aname[256];
	ck_assert_int_eq(drvfs_options_parse("metadata,uid=1000,gid=1000,umask=22,fmask=111,case=dir,symlinkroot=/mnt/",
					     &o, &err), 0);
	ck_assert_int_gt(drvfs_options_aname(&o, aname, sizeof(aname)), 0);
	ck_assert_str_eq(aname, "metadata;uid=1000;gid=1000;umask=022;fmask=111;case=dir;symlinkroot=/mnt/");
	ck_assert_uint_eq(o.flags, 0);
}
END_TEST

START_TEST(later_values_win_and_case_force_becomes_dir)
{
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	char aname[256];
	ck_assert_int_eq(drvfs_options_parse("uid=1000,ro", &o, &err), 0); /* defaults */
	ck_assert_int_eq(drvfs_options_parse("uid=0,rw,case=force", &o, &err), 0); /* -o */
	ck_assert_uint_eq(o.uid, 0);
	ck_assert_uint_eq(o.flags & MS_RDONLY, 0);
	ck_assert(o.case_forced);
	drvfs_options_aname(&o, aname, sizeof(aname));
	ck_assert_str_eq(aname, "uid=0;case=dir");
}
END_TEST

START_TEST(generic_options_go_to_the_kernel)
{
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	ck_assert_int_eq(drvfs_options_parse("ro,noatime,nosuid,nodev,noexec,cache=loose,msize=65536,defaults,nofail,"
					     "x-systemd.automount,noauto", &o, &err), 0);
	ck_assert_uint_eq(o.flags, MS_RDONLY | MS_NOATIME | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	ck_assert_str_eq(o.cache, "loose");
	ck_assert_uint_eq(o.msize, 65536);
}
END_TEST

START_TEST(transport_is_ours_and_stays_out_of_the_aname)
{
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	ck_assert_int_eq(o.transport, DRVFS_TRANSPORT_AUTO); /* a port when the VM has one */
	ck_assert_int_eq(drvfs_options_parse("transport=port", &o, &err), 0);
	ck_assert_int_eq(o.transport, DRVFS_TRANSPORT_PORT);
	ck_assert_int_eq(drvfs_options_parse("transport=tcp,uid=5", &o, &err), 0);
	ck_assert_int_eq(o.transport, DRVFS_TRANSPORT_TCP);
	char aname[256];
	ck_assert_int_ge(drvfs_options_aname(&o, aname, sizeof(aname)), 0);
	ck_assert_msg(!strstr(aname, "transport"), "%s", aname);
	ck_assert_int_eq(drvfs_options_parse("transport=auto", &o, &err), 0);
	ck_assert_int_eq(o.transport, DRVFS_TRANSPORT_AUTO);
}
END_TEST

START_TEST(each_bad_option_is_named_with_its_reason)
{
	static const struct {
		const char *opt, *why;
	} cases[] = {
		{ "uid=alice", "numeric id" },	    { "gid=-1", "numeric id" },
		{ "umask=999", "octal mask" },	    { "fmask=", "octal mask" },
		{ "case=upper", "off, dir or force" }, { "symlinkroot=mnt", "absolute path" },
		{ "symlinkroot=/a;b", "absolute path" }, { "cache=all", "none, loose, fscache or mmap" },
		{ "msize=100", "4096 to 1048576" },   { "metadata=1", "no value" },
		{ "transport=virtio", "auto, port or tcp" }, { "transport", "auto, port or tcp" },
		{ "trans=tcp", "drvfs knows" },	    { "wibble", "drvfs knows" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drvfs_options o = { 0 };
		struct gi_error err = GI_ERROR_INIT;
		char want[64];
		ck_assert_int_eq(drvfs_options_parse(cases[i].opt, &o, &err), -EINVAL);
		snprintf(want, sizeof(want), "option '%s' is not supported", cases[i].opt);
		ck_assert_msg(strstr(err.msg, want) && strstr(err.msg, cases[i].why), "%s -> %s", cases[i].opt, err.msg);
	}
}
END_TEST

START_TEST(no_options_give_an_empty_terminated_aname)
{
	/* found by the fuzzer: with nothing written the buffer was left as it was */
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	char aname[16];
	memset(aname, ',', sizeof(aname));
	ck_assert_int_eq(drvfs_options_parse("x-a,defaults,nofail", &o, &err), 0);
	ck_assert_int_ge(drvfs_options_aname(&o, aname, sizeof(aname)), 0);
	ck_assert_str_eq(aname, "");
}
END_TEST

START_TEST(aname_that_does_not_fit_is_refused)
{
	struct drvfs_options o = { 0 };
	struct gi_error err = GI_ERROR_INIT;
	char small[8];
	ck_assert_int_eq(drvfs_options_parse("metadata,uid=1000", &o, &err), 0);
	ck_assert_int_eq(drvfs_options_aname(&o, small, sizeof(small)), -ENOSPC);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drvfs_options");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, drive_letters_and_paths);
	tcase_add_test(tc, unc_shares);
	tcase_add_test(tc, bad_sources_are_named);
	tcase_add_test(tc, drvfs_options_go_to_aname);
	tcase_add_test(tc, later_values_win_and_case_force_becomes_dir);
	tcase_add_test(tc, generic_options_go_to_the_kernel);
	tcase_add_test(tc, transport_is_ours_and_stays_out_of_the_aname);
	tcase_add_test(tc, each_bad_option_is_named_with_its_reason);
	tcase_add_test(tc, no_options_give_an_empty_terminated_aname);
	tcase_add_test(tc, aname_that_does_not_fit_is_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
