/* proxy_http: HTTP/1.x message heads and body framing for the proxy. Heads
 * are parsed in place (spans into the caller's buffer); bodies are never
 * copied, only measured, so the proxy can stream them as they arrive and
 * know where one message ends and the next begins (keep-alive).
 *
 * Strict where ambiguity would let a request be read two ways (smuggling):
 * bare CR, whitespace before a colon, obs-fold, Transfer-Encoding together
 * with Content-Length and conflicting lengths are all malformed. */
#include "proxy_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* Finds the end of the head: returns its length through the blank line, 0
 * when incomplete, -1 on a bare CR or NUL. */
static ssize_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\0')
			return -1;
		if (c == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return -1;
		if (c == '\n') {
			/* blank line: "\n\n" or "\n\r\n" */
			if (i + 1 < len && buf[i + 1] == '\n')
				return (ssize_t)(i + 2);
			if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
				return (ssize_t)(i + 3);
		}
	}
	return 0;
}

/* Next line [p, end) without its CRLF/LF; advances *pos. */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line,
                      size_t *line_len)
{
	if (*pos >= len)
		return false;
	const char *p = buf + *pos;
	const char *nl = memchr(p, '\n', len - *pos);
	if (!nl)
		return false;
	size_t n = (size_t)(nl - p);
	*pos += n + 1;
	if (n && p[n - 1] == '\r')
		n--;
	*line = p;
	*line_len = n;
	return true;
}

static int parse_version(const char *v, size_t n, int *minor)
{
	if (n != 8 || memcmp(v, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)v[7]))
		return -1;
	*minor = v[7] - '0';
	return 0;
}

