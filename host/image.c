/* The VM's pieces through host/mkimage and scripts/build (see image.h). */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "cleanup.h"

#ifndef GUESTHOST_SRCDIR
#define GUESTHOST_SRCDIR "."
#endif

void image_cache_dir(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(out, cap, "%s/guestinit", xdg);
	else
		snprintf(out, cap, "%s/.cache/guestinit", home && *home ? home : "/root");
}

int image_find_init(char *out, size_t cap, struct gi_error *err)
{
	const char *env = getenv("GUESTHOST_INIT");
	if (env && *env) {
		if ((size_t)snprintf(out, cap, "%s", env) >= cap)
			return gi_error_set(err, ENAMETOOLONG, "GUESTHOST_INIT is too long");
		return 0;
	}
	char script[PATH_MAX];
	snprintf(script, sizeof(script), "%s/scripts/build", GUESTHOST_SRCDIR);
	char *argv[] = { script, "static", "--enable-static-init", NULL };
	/* its output is for the person watching: our stderr, never our stdout */
	int st = child_run(&(struct child_spec){ .argv = argv, .fds = { -1, 2, 2 } }, err);
	if (st < 0)
		return st;
	if (st != 0)
		return gi_error_set(err, EIO, "building the static init failed (see build/static.log)");
	snprintf(out, cap, "%s/build/static/init/init", GUESTHOST_SRCDIR);
	return 0;
}

static int take(char *dst, size_t cap, const char *value)
{
	size_t n = strlen(value);
	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(dst, value, n + 1);
	return 1;
}

int image_take_line(struct image *img, const char *line)
{
	static const struct {
		const char *key;
		size_t offset, cap;
	} keys[] = {
		{ "KERNEL=", offsetof(struct image, kernel), sizeof(img->kernel) },
		{ "INITRD=", offsetof(struct image, initrd), sizeof(img->initrd) },
		{ "ROOTIMG=", offsetof(struct image, rootimg), sizeof(img->rootimg) },
		{ "ACCEL=", offsetof(struct image, accel), sizeof(img->accel) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t k = strlen(keys[i].key);
		if (!strncmp(line, keys[i].key, k))
			return take((char *)img + keys[i].offset, keys[i].cap, line + k);
	}
	return 0;
}

int image_build(const struct gh *g, const char *name, const char *disk, const char *init, struct image *img,
		struct gi_error *err)
{
	char script[PATH_MAX], cache[PATH_MAX];
	snprintf(script, sizeof(script), "%s/host/mkimage", GUESTHOST_SRCDIR);
	image_cache_dir(cache, sizeof(cache));
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return gi_error_errno(err, errno, "pipe");
	char *argv[] = { script, "--image", (char *)name, cache, (char *)g->state, (char *)init, NULL, NULL, NULL };
	if (disk) { /* an imported distribution's: mkimage makes no root disk of its own */
		argv[1] = "--disk";
		argv[2] = (char *)disk;
	}
	pid_t pid = child_start(&(struct child_spec){ .argv = argv, .fds = { -1, pipefd[1], 2 } }, err);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return pid;
	}
	*img = (struct image){ 0 };
	_cleanup_fclose_ FILE *f = fdopen(pipefd[0], "r");
	char line[PATH_MAX + 16];
	int bad = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		int r = image_take_line(img, line);
		if (r < 0 && !bad)
			bad = r;
	}
	if (!f)
		close(pipefd[0]);
	int st = child_wait(pid); /* after the end of its output: it has nothing more to say */
	if (st < 0)
		return gi_error_errno(err, -st, "waiting for %s", script);
	if (st != 0)
		return gi_error_set(err, EIO, "building the VM image failed (see the messages above)");
	if (bad)
		return gi_error_errno(err, -bad, "a path from %s", script);
	if (!img->kernel[0] || !img->initrd[0] || !img->rootimg[0])
		return gi_error_set(err, EPROTO, "%s did not name the kernel, the initramfs and the root disk", script);
	if (!img->accel[0])
		snprintf(img->accel, sizeof(img->accel), "tcg");
	return 0;
}
