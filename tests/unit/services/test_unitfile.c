/* Unit files, LSB headers, service names and Exec lines: what systemd and insserv accept is
 * read the same way; each mistake is a warning naming the line, never a crash. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsb.h"
#include "svc_definition.h"
#include "svc_names.h"
#include "svc_exec.h"
#include "unit.h"
#include "unit_condition.h"
#include "unitfile.h"

struct warns {
	unsigned n;
	char last[512];
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct warns *w = ctx;
	w->n++;
	snprintf(w->last, sizeof(w->last), "%s:%u: %s", file, line, msg);
}

static unsigned parse(struct unit *u, const char *text, struct warns *w)
{
	unit_init(u);
	*w = (struct warns){ 0 };
	unsigned n = unit_parse_text(u, "t.service", text, strlen(text), collect, w);
	unit_finish(u, "t");
	return n;
}

/* Environment= values are words, not a command line: '/' and a leading '-' are values too
 * (Debian's units set PATH= this way) */
START_TEST(environment_values_with_slashes)
{
	struct unit u;
	struct warns w;
	parse(&u, "[Service]\nExecStart=/bin/true\nEnvironment=PATH=/usr/local/bin:/usr/bin -A=1 \"C=x y\"\n"
		  "Environment=notanassignment\n", &w);
	ck_assert_uint_eq(u.env.n, 3);
	ck_assert_str_eq(u.env.v[0], "PATH=/usr/local/bin:/usr/bin");
	ck_assert_str_eq(u.env.v[1], "-A=1");
	ck_assert_str_eq(u.env.v[2], "C=x y");
	ck_assert_uint_eq(w.n, 1);
	ck_assert_msg(strstr(w.last, "t.service:4:") && strstr(w.last, "NAME=VALUE"), "%s", w.last);
	unit_free(&u);
}
END_TEST

START_TEST(debian_nginx_unit)
{
	/* Debian 12's nginx.service, as shipped */
	const char *text =
		"[Unit]\n"
		"Description=A high performance web server and a reverse proxy server\n"
		"Documentation=man:nginx(8)\n"
		"After=network.target nss-lookup.target\n\n"
		"[Service]\n"
		"Type=forking\n"
		"PIDFile=/run/nginx.pid\n"
		"ExecStartPre=/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'\n"
		"ExecStart=/usr/sbin/nginx -g 'daemon on; master_process on;'\n"
		"ExecReload=/usr/sbin/nginx -g 'daemon on; master_process on;' -s reload\n"
		"ExecStop=-/sbin/start-stop-daemon --quiet --stop --retry QUIT/5 --pidfile /run/nginx.pid\n"
		"TimeoutStopSec=5\n"
		"KillMode=mixed\n\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n";
	struct unit u;
	struct warns w;
	ck_assert_uint_eq(parse(&u, text, &w), 0);
	ck_assert_ptr_null(u.refused);
	ck_assert_int_eq(u.type, UNIT_FORKING);
	ck_assert_str_eq(u.pid_file, "/run/nginx.pid");
	ck_assert_uint_eq(u.start.n, 1);
	ck_assert_str_eq(u.start.v[0].argv[0], "/usr/sbin/nginx");
	ck_assert_str_eq(u.start.v[0].argv[1], "-g");
	ck_assert_str_eq(u.start.v[0].argv[2], "daemon on; master_process on;"); /* ';' is not a comment */
	ck_assert_ptr_null(u.start.v[0].argv[3]);
	ck_assert_uint_eq(u.stop.n, 1);
	ck_assert(u.stop.v[0].flags & CMD_IGNORE_FAILURE);
	ck_assert_str_eq(u.stop.v[0].argv[0], "/sbin/start-stop-daemon");
	ck_assert_uint_eq(u.timeout_stop_ms, 5000);
	ck_assert_int_eq(u.kill_mode, KILL_MIXED);
	ck_assert_uint_eq(u.after.n, 2);
	ck_assert_str_eq(u.wanted_by.v[0], "multi-user.target");
	unit_free(&u);
}
END_TEST

