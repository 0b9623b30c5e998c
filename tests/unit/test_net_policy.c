/* Unit tests for core/net_policy.c: canonical host names (case, trailing dot,
 * IDNA, IP literals), rule parsing and its errors, matching (exact, wildcard
 * vs apex, ports, IPs), deny winning, and the special-address guard judged on
 * the resolved address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "net_policy.h"

static void dest(const char *host, uint16_t port, struct net_dest *d)
{
	assert_int_equal(net_host_canon(host, strlen(host), d), 0);
	d->port = port;
}

static void test_canon(void **state)
{
	(void)state;
	struct net_dest d;
	dest("ExAmple.COM.", 80, &d);
	assert_string_equal(d.host, "example.com");
	assert_false(d.is_ip);
	dest("bücher.example", 80, &d);
	assert_string_equal(d.host, "xn--bcher-kva.example");
	dest("[::1]", 80, &d);
	assert_true(d.is_ip);
	assert_string_equal(d.host, "::1");
	dest("::ffff:127.0.0.1", 80, &d);
	assert_string_equal(d.host, "127.0.0.1");
	dest("10.1.2.3", 80, &d);
	assert_true(d.is_ip);
	const char *bad[] = { "", "a..b", "-", "a b", "127.1", "2130706433", "[::1", "a/b",
		              "x\xff", "[fe80::1%eth0]", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(net_host_canon(bad[i], strlen(bad[i]), &d), -1);
	char label[80];
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_int_equal(net_host_canon(label, strlen(label), &d), -1);
}

static void test_rule_parse(void **state)
{
	(void)state;
	struct net_rule r;
	char err[256];
	assert_int_equal(net_rule_parse("Example.com:8443", "--allow-net", &r, err, sizeof err), 0);
	assert_int_equal(r.kind, NET_RULE_NAME);
	assert_string_equal(r.host, "example.com");
	assert_int_equal(r.port, 8443);
	assert_string_equal(r.text, "--allow-net=Example.com:8443");
	assert_int_equal(net_rule_parse("*.Corp.example.", "--allow-net", &r, err, sizeof err), 0);
	assert_int_equal(r.kind, NET_RULE_SUFFIX);
	assert_string_equal(r.host, "corp.example");
	assert_int_equal(net_rule_parse("[2001:db8::1]:443", "--deny-net", &r, err, sizeof err), 0);
	assert_int_equal(r.kind, NET_RULE_IP);
	assert_int_equal(r.port, 443);
	assert_int_equal(net_rule_parse("2001:db8::1", "--deny-net", &r, err, sizeof err), 0);
	assert_int_equal(r.kind, NET_RULE_IP);
	assert_int_equal(r.port, 0);
	assert_int_equal(net_rule_parse("*", "--allow-net", &r, err, sizeof err), 0);
	assert_int_equal(r.kind, NET_RULE_ANY);
	assert_int_equal(net_rule_parse("*.", "--allow-net", &r, err, sizeof err), -1);
	assert_string_equal(err, "--allow-net: '*.': '*' is only allowed as a leading '*.' label");
	assert_int_equal(net_rule_parse("a.*.b", "--allow-net", &r, err, sizeof err), -1);
	assert_int_equal(net_rule_parse("host:0", "--allow-net", &r, err, sizeof err), -1);
	assert_string_equal(err, "--allow-net: 'host:0': invalid port (1-65535)");
	assert_int_equal(net_rule_parse("[::1", "--allow-net", &r, err, sizeof err), -1);
	assert_int_equal(net_rule_parse("http://x", "--allow-net", &r, err, sizeof err), -1);
	assert_int_equal(net_rule_parse("bad\x1b[2Jhost", "--allow-net", &r, err, sizeof err), -1);
	assert_null(strchr(err, '\x1b')); /* sanitised */
}

struct fixture {
	struct policy p;
	struct net_policy np;
};

static void init_np(struct net_policy *np, struct policy *p, const char *const *allow,
                    const char *const *deny, bool bare)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; allow && allow[i]; i++)
		strlist_push(&p->allow_net, allow[i]);
	for (int i = 0; deny && deny[i]; i++)
		strlist_push(&p->deny_net, deny[i]);
	p->allow_net_all = bare;
	char err[256];
	assert_int_equal(net_policy_init(np, p, err, sizeof err), 0);
}

static bool allowed(const struct net_policy *np, const char *host, uint16_t port,
                    struct net_decision *dec)
{
	struct net_dest d;
	dest(host, port, &d);
	net_policy_check_dest(np, &d, dec);
	return dec->allow;
}

static struct sockaddr_in6 sa6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	return s;
}

static struct sockaddr_in sa4(const char *ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET, ip, &s.sin_addr), 1);
	return s;
}

