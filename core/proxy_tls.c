/* proxy_tls: TLS interception for CONNECTs to the hosts of --secret-host.
 *
 *   client fd ==TLS(cs, session CA leaf)== [rq -> fwd] ==TLS(us, verified)== server fd
 *                                         <-------- rs <---------
 *
 * States: PRE (the CONNECT's 200 goes out in clear) -> UP_HS (handshake with
 * the real server: no client byte is read before the server proved who it
 * is; if it cannot, the client still gets its handshake and then a 502 saying
 * why) -> CLI_HS -> RELAY. Both SSL objects sit directly on the non-blocking
 * sockets; every SSL call that returns WANT_READ/WANT_WRITE records which
 * readiness it waits for, and mitm_interest() turns that into the epoll
 * mask, so nothing here ever blocks the proxy's loop.
 *
 * In RELAY the client's plaintext is parsed as HTTP/1.1 requests (heads,
 * then body framing to find the next head): placeholders in header values
 * become values for secrets allowed to this host; bodies, request lines and
 * everything after an Upgrade or an unparsable head pass unchanged. Buffers
 * are bounded (RELAY_MAX per direction; a head may grow by its
 * substitutions). Half-close: a client EOF becomes close_notify + FIN to the
 * server and vice versa; the connection ends when both directions have. */
#include "proxy_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ossl_lazy.h"
#include "secrets.h"
#include "util.h"

#define RELAY_MAX (64 * 1024)
#define READ_CHUNK (16 * 1024)
#define WANT_R 1
#define WANT_W 2

struct tls_ctx {
	struct ca *ca;
	SSL_CTX *server; /* facing the sandbox */
	SSL_CTX *client; /* facing the real server */
};

struct pbuf {
	char *d;
	size_t r, w, cap;
};

enum mstate {
	M_PRE,
	M_UP_HS,
	M_CLI_HS,
	M_RELAY
};

struct mitm {
	struct tls_ctx *t;
	const struct secrets *sec;
	struct net_dest dest;
	int cfd, ufd;
	enum mstate st;
	SSL *cs, *us;
	const char *pre;
	size_t pre_len, pre_off;
	struct pbuf rq, fwd, rs;
	struct http_body reqb;
	bool in_body, raw;
	bool cli_eof, up_eof, up_shut, cli_shut;
	uint8_t cwant, uwant;
	bool stuck;     /* the run loop gave up early: poll both ways */
	size_t scanned; /* bytes at the start of rs already masked */
	char *sent;     /* the last bytes of rs that went to the client */
	size_t sent_len, sent_cap;
	struct mitm_report rep;
	char error[256];
	char refusal[200]; /* why the real server was refused ("" when it was not) */
};

/* ---- context ------------------------------------------------------------ */

static int alpn_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	for (unsigned i = 0; i < inlen;) {
		unsigned n = in[i];
		if (i + 1 + n > inlen)
			break;
		if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + n;
	}
	return SSL_TLSEXT_ERR_NOACK; /* no ALPN: HTTP/1.1 is assumed */
}

static void ctx_common(SSL_CTX *c)
{
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
	                               SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                            SSL_MODE_RELEASE_BUFFERS);
}

