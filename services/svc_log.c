/* Service output logs. */
#include "svc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "evloop.h"
#include "fdstore.h"
#include "log.h"
#include "rotfile.h"
#include "svc_paths.h"

static struct fdstore store = FDSTORE_NONE;

void svc_log_set_store(const struct fdstore *st)
{
	store = *st;
}

void svc_log_init(struct svc_log *l)
{
	l->path[0] = '\0';
	l->pipe_r = l->pipe_w = -1;
	rotfile_init(&l->file, l->path, 0, SVC_LOG_KEEP);
}

static int open_file(struct svc_log *l)
{
	if (rotfile_is_open(&l->file))
		return 0;
	mkdir("/var/log", 0755);
	mkdir(SVC_LOG_DIR, 0750);
	return rotfile_open(&l->file);
}

static void append(struct svc_log *l, const char *buf, size_t n)
{
	if (open_file(l) < 0)
		return; /* no file: the output is dropped rather than blocking the service */
	rotfile_write(&l->file, buf, n);
}

static void on_pipe(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct svc_log *l = data;
	char buf[16384];
	/* bounded: one busy service cannot keep the loop from the others */
	for (int i = 0; i < 4; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		append(l, buf, (size_t)n);
	}
}

int svc_log_open(struct svc_log *l, struct evloop *loop, const char *name, size_t max_bytes)
{
	if (l->pipe_w >= 0)
		return l->pipe_w;
	snprintf(l->path, sizeof(l->path), SVC_LOG_DIR "/%s.log", name);
	l->file.max_bytes = max_bytes;
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* the children's end blocks as a terminal would: a service writing faster than the disk
	 * waits instead of losing lines */
	fcntl(p[1], F_SETFL, 0);
	int r = evloop_add_fd(loop, p[0], EPOLLIN, on_pipe, l);
	if (r < 0) {
		close(p[0]), close(p[1]);
		return r;
	}
	l->pipe_r = p[0];
	l->pipe_w = p[1];
	/* the store keeps a reader on the pipe while no supervisor is there to read it */
	if (store.put_fd >= 0) {
		int r2 = fdstore_put(&store, name, p, 2);
		if (r2 < 0)
			log_warn("services", "%s: cannot keep its log pipe in PID 1's store: %s; a supervisor restart "
				 "breaks it", name, strerror(-r2));
	}
	return l->pipe_w;
}

int svc_log_adopt(struct svc_log *l, struct evloop *loop, const char *name, size_t max_bytes, int pipe_r, int pipe_w)
{
	if (l->pipe_w >= 0)
		return -EEXIST;
	snprintf(l->path, sizeof(l->path), SVC_LOG_DIR "/%s.log", name);
	l->file.max_bytes = max_bytes;
	fcntl(pipe_r, F_SETFL, O_NONBLOCK);
	int r = evloop_add_fd(loop, pipe_r, EPOLLIN, on_pipe, l);
	if (r < 0)
		return r;
	l->pipe_r = pipe_r;
	l->pipe_w = pipe_w;
	on_pipe(loop, pipe_r, EPOLLIN, l); /* what came while nobody read */
	return 0;
}

void svc_log_note(struct svc_log *l, const char *fmt, ...)
{
	char msg[600];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	size_t n = strftime(msg, sizeof(msg), "%Y-%m-%d %H:%M:%S guestinit: ", &tm);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	msg[n++] = '\n';
	append(l, msg, n);
}

void svc_log_tail(const char *path, unsigned n, FILE *out)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || n == 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t start = size > 65536 ? size - 65536 : 0;
	char *buf = malloc(65537);
	if (!buf)
		return;
	ssize_t got = pread(fd, buf, (size_t)(size - start), start);
	if (got <= 0) {
		free(buf);
		return;
	}
	size_t len = (size_t)got;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	size_t pos = len;
	unsigned lines = 0;
	while (pos > 0) {
		if (buf[pos - 1] == '\n' && ++lines == n)
			break;
		pos--;
	}
	fwrite(buf + pos, 1, len - pos, out);
	if (len > pos)
		fputc('\n', out);
	free(buf);
}
