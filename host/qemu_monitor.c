/* QEMU's human monitor (see qemu_monitor.h). It greets with a banner and the prompt
 * "(qemu) ", echoes what is typed (with terminal escapes), prints the command's output, and
 * prompts again: the output is what lies between the echo's line and that prompt. */
#include "qemu_monitor.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "writeall.h"

#define PROMPT "(qemu) "

/* Reads into buf (at *len) until it holds PROMPT after from; the prompt's offset, or -errno. */
static int read_to_prompt(int fd, char *buf, size_t cap, size_t *len, size_t from, uint64_t until)
{
	for (;;) {
		buf[*len] = '\0';
		char *p = strstr(buf + from, PROMPT);
		if (p)
			return (int)(p - buf);
		if (*len + 1 >= cap)
			return -EMSGSIZE;
		uint64_t now = mono_ms();
		if (now >= until)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)(until - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			*len += (size_t)n;
	}
}

int qemu_monitor_command(const char *sock, const char *cmd, char *out, size_t cap, int timeout_ms)
{
	out[0] = '\0';
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	uint64_t until = mono_ms() + (uint64_t)timeout_ms;
	char buf[8192];
	size_t len = 0;
	int r = read_to_prompt(fd, buf, sizeof(buf), &len, 0, until);
	if (r >= 0) {
		size_t start = (size_t)r + strlen(PROMPT);
		char line[512];
		snprintf(line, sizeof(line), "%s\n", cmd);
		r = write_all(fd, line, strlen(line));
		if (r == 0)
			r = read_to_prompt(fd, buf, sizeof(buf), &len, start, until);
		if (r >= 0) {
			/* skip the echo: everything up to the first newline after what we typed */
			char *body = strchr(buf + start, '\n');
			body = body && body < buf + r ? body + 1 : buf + r;
			size_t n = (size_t)(buf + r - body), k = 0;
			for (size_t i = 0; i < n && k + 1 < cap; i++)
				if (body[i] != '\r')
					out[k++] = body[i];
			while (k && (out[k - 1] == '\n' || out[k - 1] == ' '))
				k--;
			out[k] = '\0';
			r = k ? 1 : 0;
		}
	}
	close(fd);
	return r;
}
