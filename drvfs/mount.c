/* mount.drvfs (see mount.h). */
#include "mount.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "hub.h"
#include "records.h"
#include "proto.h"
#include "drive_msg.h"
#include "port.h"

#define DRIVE_PORT_SYSDIR "/sys/class/virtio-ports"

#define CONNECT_MS 5000
/* how long transport=port waits for a port to come free: the relay of a mount that was just
 * unmounted lets go of its port a moment after umount returns (`umount X && mount X`) */
#define PORT_FREE_MS 2000
#define REPLY_MS 10000

/* A mount's failure: the message, and mount(8)'s status for it. */
static int fail(struct gi_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct gi_error *err, const char *fmt, ...)
{
	char msg[GI_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gi_error_set(err, EINVAL, "%s", msg);
	return DRVFS_EXIT_FAIL;
}

int drvfs_host_load(struct drvfs_host *h, const char *conf_path, struct gi_error *err)
{
	memset(h, 0, sizeof(*h));
	struct host_conf c;
	int r = host_conf_read(conf_path, &c);
	if (r < 0)
		return gi_error_errno(err, r, "no drive table from the host (%s): is the host channel up?", conf_path);
	memcpy(h->source, c.drive, sizeof(h->source));
	return 0;
}

static void shared_list(const struct drvfs_host *h, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 26; i++)
		if (h->source[i][0] && n + 5 < cap)
			n += (size_t)snprintf(out + n, cap - n, "%s%c:", n ? ", " : "", 'A' + i);
	if (!n)
		snprintf(out, cap, "none");
}

/* The host-channel connection for one mount, accepted by the host: an fd, or -status. The hub
 * dials it and adds the boot token, which never leaves the hub (hub.h). With port (a drive
 * port's name), the host serves the mount on that port and sync gets its text. */
