/* The config lexer in both dialects: what it reports for each line (section, key, value,
 * line) and for each line it ignores (line, problem, wording), written out as a transcript. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "unit.h"

struct transcript {
	char *buf;
	size_t len, cap;
	int stop_after; /* >0: the callback fails on that assignment */
	int seen;
};

static void add(struct transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct transcript *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		ck_assert_ptr_nonnull(t->buf);
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static int on_assignment(void *ctx, const struct conf_entry *e)
{
	struct transcript *t = ctx;
	ck_assert_str_eq(e->file, "f");
	if (t->stop_after && ++t->seen == t->stop_after)
		return -ECANCELED;
	add(t, "%u [%s] %s=<%s>\n", e->line, e->section, e->key, e->value);
	return 0;
}

static const char *const problem_names[] = {
	[CONF_LEX_UNREADABLE] = "unreadable", [CONF_LEX_TOO_LONG] = "too-long",
	[CONF_LEX_SECTION_UNCLOSED] = "unclosed", [CONF_LEX_SECTION_NAME] = "section-name",
	[CONF_LEX_SECTION_TOO_LONG] = "section-too-long", [CONF_LEX_NO_ASSIGNMENT] = "no-assignment",
	[CONF_LEX_KEY_NAME] = "key-name", [CONF_LEX_KEY_TOO_LONG] = "key-too-long",
};

static void on_problem(void *ctx, const struct conf_lex_error *e)
{
	ck_assert_str_eq(e->file, "f");
	add(ctx, "%u !%s: %s\n", e->line, problem_names[e->problem], e->msg);
}

static const struct conf_lex_ops ops = { .assignment = on_assignment, .problem = on_problem };

static struct transcript t;

/* The transcript of n bytes of text, which stays valid until the next call. */
static const char *lex_n(const struct conf_dialect *d, const char *text, size_t n)
{
	free(t.buf);
	t = (struct transcript){ 0 };
	add(&t, "%s", "");
	ck_assert_int_eq(conf_lex(d, "f", text, n, &ops, &t), 0);
	return t.buf;
}

static const char *wsl(const char *text)
{
	return lex_n(&conf_dialect_wsl, text, strlen(text));
}

static const char *systemd(const char *text)
{
	return lex_n(&conf_dialect_systemd, text, strlen(text));
}

START_TEST(wsl_sections_keys_and_values)
{
	ck_assert_str_eq(wsl("early = 1\n[boot]\nsystemd = true\n  command=  echo hi  \n\n[nosuch]\nKey = v\n"),
			 "1 [] early=<1>\n3 [boot] systemd=<true>\n4 [boot] command=<echo hi>\n7 [nosuch] Key=<v>\n");
	/* repeated keys and empty values are the key table's business: all are reported */
	ck_assert_str_eq(wsl("[a]\nk = 1\nk =\nk = 2\n"), "2 [a] k=<1>\n3 [a] k=<>\n4 [a] k=<2>\n");
	/* a value holds further '=' */
	ck_assert_str_eq(wsl("[automount]\noptions = uid=1000,gid=1000\n"),
			 "2 [automount] options=<uid=1000,gid=1000>\n");
}
END_TEST

START_TEST(wsl_comments_and_quotes)
{
	ck_assert_str_eq(wsl("# c\n  ; c\n[a]\nk = v # c\nq = \"x # y\" # z\nr = v;x\ne = \"a\\\"#b\"\n"),
			 "4 [a] k=<v>\n5 [a] q=<\"x # y\">\n6 [a] r=<v;x>\n7 [a] e=<\"a\\\"#b\">\n");
	ck_assert_str_eq(wsl("[a] # the section\n#k = v\nk = v\n"), "3 [a] k=<v>\n");
}
END_TEST

START_TEST(wsl_continuations)
{
	ck_assert_str_eq(wsl("[a]\nk = one \\\n    two \\\n three\nn = 1\n"), "2 [a] k=<one two three>\n5 [a] n=<1>\n");
	/* a comment line ends the joined line */
	ck_assert_str_eq(wsl("[a]\nk = x\\\n# c\nn = 1\n"), "2 [a] k=<x>\n4 [a] n=<1>\n");
	/* a backslash inside a comment continues nothing */
	ck_assert_str_eq(wsl("[a]\nk = x # c \\\nn = 1\n"), "2 [a] k=<x>\n3 [a] n=<1>\n");
	/* the file's last backslash joins nothing (the blank before it stays, as it always did) */
	ck_assert_str_eq(wsl("[a]\nk = x \\"), "2 [a] k=<x >\n");
}
END_TEST

START_TEST(wsl_errors_name_their_line)
{
	ck_assert_str_eq(wsl("[boot\nx: y\n[b@d]\n9key = 1\n[]\n= v\nk = \\\n  v\n[a b]\nok = 1\n"),
			 "1 !unclosed: section header without a closing ']', line ignored (keys below it stay in "
			 "the previous section's place and are checked there)\n"
			 "2 !no-assignment: expected 'key = value', line ignored\n"
			 "3 !section-name: invalid section name 'b@d', line ignored\n"
			 "4 !key-name: invalid key name '9key', line ignored\n"
			 "5 !section-name: invalid section name '', line ignored\n"
			 "6 !key-name: invalid key name '', line ignored\n"
			 "7 [] k=<v>\n"
			 "9 !section-name: invalid section name 'a b', line ignored\n"
			 "10 [] ok=<1>\n");
}
END_TEST

START_TEST(wsl_unreadable_lines)
{
	const char text[] = "[a]\nb = \0x\nc = \x01\nd = \x7f\ne = x\ry\nf = \t2\n";
	ck_assert_str_eq(lex_n(&conf_dialect_wsl, text, sizeof(text) - 1),
			 "2 !unreadable: control characters or binary data, line ignored\n"
			 "3 !unreadable: control characters or binary data, line ignored\n"
			 "4 !unreadable: control characters or binary data, line ignored\n"
			 "5 !unreadable: control characters or binary data, line ignored\n"
			 "6 [a] f=<2>\n");
	/* an unreadable line takes its continuation along; each of its lines is reported */
	const char cont[] = "[a]\nk = \0 \\\n\x01 \\\nrest\nn = 1\n";
	ck_assert_str_eq(lex_n(&conf_dialect_wsl, cont, sizeof(cont) - 1),
			 "2 !unreadable: control characters or binary data, line ignored\n"
			 "3 !unreadable: control characters or binary data, line ignored\n"
			 "5 [a] n=<1>\n");
}
END_TEST

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t h = strlen(head), tl = strlen(tail);
	char *s = malloc(h + n + tl + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, tl + 1);
	return s;
}

