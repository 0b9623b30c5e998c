/* fuzz_proxy: libFuzzer target for what the proxy parses from the sandbox —
 * request and response heads, body framing (Content-Length, chunked),
 * absolute URLs and authorities, and the SOCKS5 greeting and request. The
 * first input byte picks the parser; the rest is what the sandbox would
 * send. Built with clang (-fsanitize=fuzzer,address,undefined) when clang
 * is available; ctest runs it for a bounded time (label fuzz). */
#include "proxy_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_body(struct http_body *b, const char *p, size_t len)
{
	/* Feed in uneven slices, as the network would. */
	size_t off = 0, step = 1;
	while (off < len && !b->done) {
		size_t n = len - off < step ? len - off : step;
		ssize_t used = http_body_consume(b, p + off, n);
		if (used < 0)
			return;
		if (used == 0 && n == len - off)
			return;
		off += (size_t)used;
		step = step * 3 + 1;
	}
}

static void fuzz_request(const char *p, size_t len)
{
	struct http_head *h = malloc(sizeof *h);
	ssize_t hl = http_parse_request(p, len, h);
	if (hl > 0) {
		struct http_body b;
		if (http_request_framing(h, &b) == 0)
			fuzz_body(&b, p + hl, len - (size_t)hl);
		const char *auth, *path;
		size_t auth_len, path_len;
		struct net_dest d;
		if (http_split_absolute(h->target, h->target_len, &auth, &auth_len, &path,
		                        &path_len) == 0)
			(void)http_parse_authority(auth, auth_len, 80, &d);
		(void)http_parse_authority(h->target, h->target_len, 443, &d);
		const struct http_header *host = http_header_find(h, "host");
		if (host)
			(void)http_parse_authority(host->value, host->value_len, 80, &d);
		(void)http_header_has_token(h, "connection", "close");
	}
	free(h);
}

static void fuzz_response(const char *p, size_t len, bool head_req)
{
	struct http_head *h = malloc(sizeof *h);
	ssize_t hl = http_parse_response(p, len, h);
	if (hl > 0) {
		struct http_body b;
		if (http_response_framing(h, head_req, &b) == 0)
			fuzz_body(&b, p + hl, len - (size_t)hl);
	}
	free(h);
}

static void fuzz_socks(const unsigned char *p, size_t len)
{
	bool no_auth;
	ssize_t g = socks5_parse_greeting(p, len, &no_auth);
	struct socks5_req r;
	if (g > 0)
		(void)socks5_parse_request(p + g, len - (size_t)g, &r);
	(void)socks5_parse_request(p, len, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* A private copy without slack, so reads past the end are caught. */
	size_t len = size - 1;
	char *p = malloc(len ? len : 1);
	memcpy(p, data + 1, len);
	switch (data[0] % 4) {
	case 0: fuzz_request(p, len); break;
	case 1: fuzz_response(p, len, false); break;
	case 2: fuzz_response(p, len, true); break;
	case 3: fuzz_socks((const unsigned char *)p, len); break;
	}
	free(p);
	return 0;
}
