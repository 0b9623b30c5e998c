/* proxy_internal: what the proxy's files share. proxy.c owns the loop and the
 * connection state machine; proxy_http.c parses request/response heads and
 * follows body framing; proxy_socks.c parses the SOCKS5 handshake;
 * proxy_dns.c runs c-ares inside the proxy's epoll set. The parsers are pure
 * (bytes in, spans out) so unit tests and fuzzers can drive them directly. */
#ifndef GLASSBOX_PROXY_INTERNAL_H
#define GLASSBOX_PROXY_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "net_policy.h"

/* ---- HTTP (proxy_http.c) ------------------------------------------------ */

#define HTTP_MAX_HEADERS 128
#define HTTP_MAX_HEAD (64 * 1024)

struct http_header {
	const char *name, *value;
	size_t name_len, value_len;
};

struct http_head {
	const char *method, *target; /* request line */
	size_t method_len, target_len;
	int status;                  /* status line */
	int minor;                   /* HTTP/1.<minor> */
	size_t n_headers;
	struct http_header h[HTTP_MAX_HEADERS];
	size_t head_len;             /* bytes through the blank line */
};

/* Parse a complete head at the start of buf. Return its length (> 0), 0 when
 * more bytes are needed, -1 when malformed (or too many headers). */
ssize_t http_parse_request(const char *buf, size_t len, struct http_head *out);
ssize_t http_parse_response(const char *buf, size_t len, struct http_head *out);

const struct http_header *http_header_find(const struct http_head *h, const char *name);
/* Does a comma-separated header (every instance) contain token? */
bool http_header_has_token(const struct http_head *h, const char *name, const char *token);

enum http_body_mode { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct http_body {
	enum http_body_mode mode;
	uint64_t remaining;  /* LENGTH, or the current chunk's data */
	int cstate;          /* chunked parser state */
	bool done;
};

/* Framing of a request body: -1 when ambiguous (Transfer-Encoding with
 * Content-Length, unknown codings, bad length) — a smuggling risk, refused. */
int http_request_framing(const struct http_head *h, struct http_body *b);
/* Framing of a response to a request (head_req: the request was HEAD). */
int http_response_framing(const struct http_head *h, bool head_req, struct http_body *b);
/* How many of the len bytes at p belong to the body (the rest is the next
 * message); sets b->done at its end. -1 on malformed chunk framing. */
ssize_t http_body_consume(struct http_body *b, const char *p, size_t len);

/* "http://authority/path?q" -> authority and path ("/" when empty). -1 when
 * the target is not an absolute http URI. */
int http_split_absolute(const char *t, size_t len, const char **auth, size_t *auth_len,
                        const char **path, size_t *path_len);
/* "host[:port]" / "[v6][:port]" -> canonical destination. -1 when invalid. */
int http_parse_authority(const char *a, size_t len, uint16_t default_port, struct net_dest *out);

/* ---- TLS interception (proxy_tls.c) ------------------------------------- */

/* For CONNECTs to a secret's host the proxy answers 200 itself, completes
 * TLS with the real server first (verified against this process's trust
 * store and the host name or IP), then with the client (a leaf from the
 * session CA), and relays HTTP/1.1 between them, rewriting placeholders in
 * request headers. Everything is non-blocking on the connection's two fds:
 * call mitm_run() whenever either is ready, then re-arm with
 * mitm_interest(). */
struct secrets;
struct tls_ctx;
struct mitm;

struct tls_ctx *tls_ctx_new(char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *t);
const char *tls_ctx_ca_pem(const struct tls_ctx *t);

enum mitm_status { MITM_RUNNING, MITM_DONE, MITM_FAILED };

struct mitm_report {
	bool established;            /* both handshakes completed */
	unsigned requests;
	uint64_t used, withheld;     /* secrets (bit i = secret i) */
	uint64_t bytes_up, bytes_down;
	uint64_t masked;             /* values echoed by the server, masked */
	const char *error;           /* "" unless MITM_FAILED */
};

/* preamble: bytes for the client before TLS (the CONNECT's 200). */
struct mitm *mitm_new(struct tls_ctx *t, const struct secrets *s, const struct net_dest *d,
                      int cli_fd, int up_fd, const char *preamble);
enum mitm_status mitm_run(struct mitm *m);
/* EPOLLIN/EPOLLOUT wanted on the client and upstream fds. */
void mitm_interest(const struct mitm *m, uint32_t *cli, uint32_t *up);
void mitm_get_report(const struct mitm *m, struct mitm_report *out);
bool mitm_established(const struct mitm *m);
void mitm_free(struct mitm *m);

/* ---- SOCKS5 (proxy_socks.c) --------------------------------------------- */

struct socks5_req {
	uint8_t cmd, atyp;
	char host[256];       /* atyp 3: the name as sent (NUL-terminated) */
	struct net_dest dest; /* canonical; valid when the parse returned > 0 and ok */
	bool dest_ok;         /* false: the name is not a valid host */
};

/* Return bytes consumed (> 0), 0 when more are needed, -1 when malformed. */
ssize_t socks5_parse_greeting(const unsigned char *p, size_t len, bool *no_auth);
ssize_t socks5_parse_request(const unsigned char *p, size_t len, struct socks5_req *out);
/* A 10-byte reply with code rep and bound address 0.0.0.0:0. */
size_t socks5_reply(unsigned char *buf, uint8_t rep);

#define SOCKS5_OK 0x00
#define SOCKS5_FAIL 0x01
#define SOCKS5_NOT_ALLOWED 0x02
#define SOCKS5_NET_UNREACH 0x03
#define SOCKS5_HOST_UNREACH 0x04
#define SOCKS5_REFUSED 0x05
#define SOCKS5_CMD_UNSUPPORTED 0x07
#define SOCKS5_ATYP_UNSUPPORTED 0x08

/* ---- DNS (proxy_dns.c) -------------------------------------------------- */

/* Everything registered in the proxy's epoll set starts with this. */
enum px_kind { PX_LISTENER, PX_CLIENT, PX_UPSTREAM, PX_DNS_SOCK, PX_DNS_TIMER, PX_SWEEP };
struct px_handle {
	enum px_kind kind;
	int fd;
	uint32_t mask; /* events currently registered */
};

#define DNS_MAX_ADDRS 8
struct dns;
struct dns_query;
/* status 0: n addresses (port filled in); else err says why. */
typedef void (*dns_cb)(void *arg, int status, const char *err,
                       const struct sockaddr_storage *addrs, size_t n);

struct dns *dns_new(int epfd, char *err, size_t errlen);
/* Starts resolving host (canonical name). cb runs from dns_handle (never
 * from dns_lookup itself). */
struct dns_query *dns_lookup(struct dns *d, const char *host, uint16_t port, dns_cb cb,
                             void *arg);
/* The callback will not run; the query's memory is released later. */
void dns_cancel(struct dns_query *q);
void dns_handle(struct dns *d, struct px_handle *h, uint32_t events);
/* Frees socket handles retired during a dispatch (call after the batch). */
void dns_gc(struct dns *d);
void dns_free(struct dns *d);

#endif
