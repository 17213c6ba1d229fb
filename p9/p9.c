/* 9P2000.L message decoding and encoding (see p9.h). Every read is bounds-checked; a short
 * body, a string running past the end, a NUL inside a string, trailing bytes or an unknown
 * type is an error that names itself. */
#include "p9.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

struct p9_in {
	const uint8_t *p;
	size_t len, off;
	const char *why; /* first problem, or NULL */
};

static const uint8_t *take(struct p9_in *in, size_t n)
{
	if (in->why || in->len - in->off < n) {
		if (!in->why)
			in->why = "the message ends in the middle of a field";
		return NULL;
	}
	const uint8_t *p = in->p + in->off;
	in->off += n;
	return p;
}

static uint8_t get8(struct p9_in *in)
{
	const uint8_t *p = take(in, 1);
	return p ? p[0] : 0;
}

static uint16_t get16(struct p9_in *in)
{
	const uint8_t *p = take(in, 2);
	uint16_t v = 0;
	if (p)
		memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get32(struct p9_in *in)
{
	const uint8_t *p = take(in, 4);
	uint32_t v = 0;
	if (p)
		memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(struct p9_in *in)
{
	const uint8_t *p = take(in, 8);
	uint64_t v = 0;
	if (p)
		memcpy(&v, p, 8);
	return le64toh(v);
}

static struct p9_str getstr(struct p9_in *in)
{
	struct p9_str s = { "", 0 };
	uint16_t n = get16(in);
	const uint8_t *p = take(in, n);
	if (!p)
		return s;
	if (memchr(p, '\0', n)) {
		in->why = "a string holds a NUL byte";
		return s;
	}
	s.s = (const char *)p;
	s.len = n;
	return s;
}

uint32_t p9_msg_size(const uint8_t hdr[4])
{
	uint32_t v;
	memcpy(&v, hdr, 4);
	return le32toh(v);
}

/* The header of a whole message, requests and replies alike; *tag is NOTAG unless the header
 * was whole. */
static int begin_decode(const uint8_t *msg, size_t len, struct p9_in *in, uint8_t *type, uint16_t *tag,
			const char **why)
{
	*tag = P9_NOTAG;
	if (len < P9_HDR_SIZE) {
		*why = "the message is shorter than its header";
		return -EBADMSG;
	}
	if (p9_msg_size(msg) != len) {
		*why = "the size field does not match the message";
		return -EBADMSG;
	}
	*in = (struct p9_in){ .p = msg, .len = len, .off = 4 };
	*type = get8(in);
	*tag = get16(in);
	return 0;
}

int p9_decode_tmsg(const uint8_t *msg, size_t len, struct p9_tmsg *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	struct p9_in in;
	if (begin_decode(msg, len, &in, &t->type, &t->tag, why) < 0)
		return -EBADMSG;
	switch (t->type) {
	case P9_TVERSION:
		t->version.msize = get32(&in);
		t->version.version = getstr(&in);
		break;
	case P9_TAUTH:
		t->attach.afid = get32(&in);
		t->attach.fid = t->attach.afid;
		t->attach.uname = getstr(&in);
		t->attach.aname = getstr(&in);
		t->attach.n_uname = get32(&in);
		break;
	case P9_TATTACH:
		t->attach.fid = get32(&in);
		t->attach.afid = get32(&in);
		t->attach.uname = getstr(&in);
		t->attach.aname = getstr(&in);
		t->attach.n_uname = get32(&in);
		break;
	case P9_TFLUSH:
		t->flush.oldtag = get16(&in);
		break;
	case P9_TWALK:
		t->walk.fid = get32(&in);
		t->walk.newfid = get32(&in);
		t->walk.nwname = get16(&in);
		if (t->walk.nwname > P9_MAXWELEM) {
			*why = "Twalk names more than 16 elements";
			return -EBADMSG;
		}
		for (uint16_t i = 0; i < t->walk.nwname; i++)
			t->walk.wname[i] = getstr(&in);
		break;
	case P9_TSTATFS:
	case P9_TREADLINK:
	case P9_TCLUNK:
	case P9_TREMOVE:
		t->fid.fid = get32(&in);
		break;
	case P9_TFSYNC:
		t->fsync.fid = get32(&in);
		/* datasync came later; older clients send the fid alone */
		if (in.len - in.off >= 4)
			t->fsync.datasync = get32(&in);
		break;
	case P9_TLOPEN:
		t->lopen.fid = get32(&in);
		t->lopen.flags = get32(&in);
		break;
	case P9_TLCREATE:
		t->lcreate.fid = get32(&in);
		t->lcreate.name = getstr(&in);
		t->lcreate.flags = get32(&in);
		t->lcreate.mode = get32(&in);
		t->lcreate.gid = get32(&in);
		break;
	case P9_TSYMLINK:
		t->symlink.fid = get32(&in);
		t->symlink.name = getstr(&in);
		t->symlink.target = getstr(&in);
		t->symlink.gid = get32(&in);
		break;
	case P9_TMKNOD:
		t->mknod.dfid = get32(&in);
		t->mknod.name = getstr(&in);
		t->mknod.mode = get32(&in);
		t->mknod.major = get32(&in);
		t->mknod.minor = get32(&in);
		t->mknod.gid = get32(&in);
		break;
	case P9_TRENAME:
		t->rename.fid = get32(&in);
		t->rename.dfid = get32(&in);
		t->rename.name = getstr(&in);
		break;
	case P9_TGETATTR:
		t->getattr.fid = get32(&in);
		t->getattr.mask = get64(&in);
		break;
	case P9_TSETATTR:
		t->setattr.fid = get32(&in);
		t->setattr.valid = get32(&in);
		t->setattr.mode = get32(&in);
		t->setattr.uid = get32(&in);
		t->setattr.gid = get32(&in);
		t->setattr.size = get64(&in);
		t->setattr.atime_sec = get64(&in);
		t->setattr.atime_nsec = get64(&in);
		t->setattr.mtime_sec = get64(&in);
		t->setattr.mtime_nsec = get64(&in);
		break;
	case P9_TXATTRWALK:
		t->xattrwalk.fid = get32(&in);
		t->xattrwalk.newfid = get32(&in);
		t->xattrwalk.name = getstr(&in);
		break;
	case P9_TXATTRCREATE:
		t->xattrcreate.fid = get32(&in);
		t->xattrcreate.name = getstr(&in);
		t->xattrcreate.size = get64(&in);
		t->xattrcreate.flags = get32(&in);
		break;
	case P9_TREAD:
	case P9_TREADDIR:
		t->io.fid = get32(&in);
		t->io.offset = get64(&in);
		t->io.count = get32(&in);
		break;
	case P9_TWRITE:
		t->write.fid = get32(&in);
		t->write.offset = get64(&in);
		t->write.count = get32(&in);
		t->write.data = take(&in, t->write.count);
		break;
	case P9_TLOCK:
	case P9_TGETLOCK:
		t->lock.fid = get32(&in);
		t->lock.type = get8(&in);
		if (t->type == P9_TLOCK)
			t->lock.flags = get32(&in);
		t->lock.start = get64(&in);
		t->lock.length = get64(&in);
		t->lock.proc_id = get32(&in);
		t->lock.client_id = getstr(&in);
		break;
	case P9_TLINK:
		t->link.dfid = get32(&in);
		t->link.fid = get32(&in);
		t->link.name = getstr(&in);
		break;
	case P9_TMKDIR:
		t->mkdir.dfid = get32(&in);
		t->mkdir.name = getstr(&in);
		t->mkdir.mode = get32(&in);
		t->mkdir.gid = get32(&in);
		break;
	case P9_TRENAMEAT:
		t->renameat.olddirfid = get32(&in);
		t->renameat.oldname = getstr(&in);
		t->renameat.newdirfid = get32(&in);
		t->renameat.newname = getstr(&in);
		break;
	case P9_TUNLINKAT:
		t->unlinkat.dirfid = get32(&in);
		t->unlinkat.name = getstr(&in);
		t->unlinkat.flags = get32(&in);
		break;
	default:
		*why = "an unknown or unsupported message type";
		return -EPROTONOSUPPORT;
	}
	if (in.why) {
		*why = in.why;
		return -EBADMSG;
	}
	if (in.off != in.len) {
		*why = "the message has bytes after its last field";
		return -EBADMSG;
	}
	return 0;
}

/* ---- replies ------------------------------------------------------------------------------- */

static struct p9_qid getqid(struct p9_in *in)
{
	struct p9_qid q;
	q.type = get8(in);
	q.version = get32(in);
	q.path = get64(in);
	return q;
}

int p9_decode_rmsg(const uint8_t *msg, size_t len, struct p9_rmsg *r, const char **why)
{
	memset(r, 0, sizeof(*r));
	struct p9_in in;
	if (begin_decode(msg, len, &in, &r->type, &r->tag, why) < 0)
		return -EBADMSG;
	switch (r->type) {
	case P9_RLERROR:
		r->lerror.ecode = get32(&in);
		break;
	case P9_RVERSION:
		r->version.msize = get32(&in);
		r->version.version = getstr(&in);
		break;
	case P9_RATTACH:
	case P9_RMKDIR:
	case P9_RSYMLINK:
	case P9_RMKNOD:
		r->qid.qid = getqid(&in);
		break;
	case P9_RWALK:
		r->walk.nwqid = get16(&in);
		if (r->walk.nwqid > P9_MAXWELEM) {
			*why = "Rwalk holds more than 16 qids";
			return -EBADMSG;
		}
		for (uint16_t i = 0; i < r->walk.nwqid; i++)
			r->walk.wqid[i] = getqid(&in);
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		r->open.qid = getqid(&in);
		r->open.iounit = get32(&in);
		break;
	case P9_RGETATTR: {
		struct p9_attr *a = &r->getattr;
		a->valid = get64(&in);
		a->qid = getqid(&in);
		a->mode = get32(&in);
		a->uid = get32(&in);
		a->gid = get32(&in);
		a->nlink = get64(&in);
		a->rdev = get64(&in);
		a->size = get64(&in);
		a->blksize = get64(&in);
		a->blocks = get64(&in);
		a->atime_sec = get64(&in);
		a->atime_nsec = get64(&in);
		a->mtime_sec = get64(&in);
		a->mtime_nsec = get64(&in);
		a->ctime_sec = get64(&in);
		a->ctime_nsec = get64(&in);
		for (int i = 0; i < 4; i++) /* btime, gen, data_version: unused here */
			get64(&in);
		break;
	}
	case P9_RREAD:
	case P9_RREADDIR:
		r->data.count = get32(&in);
		r->data.data = take(&in, r->data.count);
		break;
	case P9_RWRITE:
		r->write.count = get32(&in);
		break;
	case P9_RREADLINK:
		r->readlink.target = getstr(&in);
		break;
	case P9_RXATTRWALK:
		r->xattrwalk.size = get64(&in);
		break;
	case P9_RSTATFS:
		r->statfs.type = get32(&in);
		r->statfs.bsize = get32(&in);
		r->statfs.blocks = get64(&in);
		r->statfs.bfree = get64(&in);
		r->statfs.bavail = get64(&in);
		r->statfs.files = get64(&in);
		r->statfs.ffree = get64(&in);
		r->statfs.fsid = get64(&in);
		r->statfs.namelen = get32(&in);
		break;
	case P9_RCLUNK:
	case P9_RREMOVE:
	case P9_RSETATTR:
	case P9_RFLUSH:
	case P9_RFSYNC:
	case P9_RRENAME:
	case P9_RRENAMEAT:
	case P9_RUNLINKAT:
	case P9_RLINK:
	case P9_RXATTRCREATE:
		break;
	default:
		*why = "an unknown or unsupported reply type";
		return -EPROTONOSUPPORT;
	}
	if (in.why) {
		*why = in.why;
		return -EBADMSG;
	}
	if (in.off != in.len) {
		*why = "the message has bytes after its last field";
		return -EBADMSG;
	}
	return 0;
}

int p9_next_dirent(const uint8_t *data, uint32_t count, uint32_t *off, struct p9_dirent *d)
{
	if (*off >= count)
		return 0;
	struct p9_in in = { .p = data, .len = count, .off = *off };
	d->qid = getqid(&in);
	d->offset = get64(&in);
	d->type = get8(&in);
	d->name = getstr(&in);
	if (in.why || d->name.len == 0 || memchr(d->name.s, '/', d->name.len))
		return -EBADMSG;
	*off = (uint32_t)in.off;
	return 1;
}

/* ---- building ------------------------------------------------------------------------------ */

static void put(struct p9_out *o, const void *p, size_t n)
{
	if (o->overflow || o->cap - o->len < n) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void p9_begin(struct p9_out *o, uint8_t type, uint16_t tag)
{
	o->len = 0;
	o->overflow = false;
	p9_put32(o, 0);
	p9_put8(o, type);
	p9_put16(o, tag);
}

void p9_put8(struct p9_out *o, uint8_t v)
{
	put(o, &v, 1);
}

void p9_put16(struct p9_out *o, uint16_t v)
{
	v = htole16(v);
	put(o, &v, 2);
}

void p9_put32(struct p9_out *o, uint32_t v)
{
	v = htole32(v);
	put(o, &v, 4);
}

void p9_put64(struct p9_out *o, uint64_t v)
{
	v = htole64(v);
	put(o, &v, 8);
}

void p9_put_str(struct p9_out *o, const char *s, size_t len)
{
	if (len > 0xffff) {
		o->overflow = true;
		return;
	}
	p9_put16(o, (uint16_t)len);
	put(o, s, len);
}

void p9_put_qid(struct p9_out *o, const struct p9_qid *q)
{
	p9_put8(o, q->type);
	p9_put32(o, q->version);
	p9_put64(o, q->path);
}

void p9_put_bytes(struct p9_out *o, const void *p, size_t n)
{
	put(o, p, n);
}

int p9_finish(struct p9_out *o)
{
	if (o->overflow || o->len < P9_HDR_SIZE)
		return -EMSGSIZE;
	uint32_t n = htole32((uint32_t)o->len);
	memcpy(o->buf, &n, 4);
	return (int)o->len;
}
