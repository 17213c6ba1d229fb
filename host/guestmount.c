/* Mounting a distribution's files on this host (see guestmount.h): the server's session, the
 * 9P attach, then the FUSE daemon. */
#include "guestmount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "distro.h"
#include "session_msg.h"
#include "firstuser.h"
#include "p9client.h"
#include "state.h"

#define GUESTFS_ARGV0 "/init" /* our init is in every root we boot (stage1 puts it there) */

void guestmount_default_dir(const struct gh *g, char out[PATH_MAX])
{
	state_file(g, "guestfs", out); /* the state folder is short enough for its files' names */
}

int guestmount_link_path(const char *name, char *out, size_t cap, struct gi_error *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/guestinit/wsl$/%s", xdg, name);
	else if (home && home[0] == '/')
		n = snprintf(out, cap, "%s/.local/share/guestinit/wsl$/%s", home, name);
	else
		return gi_error_set(err, ENOENT, "no $HOME for the folder of %s's files", name);
	if (n < 0 || (size_t)n >= cap)
		return gi_error_set(err, ENAMETOOLONG, "the folder for %s's files is too long a path", name);
	return 0;
}

/* ~/.local/share/guestinit/wsl$/NAME → dir, replacing an older link (never a folder or
 * file someone made there). A failure is only said: the mount itself is there. */
static void link_mount(const char *name, const char *dir)
{
	char link[PATH_MAX], tmp[PATH_MAX + 32], parent[PATH_MAX];
	struct gi_error err = GI_ERROR_INIT;
	if (guestmount_link_path(name, link, sizeof(link), &err) < 0) {
		gh_say("%s", err.msg);
		return;
	}
	struct stat st;
	if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		gh_say("%s is not a link of ours: left alone (the files are at %s)", link, dir);
		return;
	}
	snprintf(parent, sizeof(parent), "%s", link);
	*strrchr(parent, '/') = '\0';
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", link, (int)getpid());
	if (mkdir_p(parent, 0700) < 0 || symlink(dir, tmp) < 0 || rename(tmp, link) < 0) {
		gh_say("cannot link %s to %s: %s", link, dir, strerror(errno));
		unlink(tmp);
	}
}

/* mountinfo's line for dir: its fields 5 (mount point) and after " - " the type. */
bool guestmount_is_mounted(const char *dir)
{
	char real[PATH_MAX];
	/* a mount whose daemon died answers ENOTCONN: that is no live mount */
	if (!realpath(dir, real))
		return false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX], type[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		found = !strcmp(mnt, real) && !strcmp(type, "fuse.guestfs");
	}
	free(line);
	fclose(f);
	return found;
}

/* A mount left by a daemon that was killed: "Transport endpoint is not connected" until it is
 * unmounted, lazily (the kernel's way for root, fusermount3's for a user). */
static void clear_dead_mount(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0 || errno != ENOTCONN)
		return;
	if (geteuid() == 0 && umount2(dir, MNT_DETACH) == 0)
		return;
	char *argv[] = { "fusermount3", "-u", "-z", (char *)dir, NULL };
	struct gi_error err = GI_ERROR_INIT;
	child_run(&(struct child_spec){ .argv = argv, .fds = { -1, -1, 2 } }, &err);
}

int guestmount(struct gh *g, const struct guestmount_opts *o, struct gi_error *err)
{
	char dir[PATH_MAX];
	int r;
	if (o->dir)
		snprintf(dir, sizeof(dir), "%s", o->dir);
	else
		guestmount_default_dir(g, dir);
	clear_dead_mount(dir);
	if (guestmount_is_mounted(dir))
		return gi_error_set(err, EBUSY, "%s is mounted already (fusermount3 -u %s ends it)", dir, dir);
	if (!o->dir && mkdir_p(dir, 0700) < 0)
		return gi_error_errno(err, errno, "cannot make %s", dir);
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return gi_error_set(err, ENOTDIR, "%s is not a folder to mount on", dir);
	/* the guest's server on a raw session of its own: the connection is the 9P stream */
	char def[64];
	bool has_def = firstuser_get(g, def, sizeof(def));
	char *argv[] = { GUESTFS_ARGV0, "guestinit-guestfs", "/", NULL };
	char *env[] = { NULL };
	struct proto_exec spec = { .argv = argv, .argc = 3, .env = env, .user = (char *)o->user,
				   .default_user = has_def ? def : NULL, .cwd = "/" };
	int fd;
	if ((r = gh_exec_raw(g, &spec, &fd, err)) < 0)
		return gi_error_wrap(err, "the guest's file server did not start");
	struct p9c *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return gi_error_set(err, ENOMEM, "out of memory");
	}
	if ((r = p9c_open(c, fd, "native", 0, err)) < 0) {
		free(c);
		return r;
	}
	if (!o->dir)
		link_mount(o->name, dir);
	char fsname[DISTRO_NAME_MAX + 8];
	snprintf(fsname, sizeof(fsname), "wsl$%s", o->name);
	r = guestfs_fuse_serve(c, dir, fsname, o->foreground, err);
	p9c_close(c); /* the guest's server sees the end, and ends */
	free(c);
	return r;
}

int cmd_mount_guest(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	struct guestmount_opts o = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--user") || !strcmp(a, "-u")) && i + 1 < argc)
			o.user = argv[++i];
		else if (!strcmp(a, "--foreground") || !strcmp(a, "-f"))
			o.foreground = true;
		else if (a[0] != '-' && !o.dir)
			o.dir = a;
		else
			return gi_error_set(err, EINVAL, "mount-guest: unexpected '%s' (usage: mount-guest [DIR] "
							 "[--user USER] [--foreground])", a);
	}
	struct distro d;
	int r = distro_record_read(g, &d, err);
	if (r < 0)
		return r;
	o.name = r > 0 ? d.name : DISTRO_BUILTIN;
	char name[DISTRO_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", o.name);
	o.name = name;
	if ((r = guestmount(g, &o, err)) < 0)
		return r;
	return 0;
}
