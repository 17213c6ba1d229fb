/* The supervisor's state records: see svc_record.h. */
#include "svc_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "parse.h"
#include "svc_names.h"

static void record_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, SVC_RECORD_DIR "/%s", name);
}

/* Texts are kept on one line each: a newline in one (a STATUS= from a service) becomes a space. */
static void put_text(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s=", key);
	for (; *v; v++)
		fputc(*v == '\n' ? ' ' : *v, f);
	fputc('\n', f);
}

int svc_record_save(const char *name, const struct svc_record *r)
{
	char path[PATH_MAX];
	record_path(name, path, sizeof(path));
	mkdir(SVC_RECORD_DIR, 0700);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	fprintf(f, "state=%s\nmain_pid=%d\nmain_ticks=%llu\nsince_ms=%llu\nmain_start_ms=%llu\nrestarts=%u\n"
		"start_seq=%u\n", r->state, (int)r->main_pid, r->main_ticks, (unsigned long long)r->since_ms,
		(unsigned long long)r->main_start_ms, r->restarts, r->start_seq);
	put_text(f, "result", r->result);
	put_text(f, "last_exit", r->last_exit);
	put_text(f, "status", r->status_text);
	if (fclose(f) != 0)
		return -ENOMEM;
	/* a supervisor killed mid-write leaves the old record whole */
	return atomic_write(path, text, len, 0600, false);
}

static void copy_text(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* A number of the record, whole (parse.h): a record that has anything else is not believed. */
static bool number(const char *v, uint64_t max, uint64_t *out)
{
	return parse_uint(v, 10, max, out) == 0;
}

int svc_record_load(const char *name, struct svc_record *r)
{
	char path[PATH_MAX];
	record_path(name, path, sizeof(path));
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	*r = (struct svc_record){ 0 };
	char line[1024];
	bool have_state = false, ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		uint64_t n = 0;
		if (!strcmp(k, "state")) {
			copy_text(r->state, sizeof(r->state), v);
			have_state = true;
		} else if (!strcmp(k, "main_pid")) {
			ok = number(v, INT32_MAX, &n);
			r->main_pid = (pid_t)n;
		} else if (!strcmp(k, "main_ticks")) {
			ok = number(v, UINT64_MAX, &n);
			r->main_ticks = n;
		} else if (!strcmp(k, "since_ms")) {
			ok = number(v, UINT64_MAX, &r->since_ms);
		} else if (!strcmp(k, "main_start_ms")) {
			ok = number(v, UINT64_MAX, &r->main_start_ms);
		} else if (!strcmp(k, "restarts")) {
			ok = number(v, UINT_MAX, &n);
			r->restarts = (unsigned)n;
		} else if (!strcmp(k, "start_seq")) {
			ok = number(v, UINT_MAX, &n);
			r->start_seq = (unsigned)n;
		} else if (!strcmp(k, "result")) {
			copy_text(r->result, sizeof(r->result), v);
		} else if (!strcmp(k, "last_exit")) {
			copy_text(r->last_exit, sizeof(r->last_exit), v);
		} else if (!strcmp(k, "status")) {
			copy_text(r->status_text, sizeof(r->status_text), v);
		}
	}
	return ok && have_state ? 0 : -EINVAL;
}

/* atomic_write's temporary file: NAME.tmp.PID */
static bool is_temporary(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	uint64_t pid;
	for (; t; t = strstr(t + 1, ".tmp."))
		if (parse_uint(t + 5, 10, INT32_MAX, &pid) == 0)
			return true;
	return false;
}

void svc_record_remove(const char *name)
{
	char path[PATH_MAX];
	record_path(name, path, sizeof(path));
	unlink(path);
}

int svc_record_each(void (*each)(void *ctx, const char *name), void *ctx)
{
	_cleanup_closedir_ DIR *d = opendir(SVC_RECORD_DIR);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *why;
		if (e->d_name[0] == '.' || is_temporary(e->d_name) || svc_name_check(e->d_name, &why) < 0)
			continue;
		each(ctx, e->d_name);
		n++;
	}
	return n;
}

unsigned long long svc_pid_ticks(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return 0;
	const char *rp = strrchr(buf, ')'); /* the command may hold spaces and parentheses */
	unsigned long long start = 0;
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			  &start) != 1)
		return 0;
	return start;
}