static int open_drive(const char *aname, const char *port, char sync[DRIVE_SYNC_LEN + 1], const char *what,
		      struct gi_error *err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_drive_open m = { .aname = (char *)aname, .port = (char *)port };
	proto_encode_drive_open(&b, &m);
	int fd = b.error ? b.error : hub_dial(b.data, b.len, CONNECT_MS, err);
	proto_buf_free(&b);
	if (fd < 0) {
		gi_error_wrap(err, "%s", what);
		return -DRVFS_EXIT_FAIL;
	}
	struct timeval tv = { .tv_sec = REPLY_MS / 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr hdr;
	_cleanup_free_ uint8_t *payload = NULL;
	int r = proto_recv(fd, &hdr, &payload);
	if (r < 0) {
		close(fd);
		gi_error_set(err, -r, "%s: the host did not answer: %s", what, r == -EPIPE ? "it closed the connection" : strerror(-r));
		return -DRVFS_EXIT_FAIL;
	}
	const char *why = "";
	char *reason = NULL;
	uint32_t ok = 0;
	if (hdr.type == MSG_DRIVE_REPLY)
		proto_decode_u32(payload, hdr.len, TAG_OK, &ok, &why);
	if (!ok) {
		proto_decode_str(payload, hdr.len, TAG_REASON, &reason, &why);
		gi_error_set(err, EACCES, "%s: the host refused: %s", what,
			     reason ? reason : hdr.type == MSG_DRIVE_REPLY ? "no reason given" : proto_type_name(hdr.type));
		free(reason);
		close(fd);
		return -DRVFS_EXIT_FAIL;
	}
	if (port) {
		char *text = NULL;
		proto_decode_str(payload, hdr.len, TAG_DRIVE_SYNC, &text, &why);
		bool good = text && strlen(text) == DRIVE_SYNC_LEN;
		if (good)
			memcpy(sync, text, DRIVE_SYNC_LEN + 1);
		free(text);
		close(fd);
		if (!good) {
			gi_error_set(err, EPROTO, "%s: the host's reply for drive port %s has no sync text", what, port);
			return -DRVFS_EXIT_FAIL;
		}
		return 0;
	}
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A mount over a drive port: the port's fd, ready for the kernel's 9P; -ENOENT (the VM has
 * none) or -EBUSY (all taken), after which the host channel carries the mount unless the options
 * ask for a port; or -status with err. */
static int open_drive_port(const char *aname, enum drvfs_transport how, const char *what, struct gi_error *err)
{
	if (how == DRVFS_TRANSPORT_TCP)
		return -ENOENT;
	char name[64], sync[DRIVE_SYNC_LEN + 1];
	uint64_t end = mono_ms() + PORT_FREE_MS;
	int fd;
	while ((fd = drive_port_claim(DRIVE_PORT_SYSDIR, "/dev", name, sizeof(name), err)) == -EBUSY &&
	       how == DRVFS_TRANSPORT_PORT && mono_ms() < end)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
	if (fd == -ENOENT || fd == -EBUSY)
		return fd;
	if (fd < 0) {
		gi_error_wrap(err, "%s", what);
		return -DRVFS_EXIT_FAIL;
	}
	int st = open_drive(aname, name, sync, what, err);
	if (st < 0) {
		close(fd);
		return st;
	}
	if (drive_port_sync(fd, sync, REPLY_MS, err) < 0) {
		close(fd);
		gi_error_wrap(err, "%s: drive port %s", what, name);
		return -DRVFS_EXIT_FAIL;
	}
	fd = drive_port_relay(fd, name, err);
	if (fd < 0) {
		gi_error_wrap(err, "%s: drive port %s", what, name);
		return -DRVFS_EXIT_FAIL;
	}
	return fd;
}

/* QEMU's server presents the files as they are on the host: WSL's options have nowhere to go. */
static const char *virtio_refuses(const struct drvfs_options *o)
{
	if (o->metadata)
		return "metadata";
	if (o->has_uid)
		return "uid";
	if (o->has_gid)
		return "gid";
	if (o->has_umask)
		return "umask";
	if (o->has_fmask)
		return "fmask";
	if (o->has_dmask)
		return "dmask";
	if (o->case_mode != DRVFS_CASE_DEFAULT)
		return "case";
	if (o->symlinkroot[0])
		return "symlinkroot";
	return NULL;
}

int drvfs_mount(const struct drvfs_host *h, const char *source, const char *target, const struct drvfs_options *base,
		const char *options, struct gi_error *err)
{
	struct drvfs_source src;
	if (drvfs_source_parse(source, &src, err) < 0)
		return DRVFS_EXIT_FAIL;
	struct drvfs_options o = *base;
	if (drvfs_options_parse(options, &o, err) < 0)
		return DRVFS_EXIT_FAIL;
	char what[PATH_MAX + 320];
	snprintf(what, sizeof(what), "mount.drvfs: %s on %s", source, target);
	if (!src.letter)
		return fail(err, "%s: UNC shares are not served by this host (only drive letters)",
			   what);
	const char *drive = h->source[src.letter - 'a'];
	if (!drive[0]) {
		char list[128];
		shared_list(h, list, sizeof(list));
		return fail(err, "%s: drive %c: is not shared by the host (it shares: %s)", what,
			   toupper((unsigned char)src.letter), list);
	}
	struct stat st;
	if (stat(target, &st) < 0)
		return fail(err, "%s: mount point %s: %s", what, target,
			   errno == ENOENT ? "does not exist" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, "%s: mount point %s is not a folder", what, target);
	if (o.case_forced)
		fprintf(stderr, "mount.drvfs: case=force is no longer supported; using case=dir\n");

	/* What mount and findmnt show as the source: the Windows spelling, as on WSL */
	char shown[1100];
	snprintf(shown, sizeof(shown), "%c:\\%s", toupper((unsigned char)src.letter), src.path);
	char data[2000];
	unsigned msize = o.msize ? o.msize : DRVFS_DEFAULT_MSIZE;
	const char *cache = o.cache[0] ? o.cache : DRVFS_DEFAULT_CACHE;
	int r;
	if (!strncmp(drive, "virtio:", 7)) {
		const char *opt = virtio_refuses(&o);
		if (opt)
			return fail(err,
				   "mount.drvfs: option '%s' is not supported: drive %c: is QEMU's virtio-9p share, whose "
				   "server does not take WSL's options", opt, toupper((unsigned char)src.letter));
		if (src.path[0])
			return fail(err,
				   "%s: a folder within a drive needs the host's drvfs server; drive %c: is QEMU's virtio-9p share",
				   what, toupper((unsigned char)src.letter));
		snprintf(data, sizeof(data), "trans=virtio,version=9p2000.L,msize=%u,cache=%s", msize, cache);
		r = mount(drive + 7, target, "9p", o.flags, data);
		if (r < 0 && errno == EBUSY)
			return fail(err, "%s: the share %s is mounted already (QEMU's virtio-9p takes one "
				   "mount per share)", what, drive + 7);
		if (r < 0)
			return fail(err, "%s: 9p over virtio (%s): %s", what, drive + 7, strerror(errno));
		return 0;
	}
	if (strcmp(drive, "p9"))
		return fail(err, "%s: the host offers drive %c: as '%s', which this guest cannot mount",
			   what, toupper((unsigned char)src.letter), drive);
	char aname[1800], extra[600];
	if (drvfs_options_aname(&o, extra, sizeof(extra)) < 0)
		return fail(err, "%s: the options are too long", what);
	snprintf(aname, sizeof(aname), "drvfs;path=%s%s%s", shown, extra[0] ? ";" : "", extra);
	int fd = open_drive_port(aname, o.transport, what, err);
	if (fd == -ENOENT || fd == -EBUSY) { /* no port at all, or none free */
		if (o.transport == DRVFS_TRANSPORT_PORT)
			return fail(err, "%s: transport=port: %s", what,
				    fd == -ENOENT ? "this VM has no drive ports" : err->msg);
		fd = open_drive(aname, NULL, NULL, what, err); /* the host channel carries it */
	}
	if (fd < 0)
		return -fd;
	snprintf(data, sizeof(data), "trans=fd,rfdno=%d,wfdno=%d,version=9p2000.L,msize=%u,cache=%s,aname=%s", fd, fd,
		 msize, cache, aname);
	r = mount(shown, target, "9p", o.flags, data);
	int e = errno;
	close(fd); /* the kernel holds its own reference now */
	if (r < 0)
		return fail(err, "%s: 9p: %s", what, strerror(e));
	return 0;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "mount.drvfs: %s\n", why);
	fprintf(stderr, "usage: mount.drvfs SOURCE TARGET [-o OPTIONS]   (SOURCE: C:, C:\\folder)\n"
			"       mount -t drvfs SOURCE TARGET [-o OPTIONS]\n"
			"see mount.drvfs(8) for the options\n");
	return DRVFS_EXIT_USAGE;
}

int mount_drvfs_main(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *options = NULL;
	size_t npos = 0;
	bool fake = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(NULL);
			return 0;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "-t") || !strcmp(a, "-N")) {
			if (i + 1 >= argc)
				return usage("an option needs a value");
			if (a[1] == 'o')
				options = argv[i + 1];
			i++;
			continue;
		}
		if (a[0] == '-' && a[1] && strspn(a + 1, "fnsvi") == strlen(a + 1)) {
			fake |= strchr(a, 'f') != NULL; /* mount -f: pretend */
			continue;
		}
		if (a[0] == '-' && a[1])
			return usage("unknown option");
		if (npos == 2)
			return usage("too many arguments");
		pos[npos++] = a;
	}
	if (npos != 2)
		return usage("SOURCE and TARGET are required");
	if (fake)
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "mount.drvfs: only root can mount (try sudo)\n");
		return DRVFS_EXIT_USAGE;
	}
	struct drvfs_host h;
	struct gi_error err = GI_ERROR_INIT;
	if (drvfs_host_load(&h, HOST_CONF_PATH, &err) < 0) {
		fprintf(stderr, "mount.drvfs: %s\n", err.msg);
		return DRVFS_EXIT_FAIL;
	}
	struct drvfs_options base = { 0 };
	int st = drvfs_mount(&h, pos[0], pos[1], &base, options, &err);
	if (st)
		fprintf(stderr, "%s\n", err.msg);
	return st;
}