START_TEST(wsl_long_lines_and_names)
{
	/* 4096 bytes is the most a line may have */
	char *s = repeat("[a]\nk=", 'x', 4096 - 2, "\nn = 1\n");
	ck_assert(strstr(wsl(s), "2 [a] k=<xxx"));
	free(s);
	s = repeat("[a]\nk=", 'x', 4096 - 1, "\nn = 1\n");
	ck_assert_str_eq(wsl(s), "2 !too-long: line longer than 4096 bytes, ignored\n3 [a] n=<1>\n");
	free(s);
	/* a megabyte on one line, taking its continuation along */
	s = repeat("[a]\nk=", 'x', 1 << 20, " \\\nstill the same line\nn = 1\n");
	ck_assert_str_eq(wsl(s), "2 !too-long: line longer than 4096 bytes, ignored\n4 [a] n=<1>\n");
	free(s);
	/* joined lines count together */
	char *a = repeat("[a]\nk=", 'x', 3000, " \\\n");
	char *b = repeat(a, 'y', 2000, "\nn = 1\n");
	ck_assert_str_eq(wsl(b), "3 !too-long: line longer than 4096 bytes, ignored\n4 [a] n=<1>\n");
	free(a), free(b);
	/* names: 196 bytes at most */
	s = repeat("[", 's', 196, "]\nk = 1\n");
	ck_assert(strstr(wsl(s), "2 [sss"));
	free(s);
	s = repeat("[", 's', 197, "]\nk = 1\n");
	ck_assert_str_eq(wsl(s), "1 !section-too-long: section or key name longer than 196 bytes, line ignored\n"
				 "2 [] k=<1>\n");
	free(s);
	s = repeat("[a]\n", 'k', 197, " = 1\n");
	ck_assert_str_eq(wsl(s), "2 !key-too-long: section or key name longer than 196 bytes, line ignored\n");
	free(s);
}
END_TEST

