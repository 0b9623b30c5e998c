/* Unit tests for the proxy's pure parsers: HTTP request/response heads
 * (including the strictness that prevents smuggling), body framing with
 * chunked bodies split at every byte boundary, absolute-form URLs and
 * authorities, and the SOCKS5 greeting/request/reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "proxy_internal.h"

static struct http_head h;

static void test_request_head(void **state)
{
	(void)state;
	const char *req = "GET http://Example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n"
	                  "Proxy-Connection: keep-alive\r\nX-A:  v  \r\n\r\nBODY";
	size_t len = strlen(req);
	for (size_t i = 0; i < len - 4; i++)
		assert_int_equal(http_parse_request(req, i, &h), 0);
	assert_int_equal(http_parse_request(req, len, &h), (ssize_t)(len - 4));
	assert_int_equal(h.minor, 1);
	assert_int_equal(h.n_headers, 3);
	assert_true(h.method_len == 3 && memcmp(h.method, "GET", 3) == 0);
	const struct http_header *x = http_header_find(&h, "x-a");
	assert_non_null(x);
	assert_int_equal(x->value_len, 1);
	assert_true(http_header_has_token(&h, "proxy-connection", "Keep-Alive"));

	const char *bad[] = {
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",          /* space before colon */
		"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", /* obs-fold */
		"GET / HTTP/1.1\rHost: x\r\n\r\n",              /* bare CR */
		"GET / HTTP/2.0\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
		NULL,
	};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(http_parse_request(bad[i], strlen(bad[i]), &h), -1);
	assert_int_equal(http_parse_request("GET / HTTP/1.0\n\n", 16, &h), 16);
}

static void test_response_head(void **state)
{
	(void)state;
	const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n";
	assert_int_equal(http_parse_response(r, strlen(r), &h), 25);
	assert_int_equal(h.status, 100);
	assert_int_equal(http_parse_response("HTTP/1.0 204\r\n\r\n", 16, &h), 16);
	assert_int_equal(http_parse_response("HTTP/1.1 2x0 OK\r\n\r\n", 19, &h), -1);
	assert_int_equal(http_parse_response("HTTP/1.1 099 OK\r\n\r\n", 19, &h), -1);
}

static int framing_req(const char *head, struct http_body *b)
{
	assert_true(http_parse_request(head, strlen(head), &h) > 0);
	return http_request_framing(&h, b);
}

static void test_framing(void **state)
{
	(void)state;
	struct http_body b;
	assert_int_equal(framing_req("GET / HTTP/1.1\r\n\r\n", &b), 0);
	assert_true(b.done);
	assert_int_equal(framing_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &b), 0);
	assert_int_equal(b.mode, BODY_LENGTH);
	assert_int_equal(http_body_consume(&b, "12345678", 8), 5);
	assert_true(b.done);
	/* smuggling shapes are refused */
	assert_int_equal(framing_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	                             "Transfer-Encoding: chunked\r\n\r\n", &b), -1);
	assert_int_equal(framing_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	                             "Content-Length: 6\r\n\r\n", &b), -1);
	assert_int_equal(framing_req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	                             &b), -1);
	assert_int_equal(framing_req("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", &b), -1);

	const char *resp = "HTTP/1.1 200 OK\r\n\r\n";
	assert_true(http_parse_response(resp, strlen(resp), &h) > 0);
	assert_int_equal(http_response_framing(&h, false, &b), 0);
	assert_int_equal(b.mode, BODY_CLOSE);
	assert_int_equal(http_response_framing(&h, true, &b), 0);
	assert_true(b.done); /* HEAD */
}

static void test_chunked_every_split(void **state)
{
	(void)state;
	const char *body = "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n"
	                   "Trailer: x\r\n\r\n";
	const char *next = "GET /next HTTP/1.1\r\n\r\n";
	char all[256];
	snprintf(all, sizeof all, "%s%s", body, next);
	size_t blen = strlen(body), alen = strlen(all);
	for (size_t split = 0; split <= alen; split++) {
		struct http_body b = { .mode = BODY_CHUNKED };
		ssize_t a = http_body_consume(&b, all, split);
		assert_true(a >= 0);
		size_t used = (size_t)a;
		if (!b.done) {
			assert_int_equal(used, split);
			ssize_t c = http_body_consume(&b, all + split, alen - split);
			assert_true(c >= 0);
			used += (size_t)c;
		}
		assert_true(b.done);
		assert_int_equal(used, blen);
	}
	struct http_body b = { .mode = BODY_CHUNKED };
	assert_int_equal(http_body_consume(&b, "zz\r\n", 4), -1);
	b = (struct http_body){ .mode = BODY_CHUNKED };
	assert_int_equal(http_body_consume(&b, "3\r\nabcX", 7), -1);
	b = (struct http_body){ .mode = BODY_CHUNKED };
	assert_int_equal(http_body_consume(&b, "fffffffffffffffff\r\n", 19), -1);
}