START_TEST(every_supported_key)
{
	const char *text =
		"[Unit]\nStartLimitIntervalSec=1min 30s\nStartLimitBurst=3\nRequires=a.service\nWants=b.service\n"
		"BindsTo=c.service\nBefore=d.service\n"
		"[Service]\nType=notify\nExecStart=@/bin/sleep mysleep 5\nRestart=on-abnormal\nRestartSec=250ms\n"
		"TimeoutStartSec=infinity\nTimeoutStopSec=2min\nUser=nobody\nGroup=nogroup\nSupplementaryGroups=adm tty\n"
		"WorkingDirectory=-~\nEnvironment=A=1 \"B=two words\"\nEnvironment=C=3\nEnvironmentFile=-/etc/default/x\n"
		"KillSignal=SIGINT\nSendSIGKILL=no\nRemainAfterExit=yes\nUMask=0077\nNice=5\nLimitNOFILE=1024:4096\n"
		"LimitCORE=infinity\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN\n"
		"AmbientCapabilities=CAP_NET_BIND_SERVICE\nNoNewPrivileges=true\nRuntimeDirectory=x x/y\n"
		"StateDirectory=st\nLogsDirectory=lg\nRuntimeDirectoryMode=0750\nStandardOutput=append:/var/log/x.out\n"
		"StandardError=null\nRestartPreventExitStatus=3 SIGUSR1\nSuccessExitStatus=42\n"
		"ExecStartPre=+/bin/true\nExecStartPost=:/bin/echo $A\nExecReload=/bin/kill -HUP $MAINPID\n"
		"ExecStopPost=/bin/true\n";
	struct unit u;
	struct warns w;
	ck_assert_uint_eq(parse(&u, text, &w), 0);
	ck_assert_ptr_null(u.refused);
	ck_assert_uint_eq(u.start_limit_interval_ms, 90000);
	ck_assert_uint_eq(u.start_limit_burst, 3);
	ck_assert_int_eq(u.type, UNIT_NOTIFY);
	ck_assert(u.start.v[0].flags & CMD_ARGV0);
	ck_assert_int_eq(u.restart, RESTART_ON_ABNORMAL);
	ck_assert_uint_eq(u.restart_ms, 250);
	ck_assert_uint_eq(u.timeout_start_ms, 0);
	ck_assert_uint_eq(u.timeout_stop_ms, 120000);
	ck_assert_str_eq(u.user, "nobody");
	ck_assert_uint_eq(u.supp_groups.n, 2);
	ck_assert_str_eq(u.working_dir, "~");
	ck_assert(u.working_dir_optional);
	ck_assert_uint_eq(u.env.n, 3);
	ck_assert_str_eq(u.env.v[1], "B=two words");
	ck_assert_int_eq(u.kill_signal, SIGINT);
	ck_assert(!u.send_sigkill);
	ck_assert(u.remain_after_exit);
	ck_assert_int_eq(u.umask, 077);
	ck_assert_int_eq(u.nice, 5);
	ck_assert(u.limit_set[RLIMIT_NOFILE]);
	ck_assert_uint_eq(u.limits[RLIMIT_NOFILE].rlim_cur, 1024);
	ck_assert_uint_eq(u.limits[RLIMIT_NOFILE].rlim_max, 4096);
	ck_assert(u.limits[RLIMIT_CORE].rlim_max == RLIM_INFINITY);
	ck_assert(u.bounding_set);
	ck_assert_uint_eq(u.ambient_caps, 1ULL << 10);
	ck_assert(u.no_new_privs);
	ck_assert_uint_eq(u.runtime_dirs.n, 2);
	ck_assert_uint_eq(u.runtime_dir_mode, 0750);
	ck_assert_int_eq(u.out, OUT_APPEND);
	ck_assert_str_eq(u.out_path, "/var/log/x.out");
	ck_assert_int_eq(u.err, OUT_NULL);
	ck_assert_int_eq(u.nprevent, 2);
	ck_assert_int_eq(u.prevent_status[1], 256 + SIGUSR1);
	ck_assert_int_eq(u.success_status[0], 42);
	ck_assert(u.start_pre.v[0].flags & CMD_PRIVILEGED);
	ck_assert(u.start_post.v[0].flags & CMD_NO_ENV_EXPAND);
	unit_free(&u);
}
END_TEST

