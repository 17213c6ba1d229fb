/* Reading memreclaim's inputs: see sample.h. */
#include "sample.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

int mr_parse_stat(const char *text, uint64_t *busy, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	if (strncmp(text, "cpu ", 4))
		return -EINVAL;
	int n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		       &v[6], &v[7]);
	if (n < 4)
		return -EINVAL;
	/* user nice system idle iowait irq softirq steal: everything but idle is someone's
	 * work; iowait too, someone waits for a disk (guest time is already in user and nice) */
	*busy = v[0] + v[1] + v[2] + v[4] + v[5] + v[6] + v[7];
	*total = *busy + v[3];
	return 0;
}

int mr_parse_self_stat(const char *text, uint64_t *ticks)
{
	const char *rp = strrchr(text, ')'); /* the command may hold spaces and parentheses */
	unsigned long long ut, st;
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -EINVAL;
	*ticks = ut + st;
	return 0;
}

static int meminfo_kb(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			unsigned long long kb;
			if (sscanf(line + kl + 1, "%llu", &kb) != 1)
				return -EINVAL;
			*out = (uint64_t)kb * 1024;
			return 0;
		}
	}
	return -ENOENT;
}

int mr_parse_meminfo(const char *text, uint64_t *total, uint64_t *free, uint64_t *file_cache)
{
	uint64_t active, inactive;
	if (meminfo_kb(text, "MemTotal", total) < 0 || meminfo_kb(text, "MemFree", free) < 0 ||
	    meminfo_kb(text, "Active(file)", &active) < 0 || meminfo_kb(text, "Inactive(file)", &inactive) < 0)
		return -EINVAL;
	*file_cache = active + inactive;
	return 0;
}

int mr_parse_pressure(const char *text, uint64_t *some_us)
{
	const char *p = strncmp(text, "some ", 5) ? NULL : strstr(text, "total=");
	const char *nl = strchr(text, '\n');
	if (!p || (nl && p > nl))
		return -EINVAL;
	uint64_t v;
	if (parse_uint_prefix(p + 6, 10, UINT64_MAX, &v, NULL) < 0)
		return -EINVAL;
	*some_us = v;
	return 0;
}

/* The real system's files stay open and are read again from offset 0 (a /proc file is made
 * anew by each read from the start): under TCG every system call of a tick counts against the
 * daemon's idle cost (docs/memreclaim.md). A test's root is opened each time, since tests
 * replace its files by renaming. */
enum { F_STAT, F_SELF_STAT, F_MEMINFO, F_PSI_MEM, F_PSI_IO, F_COUNT };
static int kept[F_COUNT] = { -1, -1, -1, -1, -1 };

static int read_text(const char *root, int slot, const char *path, char *buf, size_t cap)
{
	bool keep = !root[0];
	int fd = keep ? kept[slot] : -1;
	if (fd < 0) {
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s%s", root, path);
		fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (keep)
			kept[slot] = fd;
	}
	ssize_t n = pread(fd, buf, cap - 1, 0);
	int e = errno;
	if (!keep)
		close(fd);
	if (n < 0) {
		if (keep) {
			close(fd);
			kept[slot] = -1;
		}
		return -e;
	}
	buf[n] = '\0';
	return 0;
}

int mr_sample_read(const char *root, struct mr_sample *s, const char **what)
{
	char buf[8192];
	int r;
	*what = "/proc/stat";
	if ((r = read_text(root, F_STAT, "/proc/stat", buf, sizeof(buf))) < 0 ||
	    (r = mr_parse_stat(buf, &s->cpu_busy, &s->cpu_total)) < 0)
		return r;
	*what = "/proc/self/stat";
	if ((r = read_text(root, F_SELF_STAT, "/proc/self/stat", buf, sizeof(buf))) < 0 || (r = mr_parse_self_stat(buf, &s->own_ticks)) < 0)
		return r;
	*what = "/proc/meminfo";
	if ((r = read_text(root, F_MEMINFO, "/proc/meminfo", buf, sizeof(buf))) < 0 ||
	    (r = mr_parse_meminfo(buf, &s->mem_total, &s->mem_free, &s->file_cache)) < 0)
		return r;
	/* pressure is optional (CONFIG_PSI, psi=1): without it only the CPU decides */
	s->has_psi = read_text(root, F_PSI_MEM, "/proc/pressure/memory", buf, sizeof(buf)) == 0 &&
		     mr_parse_pressure(buf, &s->psi_mem_us) == 0 &&
		     read_text(root, F_PSI_IO, "/proc/pressure/io", buf, sizeof(buf)) == 0 && mr_parse_pressure(buf, &s->psi_io_us) == 0;
	/* the root cgroup's knob does not come and go on a real system: asked once */
	static int real_has_reclaim = -1;
	if (root[0] || real_has_reclaim < 0) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/sys/fs/cgroup/memory.reclaim", root);
		s->has_memory_reclaim = access(p, W_OK) == 0;
		if (!root[0])
			real_has_reclaim = s->has_memory_reclaim;
	} else {
		s->has_memory_reclaim = real_has_reclaim;
	}
	*what = NULL;
	return 0;
}