START_TEST(crlf_bom_and_no_last_newline)
{
	ck_assert_str_eq(wsl("\xef\xbb\xbf[a]\r\nk = v\r\n\r\nlast = x"), "2 [a] k=<v>\n4 [a] last=<x>\n");
	ck_assert_str_eq(systemd("\xef\xbb\xbf[Unit]\r\nA=v\r\nB=x"), "2 [Unit] A=<v>\n3 [Unit] B=<x>\n");
	/* a byte order mark counts only before the first line */
	ck_assert_str_eq(wsl("[a]\n\xef\xbb\xbfk = v\n"), "2 !key-name: invalid key name '\xef\xbb\xbfk', line ignored\n");
	ck_assert_str_eq(wsl(""), "");
	ck_assert_str_eq(systemd("\n\n"), "");
}
END_TEST

START_TEST(unquote)
{
	char out[16];
	enum conf_quote_problem q;
	ck_assert_int_eq(conf_unquote("\"a\\\"b\\\\c\\n\\t\\x\"", out, sizeof(out), &q), 0);
	ck_assert_str_eq(out, "a\"b\\c\n\tx");
	ck_assert_int_eq(q, CONF_QUOTE_OK);
	ck_assert_int_eq(conf_unquote("plain \"as is\"", out, sizeof(out), &q), 0);
	ck_assert_str_eq(out, "plain \"as is\"");
	ck_assert_int_eq(q, CONF_QUOTE_OK);
	ck_assert_int_eq(conf_unquote("\"open", out, sizeof(out), &q), 0);
	ck_assert_str_eq(out, "open");
	ck_assert_int_eq(q, CONF_QUOTE_UNCLOSED);
	ck_assert_int_eq(conf_unquote("\"a\" b", out, sizeof(out), &q), 0);
	ck_assert_str_eq(out, "a");
	ck_assert_int_eq(q, CONF_QUOTE_TRAILING);
	ck_assert_int_eq(conf_unquote("\"a\"  ", out, sizeof(out), &q), 0);
	ck_assert_int_eq(q, CONF_QUOTE_OK);
	ck_assert_int_eq(conf_unquote("\"0123456789abcdef\"", out, sizeof(out), &q), -ENAMETOOLONG);
	ck_assert_int_eq(conf_unquote("0123456789abcdef", out, sizeof(out), &q), -ENAMETOOLONG);
	ck_assert_int_eq(conf_unquote("0123456789abcde", out, sizeof(out), &q), 0);
	ck_assert_int_eq(conf_unquote("", out, 0, &q), -ENAMETOOLONG);
}
END_TEST

START_TEST(systemd_continuations_and_comments)
{
	/* the backslash becomes a blank, the next line joins whole, comment lines inside go */
	ck_assert_str_eq(systemd("# c\n; c\n[Service]\nExecStart=/bin/sh -c \\\n  'echo a; \\\n# dropped\n  echo b'\n"
				 "Type = oneshot\n"),
			 "4 [Service] ExecStart=</bin/sh -c    'echo a;    echo b'>\n8 [Service] Type=<oneshot>\n");
	/* no inline comments: '#' and ';' are data, quotes too */
	ck_assert_str_eq(systemd("[Service]\nExecStart=/bin/x 'a # b' ; c\n"),
			 "2 [Service] ExecStart=</bin/x 'a # b' ; c>\n");
	/* an empty line ends a continuation; the file's last backslash joins nothing */
	ck_assert_str_eq(systemd("[Unit]\nA=x \\\n\nB=y\\"), "2 [Unit] A=<x>\n4 [Unit] B=<y>\n");
	/* repeated keys and empty assignments (which reset lists) reach the key table in order */
	ck_assert_str_eq(systemd("[Service]\nExecStartPre=/a\nExecStartPre=\nExecStartPre=/b\n"),
			 "2 [Service] ExecStartPre=</a>\n3 [Service] ExecStartPre=<>\n4 [Service] ExecStartPre=</b>\n");
	/* names with '-', '_' and '.'; X- sections are the key table's business too */
	ck_assert_str_eq(systemd("[X-Vendor.d]\nFoo-Bar_baz.1=v\n"), "2 [X-Vendor.d] Foo-Bar_baz.1=<v>\n");
}
END_TEST