START_TEST(continuations_comments_and_resets)
{
	const char *text = "# comment\n; also\n[Service]\nExecStart=/bin/sh -c \\\n  'echo a; \\\n# dropped\n  echo b'\n"
			   "ExecStartPre=/bin/a\nExecStartPre=\nExecStartPre=/bin/b\nType = oneshot\n";
	struct unit u;
	struct warns w;
	ck_assert_uint_eq(parse(&u, text, &w), 0);
	ck_assert_str_eq(u.start.v[0].argv[2], "echo a;    echo b");
	ck_assert_uint_eq(u.start_pre.n, 1); /* the empty assignment reset the list */
	ck_assert_str_eq(u.start_pre.v[0].argv[0], "/bin/b");
	ck_assert_int_eq(u.type, UNIT_ONESHOT);
	unit_free(&u);
}
END_TEST

START_TEST(garbage_is_warned_about_by_line)
{
	struct unit u;
	struct warns w;
	parse(&u, "[Service]\nExecStart=/bin/true\nthis is not a key\n", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_str_eq(w.last, "t.service:3: expected Key=Value, line 'this is not a key' ignored");
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\nType=bogus\n", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert(strstr(w.last, "t.service:3: Type=bogus: expected simple"));
	ck_assert_int_eq(u.type, UNIT_SIMPLE);
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\nExecCondition=/bin/a\nExecCondition=/bin/b\nFoo=1\n", &w);
	ck_assert_uint_eq(w.n, 2); /* each unsupported key once */
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/sh -c 'unterminated\n", &w);
	ck_assert(strstr(w.last, "quote is not closed"));
	ck_assert_str_eq(u.refused, "it has no ExecStart=");
	unit_free(&u);
	parse(&u, "[Service\nExecStart=/bin/true\n[X-Vendor]\nAnything=1\n", &w);
	ck_assert_uint_eq(w.n, 2); /* the header, then the key that had no section; X- is silent */
	ck_assert_str_eq(w.last, "t.service:2: key ExecStart= outside of any section, ignored");
	unit_free(&u);
}
END_TEST

/* Hardening and tuning keys are kept for status, not warned about; keys that change what runs
 * still warn. */
START_TEST(hardening_keys_are_listed_not_warned)
{
	struct unit u;
	struct warns w;
	parse(&u, "[Service]\nExecStart=/bin/true\nPrivateTmp=yes\nProtectSystem=full\nPrivateTmp=no\n"
		  "SyslogIdentifier=x\nIgnoreSIGPIPE=false\nExecCondition=/bin/false\n", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert(strstr(w.last, "unsupported key ExecCondition="));
	ck_assert_uint_eq(u.not_applied.n, 3);
	ck_assert_str_eq(u.not_applied.v[0], "PrivateTmp");
	ck_assert_str_eq(u.not_applied.v[1], "ProtectSystem");
	ck_assert_str_eq(u.not_applied.v[2], "SyslogIdentifier");
	ck_assert(!u.ignore_sigpipe);
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\n", &w);
	ck_assert(u.ignore_sigpipe); /* systemd's default */
	unit_free(&u);
}
END_TEST

static enum unit_condition_result cond(const char *keys, char *failed, size_t cap)
{
	struct unit u;
	struct warns w;
	char text[1024];
	snprintf(text, sizeof(text), "[Unit]\n%s[Service]\nExecStart=/bin/true\n", keys);
	parse(&u, text, &w);
	ck_assert_msg(w.n == 0, "%s: %s", keys, w.last);
	enum unit_condition_result r = unit_conditions_check(&u, failed, cap);
	unit_free(&u);
	return r;
}

START_TEST(conditions_and_assertions)
{
	char dir[] = "/tmp/gi-cond-XXXXXX", p[256], failed[300];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/empty", dir);
	FILE *f = fopen(p, "w");
	fclose(f);
	snprintf(p, sizeof(p), "%s/full", dir);
	f = fopen(p, "w");
	fputs("x", f);
	fclose(f);
	char k[900];
	snprintf(k, sizeof(k), "ConditionPathExists=%s/full\nConditionPathIsDirectory=%s\nConditionFileNotEmpty=%s/full\n"
		 "ConditionDirectoryNotEmpty=%s\nConditionPathExists=!%s/none\n", dir, dir, dir, dir, dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_CONDITIONS_MET);
	snprintf(k, sizeof(k), "ConditionFileNotEmpty=%s/empty\n", dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_CONDITION_UNMET);
	ck_assert(strstr(failed, "ConditionFileNotEmpty=") && strstr(failed, "/empty"));
	/* '|': one of them is enough; none is not */
	snprintf(k, sizeof(k), "ConditionPathExists=|%s/none\nConditionPathExists=|%s/full\n", dir, dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_CONDITIONS_MET);
	snprintf(k, sizeof(k), "ConditionPathExists=|%s/none\nConditionPathExists=|!%s/full\n", dir, dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_CONDITION_UNMET);
	/* "" resets the list */
	snprintf(k, sizeof(k), "ConditionPathExists=%s/none\nConditionPathExists=\n", dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_CONDITIONS_MET);
	/* an assertion fails the start, and is checked before the conditions */
	snprintf(k, sizeof(k), "ConditionPathExists=%s/none\nAssertPathExists=%s/none\n", dir, dir);
	ck_assert_int_eq(cond(k, failed, sizeof(failed)), UNIT_ASSERT_FAILED);
	ck_assert(!strncmp(failed, "AssertPathExists=", 17));
	ck_assert_int_eq(cond("ConditionCapability=CAP_NOT_A_THING\n", failed, sizeof(failed)), UNIT_CONDITION_UNMET);
	ck_assert_int_eq(cond("ConditionVirtualization=!container\nConditionVirtualization=wsl\n", failed,
			      sizeof(failed)), UNIT_CONDITIONS_MET);
	ck_assert_int_eq(cond("ConditionKernelCommandLine=gi.no.such.word\n", failed, sizeof(failed)),
			 UNIT_CONDITION_UNMET);
	/* a relative path is a warning, and the condition is not kept */
	struct unit u;
	struct warns w;
	parse(&u, "[Unit]\nConditionPathExists=relative\n[Service]\nExecStart=/bin/true\n", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert(strstr(w.last, "expected an absolute path"));
	ck_assert_uint_eq(u.conditions.n, 0);
	unit_free(&u);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

START_TEST(refusals_name_the_reason)
{
	struct unit u;
	struct warns w;
	parse(&u, "[Service]\nExecStart=/bin/true\nStandardInput=socket\n", &w);
	ck_assert(u.refused && strstr(u.refused, "socket activation"));
	unit_free(&u);
	parse(&u, "[Service]\nType=simple\n", &w);
	ck_assert_str_eq(u.refused, "it has no ExecStart=");
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", &w);
	ck_assert(u.refused && strstr(u.refused, "several ExecStart="));
	unit_free(&u);
	parse(&u, "[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n", &w);
	ck_assert_ptr_null(u.refused);
	unit_free(&u);
}
END_TEST

START_TEST(tasks_max)
{
	struct unit u;
	struct warns w;
	parse(&u, "[Service]\nExecStart=/bin/true\n", &w);
	ck_assert_uint_eq(u.tasks_max_percent, 15); /* systemd's DefaultTasksMax= */
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\nTasksMax=64\n", &w);
	ck_assert_uint_eq(u.tasks_max, 64);
	ck_assert_uint_eq(u.tasks_max_percent, 0);
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\nTasksMax=40%\n", &w);
	ck_assert_uint_eq(u.tasks_max_percent, 40);
	unit_free(&u);
	parse(&u, "[Service]\nExecStart=/bin/true\nTasksMax=infinity\n", &w);
	ck_assert_uint_eq(u.tasks_max + u.tasks_max_percent, 0);
	ck_assert_uint_eq(w.n, 0);
	unit_free(&u);
	static const char *const bad[] = { "0", "-5", "150%", "lots", "12x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\nTasksMax=%s\n", bad[i]);
		parse(&u, text, &w);
		ck_assert_uint_eq(w.n, 1);
		ck_assert_msg(strstr(w.last, "t.service:3: TasksMax=") && strstr(w.last, "percentage"), "%s", w.last);
		ck_assert_uint_eq(u.tasks_max_percent, 15); /* a bad value leaves the default */
		unit_free(&u);
	}
}
END_TEST

START_TEST(times)
{
	uint64_t ms;
	ck_assert_int_eq(unit_parse_time("5", &ms), 0);
	ck_assert_uint_eq(ms, 5000);
	ck_assert_int_eq(unit_parse_time("1min 30s", &ms), 0);
	ck_assert_uint_eq(ms, 90000);
	ck_assert_int_eq(unit_parse_time("100ms", &ms), 0);
	ck_assert_uint_eq(ms, 100);
	ck_assert_int_eq(unit_parse_time("1h", &ms), 0);
	ck_assert_uint_eq(ms, 3600000);
	ck_assert_int_eq(unit_parse_time("0.5s", &ms), 0);
	ck_assert_uint_eq(ms, 500);
	ck_assert_int_eq(unit_parse_time("infinity", &ms), 0);
	ck_assert_uint_eq(ms, 0);
	ck_assert_int_eq(unit_parse_time("soon", &ms), -EINVAL);
	ck_assert_int_eq(unit_parse_time("5 parsecs", &ms), -EINVAL);
	ck_assert_int_eq(unit_parse_time("", &ms), -EINVAL);
	ck_assert_int_eq(unit_parse_time("-5s", &ms), -EINVAL);
}
END_TEST

START_TEST(command_splitting)
{
	struct unit_cmd c;
	const char *why;
	ck_assert_int_eq(unit_split_command("-@/bin/x argv0 \"a b\" 'c\"d' e\\ f \\n", &c, &why), 0);
	ck_assert(c.flags & CMD_IGNORE_FAILURE);
	ck_assert(c.flags & CMD_ARGV0);
	ck_assert_str_eq(c.argv[0], "/bin/x");
	ck_assert_str_eq(c.argv[1], "argv0");
	ck_assert_str_eq(c.argv[2], "a b");
	ck_assert_str_eq(c.argv[3], "c\"d");
	ck_assert_str_eq(c.argv[4], "e f");
	ck_assert_str_eq(c.argv[5], "\n");
	for (char **a = c.argv; *a; a++)
		free(*a);
	free(c.argv);
	ck_assert_int_eq(unit_split_command("/bin/a ; /bin/b", &c, &why), -EINVAL);
	ck_assert(strstr(why, "several commands"));
	ck_assert_int_eq(unit_split_command("  ", &c, &why), -EINVAL);
	ck_assert_int_eq(unit_split_command("bin/x", &c, &why), -EINVAL);
	ck_assert_int_eq(unit_split_command("@/bin/x", &c, &why), -EINVAL);
}
END_TEST

START_TEST(variable_expansion)
{
	char *env[] = { "A=one two", "B=x", NULL };
	char *argv[] = { "/bin/echo", "$A", "${A}", "pre$B.post", "$$B", "${NOPE}z", NULL };
	char **out = svc_exec_expand(argv, env);
	ck_assert_ptr_nonnull(out);
	const char *want[] = { "/bin/echo", "one", "two", "one two", "pre$B.post", "$B", "z", NULL };
	for (int i = 0; want[i]; i++)
		ck_assert_str_eq(out[i], want[i]);
	ck_assert_ptr_null(out[7]);
	svc_strv_free(out);
}
END_TEST

START_TEST(lsb_headers)
{
	const char *text = "#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          nginx web\n"
			   "# Required-Start:    $local_fs $remote_fs $network $syslog $named\n"
			   "# Required-Stop:     $local_fs\n# Should-Start:      postgresql\n"
			   "# X-Start-Before:    late\n# Default-Start:     2 3 4 5\n# Default-Stop:      0 1 6\n"
			   "# Short-Description: starts nginx\n# Description:       long\n#  continued\n"
			   "### END INIT INFO\n# Provides: not-in-the-block\n";
	struct lsb_info l;
	lsb_parse(text, strlen(text), &l);
	ck_assert(l.found);
	ck_assert_uint_eq(l.provides.n, 2);
	ck_assert_str_eq(l.provides.v[1], "web");
	ck_assert_uint_eq(l.required_start.n, 5);
	ck_assert_str_eq(l.should_start.v[0], "postgresql");
	ck_assert_str_eq(l.start_before.v[0], "late");
	ck_assert_uint_eq(l.default_start, 0x3c);
	ck_assert_uint_eq(l.default_stop, 0x43);
	ck_assert_str_eq(l.short_description, "starts nginx");
	lsb_free(&l);
	lsb_parse("#!/bin/sh\necho no header\n", 24, &l);
	ck_assert(!l.found);
	lsb_free(&l);
}
END_TEST

START_TEST(service_names)
{
	const char *why;
	ck_assert_int_eq(svc_name_check("nginx", &why), 0);
	ck_assert_int_eq(svc_name_check("hwclock.sh", &why), 0);
	ck_assert_int_eq(svc_name_check("../../bin/sh", &why), -EINVAL);
	ck_assert_int_eq(svc_name_check("a/b", &why), -EINVAL);
	ck_assert_str_eq(why, "it holds a '/'");
	ck_assert_int_eq(svc_name_check("..", &why), -EINVAL);
	ck_assert_int_eq(svc_name_check("", &why), -EINVAL);
	ck_assert_int_eq(svc_name_check("a\nb", &why), -EINVAL);
	ck_assert_str_eq(why, "it holds a control character");
	char longname[300];
	memset(longname, 'x', 299);
	longname[299] = '\0';
	ck_assert_int_eq(svc_name_check(longname, &why), -EINVAL);
	longname[255] = '\0';
	ck_assert_int_eq(svc_name_check(longname, &why), 0);
	char n[32] = "nginx.service";
	svc_name_strip(n);
	ck_assert_str_eq(n, "nginx");
}
END_TEST

START_TEST(files_dropins_and_masks)
{
	char root[] = "/tmp/gi-unitfile.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	char p[4096];
	snprintf(p, sizeof(p), "mkdir -p %s/etc/systemd/system/web.service.d %s/lib/systemd/system %s/etc/init.d && "
		 "printf '[Service]\\nExecStart=/bin/a\\nRestart=no\\n' > %s/lib/systemd/system/web.service && "
		 "printf '[Service]\\nRestart=always\\n' > %s/etc/systemd/system/web.service.d/10-x.conf && "
		 "printf '[Service]\\nExecStart=\\nExecStart=/bin/b\\n' > %s/etc/systemd/system/web.service.d/20-y.conf && "
		 "ln -s /dev/null %s/etc/systemd/system/gone.service && "
		 "printf '#!/bin/sh\\n' > %s/etc/init.d/old && chmod +x %s/etc/init.d/old",
		 root, root, root, root, root, root, root, root, root);
	ck_assert_int_eq(system(p), 0);
	struct unit u;
	char path[4096];
	ck_assert_int_eq(unit_load(root, "web", &u, path, sizeof(path), NULL, NULL), 1);
	ck_assert(strstr(path, "/lib/systemd/system/web.service"));
	ck_assert_int_eq(u.restart, RESTART_ALWAYS);
	ck_assert_uint_eq(u.start.n, 1);
	ck_assert_str_eq(u.start.v[0].argv[0], "/bin/b");
	unit_free(&u);
	ck_assert_int_eq(unit_load(root, "gone", &u, path, sizeof(path), NULL, NULL), 1);
	ck_assert(u.refused && strstr(u.refused, "masked"));
	unit_free(&u);
	ck_assert_int_eq(unit_load(root, "none", &u, path, sizeof(path), NULL, NULL), 0);
	unit_free(&u);
	ck_assert_int_eq(svc_resolve(root, "web"), SVC_UNIT);
	ck_assert_int_eq(svc_resolve(root, "old"), SVC_INITD);
	ck_assert_int_eq(svc_resolve(root, "none"), SVC_NONE);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

START_TEST(socket_units)
{
	char root[] = "/tmp/gi-unitfile.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	char p[4096];
	snprintf(p, sizeof(p), "mkdir -p %s/etc/systemd/system %s/lib/systemd/system && "
		 "printf '[Unit]\\nDescription=the API\\n[Service]\\nExecStart=/bin/d -H fd://\\n' > %s/lib/systemd/system/d.service && "
		 "printf '[Unit]\\nDescription=its socket\\nAfter=x.target\\n[Socket]\\nListenStream=/run/d.sock\\n"
		 "ListenStream=2375\\nSocketMode=0660\\nSocketGroup=docker\\nBacklog=17\\nFileDescriptorName=api\\n"
		 "[Install]\\nWantedBy=sockets.target\\n' > %s/lib/systemd/system/d.socket && "
		 "printf '[Service]\\nExecStart=/bin/e\\n' > %s/etc/systemd/system/e.service && "
		 "printf '[Socket]\\nListenDatagram=/run/e.sock\\n' > %s/etc/systemd/system/e.socket && "
		 "printf '[Service]\\nExecStart=/bin/f\\n' > %s/etc/systemd/system/f.service && "
		 "printf '[Socket]\\nListenStream=/run/f.sock\\nAccept=yes\\n' > %s/etc/systemd/system/f.socket && "
		 "printf '[Service]\\nExecStart=/bin/g\\n' > %s/etc/systemd/system/g.service && "
		 "ln -s /dev/null %s/etc/systemd/system/g.socket",
		 root, root, root, root, root, root, root, root, root, root);
	ck_assert_int_eq(system(p), 0);
	struct unit u;
	char path[4096];
	struct warns w = { 0 };
	ck_assert_int_eq(unit_load(root, "d", &u, path, sizeof(path), collect, &w), 1);
	ck_assert_ptr_null(u.refused);
	ck_assert_uint_eq(w.n, 0);
	ck_assert_str_eq(u.socket_file, "/lib/systemd/system/d.socket");
	ck_assert_uint_eq(u.listen_streams.n, 2);
	ck_assert_str_eq(u.listen_streams.v[0], "/run/d.sock");
	ck_assert_str_eq(u.listen_streams.v[1], "2375");
	ck_assert_uint_eq(u.socket_mode, 0660);
	ck_assert_str_eq(u.socket_group, "docker");
	ck_assert_ptr_null(u.socket_user);
	ck_assert_uint_eq(u.socket_backlog, 17);
	ck_assert_str_eq(u.socket_fdname, "api");
	/* the socket's own [Unit] and [Install] stay its own */
	ck_assert_str_eq(u.description, "the API");
	ck_assert_uint_eq(u.after.n, 0);
	ck_assert_uint_eq(u.wanted_by.n, 0);
	unit_free(&u);
	ck_assert_int_eq(unit_load(root, "e", &u, path, sizeof(path), NULL, NULL), 1);
	ck_assert_ptr_nonnull(u.refused);
	ck_assert_ptr_nonnull(strstr(u.refused, "ListenDatagram="));
	unit_free(&u);
	ck_assert_int_eq(unit_load(root, "f", &u, path, sizeof(path), NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(u.refused, "Accept=yes"));
	unit_free(&u);
	ck_assert_int_eq(unit_load(root, "g", &u, path, sizeof(path), NULL, NULL), 1);
	ck_assert_ptr_null(u.refused);
	ck_assert_ptr_null(u.socket_file); /* masked: no socket */
	unit_free(&u);
	/* [Socket] in a service's own file is a mistake, said and ignored */
	parse(&u, "[Service]\nExecStart=/bin/a\n[Socket]\nListenStream=/run/a.sock\n", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.last, "[Socket] belongs in a .socket file"));
	ck_assert_uint_eq(u.listen_streams.n, 0);
	unit_free(&u);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("services/unitfile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, debian_nginx_unit);
	tcase_add_test(tc, socket_units);
	tcase_add_test(tc, environment_values_with_slashes);
	tcase_add_test(tc, every_supported_key);
	tcase_add_test(tc, continuations_comments_and_resets);
	tcase_add_test(tc, garbage_is_warned_about_by_line);
	tcase_add_test(tc, refusals_name_the_reason);
	tcase_add_test(tc, times);
	tcase_add_test(tc, command_splitting);
	tcase_add_test(tc, variable_expansion);
	tcase_add_test(tc, lsb_headers);
	tcase_add_test(tc, service_names);
	tcase_add_test(tc, files_dropins_and_masks);
	tcase_add_test(tc, tasks_max);
	tcase_add_test(tc, hardening_keys_are_listed_not_warned);
	tcase_add_test(tc, conditions_and_assertions);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