struct tls_ctx *tls_ctx_new(char *err, size_t errlen)
{
	if (ossl_load_ssl(err, errlen) < 0)
		return NULL;
	struct tls_ctx *t = xcalloc(1, sizeof *t);
	t->ca = ca_new(err, errlen);
	if (!t->ca) {
		free(t);
		return NULL;
	}
	t->server = SSL_CTX_new(TLS_server_method());
	t->client = SSL_CTX_new(TLS_client_method());
	if (!t->server || !t->client) {
		snprintf(err, errlen, "cannot create a TLS context");
		tls_ctx_free(t);
		return NULL;
	}
	ctx_common(t->server);
	ctx_common(t->client);
	SSL_CTX_set_alpn_select_cb(t->server, alpn_http11, NULL);
	SSL_CTX_set_num_tickets(t->server, 0);
	/* The host's trust store, as OpenSSL finds it for this process
	 * (SSL_CERT_FILE / SSL_CERT_DIR honoured). */
	if (SSL_CTX_set_default_verify_paths(t->client) != 1) {
		snprintf(err, errlen, "cannot load the system's trusted certificates");
		tls_ctx_free(t);
		return NULL;
	}
	ERR_clear_error(); /* a missing default dir is not an error */
	SSL_CTX_set_verify(t->client, SSL_VERIFY_PEER, NULL);
	static const unsigned char alpn[] = "\x08http/1.1";
	SSL_CTX_set_alpn_protos(t->client, alpn, sizeof alpn - 1);
	return t;
}

void tls_ctx_free(struct tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->server);
	SSL_CTX_free(t->client);
	ca_free(t->ca);
	free(t);
}

const char *tls_ctx_ca_pem(const struct tls_ctx *t)
{
	return ca_cert_pem(t->ca);
}

/* ---- buffers ------------------------------------------------------------ */

static size_t pb_len(const struct pbuf *b)
{
	return b->w - b->r;
}

static char *pb_reserve(struct pbuf *b, size_t n)
{
	if (b->r && b->cap - b->w < n) {
		memmove(b->d, b->d + b->r, b->w - b->r);
		b->w -= b->r;
		b->r = 0;
	}
	if (b->cap - b->w < n) {
		b->cap = b->w + n > 2 * b->cap ? b->w + n : 2 * b->cap;
		b->d = xrealloc(b->d, b->cap);
	}
	return b->d + b->w;
}

static void pb_put(struct pbuf *b, const void *p, size_t n)
{
	memcpy(pb_reserve(b, n), p, n);
	b->w += n;
}

static void pb_consume(struct pbuf *b, size_t n)
{
	b->r += n;
	if (b->r == b->w)
		b->r = b->w = 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

struct mitm *mitm_new(struct tls_ctx *t, const struct secrets *s, const struct net_dest *d,
                      int cli_fd, int up_fd, const char *preamble)
{
	struct mitm *m = xcalloc(1, sizeof *m);
	m->t = t;
	m->sec = s;
	m->dest = *d;
	m->cfd = cli_fd;
	m->ufd = up_fd;
	m->pre = preamble;
	m->pre_len = strlen(preamble);
	m->st = M_PRE;
	m->rep.error = "";
	m->sent_cap = secrets_max_value_len(s);
	m->sent = xmalloc(m->sent_cap + 1);
	m->cs = SSL_new(t->server);
	m->us = SSL_new(t->client);
	char err[200] = "";
	bool ok = m->cs && m->us && SSL_set_fd(m->cs, cli_fd) == 1 && SSL_set_fd(m->us, up_fd) == 1;
	if (ok && d->is_ip) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m->us), d->host) == 1;
	} else if (ok) {
		ok = SSL_set_tlsext_host_name(m->us, d->host) == 1 &&
		     SSL_set1_host(m->us, d->host) == 1;
		SSL_set_hostflags(m->us, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	}
	if (ok && ca_use_leaf(t->ca, m->cs, d->host, d->is_ip, err, sizeof err) < 0)
		ok = false;
	if (!ok) {
		snprintf(m->error, sizeof m->error, "cannot set up interception: %s",
		         err[0] ? err : "out of memory");
		m->rep.error = m->error;
	}
	SSL_set_accept_state(m->cs);
	SSL_set_connect_state(m->us);
	return m;
}

void mitm_free(struct mitm *m)
{
	if (!m)
		return;
	SSL_free(m->cs);
	SSL_free(m->us);
	free(m->rq.d);
	free(m->fwd.d);
	free(m->rs.d);
	free(m->sent);
	free(m);
}

void mitm_get_report(const struct mitm *m, struct mitm_report *out)
{
	*out = m->rep;
}

