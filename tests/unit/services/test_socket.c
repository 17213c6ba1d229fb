/* The listening sockets of socket activation: each ListenStream= form, and every bad value
 * refused with a message naming it. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "svc_socket.h"
#include "unitfile.h"

static char dir[] = "/tmp/test_socket.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/test_socket.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int connect_to(const char *path, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (abstract)
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + !abstract);
	int r = connect(fd, (struct sockaddr *)&sa, len);
	close(fd);
	return r;
}

START_TEST(unix_path_in_new_folders)
{
	struct unit u;
	unit_init(&u);
	u.socket_mode = 0640;
	u.socket_dir_mode = 0710;
	char path[256], err[256] = "", sub[256];
	snprintf(path, sizeof(path), "%s/a/b/api.sock", dir);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	int fd = svc_socket_listen(&u, path, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0710);
	ck_assert_int_eq(connect_to(path, false), 0);
	close(fd);
	/* the socket a last run left is replaced */
	fd = svc_socket_listen(&u, path, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(connect_to(path, false), 0);
	close(fd);
	unit_free(&u);
}
END_TEST

START_TEST(abstract_name)
{
	struct unit u;
	unit_init(&u);
	char name[64], err[256] = "";
	snprintf(name, sizeof(name), "@gi-test-socket-%d", (int)getpid());
	int fd = svc_socket_listen(&u, name, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(connect_to(name, true), 0);
	close(fd);
	unit_free(&u);
}
END_TEST

START_TEST(a_file_that_is_not_a_socket_is_kept)
{
	struct unit u;
	unit_init(&u);
	char path[256], err[256] = "";
	snprintf(path, sizeof(path), "%s/plain", dir);
	FILE *f = fopen(path, "w");
	fputs("keep\n", f);
	fclose(f);
	ck_assert_int_eq(svc_socket_listen(&u, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/plain: bind: ") != NULL, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	unit_free(&u);
}
END_TEST

START_TEST(bad_values_are_named)
{
	struct unit u;
	unit_init(&u);
	static const char *const bad[] = { "0", "65536", "99999", "port", "localhost:80", "127.0.0.1:", "[::1]:x",
					   "[::1:80", "1.2.3.4.5:80", "-1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "", want[64];
		ck_assert_int_eq(svc_socket_listen(&u, bad[i], err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "ListenStream=%s: ", bad[i]);
		ck_assert_msg(strstr(err, want) == err, "%s: %s", bad[i], err);
	}
	char longpath[200], err[256] = "";
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(svc_socket_listen(&u, longpath, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a socket path is at most 107 bytes"));
	u.socket_group = strdup("no-such-group-for-a-test");
	char path[256];
	snprintf(path, sizeof(path), "%s/g.sock", dir);
	ck_assert_int_eq(svc_socket_listen(&u, path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "SocketGroup=no-such-group-for-a-test: no such group");
	unit_free(&u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("services/socket");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unix_path_in_new_folders);
	tcase_add_test(tc, abstract_name);
	tcase_add_test(tc, a_file_that_is_not_a_socket_is_kept);
	tcase_add_test(tc, bad_values_are_named);
	suite_add_tcase(s, tc);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
