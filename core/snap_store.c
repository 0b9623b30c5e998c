/* snap_store: the content-addressed object store under the store directory.
 *
 *   STORE/objects/ab/cdef…   one object per distinct file content, named by
 *                            the SHA-256 of the content (hex, split 2/62)
 *   STORE/sessions/ID/       session.json, cp-N.json manifests, journal
 *
 * An object is a 16-byte header ("GBSO", version 1, codec 0 raw / 1 zstd,
 * two zero bytes, the content size as 64-bit little endian) and the payload.
 * Content is zstd-compressed (level 1) only when that makes it smaller.
 * Objects are written to a temporary name and renamed into place, so a name
 * only ever holds a complete object; one syncfs before a manifest is
 * committed makes a whole checkpoint's objects durable at once (the same
 * batching git uses) instead of one fsync per file. Every read recomputes
 * the hash and compares size and hash with the name: corruption is reported,
 * never restored. */
#include "snapshot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#include "ossl_lazy.h"
#include "util.h"

#define OBJ_HDR 16
#define OBJ_MAGIC "GBSO"
#define CODEC_RAW 0
#define CODEC_ZSTD 1
#define ZLEVEL 1
#define CHUNK (256 * 1024)
/* Files up to this size are read whole; larger ones stream. */
#define MEM_LIMIT (4u << 20)

char *snap_store_default_path(void)
{
	const char *gh = getenv("GLASSBOX_HOME");
	if (gh && gh[0] == '/')
		return xasprintf("%s/snapshots", gh);
	const char *xs = getenv("XDG_STATE_HOME");
	if (xs && xs[0] == '/')
		return xasprintf("%s/glassbox/snapshots", xs);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return xasprintf("%s/.local/state/glassbox/snapshots", home);
	return NULL;
}

static int mkdir_p(const char *path, mode_t mode)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

int snap_store_open(const char *dir, bool create, struct snap_store **out, char *err,
                    size_t errlen)
{
	cleanup_free char *def = NULL;
	if (!dir) {
		def = snap_store_default_path();
		if (!def)
			return error_set(err, errlen,
			            "cannot locate the snapshot store: set HOME, XDG_STATE_HOME or "
			            "GLASSBOX_HOME to an absolute path");
		dir = def;
	}
	if (create) {
		int r = mkdir_p(dir, 0700);
		if (r < 0)
			return error_set(err, errlen, "snapshot store %s: %s", dir, strerror(-r));
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_set(err, errlen, "snapshot store %s: %s", dir, strerror(errno));
	if (create) {
		mkdirat(dfd, "objects", 0700);
		mkdirat(dfd, "sessions", 0700);
	}
	int ofd = openat(dfd, "objects", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0 && errno == ENOENT && !create) {
		/* an empty store: nothing recorded yet */
	} else if (ofd < 0) {
		int e = errno;
		close(dfd);
		return error_set(err, errlen, "snapshot store %s/objects: %s", dir, strerror(e));
	}
	struct snap_store *st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->dfd = dfd;
	st->objects_fd = ofd;
	if (ossl_load_crypto(err, errlen) < 0) {
		snap_store_close(st);
		return -1;
	}
	st->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!st->sha256) {
		snap_store_close(st);
		return error_set(err, errlen, "OpenSSL has no SHA-256");
	}
	*out = st;
	return 0;
}

void snap_store_close(struct snap_store *st)
{
	if (!st)
		return;
	if (st->dirty)
		snap_store_sync(st);
	if (st->objects_fd >= 0)
		close(st->objects_fd);
	close(st->dfd);
	if (st->sha256) /* NULL when OpenSSL could not be loaded */
		EVP_MD_free(st->sha256);
	free(st->dir);
	free(st);
}

const char *snap_store_path(const struct snap_store *st) { return st->dir; }

int snap_store_sync(struct snap_store *st)
{
	if (syncfs(st->dfd) < 0)
		return -errno;
	st->dirty = false;
	return 0;
}