bool mitm_established(const struct mitm *m)
{
	return m->rep.established;
}

void mitm_interest(const struct mitm *m, uint32_t *cli, uint32_t *up)
{
	if (m->stuck) {
		*cli = EPOLLIN | EPOLLOUT;
		*up = EPOLLIN | EPOLLOUT;
		return;
	}
	*cli = (m->cwant & WANT_R ? EPOLLIN : 0) | (m->cwant & WANT_W ? EPOLLOUT : 0);
	*up = (m->uwant & WANT_R ? EPOLLIN : 0) | (m->uwant & WANT_W ? EPOLLOUT : 0);
}

/* ---- errors ------------------------------------------------------------- */

static enum mitm_status fail(struct mitm *m, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static enum mitm_status fail(struct mitm *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->error, sizeof m->error, fmt, ap);
	va_end(ap);
	m->rep.error = m->error;
	return MITM_FAILED;
}

/* The reason OpenSSL gives for the last failure, without file/line noise. */
static void ossl_reason(char *buf, size_t len, int ssl_err)
{
	unsigned long e = ERR_peek_last_error();
	if (e) {
		const char *r = ERR_reason_error_string(e);
		snprintf(buf, len, "%s", r ? r : "TLS error");
	} else if (ssl_err == SSL_ERROR_SYSCALL && errno) {
		snprintf(buf, len, "%s", strerror(errno));
	} else {
		snprintf(buf, len, "connection closed");
	}
	ERR_clear_error();
}

enum io {
	IO_OK,
	IO_AGAIN,
	IO_EOF,
	IO_ERR
};

/* Classifies an SSL call's result r on ssl; sets the side's want bits. */
static enum io ssl_io(SSL *ssl, int r, uint8_t *want, int *ssl_err)
{
	if (r > 0)
		return IO_OK;
	int e = SSL_get_error(ssl, r);
	*ssl_err = e;
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want |= WANT_R;
		return IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want |= WANT_W;
		return IO_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return IO_EOF;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error() && (r == 0 || errno == 0))
			return IO_EOF;
		return IO_ERR;
	default:
		return IO_ERR;
	}
}

/* ---- requests ----------------------------------------------------------- */

/* Copies the head at p to fwd, substituting in header values only. */
static void emit_head(struct mitm *m, const char *p, const struct http_head *h)
{
	const char *cur = p;
	secrets_scan(m->sec, h->target, h->target_len, &m->rep.withheld);
	for (size_t i = 0; i < h->n_headers; i++) {
		const struct http_header *x = &h->h[i];
		size_t nl;
		char *v = secrets_subst(m->sec, &m->dest, x->value, x->value_len, &nl, &m->rep.used,
		                        &m->rep.withheld);
		if (!v)
			continue;
		pb_put(&m->fwd, cur, (size_t)(x->value - cur));
		pb_put(&m->fwd, v, nl);
		explicit_bzero(v, nl);
		free(v);
		cur = x->value + x->value_len;
	}
	pb_put(&m->fwd, cur, (size_t)(p + h->head_len - cur));
}

