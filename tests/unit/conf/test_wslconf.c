/* /etc/wsl.conf: every key, WSL's defaults, and every kind of bad input becoming a warning
 * that names file, line and key while the default stays in force. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wslconf.h"
#include "unit.h"

static char warns[64][700];
static int nwarn;

static void collect(void *ctx, const char *msg)
{
	if (nwarn < 64)
		snprintf(warns[nwarn], sizeof(warns[0]), "%s", msg);
	nwarn++;
}

static unsigned load(struct wsl_conf *c, const char *text)
{
	nwarn = 0;
	return wslconf_load_buffer(c, "wsl.conf", text, strlen(text), collect, NULL);
}

static int has_warn(const char *a, const char *b)
{
	for (int i = 0; i < nwarn && i < 64; i++)
		if (strstr(warns[i], a) && (!b || strstr(warns[i], b)))
			return 1;
	return 0;
}

START_TEST(defaults_are_wsls)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, ""), 0);
	ck_assert(c.automount.enabled);
	ck_assert_str_eq(c.automount.root, "/mnt/");
	ck_assert_str_eq(c.automount.options, "");
	ck_assert(c.automount.mount_fstab);
	ck_assert(c.automount.ldconfig);
	ck_assert(c.network.generate_hosts);
	ck_assert(c.network.generate_resolv_conf);
	ck_assert_str_eq(c.network.hostname, "");
	ck_assert(c.interop.enabled);
	ck_assert(c.interop.append_windows_path);
	ck_assert_str_eq(c.user.default_user, "");
	ck_assert(!c.boot.systemd);
	ck_assert_str_eq(c.boot.command, "");
	ck_assert(c.boot.protect_binfmt);
	ck_assert(c.time.use_windows_timezone);
	ck_assert_uint_eq(c.filesystem.umask, 022);
	ck_assert_int_eq(c.guestinit.shutdown_timeout_ms, 5000);
}
END_TEST

START_TEST(every_key_is_read)
{
	struct wsl_conf c;
	const char *text = "[automount]\n"
			   "enabled = false\nroot = /win\noptions = \"metadata,uid=1000,gid=1000,umask=22\"\n"
			   "mountFsTab = false\nldconfig = false\ncgroups = v2\n"
			   "[network]\ngenerateHosts = false\ngenerateResolvConf = false\nhostname = devbox\n"
			   "[interop]\nenabled = false\nappendWindowsPath = false\n"
			   "[user]\ndefault = alice\n"
			   "[boot]\nsystemd = true\ncommand = service nginx start\nprotectBinfmt = false\ninitTimeout = 2500\n"
			   "[time]\nuseWindowsTimezone = false\n"
			   "[filesystem]\numask = 077\n"
			   "[gpu]\nenabled = false\nappendLibPath = false\n"
			   "[guestinit]\nlogLevel = debug\nshutdownTimeout = 1500\ndaemonStopTimeout = 700\n"
			   "logFile = /var/log/gi.log\nlogFileMaxKiB = 64\nlogFileKeep = 0\n";
	ck_assert_uint_eq(load(&c, text), 0);
	ck_assert(!c.automount.enabled);
	ck_assert_str_eq(c.automount.root, "/win/");
	ck_assert_str_eq(c.automount.options, "metadata,uid=1000,gid=1000,umask=22");
	ck_assert(!c.automount.mount_fstab);
	ck_assert(!c.automount.ldconfig);
	ck_assert(!c.network.generate_hosts);
	ck_assert(!c.network.generate_resolv_conf);
	ck_assert_str_eq(c.network.hostname, "devbox");
	ck_assert(!c.interop.enabled);
	ck_assert(!c.interop.append_windows_path);
	ck_assert_str_eq(c.user.default_user, "alice");
	ck_assert(c.boot.systemd);
	ck_assert_str_eq(c.boot.command, "service nginx start");
	ck_assert(!c.boot.protect_binfmt);
	ck_assert_int_eq(c.boot.init_timeout_ms, 2500);
	ck_assert(!c.time.use_windows_timezone);
	ck_assert_uint_eq(c.filesystem.umask, 077);
	ck_assert(!c.gpu.enabled);
	ck_assert(!c.gpu.append_lib_path);
	ck_assert_int_eq(c.guestinit.log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(c.guestinit.shutdown_timeout_ms, 1500);
	ck_assert_int_eq(c.guestinit.daemon_stop_timeout_ms, 700);
	ck_assert_str_eq(c.guestinit.log_file, "/var/log/gi.log");
	ck_assert_int_eq(c.guestinit.log_file_max_kb, 64);
	ck_assert_int_eq(c.guestinit.log_file_keep, 0);
}
END_TEST

START_TEST(booleans_names_and_sections_are_case_insensitive)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "[BOOT]\nSystemD = TRUE\n[Interop]\nENABLED = No\n[automount]\nmountfstab = OFF\n"
				   "[network]\ngeneratehosts = 0\n"), 0);
	ck_assert(c.boot.systemd);
	ck_assert(!c.interop.enabled);
	ck_assert(!c.automount.mount_fstab);
	ck_assert(!c.network.generate_hosts);
}
END_TEST

START_TEST(crlf_bom_comments_and_quotes)
{
	struct wsl_conf c;
	const char *text = "\xef\xbb\xbf# a comment\r\n[boot]\r\n; another\r\n"
			   "command = \"echo '# not a comment' \\\"q\\\"\"   # a comment\r\n"
			   "systemd = true # trailing\r\n";
	ck_assert_uint_eq(load(&c, text), 0);
	ck_assert_str_eq(c.boot.command, "echo '# not a comment' \"q\"");
	ck_assert(c.boot.systemd);
}
END_TEST

START_TEST(continuation_lines_keep_line_numbers)
{
	struct wsl_conf c;
	const char *text = "[boot]\ncommand = echo one \\\n    two\nbogus = 1\n";
	ck_assert_uint_eq(load(&c, text), 1);
	ck_assert_str_eq(c.boot.command, "echo one two");
	ck_assert(has_warn("wsl.conf:4:", "boot.bogus"));
}
END_TEST

START_TEST(bad_boolean_warns_with_line_and_key_and_keeps_default)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "[interop]\n\nenabled = maybe\n"), 1);
	ck_assert(c.interop.enabled);
	ck_assert(has_warn("wsl.conf:3:", "'interop.enabled'"));
	ck_assert(has_warn("maybe", "using true"));
}
END_TEST

START_TEST(unknown_keys_sections_and_orphans_warn)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "early = 1\n[boot]\nsytemd = true\n[nosuch]\nkey = v\n"), 3);
	ck_assert(!c.boot.systemd);
	ck_assert(has_warn("wsl.conf:1:", "outside any [section]"));
	ck_assert(has_warn("wsl.conf:3:", "boot.sytemd"));
	ck_assert(has_warn("wsl.conf:5:", "nosuch.key"));
}
END_TEST

START_TEST(duplicate_keeps_the_first)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "[boot]\nsystemd = true\n[boot]\nSYSTEMD = false\n"), 1);
	ck_assert(c.boot.systemd);
	ck_assert(has_warn("wsl.conf:4:", "first set on line 2"));
}
END_TEST

START_TEST(overlong_line_is_ignored_and_numbering_goes_on)
{
	struct wsl_conf c;
	size_t big = 100 * 1024;
	char *text = malloc(big + 64);
	strcpy(text, "[boot]\ncommand = ");
	size_t n = strlen(text);
	memset(text + n, 'a', big);
	strcpy(text + n + big, "\nsystemd = true\n");
	ck_assert_uint_eq(load(&c, text), 1);
	ck_assert(has_warn("wsl.conf:2:", "longer than"));
	ck_assert_str_eq(c.boot.command, "");
	ck_assert(c.boot.systemd);
	free(text);
}
END_TEST

START_TEST(binary_garbage_is_ignored_line_by_line)
{
	struct wsl_conf c;
	char text[256];
	size_t n = 0;
	const char *a = "[boot]\n";
	memcpy(text + n, a, strlen(a));
	n += strlen(a);
	const char garbage[] = { 'x', 0, 1, 2, (char)0xff, '=', 3, '\n' };
	memcpy(text + n, garbage, sizeof(garbage));
	n += sizeof(garbage);
	const char *b = "\x7f\x45LF\x02\x01\n\xfe\xfe\xfe\nsystemd = yes\n";
	memcpy(text + n, b, strlen(b));
	n += strlen(b);
	nwarn = 0;
	unsigned w = wslconf_load_buffer(&c, "wsl.conf", text, n, collect, NULL);
	ck_assert_uint_eq(w, 3);
	ck_assert(has_warn("wsl.conf:2:", "binary"));
	ck_assert(has_warn("wsl.conf:3:", "binary"));
	ck_assert(has_warn("wsl.conf:4:", "expected 'key = value'"));
	ck_assert(c.boot.systemd);
}
END_TEST

START_TEST(malformed_lines_warn)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "[boot\nsystemd: true\n[b@d]\n9key = 1\n[boot]\ncommand = \"unterminated\n"), 5);
	ck_assert(has_warn("wsl.conf:1:", "closing ']'"));
	ck_assert(has_warn("wsl.conf:2:", "expected 'key = value'"));
	ck_assert(has_warn("wsl.conf:3:", "invalid section name"));
	ck_assert(has_warn("wsl.conf:4:", "invalid key name"));
	ck_assert(has_warn("wsl.conf:6:", "missing closing quote"));
	ck_assert(!c.boot.systemd);
	ck_assert_str_eq(c.boot.command, "unterminated");
}
END_TEST

START_TEST(typed_values_are_checked)
{
	struct wsl_conf c;
	ck_assert_uint_eq(load(&c, "[filesystem]\numask = 0999\n[network]\nhostname = bad_host!\n"
				   "[user]\ndefault = Root User\n[automount]\nroot = relative\ncgroups = v1\n"
				   "[guestinit]\nlogLevel = loud\nshutdownTimeout = -1\n"), 7);
	ck_assert_uint_eq(c.filesystem.umask, 022);
	ck_assert_str_eq(c.network.hostname, "");
	ck_assert_str_eq(c.user.default_user, "");
	ck_assert_str_eq(c.automount.root, "/mnt/");
	ck_assert_int_eq(c.automount.cgroups, WSLCONF_CGROUPS_V2);
	ck_assert_int_eq(c.guestinit.shutdown_timeout_ms, 5000);
	ck_assert(has_warn("wsl.conf:2:", "filesystem.umask"));
	ck_assert(has_warn("wsl.conf:9:", "not supported"));
}
END_TEST

START_TEST(missing_file_warns_with_its_name)
{
	struct wsl_conf c;
	nwarn = 0;
	ck_assert_uint_eq(wslconf_load_file(&c, "/nonexistent/wsl.conf", collect, NULL), 1);
	ck_assert(has_warn("/nonexistent/wsl.conf", "No such file"));
	ck_assert(c.automount.enabled);
}
END_TEST

START_TEST(file_round_trip)
{
	char path[] = "/tmp/gi-wslconf-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	const char *text = "[boot]\nsystemd=true\n";
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	struct wsl_conf c;
	nwarn = 0;
	ck_assert_uint_eq(wslconf_load_file(&c, path, collect, NULL), 0);
	ck_assert(c.boot.systemd);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wslconf");
	TCase *tc = tcase_create("wslconf");
	tcase_add_test(tc, defaults_are_wsls);
	tcase_add_test(tc, every_key_is_read);
	tcase_add_test(tc, booleans_names_and_sections_are_case_insensitive);
	tcase_add_test(tc, crlf_bom_comments_and_quotes);
	tcase_add_test(tc, continuation_lines_keep_line_numbers);
	tcase_add_test(tc, bad_boolean_warns_with_line_and_key_and_keeps_default);
	tcase_add_test(tc, unknown_keys_sections_and_orphans_warn);
	tcase_add_test(tc, duplicate_keeps_the_first);
	tcase_add_test(tc, overlong_line_is_ignored_and_numbering_goes_on);
	tcase_add_test(tc, binary_garbage_is_ignored_line_by_line);
	tcase_add_test(tc, malformed_lines_warn);
	tcase_add_test(tc, typed_values_are_checked);
	tcase_add_test(tc, missing_file_warns_with_its_name);
	tcase_add_test(tc, file_round_trip);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
