/* WSLENV, table-driven: WSL's rules (research §2), both directions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "wslenv.h"

static const char *const env_guest[] = { "FOO=bar", "EMPTY=", "GOPATH=/mnt/c/go:/home/me/go:rel/x", "ONLYGUEST=/etc",
					 "CASE=lower", "WEIRD=a:b", NULL };
static const char *const env_host[] = { "FOO=fromhost", "USERPROFILE=C:\\Users\\me", "LIST=C:\\a;relative;Q:\\x;D:\\b",
					"NOPE=Q:\\x;relative", NULL };

static const char *lookup(void *ctx, const char *name)
{
	const char *const *env = ctx;
	size_t n = strlen(name);
	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static char warnings[1024];
static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(warnings, msg, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

static struct winpath_table t;

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	strcpy(t.distro, "Debian");
	winpath_table_add(&t, "C:\\", "/mnt/c");
	winpath_table_add(&t, "D:\\", "/mnt/d");
	warnings[0] = '\0';
}

/* The result's variables joined by '|' (WSLENV first). */
static void joined(const char *wslenv, enum wslenv_direction dir, const char *const *env, char *out, size_t cap)
{
	struct wslenv_result r;
	ck_assert_int_eq(wslenv_build(wslenv, dir, &t, lookup, warn, (void *)env, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r.n; i++) {
		if (i)
			strncat(out, "|", cap - strlen(out) - 1);
		strncat(out, r.vars[i], cap - strlen(out) - 1);
	}
	wslenv_result_free(&r);
}

static const struct { const char *wslenv; enum wslenv_direction dir; const char *want; } cases[] = {
	{ "FOO", WSLENV_TO_HOST, "WSLENV=FOO|FOO=bar" },
	{ "FOO:EMPTY", WSLENV_TO_HOST, "WSLENV=FOO:EMPTY|FOO=bar|EMPTY=" },
	{ "UNSET", WSLENV_TO_HOST, "WSLENV=UNSET|UNSET=" },            /* unset: NAME= (erases it on Windows) */
	{ "UNSET/p", WSLENV_TO_HOST, "WSLENV=UNSET/p" },               /* unset with a path flag: left out */
	{ "GOPATH/p", WSLENV_TO_HOST, "WSLENV=GOPATH/p|GOPATH=C:\\go;\\\\wsl.localhost\\Debian\\home\\me\\go;rel\\x" },
	{ "GOPATH/l", WSLENV_TO_HOST, "WSLENV=GOPATH/l|GOPATH=C:\\go;\\\\wsl.localhost\\Debian\\home\\me\\go;rel\\x" },
	{ "ONLYGUEST/u", WSLENV_TO_HOST, "WSLENV=ONLYGUEST/u" },       /* /u: only into the guest */
	{ "FOO/w", WSLENV_TO_HOST, "WSLENV=FOO/w|FOO=bar" },
	{ "FOO/uw", WSLENV_TO_HOST, "WSLENV=FOO/uw" },                 /* /uw: never */
	{ "FOO/wu", WSLENV_TO_GUEST, "WSLENV=FOO/wu" },
	{ "FOO/x", WSLENV_TO_HOST, "WSLENV=FOO/x" },                   /* unknown flag: the entry is dropped */
	{ "FOO/px:EMPTY", WSLENV_TO_HOST, "WSLENV=FOO/px:EMPTY|EMPTY=" },
	{ "FOO/", WSLENV_TO_HOST, "WSLENV=FOO/|FOO=bar" },             /* no flags: verbatim */
	{ "case", WSLENV_TO_HOST, "WSLENV=case|case=" },               /* names are case-sensitive */
	{ "::FOO::", WSLENV_TO_HOST, "WSLENV=::FOO::|FOO=bar" },       /* empty entries skipped */
	{ "FOO  ", WSLENV_TO_HOST, "WSLENV=FOO  |FOO=bar" },           /* trailing blanks trimmed */
	{ "FOO/u", WSLENV_TO_GUEST, "WSLENV=FOO/u|FOO=fromhost" },
	{ "FOO/w", WSLENV_TO_GUEST, "WSLENV=FOO/w" },                  /* /w: only out to the host */
	{ "USERPROFILE/p", WSLENV_TO_GUEST, "WSLENV=USERPROFILE/p|USERPROFILE=/mnt/c/Users/me" },
	{ "LIST/l", WSLENV_TO_GUEST, "WSLENV=LIST/l|LIST=/mnt/c/a:/mnt/d/b" }, /* relative skipped, Q: warned */
	{ "NOPE/p", WSLENV_TO_GUEST, "WSLENV=NOPE/p" },               /* nothing translated: left out */
	{ "WEIRD", WSLENV_TO_HOST, "WSLENV=WEIRD|WEIRD=a:b" },
	{ "A=B:FOO", WSLENV_TO_HOST, "WSLENV=A=B:FOO|FOO=bar" },       /* a name with '=' is no variable's */
};

START_TEST(table)
{
	char out[2048];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		joined(cases[i].wslenv, cases[i].dir, cases[i].dir == WSLENV_TO_HOST ? env_guest : env_host, out, sizeof(out));
		ck_assert_msg(!strcmp(out, cases[i].want), "WSLENV=%s (%s): %s, want %s", cases[i].wslenv,
			      cases[i].dir == WSLENV_TO_HOST ? "to the host" : "to the guest", out, cases[i].want);
	}
}
END_TEST