static void test_urls(void **state)
{
	(void)state;
	const char *auth, *path;
	size_t al, pl;
	const char *u = "http://[::1]:8080/x/y?z";
	assert_int_equal(http_split_absolute(u, strlen(u), &auth, &al, &path, &pl), 0);
	assert_int_equal(al, 10);
	assert_int_equal(pl, 6);
	u = "HTTP://host";
	assert_int_equal(http_split_absolute(u, strlen(u), &auth, &al, &path, &pl), 0);
	assert_int_equal(pl, 1);
	assert_int_equal(path[0], '/');
	u = "http://user:pw@host/";
	assert_int_equal(http_split_absolute(u, strlen(u), &auth, &al, &path, &pl), -1);
	u = "/origin";
	assert_int_equal(http_split_absolute(u, strlen(u), &auth, &al, &path, &pl), -1);
	struct net_dest d;
	assert_int_equal(http_parse_authority("Host.Example.:81", 16, 80, &d), 0);
	assert_string_equal(d.host, "host.example");
	assert_int_equal(d.port, 81);
	assert_int_equal(http_parse_authority("[::1]", 5, 80, &d), 0);
	assert_int_equal(d.port, 80);
	assert_int_equal(http_parse_authority("host", 4, 0, &d), -1); /* CONNECT needs a port */
	assert_int_equal(http_parse_authority("host:", 5, 80, &d), -1);
	assert_int_equal(http_parse_authority("host:65536", 10, 80, &d), -1);
	assert_int_equal(http_parse_authority("[::1]x", 6, 80, &d), -1);
}

static void test_socks5(void **state)
{
	(void)state;
	bool no_auth;
	const unsigned char g[] = { 5, 2, 2, 0 };
	assert_int_equal(socks5_parse_greeting(g, 1, &no_auth), 0);
	assert_int_equal(socks5_parse_greeting(g, 3, &no_auth), 0);
	assert_int_equal(socks5_parse_greeting(g, 4, &no_auth), 4);
	assert_true(no_auth);
	const unsigned char g2[] = { 5, 1, 2 };
	assert_int_equal(socks5_parse_greeting(g2, 3, &no_auth), 3);
	assert_false(no_auth);
	const unsigned char g4[] = { 4, 1, 0 };
	assert_int_equal(socks5_parse_greeting(g4, 3, &no_auth), -1);

	struct socks5_req rq;
	const unsigned char dom[] = { 5, 1, 0, 3, 11, 'E', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		                      'c', 'o', 'm', 0x01, 0xbb };
	for (size_t i = 0; i < sizeof dom; i++)
		assert_int_equal(socks5_parse_request(dom, i, &rq), 0);
	assert_int_equal(socks5_parse_request(dom, sizeof dom, &rq), (ssize_t)sizeof dom);
	assert_true(rq.dest_ok);
	assert_string_equal(rq.dest.host, "example.com");
	assert_int_equal(rq.dest.port, 443);
	const unsigned char v4[] = { 5, 1, 0, 1, 127, 0, 0, 1, 0, 80 };
	assert_int_equal(socks5_parse_request(v4, sizeof v4, &rq), 10);
	assert_true(rq.dest.is_ip);
	assert_string_equal(rq.dest.host, "127.0.0.1");
	unsigned char v6[22] = { 5, 1, 0, 4 };
	v6[19] = 1;
	v6[21] = 22;
	assert_int_equal(socks5_parse_request(v6, sizeof v6, &rq), 22);
	assert_string_equal(rq.dest.host, "::1");
	assert_int_equal(rq.dest.port, 22);
	const unsigned char bind[] = { 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 };
	assert_int_equal(socks5_parse_request(bind, sizeof bind, &rq), 10);
	assert_int_equal(rq.cmd, 2);
	const unsigned char evil[] = { 5, 1, 0, 3, 3, 'a', 0x1b, 'b', 0, 80 };
	assert_int_equal(socks5_parse_request(evil, sizeof evil, &rq), 10);
	assert_false(rq.dest_ok);
	const unsigned char port0[] = { 5, 1, 0, 1, 1, 2, 3, 4, 0, 0 };
	assert_int_equal(socks5_parse_request(port0, sizeof port0, &rq), 10);
	assert_false(rq.dest_ok);
	unsigned char rep[10];
	assert_int_equal(socks5_reply(rep, SOCKS5_NOT_ALLOWED), 10);
	assert_int_equal(rep[0], 5);
	assert_int_equal(rep[1], 2);
	assert_int_equal(rep[3], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_head), cmocka_unit_test(test_response_head),
		cmocka_unit_test(test_framing),      cmocka_unit_test(test_chunked_every_split),
		cmocka_unit_test(test_urls),         cmocka_unit_test(test_socks5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