/* Moves what the client sent from rq to fwd, request by request. */
static bool process_requests(struct mitm *m)
{
	bool progress = false;
	while (pb_len(&m->rq) && pb_len(&m->fwd) < RELAY_MAX) {
		char *p = m->rq.d + m->rq.r;
		size_t n = pb_len(&m->rq);
		if (m->raw) {
			pb_put(&m->fwd, p, n);
			pb_consume(&m->rq, n);
			return true;
		}
		if (m->in_body) {
			ssize_t k = http_body_consume(&m->reqb, p, n);
			if (k < 0) {
				m->raw = true; /* the server will judge it; no more rewriting */
				continue;
			}
			pb_put(&m->fwd, p, (size_t)k);
			pb_consume(&m->rq, (size_t)k);
			m->in_body = !m->reqb.done;
			progress = true;
			if (k == 0 && m->in_body)
				break;
			continue;
		}
		struct http_head *h = xmalloc(sizeof *h);
		ssize_t hl = http_parse_request(p, n, h);
		if (hl == 0 && n < HTTP_MAX_HEAD && !m->cli_eof) {
			free(h);
			break; /* wait for the rest of the head */
		}
		if (hl <= 0) {
			free(h);
			m->raw = true; /* not HTTP/1.x as we know it: pass it on as is */
			continue;
		}
		emit_head(m, p, h);
		m->rep.requests++;
		if (http_request_framing(h, &m->reqb) < 0)
			m->raw = true;
		else
			m->in_body = !m->reqb.done;
		/* After an upgrade (or a CONNECT) the stream is not HTTP/1.1. */
		if (http_header_find(h, "upgrade") ||
		    (h->method_len == 7 && memcmp(h->method, "CONNECT", 7) == 0))
			m->raw = true;
		pb_consume(&m->rq, (size_t)hl);
		free(h);
		progress = true;
	}
	return progress;
}

/* ---- the pump ----------------------------------------------------------- */

/* The real server failed verification: nothing goes to it. The client
 * still gets its handshake and then a 502 saying why (as for any other
 * connection the proxy cannot make), instead of a bare reset. */
static void refuse_client(struct mitm *m)
{
	char dest[NET_HOST_MAX + 16], body[512];
	net_dest_text(&m->dest, dest, sizeof dest);
	int bl = snprintf(body, sizeof body, "glassbox: cannot reach %s: %s\n", dest, m->refusal);
	char head[256];
	int hl =
	        snprintf(head, sizeof head,
	                 "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Length: %d\r\nConnection: close\r\nProxy-Agent: glassbox\r\n\r\n",
	                 bl);
	pb_put(&m->rs, head, (size_t)hl);
	pb_put(&m->rs, body, (size_t)bl);
	m->up_eof = m->up_shut = true;
	m->st = M_CLI_HS;
}

static enum mitm_status handshake(struct mitm *m, bool *progress)
{
	int se = 0;
	if (m->st == M_UP_HS) {
		ERR_clear_error();
		int r = SSL_connect(m->us);
		enum io io = ssl_io(m->us, r, &m->uwant, &se);
		if (io == IO_AGAIN)
			return MITM_RUNNING;
		if (io != IO_OK) {
			long v = SSL_get_verify_result(m->us);
			char why[160];
			if (v != X509_V_OK) {
				ERR_clear_error();
				snprintf(m->refusal, sizeof m->refusal,
				         "the server's certificate was rejected: %s",
				         X509_verify_cert_error_string(v));
			} else {
				ossl_reason(why, sizeof why, se);
				snprintf(m->refusal, sizeof m->refusal,
				         "TLS handshake with the server failed: %s", why);
			}
			refuse_client(m);
			*progress = true;
			return MITM_RUNNING;
		}
		m->st = M_CLI_HS;
		*progress = true;
		return MITM_RUNNING;
	}
	ERR_clear_error();
	int r = SSL_accept(m->cs);
	enum io io = ssl_io(m->cs, r, &m->cwant, &se);
	if (io == IO_AGAIN)
		return MITM_RUNNING;
	if (io != IO_OK) {
		char why[160];
		ossl_reason(why, sizeof why, se);
		if (m->refusal[0])
			return fail(m, "%s", m->refusal);
		return fail(m,
		            "TLS handshake with the client failed: %s (does it trust the "
		            "session CA? see SSL_CERT_FILE inside)",
		            why);
	}
	m->st = M_RELAY;
	m->rep.established = true;
	*progress = true;
	return MITM_RUNNING;
}