static int parse_headers(const char *buf, size_t len, size_t pos, struct http_head *out)
{
	const char *line;
	size_t n;
	while (next_line(buf, len, &pos, &line, &n)) {
		if (n == 0)
			return 0;
		if (line[0] == ' ' || line[0] == '\t')
			return -1; /* obs-fold */
		const char *colon = memchr(line, ':', n);
		if (!colon || colon == line)
			return -1;
		for (const char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return -1;
		const char *v = colon + 1, *e = line + n;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		for (const char *c = v; c < e; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return -1;
		if (out->n_headers == HTTP_MAX_HEADERS)
			return -1;
		struct http_header *h = &out->h[out->n_headers++];
		h->name = line;
		h->name_len = (size_t)(colon - line);
		h->value = v;
		h->value_len = (size_t)(e - v);
	}
	return -1;
}

ssize_t http_parse_request(const char *buf, size_t len, struct http_head *out)
{
	memset(out, 0, sizeof *out);
	ssize_t hl = head_end(buf, len);
	if (hl <= 0)
		return hl;
	size_t pos = 0;
	const char *line;
	size_t n;
	/* Tolerate one empty line before the request (RFC 9112 2.2). */
	if (!next_line(buf, (size_t)hl, &pos, &line, &n))
		return -1;
	if (n == 0 && !next_line(buf, (size_t)hl, &pos, &line, &n))
		return -1;
	const char *sp1 = memchr(line, ' ', n);
	if (!sp1 || sp1 == line)
		return -1;
	const char *rest = sp1 + 1;
	const char *sp2 = memchr(rest, ' ', n - (size_t)(rest - line));
	if (!sp2 || sp2 == rest)
		return -1;
	for (const char *c = line; c < sp1; c++)
		if (!is_tchar((unsigned char)*c))
			return -1;
	for (const char *c = rest; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c == 0x7f)
			return -1;
	out->method = line;
	out->method_len = (size_t)(sp1 - line);
	out->target = rest;
	out->target_len = (size_t)(sp2 - rest);
	if (parse_version(sp2 + 1, n - (size_t)(sp2 + 1 - line), &out->minor) < 0)
		return -1;
	if (parse_headers(buf, (size_t)hl, pos, out) < 0)
		return -1;
	out->head_len = (size_t)hl;
	return hl;
}

ssize_t http_parse_response(const char *buf, size_t len, struct http_head *out)
{
	memset(out, 0, sizeof *out);
	ssize_t hl = head_end(buf, len);
	if (hl <= 0)
		return hl;
	size_t pos = 0;
	const char *line;
	size_t n;
	if (!next_line(buf, (size_t)hl, &pos, &line, &n) || n < 12)
		return -1;
	if (parse_version(line, 8, &out->minor) < 0 || line[8] != ' ')
		return -1;
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (!isdigit((unsigned char)line[i]))
			return -1;
		st = st * 10 + (line[i] - '0');
	}
	if (st < 100 || (n > 12 && line[12] != ' '))
		return -1;
	out->status = st;
	if (parse_headers(buf, (size_t)hl, pos, out) < 0)
		return -1;
	out->head_len = (size_t)hl;
	return hl;
}

static bool span_ieq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

const struct http_header *http_header_find(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (span_ieq(h->h[i].name, h->h[i].name_len, name))
			return &h->h[i];
	return NULL;
}

bool http_header_has_token(const struct http_head *h, const char *name, const char *token)
{
	for (size_t i = 0; i < h->n_headers; i++) {
		if (!span_ieq(h->h[i].name, h->h[i].name_len, name))
			continue;
		const char *p = h->h[i].value, *e = p + h->h[i].value_len;
		while (p < e) {
			const char *comma = memchr(p, ',', (size_t)(e - p));
			const char *te = comma ? comma : e;
			const char *s = p;
			while (s < te && (*s == ' ' || *s == '\t'))
				s++;
			const char *t = te;
			while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			if (span_ieq(s, (size_t)(t - s), token))
				return true;
			p = comma ? comma + 1 : e;
		}
	}
	return false;
}

/* Content-Length: every instance must be the same decimal number. */
static int content_length(const struct http_head *h, bool *present, uint64_t *out)
{
	*present = false;
	for (size_t i = 0; i < h->n_headers; i++) {
		if (!span_ieq(h->h[i].name, h->h[i].name_len, "content-length"))
			continue;
		uint64_t v = 0;
		if (h->h[i].value_len == 0 || h->h[i].value_len > 18)
			return -1;
		for (size_t k = 0; k < h->h[i].value_len; k++) {
			char c = h->h[i].value[k];
			if (!isdigit((unsigned char)c))
				return -1;
			v = v * 10 + (uint64_t)(c - '0');
		}
		if (*present && v != *out)
			return -1;
		*present = true;
		*out = v;
	}
	return 0;
}

/* Transfer-Encoding: 1 when chunked is the final (and only recognised)
 * coding, 0 when absent, -1 otherwise. */
static int transfer_chunked(const struct http_head *h)
{
	int seen = 0;
	for (size_t i = 0; i < h->n_headers; i++) {
		if (!span_ieq(h->h[i].name, h->h[i].name_len, "transfer-encoding"))
			continue;
		if (seen || !span_ieq(h->h[i].value, h->h[i].value_len, "chunked"))
			return -1;
		seen = 1;
	}
	return seen;
}

int http_request_framing(const struct http_head *h, struct http_body *b)
{
	memset(b, 0, sizeof *b);
	bool has_cl;
	uint64_t cl = 0;
	int te = transfer_chunked(h);
	if (te < 0 || content_length(h, &has_cl, &cl) < 0 || (te && has_cl))
		return -1;
	if (te) {
		b->mode = BODY_CHUNKED;
	} else if (has_cl && cl) {
		b->mode = BODY_LENGTH;
		b->remaining = cl;
	} else {
		b->mode = BODY_NONE;
		b->done = true;
	}
	return 0;
}

int http_response_framing(const struct http_head *h, bool head_req, struct http_body *b)
{
	memset(b, 0, sizeof *b);
	if (head_req || h->status < 200 || h->status == 204 || h->status == 304) {
		b->mode = BODY_NONE;
		b->done = true;
		return 0;
	}
	bool has_cl;
	uint64_t cl = 0;
	int te = transfer_chunked(h);
	if (content_length(h, &has_cl, &cl) < 0)
		return -1;
	if (te > 0) {
		b->mode = BODY_CHUNKED;
	} else if (te < 0) {
		b->mode = BODY_CLOSE; /* other codings: delimited by close */
	} else if (has_cl) {
		b->mode = cl ? BODY_LENGTH : BODY_NONE;
		b->remaining = cl;
		b->done = cl == 0;
	} else {
		b->mode = BODY_CLOSE;
	}
	return 0;
}

enum {
	CH_SIZE0, /* first hex digit */
	CH_SIZE,
	CH_EXT,   /* chunk extension, up to LF */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER_START,
	CH_TRAILER,
	CH_END_LF,
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* After a chunk-size line: data, or the trailer section for size 0. */
static void chunk_size_done(struct http_body *b)
{
	b->cstate = b->remaining ? CH_DATA : CH_TRAILER_START;
}

static ssize_t chunked_consume(struct http_body *b, const char *p, size_t len)
{
	size_t i = 0;
	while (i < len && !b->done) {
		char c = p[i];
		switch (b->cstate) {
		case CH_DATA: {
			uint64_t take = len - i < b->remaining ? len - i : b->remaining;
			i += take;
			b->remaining -= take;
			if (!b->remaining)
				b->cstate = CH_DATA_CR;
			continue;
		}
		case CH_SIZE0:
		case CH_SIZE: {
			int v = hexval(c);
			if (v >= 0) {
				if (b->remaining >> 56)
					return -1;
				b->remaining = b->remaining * 16 + (uint64_t)v;
				b->cstate = CH_SIZE;
			} else if (b->cstate == CH_SIZE0) {
				return -1;
			} else if (c == ';' || c == ' ' || c == '\t') {
				b->cstate = CH_EXT;
			} else if (c == '\r') {
				b->cstate = CH_SIZE_LF;
			} else if (c == '\n') {
				chunk_size_done(b);
			} else {
				return -1;
			}
			break;
		}
		case CH_EXT:
			if (c == '\n')
				chunk_size_done(b);
			else if (c == '\r')
				b->cstate = CH_SIZE_LF;
			else if ((unsigned char)c < 0x20 && c != '\t')
				return -1;
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				return -1;
			chunk_size_done(b);
			break;
		case CH_DATA_CR:
			if (c == '\r')
				b->cstate = CH_DATA_LF;
			else if (c == '\n')
				b->cstate = CH_SIZE0;
			else
				return -1;
			break;
		case CH_DATA_LF:
			if (c != '\n')
				return -1;
			b->cstate = CH_SIZE0;
			break;
		case CH_TRAILER_START:
			if (c == '\r')
				b->cstate = CH_END_LF;
			else if (c == '\n')
				b->done = true;
			else
				b->cstate = CH_TRAILER;
			break;
		case CH_TRAILER:
			if (c == '\n')
				b->cstate = CH_TRAILER_START;
			break;
		case CH_END_LF:
			if (c != '\n')
				return -1;
			b->done = true;
			break;
		}
		i++;
	}
	return (ssize_t)i;
}

ssize_t http_body_consume(struct http_body *b, const char *p, size_t len)
{
	if (b->done)
		return 0;
	switch (b->mode) {
	case BODY_NONE:
		b->done = true;
		return 0;
	case BODY_CLOSE:
		return (ssize_t)len;
	case BODY_LENGTH: {
		uint64_t take = len < b->remaining ? len : b->remaining;
		b->remaining -= take;
		b->done = b->remaining == 0;
		return (ssize_t)take;
	}
	case BODY_CHUNKED:
		return chunked_consume(b, p, len);
	}
	return -1;
}

int http_split_absolute(const char *t, size_t len, const char **auth, size_t *auth_len,
                        const char **path, size_t *path_len)
{
	if (len < 8 || strncasecmp(t, "http://", 7) != 0)
		return -1;
	const char *a = t + 7, *e = t + len;
	const char *p = a;
	while (p < e && *p != '/' && *p != '?' && *p != '#')
		p++;
	if (p == a || memchr(a, '@', (size_t)(p - a)))
		return -1; /* no host, or userinfo (never forwarded) */
	*auth = a;
	*auth_len = (size_t)(p - a);
	if (p == e || *p != '/') {
		*path = "/";
		*path_len = 1;
		/* a query without a path: keep it, after "/" — rare; refuse. */
		if (p != e)
			return -1;
	} else {
		*path = p;
		*path_len = (size_t)(e - p);
	}
	return 0;
}

int http_parse_authority(const char *a, size_t len, uint16_t default_port, struct net_dest *out)
{
	size_t hlen = len;
	const char *port = NULL;
	if (len && a[0] == '[') {
		const char *close = memchr(a, ']', len);
		if (!close)
			return -1;
		hlen = (size_t)(close - a) + 1;
		if (hlen < len) {
			if (a[hlen] != ':')
				return -1;
			port = a + hlen + 1;
		}
	} else {
		const char *colon = memchr(a, ':', len);
		if (colon) {
			hlen = (size_t)(colon - a);
			port = colon + 1;
		}
	}
	uint16_t pv = default_port;
	if (port) {
		size_t pl = len - (size_t)(port - a);
		unsigned long v = 0;
		if (pl == 0 || pl > 5)
			return -1;
		for (size_t i = 0; i < pl; i++) {
			if (!isdigit((unsigned char)port[i]))
				return -1;
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v == 0 || v > 65535)
			return -1;
		pv = (uint16_t)v;
	}
	if (!pv || net_host_canon(a, hlen, out) < 0)
		return -1;
	out->port = pv;
	return 0;
}
