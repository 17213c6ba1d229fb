/* Static device nodes from modules.devname (see devnodes.h). */
#include "devnodes.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "readfile.h"

/* The nodes every user may open, as systemd's static-nodes-permissions.conf has them; the
 * rest are root's until a rule says otherwise. */
static mode_t node_mode(const char *name)
{
	return !strcmp(name, "fuse") || !strcmp(name, "net/tun") ? 0666 : 0600;
}

static void make_parents(char *path)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

static int one_node(const char *devdir, const char *line)
{
	char module[64], name[128], kind;
	unsigned maj, min;
	if (sscanf(line, "%63s %127s %c%u:%u", module, name, &kind, &maj, &min) != 5 || (kind != 'c' && kind != 'b') ||
	    name[0] == '/' || strstr(name, ".."))
		return -EINVAL;
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", devdir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	make_parents(path);
	mode_t mode = node_mode(name);
	if (mknod(path, (kind == 'c' ? S_IFCHR : S_IFBLK) | mode, makedev(maj, min)) < 0)
		return errno == EEXIST ? 0 : -errno;
	chmod(path, mode); /* past the umask */
	return 1;
}

int devnodes_make(const char *devname, const char *devdir)
{
	char *text = NULL;
	int r = read_file(devname, 1 << 20, &text, NULL);
	if (r < 0)
		return r;
	int made = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		int k = one_node(devdir, line);
		if (k < 0)
			log_warn("boot", "%s: cannot make a node for '%s': %s", devname, line, strerror(-k));
		else
			made += k;
	}
	free(text);
	return made;
}
