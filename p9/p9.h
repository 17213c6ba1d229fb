/* The 9P2000.L codec: message layout only, no file system. Shared by the Plan 9 file server
 * (p9/, issue 4) in either direction: the host serving drives to the guest, the guest serving
 * \\wsl$ to the host.
 *
 * A message is size[4] type[1] tag[2] and a body; integers are little-endian; a string is
 * len[2] and bytes; a qid is type[1] version[4] path[8]. Decoded strings point into the
 * message (they are not NUL-terminated) and may not hold a NUL byte. */
#ifndef GUESTINIT_P9_H
#define GUESTINIT_P9_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_HDR_SIZE 7
#define P9_MAXWELEM 16 /* names per Twalk, as the protocol fixes it */
#define P9_NOFID 0xffffffffu
#define P9_NOTAG 0xffffu

enum p9_type {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN,
	P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK,
	P9_TMKNOD = 18, P9_RMKNOD,
	P9_TRENAME = 20, P9_RRENAME,
	P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR,
	P9_TSETATTR = 26, P9_RSETATTR,
	P9_TXATTRWALK = 30, P9_RXATTRWALK,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40, P9_RREADDIR,
	P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLOCK = 52, P9_RLOCK,
	P9_TGETLOCK = 54, P9_RGETLOCK,
	P9_TLINK = 70, P9_RLINK,
	P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT,
	P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION,
	P9_TAUTH = 102, P9_RAUTH,
	P9_TATTACH = 104, P9_RATTACH,
	P9_TFLUSH = 108, P9_RFLUSH,
	P9_TWALK = 110, P9_RWALK,
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,
	P9_TCLUNK = 120, P9_RCLUNK,
	P9_TREMOVE = 122, P9_RREMOVE,
};

struct p9_str {
	const char *s;
	uint16_t len;
};

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A request as a server receives it. Which member of the union is set follows type. */
struct p9_tmsg {
	uint8_t type;
	uint16_t tag;
	union {
		struct { uint32_t msize; struct p9_str version; } version;
		struct { uint32_t fid, afid; struct p9_str uname, aname; uint32_t n_uname; } attach; /* and Tauth (fid = afid) */
		struct { uint16_t oldtag; } flush;
		struct { uint32_t fid, newfid; uint16_t nwname; struct p9_str wname[P9_MAXWELEM]; } walk;
		struct { uint32_t fid; } fid; /* Tstatfs, Treadlink, Tclunk, Tremove */
		struct { uint32_t fid, datasync; } fsync;
		struct { uint32_t fid, flags; } lopen;
		struct { uint32_t fid; struct p9_str name; uint32_t flags, mode, gid; } lcreate;
		struct { uint32_t fid; struct p9_str name, target; uint32_t gid; } symlink;
		struct { uint32_t dfid; struct p9_str name; uint32_t mode, major, minor, gid; } mknod;
		struct { uint32_t fid, dfid; struct p9_str name; } rename;
		struct { uint32_t fid; uint64_t mask; } getattr;
		struct {
			uint32_t fid, valid, mode, uid, gid;
			uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
		} setattr;
		struct { uint32_t fid, newfid; struct p9_str name; } xattrwalk;
		struct { uint32_t fid; struct p9_str name; uint64_t size; uint32_t flags; } xattrcreate;
		struct { uint32_t fid; uint64_t offset; uint32_t count; } io; /* Tread, Treaddir */
		struct { uint32_t fid; uint64_t offset; uint32_t count; const uint8_t *data; } write;
		struct {
			uint32_t fid; uint8_t type; uint32_t flags; uint64_t start, length;
			uint32_t proc_id; struct p9_str client_id;
		} lock; /* Tgetlock too (flags 0) */
		struct { uint32_t dfid, fid; struct p9_str name; } link;
		struct { uint32_t dfid; struct p9_str name; uint32_t mode, gid; } mkdir;
		struct { uint32_t olddirfid; struct p9_str oldname; uint32_t newdirfid; struct p9_str newname; } renameat;
		struct { uint32_t dirfid; struct p9_str name; uint32_t flags; } unlinkat;
	};
};

/* The size field of a message's first 4 bytes. */
uint32_t p9_msg_size(const uint8_t hdr[4]);

/* Decodes one whole message (len = its size field). 0, or -EBADMSG / -EPROTONOSUPPORT with why
 * naming the problem; the message's tag is in t->tag whenever the header was whole, so that
 * the server can answer Rlerror to it. */
int p9_decode_tmsg(const uint8_t *msg, size_t len, struct p9_tmsg *t, const char **why);

/* ---- replies, as a client receives them ------------------------------------------------ */

struct p9_attr { /* Rgetattr's body after valid */
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

struct p9_rmsg {
	uint8_t type;
	uint16_t tag;
	union {
		struct { uint32_t ecode; } lerror;
		struct { uint32_t msize; struct p9_str version; } version;
		struct { struct p9_qid qid; } qid; /* Rattach, Rmkdir, Rsymlink, Rmknod */
		struct { uint16_t nwqid; struct p9_qid wqid[P9_MAXWELEM]; } walk;
		struct { struct p9_qid qid; uint32_t iounit; } open; /* Rlopen, Rlcreate */
		struct p9_attr getattr;
		struct { uint32_t count; const uint8_t *data; } data; /* Rread, Rreaddir */
		struct { uint32_t count; } write;
		struct { struct p9_str target; } readlink;
		struct { uint64_t size; } xattrwalk;
		struct {
			uint32_t type, bsize;
			uint64_t blocks, bfree, bavail, files, ffree, fsid;
			uint32_t namelen;
		} statfs;
	};
};

/* Decodes one whole reply (len = its size field), as p9_decode_tmsg does a request: a reply
 * from a peer that is not trusted (the guest's server, seen from the host) is checked as
 * strictly. The types without a body (Rclunk, Rsetattr, ...) decode to nothing. */
int p9_decode_rmsg(const uint8_t *msg, size_t len, struct p9_rmsg *r, const char **why);

struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset;
	uint8_t type;
	struct p9_str name;
};

/* The next entry of Rreaddir's data from *off: 1 and *off moved past it, 0 at the end, or
 * -EBADMSG when the data is cut or a name is bad (empty, holding '/' or NUL). */
int p9_next_dirent(const uint8_t *data, uint32_t count, uint32_t *off, struct p9_dirent *d);

/* ---- building messages ---------------------------------------------------------------- */

struct p9_out {
	uint8_t *buf;
	size_t cap, len;
	bool overflow; /* sticky: the message did not fit in cap (msize) */
};

void p9_begin(struct p9_out *o, uint8_t type, uint16_t tag);
void p9_put8(struct p9_out *o, uint8_t v);
void p9_put16(struct p9_out *o, uint16_t v);
void p9_put32(struct p9_out *o, uint32_t v);
void p9_put64(struct p9_out *o, uint64_t v);
void p9_put_str(struct p9_out *o, const char *s, size_t len);
void p9_put_qid(struct p9_out *o, const struct p9_qid *q);
void p9_put_bytes(struct p9_out *o, const void *p, size_t n);
/* Fills in the size; returns the message's length, or -EMSGSIZE. */
int p9_finish(struct p9_out *o);

#endif
