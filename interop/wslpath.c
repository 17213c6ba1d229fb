/* wslpath [-a] [-u|-w|-m] PATH: WSL's command, its output and its messages
 * (../shared/research/wsl-phase2-facts.md §3; man/wslpath.1). The drives come from the guest's
 * mounts (/proc/self/mountinfo), the distribution's name from the host's configuration. */
#include "wslpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "readfile.h"
#include "records.h"
#include "winpath.h"

static const char usage_text[] =
	"Usage:\n"
	"    -a    Force result to absolute path format.\n"
	"    -u    Translate from a Windows path to a WSL path (default).\n"
	"    -w    Translate from a WSL path to a Windows path.\n"
	"    -m    Translate from a WSL path to a Windows path, with '/' instead of '\\'.\n"
	"\n"
	"Example: wslpath 'c:\\users'\n";

#ifndef V9FS_MAGIC
#define V9FS_MAGIC 0x01021997
#endif

bool wslpath_on_9p(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == V9FS_MAGIC;
}

void wslpath_table_load(struct winpath_table *t)
{
	wslpath_table_load_some(t, true);
}

void wslpath_table_load_some(struct winpath_table *t, bool mounts)
{
	/* the table has room for 64 mounts of two PATH_MAX names (1 MiB): only what is used is
	 * touched, or every launch pays for the page faults */
	t->n = 0;
	t->distro[0] = '\0';
	char *mi = NULL;
	if (mounts && read_file("/proc/self/mountinfo", 64u << 20, &mi, NULL) == 0) {
		winpath_table_from_mountinfo(t, mi);
		free(mi);
	}
	/* the name the host gave the distribution, as WSL_DISTRO_NAME has it */
	const char *env = getenv("WSL_DISTRO_NAME");
	struct host_conf hc;
	if (env && *env)
		snprintf(t->distro, sizeof(t->distro), "%s", env);
	else if (host_conf_read(HOST_CONF_PATH, &hc) == 0 && hc.distro[0])
		snprintf(t->distro, sizeof(t->distro), "%s", hc.distro);
}

/* . and .. and repeated '/' out of an absolute path, textually (for a path that does not
 * exist, which realpath cannot take); a trailing '/' stays. */
static void normalise(const char *in, char *out, size_t cap)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", in);
	bool trailing = tmp[0] && tmp[strlen(tmp) - 1] == '/';
	size_t n = 0;
	out[0] = '\0';
	char *save = NULL;
	for (char *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
			continue;
		}
		int w = snprintf(out + n, cap - n, "/%s", c);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
	if (!n || trailing)
		snprintf(out + n, cap - n, "/");
}

/* The guest path as -w/-m translate it: resolved through symlinks when it exists (WSL
 * always resolves), else as given (made absolute with -a). 0 or -errno. */
static int guest_path(const char *in, bool absolute, char *out, size_t cap)
{
	char real[PATH_MAX];
	bool trailing = in[0] && in[strlen(in) - 1] == '/';
	if (realpath(in, real)) {
		int n = snprintf(out, cap, "%s%s", real, trailing && strcmp(real, "/") ? "/" : "");
		return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
	}
	if (errno != ENOENT)
		return -errno;
	if (in[0] != '/' && !absolute) {
		int n = snprintf(out, cap, "%s", in);
		return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
	}
	char joined[PATH_MAX * 2], cwd[PATH_MAX];
	if (in[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (snprintf(joined, sizeof(joined), "%s/%s", cwd, in) >= (int)sizeof(joined))
			return -ENAMETOOLONG;
	} else if (snprintf(joined, sizeof(joined), "%s", in) >= (int)sizeof(joined)) {
		return -ENAMETOOLONG;
	}
	normalise(joined, out, cap);
	return 0;
}

int wslpath_translate(const struct winpath_table *t, enum wslpath_mode mode, bool absolute, const char *in, char *out,
		      size_t cap)
{
	if (mode == WSLPATH_TO_LINUX) {
		char linux_path[PATH_MAX];
		int r = winpath_to_linux(t, in, linux_path, sizeof(linux_path));
		if (r < 0)
			return r;
		if (absolute && linux_path[0] != '/') {
			char cwd[PATH_MAX], joined[PATH_MAX * 2];
			if (!getcwd(cwd, sizeof(cwd)))
				return -errno;
			if (snprintf(joined, sizeof(joined), "%s/%s", cwd, linux_path) >= (int)sizeof(joined))
				return -ENAMETOOLONG;
			normalise(joined, out, cap);
			return 0;
		}
		return (size_t)snprintf(out, cap, "%s", linux_path) >= cap ? -ENAMETOOLONG : 0;
	}
	char g[PATH_MAX];
	int r = guest_path(in, absolute, g, sizeof(g));
	if (r < 0)
		return r;
	return winpath_to_windows(t, g, mode == WSLPATH_TO_MIXED, out, cap);
}

int wslpath_main(int argc, char **argv)
{
	const char *prog = "wslpath";
	bool absolute = false, dashdash = false;
	int mode = -1;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && !strcmp(a, "--")) {
			dashdash = true;
		} else if (!dashdash && !strcmp(a, "--help")) {
			fprintf(stderr, "%s: %s\n", prog, strerror(EINVAL));
			fputs(usage_text, stdout);
			return 1;
		} else if (!dashdash && a[0] == '-' && a[1]) {
			for (const char *f = a + 1; *f; f++) {
				int m = *f == 'u' ? WSLPATH_TO_LINUX : *f == 'w' ? WSLPATH_TO_WINDOWS : *f == 'm' ? WSLPATH_TO_MIXED : -1;
				if (*f == 'a') {
					absolute = true;
				} else if (m >= 0) {
					if (mode >= 0 && mode != m) { /* one direction only */
						fputs(usage_text, stderr);
						return 1;
					}
					mode = m;
				} else {
					fprintf(stderr, "Invalid command line argument: %s\n"
							"Please use '%s --help' to get a list of supported arguments.\n",
						a, prog);
					return 1;
				}
			}
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "Invalid command line argument: %s\n"
					"Please use '%s --help' to get a list of supported arguments.\n",
				a, prog);
			return 1;
		}
	}
	if (!path) {
		fprintf(stderr, "%s: %s\n", prog, strerror(EINVAL));
		fputs(usage_text, stdout);
		return 1;
	}
	struct winpath_table t;
	wslpath_table_load(&t);
	char out[PATH_MAX * 2];
	int r = wslpath_translate(&t, mode < 0 ? WSLPATH_TO_LINUX : (enum wslpath_mode)mode, absolute, path, out, sizeof(out));
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-r));
		return 1;
	}
	puts(out);
	return 0;
}