START_TEST(warnings_name_the_path)
{
	char out[256];
	joined("LIST/p", WSLENV_TO_GUEST, env_host, out, sizeof(out));
	ck_assert_str_eq(warnings, "Failed to translate 'Q:\\x'\n");
	struct wslenv_result r;
	ck_assert_int_eq(wslenv_build(NULL, WSLENV_TO_HOST, &t, lookup, warn, (void *)env_guest, &r), 0);
	ck_assert_uint_eq(r.n, 0); /* no WSLENV: nothing crosses */
}
END_TEST

START_TEST(entries_by_direction)
{
	struct wslenv_entry e[8];
	size_t n = wslenv_entries("A/p:B/u:C/w:D/x::E/lu", WSLENV_TO_GUEST, e, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(e[0].name, "A");
	ck_assert(e[0].path);
	ck_assert_str_eq(e[1].name, "B");
	ck_assert(!e[1].path);
	ck_assert_str_eq(e[2].name, "E");
	ck_assert(e[2].path);
	n = wslenv_entries("A/p:B/u:C/w:D/x::E/lu", WSLENV_TO_HOST, e, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(e[0].name, "A");
	ck_assert_str_eq(e[1].name, "C");
	ck_assert_uint_eq(wslenv_entries("A:B:C", WSLENV_TO_HOST, e, 2), 2); /* at most cap */
	ck_assert_uint_eq(wslenv_entries(NULL, WSLENV_TO_HOST, e, 8), 0);
	char *env[] = { "A=1", "AB=2", "A=3", "B", NULL };
	ck_assert_int_eq(wslenv_find(env, 4, "A"), 2); /* the last one holds */
	ck_assert_int_eq(wslenv_find(env, 4, "AB"), 1);
	ck_assert_int_eq(wslenv_find(env, 4, "B"), -1); /* no '=': no variable */
	ck_assert_int_eq(wslenv_find(env, 1, "AB"), -1);
}
END_TEST

START_TEST(a_linux_hosts_own_paths_become_windows_ones)
{
	/* the agent's side of WSLENV: its drive table maps its folders to letters */
	struct winpath_table host = { 0 };
	winpath_table_add(&host, "C:\\", "/home/u/wine/drive_c");
	winpath_table_add(&host, "H:\\", "/home/u");
	char *tr = wslenv_translate_list("/home/u/wine/drive_c/go:/etc:/home/u/src", WSLENV_TO_HOST, &host, warn, NULL);
	ck_assert_ptr_nonnull(tr);
	ck_assert_str_eq(tr, "C:\\go;H:\\src"); /* /etc is on no drive: dropped, with a warning */
	ck_assert_str_eq(warnings, "Failed to translate '/etc'\n");
	free(tr);
	ck_assert_ptr_null(wslenv_translate_list("/etc", WSLENV_TO_HOST, &host, NULL, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wslenv");
	TCase *tc = tcase_create("wslenv");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, table);
	tcase_add_test(tc, warnings_name_the_path);
	tcase_add_test(tc, entries_by_direction);
	tcase_add_test(tc, a_linux_hosts_own_paths_become_windows_ones);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
