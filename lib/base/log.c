/* The one logger: formats a line once and hands it to each enabled sink. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "writeall.h"

static const char *log_ident = "guestinit";
static enum log_level log_level = LOG_LVL_INFO;
static int log_console_fd = 2;
static int log_kmsg_fd = -1;
static int log_pipe_fd = -1;

void log_init(const char *ident) { log_ident = ident; }
void log_set_level(enum log_level level) { log_level = level; }
enum log_level log_get_level(void) { return log_level; }
void log_set_console_fd(int fd) { log_console_fd = fd; }
void log_set_pipe_fd(int fd) { log_pipe_fd = fd; }

int log_level_parse(const char *s, enum log_level *out)
{
	static const struct { const char *name; enum log_level level; } names[] = {
		{ "err", LOG_LVL_ERR }, { "error", LOG_LVL_ERR }, { "warn", LOG_LVL_WARN },
		{ "warning", LOG_LVL_WARN }, { "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	return -EINVAL;
}

int log_open_kmsg(void)
{
	if (log_kmsg_fd >= 0)
		return 0;
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	log_kmsg_fd = fd;
	return 0;
}

void log_msg(enum log_level level, const char *subsys, const char *fmt, ...)
{
	if (level > log_level)
		return;
	int saved = errno;
	char body[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);

	const char *tag = level <= LOG_LVL_ERR ? "error: " : level == LOG_LVL_WARN ? "warning: " : "";
	char line[1200];
	int n = subsys ? snprintf(line, sizeof(line), "%s: %s: %s%s\n", log_ident, subsys, tag, body)
		       : snprintf(line, sizeof(line), "%s: %s%s\n", log_ident, tag, body);
	if (n < 0)
		goto out;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (log_console_fd >= 0)
		(void)write_all(log_console_fd, line, len);
	if (log_kmsg_fd >= 0) {
		/* kmsg takes "<level>text" and one record per write. */
		char k[1210];
		int kn = snprintf(k, sizeof(k), "<%d>%s", (int)level, line);
		if (kn > 0)
			(void)!write(log_kmsg_fd, k, (size_t)kn < sizeof(k) ? (size_t)kn : sizeof(k) - 1);
	}
	if (log_pipe_fd >= 0) {
		/* One write of < PIPE_BUF bytes is atomic; O_NONBLOCK makes a full pipe drop it. */
		(void)!write(log_pipe_fd, line, len);
	}
out:
	errno = saved;
}