START_TEST(systemd_errors)
{
	ck_assert_str_eq(systemd("[Service]\nthis is not a key\n[Service\nExecStart=/bin/true\n[]\n=x\nA B=1\n"),
			 "2 !no-assignment: expected Key=Value, line 'this is not a key' ignored\n"
			 "3 !unclosed: invalid section header '[Service', line ignored\n"
			 "4 [Service] ExecStart=</bin/true>\n"
			 "5 !section-name: invalid section header '[]', line ignored\n"
			 "6 !key-name: expected Key=Value, line '=x' ignored\n"
			 "7 !key-name: expected Key=Value, line 'A B=1' ignored\n");
	/* control bytes are data here, NUL is not; a NUL inside a continuation is reported on the
	 * line the joined line starts on, and ends it */
	const char text[] = "[Unit]\nA=\x01x\ry\nB=x \\\n\0\nC=1\n";
	ck_assert_str_eq(lex_n(&conf_dialect_systemd, text, sizeof(text) - 1),
			 "2 [Unit] A=<\x01x\ry>\n3 !unreadable: line too long or holding a NUL byte, ignored\n"
			 "5 [Unit] C=<1>\n");
	/* keys: 47 bytes at most */
	char *s = repeat("[Unit]\n", 'K', 47, "=1\n");
	ck_assert(strstr(systemd(s), "2 [Unit] KKK"));
	free(s);
	s = repeat("[Unit]\n", 'K', 48, "=1\n");
	ck_assert(strstr(systemd(s), "2 !key-too-long: expected Key=Value, line 'KKK"));
	free(s);
	/* 64 KiB lines */
	s = repeat("[Unit]\nA=", 'x', 65536 - 2, "\nB=1\n");
	ck_assert(strstr(systemd(s), "2 [Unit] A=<xxx"));
	free(s);
	s = repeat("[Unit]\nA=", 'x', 65536 - 1, "\nB=1\n");
	ck_assert_str_eq(systemd(s), "2 !too-long: line too long or holding a NUL byte, ignored\n3 [Unit] B=<1>\n");
	free(s);
}
END_TEST

START_TEST(a_callback_stops_the_lexer)
{
	free(t.buf);
	t = (struct transcript){ .stop_after = 2 };
	add(&t, "%s", "");
	const char *text = "[a]\nk = 1\nk = 2\nk = 3\n";
	ck_assert_int_eq(conf_lex(&conf_dialect_wsl, "f", text, strlen(text), &ops, &t), -ECANCELED);
	ck_assert_str_eq(t.buf, "2 [a] k=<1>\n");
	/* without a problem callback, problems are only skipped */
	struct conf_lex_ops quiet = { .assignment = on_assignment };
	free(t.buf);
	t = (struct transcript){ 0 };
	add(&t, "%s", "");
	ck_assert_int_eq(conf_lex(&conf_dialect_wsl, "f", "[a\nk = 1\n", 9, &quiet, &t), 0);
	ck_assert_str_eq(t.buf, "2 [] k=<1>\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf/lexer");
	TCase *tc = tcase_create("lexer");
	tcase_add_test(tc, wsl_sections_keys_and_values);
	tcase_add_test(tc, wsl_comments_and_quotes);
	tcase_add_test(tc, wsl_continuations);
	tcase_add_test(tc, wsl_errors_name_their_line);
	tcase_add_test(tc, wsl_unreadable_lines);
	tcase_add_test(tc, wsl_long_lines_and_names);
	tcase_add_test(tc, crlf_bom_and_no_last_newline);
	tcase_add_test(tc, unquote);
	tcase_add_test(tc, systemd_continuations_and_comments);
	tcase_add_test(tc, systemd_errors);
	tcase_add_test(tc, a_callback_stops_the_lexer);
	suite_add_tcase(s, tc);
	int r = unit_run(s);
	free(t.buf);
	return r;
}