/* SSL_read into b (bounded); returns false on a fatal error. */
static bool pump_read(struct mitm *m, SSL *ssl, struct pbuf *b, bool *eof, uint8_t *want,
                      const char *side, bool *progress)
{
	if (*eof || pb_len(b) >= RELAY_MAX)
		return true;
	ERR_clear_error();
	int se = 0;
	int r = SSL_read(ssl, pb_reserve(b, READ_CHUNK), READ_CHUNK);
	switch (ssl_io(ssl, r, want, &se)) {
	case IO_OK:
		b->w += (size_t)r;
		*progress = true;
		return true;
	case IO_AGAIN:
		return true;
	case IO_EOF:
		*eof = true;
		*progress = true;
		return true;
	case IO_ERR: {
		/* Clients often reset instead of closing (Python's urllib). */
		if (ssl == m->cs && se == SSL_ERROR_SYSCALL && errno == ECONNRESET &&
		    !ERR_peek_error() && !m->in_body && !pb_len(&m->rq)) {
			*eof = true;
			*progress = true;
			return true;
		}
		char why[160];
		ossl_reason(why, sizeof why, se);
		fail(m, "%s: %s", side, why);
		return false;
	}
	}
	return true;
}

/* Keeps the last sent_cap bytes sent to the client (see releasable). */
static void remember_sent(struct mitm *m, const char *p, size_t n)
{
	if (!m->sent_cap)
		return;
	if (n >= m->sent_cap) {
		memcpy(m->sent, p + n - m->sent_cap, m->sent_cap);
		m->sent_len = m->sent_cap;
		return;
	}
	size_t keep = m->sent_len + n > m->sent_cap ? m->sent_cap - n : m->sent_len;
	memmove(m->sent, m->sent + m->sent_len - keep, keep);
	memcpy(m->sent + keep, p, n);
	m->sent_len = keep + n;
}

static bool pump_write(struct mitm *m, SSL *ssl, struct pbuf *b, size_t n, uint8_t *want,
                       uint64_t *count, const char *side, bool *progress)
{
	if (!n)
		return true;
	ERR_clear_error();
	int se = 0;
	int r = SSL_write(ssl, b->d + b->r, n > INT32_MAX ? INT32_MAX : (int)n);
	switch (ssl_io(ssl, r, want, &se)) {
	case IO_OK:
		if (b == &m->rs) {
			m->scanned = m->scanned > (size_t)r ? m->scanned - (size_t)r : 0;
			remember_sent(m, b->d + b->r, (size_t)r);
		}
		pb_consume(b, (size_t)r);
		*count += (uint64_t)r;
		*progress = true;
		return true;
	case IO_AGAIN:
		return true;
	case IO_EOF:
	case IO_ERR: {
		char why[160];
		ossl_reason(why, sizeof why, se);
		fail(m, "%s: %s", side, why);
		return false;
	}
	}
	return true;
}

/* Sends close_notify and FIN once a direction has nothing left. */
static void pump_shutdown(SSL *ssl, int fd, bool *shut, uint8_t *want, bool *progress)
{
	if (*shut)
		return;
	ERR_clear_error();
	int r = SSL_shutdown(ssl);
	int se = 0;
	if (r < 0 && ssl_io(ssl, r, want, &se) == IO_AGAIN)
		return;
	ERR_clear_error();
	shutdown(fd, SHUT_WR);
	*shut = true;
	*progress = true;
}

/* What the server sent, with any secret's value it echoed masked. The
 * sandbox chooses where an echo falls (padding moves it across the
 * server's TLS records, which arrive one read at a time), so a value split
 * between reads must not get out in pieces: a tail of HOLD_MIN bytes or
 * more that begins a value waits for the next read (or the server's EOF),
 * and the rest of a value whose first (shorter) part already went out is
 * masked. At most HOLD_MIN - 1 bytes of a value can reach the client; a
 * shorter hold would risk stalling a keep-alive response that ends like a
 * value begins. */
