/* Unit tests for core/secrets.c and the secret flags: parsing and checks
 * (cli_parse), placeholders in the environment (env_build), substitution in a
 * header value for allowed hosts only, and messages that never hold a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "secrets.h"
#include "util.h"

#define VALUE "sk-very-secret-123"

static int parse(char *err, size_t errlen, ...)
{
	char *argv[32] = { "glassbox" };
	int argc = 1;
	va_list ap;
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	struct cli_options o;
	int r = cli_parse(argc, argv, &o, err, errlen);
	if (r == 0)
		cli_options_free(&o);
	return r;
}

static void test_cli_errors(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(parse(err, sizeof err, "--secret", "K=" VALUE, "--", "true", NULL), -1);
	assert_non_null(strstr(err, "--secret-host K=HOST"));
	assert_null(strstr(err, VALUE));
	assert_int_equal(parse(err, sizeof err, "--secret-host", "K=a.example", NULL), -1);
	assert_non_null(strstr(err, "no --secret K=VALUE"));
	assert_int_equal(parse(err, sizeof err, "--secret", "9K=" VALUE, "--secret-host",
	                       "9K=a.example", NULL),
	                 -1);
	assert_null(strstr(err, VALUE));
	assert_int_equal(
	        parse(err, sizeof err, "--secret", "K=", "--secret-host", "K=a.example", NULL), -1);
	assert_int_equal(
	        parse(err, sizeof err, "--secret", "K=" VALUE, "--secret-host", "K=*", NULL), -1);
	assert_int_equal(parse(err, sizeof err, "--secret", "K=a\r\nX: y", "--secret-host",
	                       "K=a.example", NULL),
	                 -1);
	assert_int_equal(parse(err, sizeof err, "--secret", "K=" VALUE, "--secret-host", "K=a..b",
	                       NULL),
	                 -1);
	assert_null(strstr(err, VALUE));
	assert_int_equal(parse(err, sizeof err, "--secret", "K=" VALUE, "--secret-host",
	                       "K=a.example,*.b.example:8443", "--", "true", NULL),
	                 0);
}

static void load(struct policy *p, struct secrets *s, const char *hosts)
{
	char *argv[] = { "glassbox",      "--secret",    "K=" VALUE,      "--secret",    "L=other",
		         "--secret-host", (char *)hosts, "--secret-host", "L=l.example", NULL };
	struct cli_options o;
	char err[256];
	assert_int_equal(cli_parse(9, argv, &o, err, sizeof err), 0);
	memset(p, 0, sizeof *p);
	policy_merge(p, &o.flags);
	cli_options_free(&o);
	assert_int_equal(secrets_load(p, s, err, sizeof err), 0);
	assert_int_equal(s->n, 2);
}

static void test_env_placeholders(void **state)
{
	(void)state;
	struct policy p;
	struct secrets s;
	load(&p, &s, "K=a.example");
	char *const parent[] = { "PATH=/bin", "K=" VALUE, "COPY=x" VALUE "y", "OK=fine", NULL };
	p.allow_env_all = true;
	struct strlist env = { 0 };
	env_build(&p, parent, &env);
	bool seen_k = false;
	for (size_t i = 0; i < env.len; i++) {
		assert_null(strstr(env.items[i], VALUE));
		if (strncmp(env.items[i], "K=", 2) == 0) {
			seen_k = true;
			assert_string_equal(env.items[i] + 2, s.v[0].placeholder);
			assert_int_equal(strlen(env.items[i] + 2), SECRET_PLACEHOLDER_LEN);
			assert_int_equal(strncmp(env.items[i] + 2, SECRET_PREFIX, 16), 0);
		}
		assert_null(strstr(env.items[i], "COPY="));
	}
	assert_true(seen_k);
	strlist_clear(&env);
	secrets_free(&s);
	policy_free(&p);
}

static void dest(struct net_dest *d, const char *host, uint16_t port)
{
	assert_int_equal(net_host_canon(host, strlen(host), d), 0);
	d->port = port;
}

static void test_subst(void **state)
{
	(void)state;
	struct policy p;
	struct secrets s;
	load(&p, &s, "K=a.example,*.b.example:8443");
	cleanup_free char *val =
	        xasprintf("Bearer %s and %s", s.v[0].placeholder, s.v[1].placeholder);
	struct net_dest d;
	uint64_t used = 0, withheld = 0;
	size_t n;

	dest(&d, "A.Example.", 443);
	cleanup_free char *out = secrets_subst(&s, &d, val, strlen(val), &n, &used, &withheld);
	assert_non_null(out);
	cleanup_free char *want = xasprintf("Bearer " VALUE " and %s", s.v[1].placeholder);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(used, 1);
	assert_int_equal(withheld, 2);

	used = withheld = 0;
	dest(&d, "x.b.example", 443); /* wrong port */
	cleanup_free char *out2 = secrets_subst(&s, &d, val, strlen(val), &n, &used, &withheld);
	assert_string_equal(out2, val);
	assert_int_equal(used, 0);
	assert_int_equal(withheld, 3);
	assert_false(secrets_any_host(&s, &d));
	dest(&d, "x.b.example", 8443);
	assert_true(secrets_any_host(&s, &d));
	dest(&d, "b.example", 8443); /* apex is not *.b.example */
	assert_false(secrets_any_host(&s, &d));

	used = withheld = 0;
	assert_null(secrets_subst(&s, &d, "Bearer GLASSBOX_SECRET_", 23, &n, &used, &withheld));
	char names[64];
	secrets_names(&s, 3, names, sizeof names);
	assert_string_equal(names, "K,L");
	secrets_free(&s);
	policy_free(&p);
}

