/* The hub's records (see records.h). */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "kvtext.h"
#include "parse.h"

static int read_text(const char *path, char *buf, size_t cap)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0 || (n += (size_t)r) == cap - 1)
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

/* ---- host.conf ---------------------------------------------------------------------- */

int host_conf_from_welcome(struct host_conf *c, const struct proto_welcome *w, const char *host_uri)
{
	memset(c, 0, sizeof(*c));
	c->version = w->version;
	c->features = w->features;
	int r = 0;
#define TAKE(field, src) \
	do { \
		if ((src) && kv_copy(c->field, sizeof(c->field), (src)) < 0) \
			r = -ENAMETOOLONG; \
	} while (0)
	TAKE(host, host_uri);
	TAKE(distro, w->distro);
	TAKE(default_user, w->default_user);
	TAKE(timezone, w->timezone);
	TAKE(reclaim, w->reclaim);
	TAKE(network, w->network);
	TAKE(hostname, w->hostname);
	TAKE(windows_path, w->windows_path);
	TAKE(aliases, w->aliases);
	for (size_t i = 0; i < w->ndrives; i++)
		TAKE(drive[w->drives[i].letter - 'a'], w->drives[i].source);
#undef TAKE
	return r;
}

int host_conf_pack(const struct host_conf *c, char *buf, size_t cap)
{
	struct kv_writer w = { buf, cap, 0, false };
	kv_put(&w, "version", "%" PRIu32, c->version);
	kv_put(&w, "features", "%" PRIu64, c->features);
	kv_put(&w, "host", "%s", c->host);
	/* absent fields are left out, as the host left them out */
	const struct { const char *key; const char *val; } opt[] = {
		{ "distro", c->distro }, { "default_user", c->default_user }, { "timezone", c->timezone },
		{ "reclaim", c->reclaim }, { "network", c->network }, { "hostname", c->hostname },
		{ "windows_path", c->windows_path }, { "aliases", c->aliases },
	};
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++)
		if (opt[i].val[0])
			kv_put(&w, opt[i].key, "%s", opt[i].val);
	for (int i = 0; i < 26; i++)
		if (c->drive[i][0]) {
			char key[16];
			snprintf(key, sizeof(key), "drive.%c", 'a' + i);
			kv_put(&w, key, "%s", c->drive[i]);
		}
	return w.overflow ? -ENOSPC : (int)w.len;
}

void host_conf_unpack(char *text, struct host_conf *c)
{
	memset(c, 0, sizeof(*c));
	char *key, *val;
	/* a value too long for its field is left out: the mount then says the drive or the
	 * host's address is unknown, rather than using a cut one */
	while (kv_next(&text, &key, &val) > 0) {
		uint64_t v;
		if (!strcmp(key, "version")) {
			if (parse_uint(val, 10, UINT32_MAX, &v) == 0)
				c->version = (uint32_t)v;
		} else if (!strcmp(key, "features")) {
			if (parse_uint(val, 10, UINT64_MAX, &v) == 0)
				c->features = v;
		} else if (!strcmp(key, "host")) {
			kv_copy(c->host, sizeof(c->host), val);
		} else if (!strcmp(key, "distro")) {
			kv_copy(c->distro, sizeof(c->distro), val);
		} else if (!strcmp(key, "default_user")) {
			kv_copy(c->default_user, sizeof(c->default_user), val);
		} else if (!strcmp(key, "timezone")) {
			kv_copy(c->timezone, sizeof(c->timezone), val);
		} else if (!strcmp(key, "reclaim")) {
			kv_copy(c->reclaim, sizeof(c->reclaim), val);
		} else if (!strcmp(key, "network")) {
			kv_copy(c->network, sizeof(c->network), val);
		} else if (!strcmp(key, "hostname")) {
			kv_copy(c->hostname, sizeof(c->hostname), val);
		} else if (!strcmp(key, "windows_path")) {
			kv_copy(c->windows_path, sizeof(c->windows_path), val);
		} else if (!strcmp(key, "aliases")) {
			kv_copy(c->aliases, sizeof(c->aliases), val);
		} else if (!strncmp(key, "drive.", 6) && key[6] >= 'a' && key[6] <= 'z' && !key[7]) {
			kv_copy(c->drive[key[6] - 'a'], sizeof(c->drive[0]), val);
		}
	}
}

int host_conf_write(const char *path, const struct host_conf *c)
{
	char buf[8192];
	int n = host_conf_pack(c, buf, sizeof(buf));
	return n < 0 ? n : atomic_write(path, buf, (size_t)n, 0644, false);
}

int host_conf_read(const char *path, struct host_conf *c)
{
	char buf[8192];
	int n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	host_conf_unpack(buf, c);
	return 0;
}

/* ---- ready ---------------------------------------------------------------------------- */

int ready_record_write(const char *path, const struct ready_record *r)
{
	char buf[512];
	struct kv_writer w = { buf, sizeof(buf), 0, false };
	kv_put(&w, "line", "%s", r->line);
	kv_put(&w, "ready_ms", "%" PRIu64, r->ready_ms);
	kv_put(&w, "uptime_ms", "%" PRIu64, r->uptime_ms);
	return w.overflow ? -ENOSPC : atomic_write(path, buf, w.len, 0644, false);
}

int ready_record_read(const char *path, struct ready_record *r)
{
	char buf[512];
	int n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	memset(r, 0, sizeof(*r));
	char *text = buf, *key, *val;
	while (kv_next(&text, &key, &val) > 0) {
		if (!strcmp(key, "line"))
			kv_copy(r->line, sizeof(r->line), val);
		else if (!strcmp(key, "ready_ms"))
			parse_uint(val, 10, UINT64_MAX, &r->ready_ms);
		else if (!strcmp(key, "uptime_ms"))
			parse_uint(val, 10, UINT64_MAX, &r->uptime_ms);
	}
	return r->line[0] ? 0 : -ENODATA;
}

pid_t helper_pid_read(void)
{
	char text[16] = "";
	int fd = open(HELPER_PID_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	uint64_t v;
	text[n > 0 ? n : 0] = '\0';
	text[strcspn(text, "\n")] = '\0';
	return n > 0 && parse_uint(text, 10, INT32_MAX, &v) == 0 && v > 1 ? (pid_t)v : 0;
}
