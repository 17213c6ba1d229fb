/* The systemd hand-off's pure parts: which systemd is found (and why not), the generator's
 * masks, and spawn_capture, through which the helper asks systemctl. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "generator.h"
#include "handoff.h"
#include "spawn.h"
#include "unit.h"

static char root[64];

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/gi-handoff-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/sbin", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/lib", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/lib/systemd", root);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void put_exec(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(p, 0755), 0);
}

static void put_link(const char *rel, const char *target)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void remove_root(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(sbin_init_linking_to_systemd_is_found)
{
	make_root();
	put_exec("/lib/systemd/systemd");
	put_link("/sbin/init", "../lib/systemd/systemd");
	char out[64], why[256] = "";
	ck_assert(handoff_find_systemd(root, out, sizeof(out), why, sizeof(why)));
	ck_assert_str_eq(out, "/sbin/init");
	remove_root();
}
END_TEST

START_TEST(systemd_without_sysv_link_is_found_in_lib)
{
	make_root();
	put_exec("/lib/systemd/systemd");
	put_exec("/sbin/init"); /* sysvinit's, say */
	char out[64], why[256] = "";
	ck_assert(handoff_find_systemd(root, out, sizeof(out), why, sizeof(why)));
	ck_assert_str_eq(out, "/lib/systemd/systemd");
	remove_root();
}
END_TEST

START_TEST(no_systemd_names_what_is_missing)
{
	make_root();
	char out[64], why[256] = "";
	ck_assert(!handoff_find_systemd(root, out, sizeof(out), why, sizeof(why)));
	ck_assert_msg(strstr(why, "/sbin/init") && strstr(why, "systemd-sysv"), "why: %s", why);
	put_exec("/sbin/init");
	ck_assert(!handoff_find_systemd(root, out, sizeof(out), why, sizeof(why)));
	ck_assert_msg(strstr(why, "not systemd"), "why: %s", why);
	remove_root();
}
END_TEST

START_TEST(a_systemd_that_cannot_run_is_not_found)
{
	make_root();
	put_exec("/lib/systemd/systemd");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/lib/systemd/systemd", root);
	ck_assert_int_eq(chmod(p, 0644), 0);
	char out[64], why[256] = "";
	/* no x bit at all: not even root may run it */
	ck_assert(!handoff_find_systemd(root, out, sizeof(out), why, sizeof(why)));
	ck_assert_msg(strstr(why, "Permission denied"), "why: %s", why);
	remove_root();
}
END_TEST

static bool is_mask(const char *dir, const char *unit)
{
	char p[PATH_MAX], target[64];
	snprintf(p, sizeof(p), "%s/%s", dir, unit);
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "/dev/null");
}

START_TEST(generator_masks_the_waits_and_the_serial_console)
{
	make_root();
	int n = generator_write_masks(root, "tty0 ttyS0\n");
	ck_assert_int_eq(n, 5);
	ck_assert(is_mask(root, "systemd-networkd-wait-online.service"));
	ck_assert(is_mask(root, "NetworkManager-wait-online.service"));
	ck_assert(is_mask(root, "console-getty.service"));
	ck_assert(is_mask(root, "proc-sys-fs-binfmt_misc.automount"));
	ck_assert(is_mask(root, "serial-getty@ttyS0.service"));
	ck_assert(!is_mask(root, "serial-getty@tty0.service")); /* a VT is not masked */
	/* systemd runs generators again on daemon-reload: the second run finds its masks */
	ck_assert_int_eq(generator_write_masks(root, "ttyS0"), 5);
	remove_root();
}
END_TEST

START_TEST(generator_refuses_a_missing_folder)
{
	ck_assert_int_eq(generator_write_masks("/nonexistent/gi-generator", ""), -ENOENT);
	char *argv[] = { "guestinit-generator", NULL };
	ck_assert_int_eq(generator_main(1, argv), 2);
}
END_TEST

START_TEST(spawn_capture_reads_the_output_and_the_status)
{
	char out[8];
	char *argv[] = { "sh", "-c", "echo running; exit 3", NULL };
	char *envp[] = { NULL };
	int st = spawn_capture("/bin/sh", argv, envp, out, sizeof(out));
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 3);
	ck_assert_str_eq(out, "running");
	/* more than fits: cut, and the child is not blocked on a full pipe */
	char *big[] = { "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x", NULL };
	st = spawn_capture("/bin/sh", big, envp, out, sizeof(out));
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_str_eq(out, "xxxxxxx");
	char *none[] = { "nonexistent", NULL };
	st = spawn_capture("/nonexistent/gi-x", none, envp, out, sizeof(out));
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("handoff");
	TCase *tc = tcase_create("handoff");
	tcase_add_test(tc, sbin_init_linking_to_systemd_is_found);
	tcase_add_test(tc, systemd_without_sysv_link_is_found_in_lib);
	tcase_add_test(tc, no_systemd_names_what_is_missing);
	tcase_add_test(tc, a_systemd_that_cannot_run_is_not_found);
	tcase_add_test(tc, generator_masks_the_waits_and_the_serial_console);
	tcase_add_test(tc, generator_refuses_a_missing_folder);
	tcase_add_test(tc, spawn_capture_reads_the_output_and_the_status);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