void snap_hex(const unsigned char *hash, char *hex)
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < SNAP_HASH_LEN; i++) {
		hex[2 * i] = d[hash[i] >> 4];
		hex[2 * i + 1] = d[hash[i] & 15];
	}
	hex[SNAP_HEX_LEN] = '\0';
}

static int unhex1(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool snap_unhex(const char *hex, unsigned char *hash)
{
	if (strlen(hex) != SNAP_HEX_LEN)
		return false;
	for (int i = 0; i < SNAP_HASH_LEN; i++) {
		int a = unhex1(hex[2 * i]), b = unhex1(hex[2 * i + 1]);
		if (a < 0 || b < 0)
			return false;
		hash[i] = (unsigned char)(a << 4 | b);
	}
	return true;
}

void snap_sha256(struct snap_store *st, const void *buf, size_t len,
                 unsigned char hash[SNAP_HASH_LEN])
{
	unsigned int n = 0;
	EVP_Digest(buf, len, hash, &n, st->sha256, NULL);
}

/* "ab/cdef…" */
static void obj_name(const unsigned char *hash, char name[SNAP_HEX_LEN + 2])
{
	char hex[SNAP_HEX_LEN + 1];
	snap_hex(hash, hex);
	name[0] = hex[0];
	name[1] = hex[1];
	name[2] = '/';
	memcpy(name + 3, hex + 2, SNAP_HEX_LEN - 2 + 1);
}

static int ensure_objects(struct snap_store *st)
{
	if (st->objects_fd >= 0)
		return 0;
	mkdirat(st->dfd, "objects", 0700);
	st->objects_fd = openat(st->dfd, "objects", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return st->objects_fd < 0 ? -errno : 0;
}

bool snap_obj_exists(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN])
{
	char name[SNAP_HEX_LEN + 2];
	struct stat sb;
	if (st->objects_fd < 0)
		return false;
	obj_name(hash, name);
	return fstatat(st->objects_fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
}

static void put_header(unsigned char *h, int codec, uint64_t size)
{
	memcpy(h, OBJ_MAGIC, 4);
	h[4] = 1;
	h[5] = (unsigned char)codec;
	h[6] = h[7] = 0;
	for (int i = 0; i < 8; i++)
		h[8 + i] = (unsigned char)(size >> (8 * i));
}

static int open_temp(struct snap_store *st, char *name, size_t len)
{
	static unsigned counter;
	for (int tries = 0; tries < 100; tries++) {
		snprintf(name, len, ".tmp-%d-%u", (int)getpid(), counter++);
		int fd = openat(st->objects_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

/* Moves the finished temp object into place (an existing object with the
 * same name wins: same content). */
static int commit_temp(struct snap_store *st, const char *tmp, const unsigned char *hash)
{
	char name[SNAP_HEX_LEN + 2];
	obj_name(hash, name);
	char sub[3] = {name[0], name[1], 0};
	unsigned bit = hash[0];
	if (!(st->subdirs[bit / 8] & (1u << (bit % 8)))) {
		if (mkdirat(st->objects_fd, sub, 0700) < 0 && errno != EEXIST)
			return -errno;
		st->subdirs[bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
	if (renameat(st->objects_fd, tmp, st->objects_fd, name) < 0) {
		int e = -errno;
		unlinkat(st->objects_fd, tmp, 0);
		return e;
	}
	st->dirty = true;
	return 0;
}

int snap_obj_put_mem(struct snap_store *st, const void *buf, size_t len,
                     unsigned char hash[SNAP_HASH_LEN], char *err, size_t errlen)
{
	snap_sha256(st, buf, len, hash);
	int r = ensure_objects(st);
	if (r < 0)
		return error_set(err, errlen, "snapshot store %s: %s", st->dir, strerror(-r));
	if (snap_obj_exists(st, hash))
		return 0;
	size_t cap = OBJ_HDR + ZSTD_compressBound(len);
	cleanup_free unsigned char *out = xmalloc(cap);
	size_t olen = len;
	int codec = CODEC_RAW;
	if (len >= 64) {
		size_t c = ZSTD_compress(out + OBJ_HDR, cap - OBJ_HDR, buf, len, ZLEVEL);
		if (!ZSTD_isError(c) && c < len) {
			codec = CODEC_ZSTD;
			olen = c;
		}
	}
	if (codec == CODEC_RAW)
		memcpy(out + OBJ_HDR, buf, len);
	put_header(out, codec, len);
	char tmp[64];
	int fd = open_temp(st, tmp, sizeof tmp);
	if (fd < 0)
		return error_set(err, errlen, "snapshot store %s: %s", st->dir, strerror(-fd));
	r = write_all(fd, out, OBJ_HDR + olen);
	close(fd);
	if (r == 0)
		r = commit_temp(st, tmp, hash);
	else
		unlinkat(st->objects_fd, tmp, 0);
	if (r < 0)
		return error_set(err, errlen, "snapshot store %s: writing an object: %s", st->dir,
		            strerror(-r));
	return 0;
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Large files: hash while compressing into a temp object. The first chunk
 * decides whether compression helps at all. */
static int put_stream(struct snap_store *st, int fd, bool store, unsigned char *hash,
                      uint64_t *size, char *err, size_t errlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, st->sha256, NULL);
	cleanup_free unsigned char *in = xmalloc(CHUNK);
	size_t ocap = ZSTD_compressBound(CHUNK) + 64;
	cleanup_free unsigned char *obuf = xmalloc(ocap);
	ZSTD_CCtx *z = NULL;
	char tmp[64] = "";
	int ofd = -1, r = 0;
	int codec = CODEC_ZSTD;
	uint64_t total = 0;
	bool first = true;
	if (store) {
		r = ensure_objects(st);
		if (r >= 0)
			r = ofd = open_temp(st, tmp, sizeof tmp);
		if (r < 0)
			goto out;
		unsigned char h[OBJ_HDR] = {0};
		r = write_all(ofd, h, OBJ_HDR);
		if (r < 0)
			goto out;
		z = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, ZLEVEL);
	}
	for (;;) {
		ssize_t n = read_full(fd, in, CHUNK);
		if (n < 0) {
			r = (int)n;
			goto out;
		}
		bool last = (size_t)n < CHUNK;
		EVP_DigestUpdate(ctx, in, (size_t)n);
		total += (uint64_t)n;
		if (store && codec == CODEC_ZSTD && first && !last) {
			/* the first chunk decides whether compression helps at all */
			ZSTD_inBuffer ib = {in, (size_t)n, 0};
			ZSTD_outBuffer ob = {obuf, ocap, 0};
			size_t rem;
			do {
				rem = ZSTD_compressStream2(z, &ob, &ib, ZSTD_e_flush);
			} while (!ZSTD_isError(rem) && rem != 0 && ob.pos < ob.size);
			if (ZSTD_isError(rem) || rem != 0 || ob.pos >= (size_t)n * 97 / 100)
				codec = CODEC_RAW;
			else if ((r = write_all(ofd, obuf, ob.pos)) < 0)
				goto out;
		} else if (store && codec == CODEC_ZSTD) {
			ZSTD_inBuffer ib = {in, (size_t)n, 0};
			for (;;) {
				ZSTD_outBuffer ob = {obuf, ocap, 0};
				size_t rem = ZSTD_compressStream2(z, &ob, &ib,
				                                  last ? ZSTD_e_end : ZSTD_e_continue);
				if (ZSTD_isError(rem)) {
					r = -EIO;
					goto out;
				}
				if (ob.pos && (r = write_all(ofd, obuf, ob.pos)) < 0)
					goto out;
				if (last ? rem == 0 : ib.pos == ib.size)
					break;
			}
		}
		if (store && codec == CODEC_RAW && (r = write_all(ofd, in, (size_t)n)) < 0)
			goto out;
		first = false;
		if (last)
			break;
	}
	unsigned int hl = 0;
	EVP_DigestFinal_ex(ctx, hash, &hl);
	*size = total;
	if (store) {
		unsigned char h[OBJ_HDR];
		put_header(h, codec, total);
		if (pwrite(ofd, h, OBJ_HDR, 0) != OBJ_HDR) {
			r = -EIO;
			goto out;
		}
		close(ofd);
		ofd = -1;
		if (snap_obj_exists(st, hash)) {
			unlinkat(st->objects_fd, tmp, 0);
			tmp[0] = '\0';
		} else {
			r = commit_temp(st, tmp, hash);
			tmp[0] = '\0';
		}
	}
out:
	if (ofd >= 0)
		close(ofd);
	if (tmp[0] && r < 0)
		unlinkat(st->objects_fd, tmp, 0);
	ZSTD_freeCCtx(z);
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return error_set(err, errlen, "snapshot: %s", strerror(-r));
	return 0;
}

int snap_obj_put_fd(struct snap_store *st, int fd, bool store, unsigned char hash[SNAP_HASH_LEN],
                    uint64_t *size, char *err, size_t errlen)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return error_set(err, errlen, "snapshot: %s", strerror(errno));
	if (sb.st_size <= (off_t)MEM_LIMIT) {
		size_t cap = (size_t)sb.st_size + 1;
		cleanup_free char *buf = xmalloc(cap);
		ssize_t n = read_full(fd, buf, cap);
		if (n < 0)
			return error_set(err, errlen, "snapshot: %s", strerror((int)-n));
		if ((size_t)n < cap) { /* the common case: the whole file */
			*size = (uint64_t)n;
			if (!store) {
				snap_sha256(st, buf, (size_t)n, hash);
				return 0;
			}
			return snap_obj_put_mem(st, buf, (size_t)n, hash, err, errlen);
		}
		/* it grew while we read: start over, streaming */
		if (lseek(fd, 0, SEEK_SET) < 0)
			return error_set(err, errlen, "snapshot: %s", strerror(errno));
	}
	return put_stream(st, fd, store, hash, size, err, errlen);
}

/* ---- reading ------------------------------------------------------------- */

typedef int (*sink_fn)(void *arg, const void *buf, size_t len);

static int corrupt(char *err, size_t errlen, const unsigned char *hash, const char *why)
{
	char hex[SNAP_HEX_LEN + 1];
	snap_hex(hash, hex);
	error_set(err, errlen,
	     "snapshot store is corrupted: object %.16s %s (run `glassbox snapshot clean` "
	     "after saving what you need)",
	     hex, why);
	return -EBADMSG;
}

static int obj_stream(struct snap_store *st, const unsigned char *hash, sink_fn sink, void *arg,
                      char *err, size_t errlen)
{
	char name[SNAP_HEX_LEN + 2];
	obj_name(hash, name);
	cleanup_fd int fd = st->objects_fd < 0 ? -1
	                                        : openat(st->objects_fd, name,
	                                                 O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return corrupt(err, errlen, hash, errno == ENOENT ? "is missing" : "cannot be read");
	unsigned char h[OBJ_HDR];
	if (read_full(fd, h, OBJ_HDR) != OBJ_HDR || memcmp(h, OBJ_MAGIC, 4) != 0 || h[4] != 1 ||
	    h[5] > CODEC_ZSTD)
		return corrupt(err, errlen, hash, "has a damaged header");
	uint64_t want = 0;
	for (int i = 0; i < 8; i++)
		want |= (uint64_t)h[8 + i] << (8 * i);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, st->sha256, NULL);
	cleanup_free unsigned char *in = xmalloc(CHUNK);
	size_t ocap = ZSTD_DStreamOutSize();
	cleanup_free unsigned char *obuf = xmalloc(ocap);
	ZSTD_DCtx *z = h[5] == CODEC_ZSTD ? ZSTD_createDCtx() : NULL;
	uint64_t total = 0;
	int r = 0;
	size_t zrem = 0;
	for (;;) {
		ssize_t n = read_full(fd, in, CHUNK);
		if (n < 0) {
			r = corrupt(err, errlen, hash, "cannot be read");
			goto out;
		}
		if (n == 0)
			break;
		if (!z) {
			EVP_DigestUpdate(ctx, in, (size_t)n);
			total += (uint64_t)n;
			if (total > want)
				break;
			if ((r = sink(arg, in, (size_t)n)) < 0)
				goto out;
			continue;
		}
		ZSTD_inBuffer ib = {in, (size_t)n, 0};
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = {obuf, ocap, 0};
			zrem = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(zrem)) {
				r = corrupt(err, errlen, hash, "does not decompress");
				goto out;
			}
			EVP_DigestUpdate(ctx, obuf, ob.pos);
			total += ob.pos;
			if (total > want)
				break;
			if (ob.pos && (r = sink(arg, obuf, ob.pos)) < 0)
				goto out;
		}
		if (total > want)
			break;
	}
	unsigned char got[SNAP_HASH_LEN];
	unsigned int hl = 0;
	EVP_DigestFinal_ex(ctx, got, &hl);
	if (total != want || (z && zrem != 0))
		r = corrupt(err, errlen, hash, "has the wrong size");
	else if (memcmp(got, hash, SNAP_HASH_LEN) != 0)
		r = corrupt(err, errlen, hash, "does not match its hash");
out:
	ZSTD_freeDCtx(z);
	EVP_MD_CTX_free(ctx);
	return r;
}

struct fd_sink {
	int fd;
	int err;
};

static int sink_to_fd(void *arg, const void *buf, size_t len)
{
	struct fd_sink *s = arg;
	int r = write_all(s->fd, buf, len);
	if (r < 0)
		s->err = r;
	return r;
}

int snap_obj_to_fd(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], int fd,
                   char *err, size_t errlen)
{
	struct fd_sink s = {fd, 0};
	int r = obj_stream(st, hash, sink_to_fd, &s, err, errlen);
	if (r < 0 && s.err)
		error_set(err, errlen, "%s", strerror(-s.err));
	return r;
}

static int sink_null(void *arg, const void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return 0;
}

int snap_obj_verify(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], char *err,
                    size_t errlen)
{
	return obj_stream(st, hash, sink_null, NULL, err, errlen);
}

struct mem_sink {
	char *buf;
	size_t len, cap, max;
};

static int sink_to_mem(void *arg, const void *buf, size_t len)
{
	struct mem_sink *m = arg;
	if (m->len + len > m->max)
		return -EFBIG;
	if (m->len + len + 1 > m->cap) {
		while (m->len + len + 1 > m->cap)
			m->cap = m->cap ? m->cap * 2 : 4096;
		m->buf = xrealloc(m->buf, m->cap);
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

int snap_obj_read(struct snap_store *st, const unsigned char hash[SNAP_HASH_LEN], size_t max,
                  char **out, size_t *len, char *err, size_t errlen)
{
	struct mem_sink m = {.max = max};
	int r = obj_stream(st, hash, sink_to_mem, &m, err, errlen);
	if (r == -EFBIG)
		error_set(err, errlen, "snapshot: object too large to show");
	if (r < 0) {
		free(m.buf);
		return r;
	}
	if (!m.buf)
		m.buf = xmalloc(1);
	m.buf[m.len] = '\0';
	*out = m.buf;
	*len = m.len;
	return 0;
}

int snap_write_atomic(int dirfd, const char *name, const char *data, size_t len, char *err,
                      size_t errlen)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, ".%s.tmp-%d", name, (int)getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, errlen, "snapshot store: %s: %s", name, strerror(errno));
	int r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return error_set(err, errlen, "snapshot store: %s: %s", name, strerror(-r));
	}
	fsync(dirfd);
	return 0;
}