static void test_mask(void **state)
{
	(void)state;
	struct policy p;
	struct secrets s;
	load(&p, &s, "K=a.example");
	char buf[] = "x" VALUE "y" VALUE "other";
	assert_int_equal(secrets_mask(&s, buf, strlen(buf)), 3);
	assert_null(strstr(buf, VALUE));
	assert_null(strstr(buf, "other"));
	assert_int_equal(buf[0], 'x');
	assert_int_equal(buf[1 + strlen(VALUE)], 'y');
	assert_int_equal(strlen(buf), 2 + 2 * strlen(VALUE) + 5);
	assert_int_equal(secrets_max_value_len(&s), strlen(VALUE));
	secrets_free(&s);
	policy_free(&p);
}

/* A value split between two reads: its start waits (4+ bytes), and the
 * rest of one whose start (1-3 bytes) already went out is masked. */
static void test_split(void **state)
{
	(void)state;
	struct policy p;
	struct secrets s;
	load(&p, &s, "K=a.example");
	size_t vl = strlen(VALUE);
	char tail[64];
	snprintf(tail, sizeof tail, "abc%.*s", 5, VALUE);
	assert_int_equal(secrets_value_begins(&s, tail, strlen(tail), 4), 5);
	assert_int_equal(secrets_value_begins(&s, tail, strlen(tail) - 2, 4), 0); /* 3 bytes */
	assert_int_equal(secrets_value_begins(&s, "abc\n", 4, 4), 0);
	assert_int_equal(secrets_value_begins(&s, VALUE, vl, 4), 0); /* whole: not a begin */
	char sent[64], rest[64];
	snprintf(sent, sizeof sent, "Bearer %.*s", 3, VALUE);
	snprintf(rest, sizeof rest, "%s\nmore", VALUE + 3);
	assert_int_equal(secrets_mask_rest(&s, sent, strlen(sent), rest, strlen(rest)), 1);
	assert_null(strstr(rest, VALUE + 3));
	assert_string_equal(rest + vl - 3, "\nmore");
	assert_int_equal(rest[0], '*');
	snprintf(rest, sizeof rest, "%s", VALUE + 4); /* not the continuation */
	assert_int_equal(secrets_mask_rest(&s, sent, strlen(sent), rest, strlen(rest)), 0);
	assert_int_equal(secrets_mask_rest(&s, "xyz", 3, rest, strlen(rest)), 0);
	secrets_free(&s);
	policy_free(&p);
}

/* Live host changes: a valid set replaces the hosts; an invalid one (an
 * unknown secret, '*', a malformed host) leaves the table as it was. */
static void test_set_hosts(void **state)
{
	(void)state;
	struct policy p;
	struct secrets s;
	struct net_dest a, c;
	char err[256];
	load(&p, &s, "K=a.example");
	dest(&a, "a.example", 443);
	dest(&c, "c.example", 443);
	assert_true(secrets_host_allowed(&s, 0, &a));
	assert_false(secrets_host_allowed(&s, 0, &c));
	strlist_remove(&p.secret_hosts, "K=a.example");
	strlist_push(&p.secret_hosts, "K=c.example");
	assert_int_equal(secrets_set_hosts(&s, &p, err, sizeof err), 0);
	assert_false(secrets_host_allowed(&s, 0, &a));
	assert_true(secrets_host_allowed(&s, 0, &c));
	assert_int_equal(s.v[1].n_hosts, 1); /* L keeps its host */
	static const char *const bad[] = { "K=*", "M=c.example", "K=a..b" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strlist_push(&p.secret_hosts, bad[i]);
		assert_int_equal(secrets_set_hosts(&s, &p, err, sizeof err), -1);
		assert_null(strstr(err, VALUE));
		strlist_remove(&p.secret_hosts, bad[i]);
		assert_true(secrets_host_allowed(&s, 0, &c));
		assert_false(secrets_host_allowed(&s, 0, &a));
	}
	secrets_free(&s);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_env_placeholders),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_set_hosts),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
