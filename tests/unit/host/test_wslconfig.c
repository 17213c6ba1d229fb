/* ~/.wslconfig's keys: what each sets in start's options, WSL's sizes, and every bad value or
 * unknown key one warning naming file, line and key, with the default kept. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "wslconfig.h"

static char said[8192];

/* wslconfig.c's warnings come through gh_say (guesthost.c, which holds main) */
void gh_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(said);
	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	va_end(ap);
	strncat(said, "\n", sizeof(said) - strlen(said) - 1);
}

static unsigned load(const char *text, struct wslconfig *c)
{
	char path[] = "/tmp/gi-wslconfig.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	said[0] = '\0';
	wslconfig_defaults(c);
	unsigned n = wslconfig_load(c, path);
	unlink(path);
	return n;
}

START_TEST(keys)
{
	struct wslconfig c;
	ck_assert_uint_eq(load("[wsl2]\nprocessors=1\nmemory=768MB\nswap=1GB\nswapFile=/tmp/sw.img\npageReporting=false\n"
			       "localhostForwarding=false\nnetworkingMode=mirrored\nkernelCommandLine = loglevel=7\n"
			       "vmIdleTimeout=5000\n[experimental]\nautoMemoryReclaim=dropCache\n",
			       &c),
			  0);
	struct vm_opts vm = { .mem_mb = 2048, .cpus = 2 };
	wslconfig_apply(&c, &vm);
	ck_assert_uint_eq(vm.cpus, 1);
	ck_assert_uint_eq(vm.mem_mb, 768);
	ck_assert_uint_eq(vm.swap_mb, 1024);
	ck_assert_str_eq(vm.swap_file, "/tmp/sw.img");
	ck_assert(vm.page_reporting_off && vm.localhost_forwarding_off && vm.mirrored);
	ck_assert_str_eq(vm.kernel_cmdline, "loglevel=7");
	ck_assert_str_eq(vm.reclaim, "dropcache");
	ck_assert_ptr_null(vm.kernel);
	ck_assert_uint_eq(vm.idle_timeout_ms, 5000);
	/* 0 or less: never */
	ck_assert_uint_eq(load("[wsl2]\nvmIdleTimeout=-1\n", &c), 0);
	vm.idle_timeout_ms = 60000;
	wslconfig_apply(&c, &vm);
	ck_assert_uint_eq(vm.idle_timeout_ms, 0);
}
END_TEST

START_TEST(sizes)
{
	struct wslconfig c;
	ck_assert_uint_eq(load("[wsl2]\nmemory=8GB\nswap=0\n", &c), 0);
	ck_assert_uint_eq(c.memory_mb, 8192);
	ck_assert_int_eq(c.swap_mb, 0);
	ck_assert_uint_eq(load("[wsl2]\nmemory=1.5gb\n", &c), 0);
	ck_assert_uint_eq(c.memory_mb, 1536);
	ck_assert_uint_eq(load("[wsl2]\nmemory=536870912\n", &c), 0); /* bytes */
	ck_assert_uint_eq(c.memory_mb, 512);
}
END_TEST

START_TEST(nothing_set)
{
	struct wslconfig c;
	ck_assert_uint_eq(load("# nothing\n[wsl2]\n", &c), 0);
	struct vm_opts vm = { .mem_mb = 2048, .cpus = 2 };
	wslconfig_apply(&c, &vm);
	ck_assert_uint_eq(vm.mem_mb, 2048);
	ck_assert_uint_eq(vm.cpus, 2);
	ck_assert_uint_eq(vm.swap_mb, 0);
	ck_assert(!vm.page_reporting_off && !vm.localhost_forwarding_off && !vm.mirrored);
	/* a missing file is no problem: WSL runs without one */
	wslconfig_defaults(&c);
	said[0] = '\0';
	ck_assert_uint_eq(wslconfig_load(&c, "/nonexistent/.wslconfig"), 0);
	ck_assert_str_eq(said, "");
}
END_TEST

START_TEST(bad_values)
{
	struct wslconfig c;
	ck_assert_uint_eq(load("[wsl2]\nmemory=lots\nprocessors=999\nfrobnicate=1\nswap=-1\npageReporting=maybe\n"
			       "networkingMode=bridged\nswapFile=relative.img\nkernel=/nonexistent/bzImage\n",
			       &c),
			  8);
	ck_assert_uint_eq(c.memory_mb, 0);
	ck_assert_uint_eq(c.processors, 0);
	ck_assert_int_eq(c.swap_mb, -1);
	ck_assert_int_eq(c.page_reporting, -1);
	ck_assert_int_eq(c.networking_mode, -1);
	ck_assert_str_eq(c.kernel, "");
	ck_assert_ptr_nonnull(strstr(said, ":2: invalid value 'lots' for 'wsl2.memory'"));
	ck_assert_ptr_nonnull(strstr(said, ":3: invalid value '999' for 'wsl2.processors' (expected a count from 1 to "));
	ck_assert_ptr_nonnull(strstr(said, ":4: unknown key 'wsl2.frobnicate', ignored"));
	ck_assert_ptr_nonnull(strstr(said, ":7: invalid value 'bridged' for 'wsl2.networkingMode' (bridged is not a mode of this host"));
	ck_assert_ptr_nonnull(strstr(said, ".wslconfig: /tmp/gi-wslconfig."));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wslconfig");
	TCase *tc = tcase_create("wslconfig");
	tcase_add_test(tc, keys);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, nothing_set);
	tcase_add_test(tc, bad_values);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
