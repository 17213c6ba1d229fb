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
#include <unistd.h>

#include "cleanup.h"
#include "hostd.h"
#include "proto.h"
#include "transport.h"

#define CONNECT_MS 5000
#define REPLY_MS 10000

static int say(char *err, size_t errlen, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

int drvfs_host_load(struct drvfs_host *h, const char *conf_path, const char *token_path, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	_cleanup_fclose_ FILE *f = fopen(conf_path, "re");
	if (!f)
		return say(err, errlen, -errno, "no drive table from the host (%s: %s): is the host channel up?", conf_path,
			   strerror(errno));
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* a value too long for its slot is left out: the mount then says the drive or the
		 * host's address is unknown, rather than using a cut one */
		if (!strncmp(line, "host=", 5) && strlen(line + 5) < sizeof(h->uri))
			memcpy(h->uri, line + 5, strlen(line + 5) + 1);
		else if (!strncmp(line, "drive.", 6) && line[6] >= 'a' && line[6] <= 'z' && line[7] == '=' &&
			 strlen(line + 8) < sizeof(h->source[0]))
			memcpy(h->source[line[6] - 'a'], line + 8, strlen(line + 8) + 1);
	}
	_cleanup_close_ int fd = open(token_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, h->token, sizeof(h->token) - 1);
		h->token[n > 0 ? n : 0] = '\0';
		h->token[strcspn(h->token, "\n")] = '\0';
	}
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

/* The host-channel connection for one mount, accepted by the host: an fd, or -status. */
static int open_drive(const struct drvfs_host *h, const char *aname, const char *what, char *err, size_t errlen)
{
	struct transport_addr addr;
	char terr[200];
	if (!h->uri[0])
		return -say(err, errlen, DRVFS_EXIT_FAIL, "%s: the host's address is unknown (no host= in %s)", what,
			    HOSTD_CONF_PATH);
	if (transport_parse(h->uri, &addr, terr, sizeof(terr)) < 0)
		return -say(err, errlen, DRVFS_EXIT_FAIL, "%s: %s", what, terr);
	int fd = transport_connect(&addr, CONNECT_MS);
	if (fd < 0)
		return -say(err, errlen, DRVFS_EXIT_FAIL, "%s: cannot reach the host at %s: %s", what, h->uri, strerror(-fd));
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_drive_open m = { .token = (char *)h->token, .aname = (char *)aname };
	proto_encode_drive_open(&b, &m);
	int r = proto_send(fd, &b);
	proto_buf_free(&b);
	struct timeval tv = { .tv_sec = REPLY_MS / 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct proto_hdr hdr;
	_cleanup_free_ uint8_t *payload = NULL;
	if (r == 0)
		r = proto_recv(fd, &hdr, &payload);
	if (r < 0) {
		close(fd);
		return -say(err, errlen, DRVFS_EXIT_FAIL, "%s: the host did not answer: %s", what,
			    r == -EPIPE ? "it closed the connection" : strerror(-r));
	}
	const char *why = "";
	char *reason = NULL;
	uint32_t ok = 0;
	if (hdr.type == MSG_DRIVE_REPLY)
		proto_decode_u32(payload, hdr.len, TAG_OK, &ok, &why);
	if (!ok) {
		proto_decode_str(payload, hdr.len, TAG_REASON, &reason, &why);
		say(err, errlen, DRVFS_EXIT_FAIL, "%s: the host refused: %s", what,
		    reason ? reason : hdr.type == MSG_DRIVE_REPLY ? "no reason given" : proto_type_name(hdr.type));
		free(reason);
		close(fd);
		return -DRVFS_EXIT_FAIL;
	}
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
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
		const char *options, char *err, size_t errlen)
{
	struct drvfs_source src;
	char perr[300];
	if (drvfs_source_parse(source, &src, perr, sizeof(perr)) < 0)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s", perr);
	struct drvfs_options o = *base;
	if (drvfs_options_parse(options, &o, perr, sizeof(perr)) < 0)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s", perr);
	char what[PATH_MAX + 320];
	snprintf(what, sizeof(what), "mount.drvfs: %s on %s", source, target);
	if (!src.letter)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: UNC shares are not served by this host (only drive letters)",
			   what);
	const char *drive = h->source[src.letter - 'a'];
	if (!drive[0]) {
		char list[128];
		shared_list(h, list, sizeof(list));
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: drive %c: is not shared by the host (it shares: %s)", what,
			   toupper((unsigned char)src.letter), list);
	}
	struct stat st;
	if (stat(target, &st) < 0)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: mount point %s: %s", what, target,
			   errno == ENOENT ? "does not exist" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: mount point %s is not a folder", what, target);
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
			return say(err, errlen, DRVFS_EXIT_FAIL,
				   "mount.drvfs: option '%s' is not supported: drive %c: is QEMU's virtio-9p share, whose "
				   "server does not take WSL's options", opt, toupper((unsigned char)src.letter));
		if (src.path[0])
			return say(err, errlen, DRVFS_EXIT_FAIL,
				   "%s: a folder within a drive needs the host's drvfs server; drive %c: is QEMU's virtio-9p share",
				   what, toupper((unsigned char)src.letter));
		snprintf(data, sizeof(data), "trans=virtio,version=9p2000.L,msize=%u,cache=%s", msize, cache);
		r = mount(drive + 7, target, "9p", o.flags, data);
		if (r < 0 && errno == EBUSY)
			return say(err, errlen, DRVFS_EXIT_FAIL, "%s: the share %s is mounted already (QEMU's virtio-9p takes one "
				   "mount per share)", what, drive + 7);
		if (r < 0)
			return say(err, errlen, DRVFS_EXIT_FAIL, "%s: 9p over virtio (%s): %s", what, drive + 7, strerror(errno));
		return 0;
	}
	if (strcmp(drive, "p9"))
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: the host offers drive %c: as '%s', which this guest cannot mount",
			   what, toupper((unsigned char)src.letter), drive);
	char aname[1800], extra[600];
	if (drvfs_options_aname(&o, extra, sizeof(extra)) < 0)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: the options are too long", what);
	snprintf(aname, sizeof(aname), "drvfs;path=%s%s%s", shown, extra[0] ? ";" : "", extra);
	int fd = open_drive(h, aname, what, err, errlen);
	if (fd < 0)
		return -fd;
	snprintf(data, sizeof(data), "trans=fd,rfdno=%d,wfdno=%d,version=9p2000.L,msize=%u,cache=%s,aname=%s", fd, fd,
		 msize, cache, aname);
	r = mount(shown, target, "9p", o.flags, data);
	int e = errno;
	close(fd); /* the kernel holds its own reference now */
	if (r < 0)
		return say(err, errlen, DRVFS_EXIT_FAIL, "%s: 9p: %s", what, strerror(e));
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
	char err[1024];
	if (drvfs_host_load(&h, HOSTD_CONF_PATH, DRVFS_TOKEN_PATH, err, sizeof(err)) < 0) {
		fprintf(stderr, "mount.drvfs: %s\n", err);
		return DRVFS_EXIT_FAIL;
	}
	struct drvfs_options base = { 0 };
	int st = drvfs_mount(&h, pos[0], pos[1], &base, options, err, sizeof(err));
	if (st)
		fprintf(stderr, "%s\n", err);
	return st;
}