static void test_matching(void **state)
{
	(void)state;
	struct policy p;
	struct net_policy np;
	struct net_decision dec;
	init_np(&np, &p, (const char *const[]){ "example.com", "*.corp.example", "api.x:8443",
	                                        "10.0.0.5", NULL },
	        (const char *const[]){ "bad.corp.example", NULL }, false);
	assert_true(allowed(&np, "EXAMPLE.com.", 443, &dec));
	assert_true(dec.explicit_rule);
	assert_string_equal(dec.rule, "--allow-net=example.com");
	assert_false(allowed(&np, "www.example.com", 443, &dec));
	assert_string_equal(dec.rule, "default");
	assert_string_equal(dec.reason, "no --allow-net rule");
	assert_string_equal(dec.hint, "--allow-net=www.example.com");
	assert_true(allowed(&np, "a.b.corp.example", 80, &dec));
	assert_false(allowed(&np, "corp.example", 80, &dec)); /* not the apex */
	assert_false(allowed(&np, "xcorp.example", 80, &dec));
	assert_false(allowed(&np, "bad.corp.example", 80, &dec)); /* deny wins */
	assert_string_equal(dec.rule, "--deny-net=bad.corp.example");
	assert_string_equal(dec.hint, "remove --deny-net=bad.corp.example");
	assert_true(allowed(&np, "api.x", 8443, &dec));
	assert_false(allowed(&np, "api.x", 443, &dec));
	assert_false(allowed(&np, "other", 3000, &dec));
	assert_string_equal(dec.hint, "--allow-net=other:3000");
	assert_true(allowed(&np, "10.0.0.5", 22, &dec));
	assert_true(allowed(&np, "::ffff:10.0.0.5", 22, &dec));
	assert_false(allowed(&np, "10.0.0.6", 22, &dec));
	net_policy_free(&np);
	policy_free(&p);
}

static void test_special_addresses(void **state)
{
	(void)state;
	struct policy p;
	struct net_policy np;
	struct net_decision dec;
	struct net_dest d;
	/* bare --allow-net: public only, judged on the resolved address */
	init_np(&np, &p, (const char *const[]){ "localhost:3000", "127.0.0.7", NULL },
	        (const char *const[]){ "203.0.113.9", NULL }, true);
	assert_true(allowed(&np, "public.example", 443, &dec));
	assert_false(dec.explicit_rule);
	struct sockaddr_in pub = sa4("93.184.216.34", 443), lo = sa4("127.0.0.1", 443);
	dest("public.example", 443, &d);
	net_policy_check_addr(&np, &d, (struct sockaddr *)&pub, &dec);
	assert_true(dec.allow);
	net_policy_check_addr(&np, &d, (struct sockaddr *)&lo, &dec); /* rebinding */
	assert_false(dec.allow);
	assert_string_equal(dec.rule, "address:loopback");
	/* a name rule for localhost:3000 opens only that */
	assert_true(allowed(&np, "localhost", 3000, &dec));
	dest("localhost", 3000, &d);
	struct sockaddr_in lo3000 = sa4("127.0.0.1", 3000);
	net_policy_check_addr(&np, &d, (struct sockaddr *)&lo3000, &dec);
	assert_true(dec.allow);
	assert_true(allowed(&np, "localhost", 3001, &dec)); /* bare allows the name... */
	dest("localhost", 3001, &d);
	net_policy_check_addr(&np, &d, (struct sockaddr *)&lo, &dec); /* ...not the address */
	assert_false(dec.allow);
	/* an explicit IP rule names the address */
	assert_true(allowed(&np, "127.0.0.7", 80, &dec));
	assert_true(dec.explicit_rule);
	/* deny by IP after resolving */
	assert_true(allowed(&np, "deny.example", 443, &dec));
	dest("deny.example", 443, &d);
	struct sockaddr_in dn = sa4("203.0.113.9", 443);
	net_policy_check_addr(&np, &d, (struct sockaddr *)&dn, &dec);
	assert_false(dec.allow);
	assert_string_equal(dec.rule, "--deny-net=203.0.113.9");
	net_policy_free(&np);
	policy_free(&p);

	static const struct {
		const char *ip, *range;
	} t[] = {
		{ "::ffff:10.1.2.3", "private" },     { "::ffff:172.31.0.1", "private" },
		{ "::ffff:192.168.1.1", "private" },  { "::ffff:100.64.0.1", "CGNAT" },
		{ "::ffff:169.254.169.254", "link-local" }, { "::ffff:224.0.0.1", "multicast" },
		{ "::ffff:0.0.0.0", "unspecified" },  { "::", "unspecified" },
		{ "::1", "loopback" },                { "fe80::1", "link-local" },
		{ "fd00::1", "private" },             { "ff02::1", "multicast" },
		{ "64:ff9b::7f00:1", "loopback" },    { "2002:7f00:1::", "loopback" },
		{ "::ffff:8.8.8.8", NULL },           { "2606:4700::1111", NULL },
		{ "::ffff:172.32.0.1", NULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct sockaddr_in6 s = sa6(t[i].ip, 1);
		const char *r = net_addr_range(&s.sin6_addr);
		if (t[i].range) {
			if (!r)
				fail_msg("%s: expected %s, got public", t[i].ip, t[i].range);
			assert_string_equal(r, t[i].range);
		}
		else
			assert_null(r);
	}
}

static void test_default_and_all(void **state)
{
	(void)state;
	struct policy p;
	struct net_policy np;
	struct net_decision dec;
	init_np(&np, &p, NULL, NULL, false);
	assert_false(allowed(&np, "example.com", 443, &dec));
	assert_string_equal(dec.hint, "--allow-net=example.com");
	assert_false(allowed(&np, "::1", 8080, &dec));
	assert_string_equal(dec.hint, "--allow-net=[::1]:8080");
	net_policy_free(&np);
	policy_free(&p);
	memset(&p, 0, sizeof p);
	p.allow_all = true;
	strlist_push(&p.deny_net, "*.evil.example");
	char err[128];
	assert_int_equal(net_policy_init(&np, &p, err, sizeof err), 0);
	assert_true(allowed(&np, "example.com", 443, &dec));
	assert_string_equal(dec.rule, "-A");
	assert_false(allowed(&np, "x.evil.example", 443, &dec));
	net_policy_free(&np);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_rule_parse),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_special_addresses),
		cmocka_unit_test(test_default_and_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
