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

#include "cleanup.h"
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
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	record_path(name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	mkdir(SVC_RECORD_DIR, 0700);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return -e;
	}
	fprintf(f, "state=%s\nmain_pid=%d\nmain_ticks=%llu\nsince_ms=%llu\nmain_start_ms=%llu\nrestarts=%u\n"
		"start_seq=%u\n", r->state, (int)r->main_pid, r->main_ticks, (unsigned long long)r->since_ms,
		(unsigned long long)r->main_start_ms, r->restarts, r->start_seq);
	put_text(f, "result", r->result);
	put_text(f, "last_exit", r->last_exit);
	put_text(f, "status", r->status_text);
	if (fclose(f) != 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	/* a supervisor killed mid-write leaves the old record whole */
	return rename(tmp, path) < 0 ? -errno : 0;
}

static void copy_text(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
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
	bool have_state = false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		if (!strcmp(k, "state")) {
			copy_text(r->state, sizeof(r->state), v);
			have_state = true;
		} else if (!strcmp(k, "main_pid")) {
			r->main_pid = (pid_t)strtol(v, NULL, 10);
		} else if (!strcmp(k, "main_ticks")) {
			r->main_ticks = strtoull(v, NULL, 10);
		} else if (!strcmp(k, "since_ms")) {
			r->since_ms = strtoull(v, NULL, 10);
		} else if (!strcmp(k, "main_start_ms")) {
			r->main_start_ms = strtoull(v, NULL, 10);
		} else if (!strcmp(k, "restarts")) {
			r->restarts = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "start_seq")) {
			r->start_seq = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(k, "result")) {
			copy_text(r->result, sizeof(r->result), v);
		} else if (!strcmp(k, "last_exit")) {
			copy_text(r->last_exit, sizeof(r->last_exit), v);
		} else if (!strcmp(k, "status")) {
			copy_text(r->status_text, sizeof(r->status_text), v);
		}
	}
	return have_state && r->main_pid >= 0 ? 0 : -EINVAL;
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
		size_t l = strlen(e->d_name);
		const char *why;
		if (e->d_name[0] == '.' || (l > 4 && !strcmp(e->d_name + l - 4, ".new")) ||
		    svc_name_check(e->d_name, &why) < 0)
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