#define HOLD_MIN 4
static size_t releasable(struct mitm *m)
{
	size_t len = pb_len(&m->rs);
	if (!len || !m->sec->n)
		return len;
	char *d = m->rs.d + m->rs.r;
	size_t hold = secrets_max_value_len(m->sec) - 1;
	size_t from = m->scanned > hold ? m->scanned - hold : 0;
	if (from < len)
		m->rep.masked += secrets_mask(m->sec, d + from, len - from);
	m->rep.masked += secrets_mask_rest(m->sec, m->sent, m->sent_len, d, len);
	m->scanned = len;
	if (m->up_eof)
		return len;
	return len - secrets_value_begins(m->sec, d, len, HOLD_MIN);
}

static enum mitm_status pass(struct mitm *m, bool *progress)
{
	switch (m->st) {
	case M_PRE: {
		ssize_t n =
		        send(m->cfd, m->pre + m->pre_off, m->pre_len - m->pre_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			m->cwant |= WANT_W;
			return MITM_RUNNING;
		}
		if (n < 0)
			return fail(m, "client: %s", strerror(errno));
		m->pre_off += (size_t)n;
		if (m->pre_off == m->pre_len)
			m->st = M_UP_HS;
		*progress = true;
		return MITM_RUNNING;
	}
	case M_UP_HS:
	case M_CLI_HS:
		return handshake(m, progress);
	case M_RELAY:
		break;
	}
	if (m->refusal[0]) { /* the 502, then wait for the client to close */
		if (!pump_read(m, m->cs, &m->rq, &m->cli_eof, &m->cwant, "client", progress))
			return fail(m, "%s", m->refusal);
		pb_consume(&m->rq, pb_len(&m->rq));
		if (!m->cli_shut && !pump_write(m, m->cs, &m->rs, pb_len(&m->rs), &m->cwant,
		                                &m->rep.bytes_down, "client", progress))
			return fail(m, "%s", m->refusal);
		if (!pb_len(&m->rs))
			pump_shutdown(m->cs, m->cfd, &m->cli_shut, &m->cwant, progress);
		return m->cli_shut && m->cli_eof ? fail(m, "%s", m->refusal) : MITM_RUNNING;
	}
	if (!pump_read(m, m->cs, &m->rq, &m->cli_eof, &m->cwant, "client", progress))
		return MITM_FAILED;
	if (process_requests(m))
		*progress = true;
	if (m->cli_eof && pb_len(&m->rq)) { /* an unfinished head at EOF */
		pb_put(&m->fwd, m->rq.d + m->rq.r, pb_len(&m->rq));
		pb_consume(&m->rq, pb_len(&m->rq));
	}
	if (!m->up_shut && !pump_write(m, m->us, &m->fwd, pb_len(&m->fwd), &m->uwant,
	                               &m->rep.bytes_up, "server", progress))
		return MITM_FAILED;
	if (m->cli_eof && !pb_len(&m->rq) && !pb_len(&m->fwd))
		pump_shutdown(m->us, m->ufd, &m->up_shut, &m->uwant, progress);
	if (!pump_read(m, m->us, &m->rs, &m->up_eof, &m->uwant, "server", progress))
		return MITM_FAILED;
	if (!m->cli_shut && !pump_write(m, m->cs, &m->rs, releasable(m), &m->cwant,
	                                &m->rep.bytes_down, "client", progress))
		return MITM_FAILED;
	if (m->up_eof && !pb_len(&m->rs))
		pump_shutdown(m->cs, m->cfd, &m->cli_shut, &m->cwant, progress);
	/* Both directions ended: each side had EOF and got ours. */
	return m->cli_shut && m->up_shut ? MITM_DONE : MITM_RUNNING;
}

enum mitm_status mitm_run(struct mitm *m)
{
	if (m->error[0])
		return MITM_FAILED;
	for (int guard = 0; guard < 1000; guard++) {
		m->cwant = m->uwant = 0;
		bool progress = false;
		enum mitm_status s = pass(m, &progress);
		if (s != MITM_RUNNING)
			return s;
		if (!progress) {
			m->stuck = false;
			return MITM_RUNNING;
		}
	}
	m->stuck = true;
	return MITM_RUNNING;
}
