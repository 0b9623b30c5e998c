/* Unit tests for core/cli.c: every option form, where options end and the
 * command starts, the profile subcommand, and each kind of error message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"

static struct cli_options opts;
static char err[512];

/* Parses a NULL-terminated list of arguments after "glassbox". */
static int parse_v(const char *const *args)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"glassbox";
	for (int i = 0; args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	cli_options_free(&opts);
	memset(err, 0, sizeof err);
	return cli_parse(argc, argv, &opts, err, sizeof err);
}
#define PARSE(...) parse_v((const char *const[]){ __VA_ARGS__, NULL })

static void expect_error(int rc, const char *want)
{
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n'));
	/* failure leaves nothing half-filled */
	assert_int_equal(opts.command.len, 0);
	assert_int_equal(opts.flags.allow_read.len, 0);
}

static int teardown(void **state)
{
	(void)state;
	cli_options_free(&opts);
	return 0;
}

static void assert_list(const struct strlist *l, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	assert_int_equal(l->len, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->items[i], want[i]);
}
#define ASSERT_LIST(l, ...) assert_list((l), (const char *const[]){ __VA_ARGS__, NULL })

static void test_no_args(void **state)
{
	(void)state;
	char *argv[] = { (char *)"glassbox", NULL };
	assert_int_equal(cli_parse(1, argv, &opts, err, sizeof err), 0);
	assert_int_equal(opts.action, CLI_RUN);
	assert_int_equal(opts.command.len, 0);
	assert_false(opts.flags.allow_write_all);
	assert_false(opts.debug);
	assert_null(opts.cwd);
}

static void test_list_options_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-read=/a,/b", "--allow-read", "/c", "--allow-read=d"), 0);
	ASSERT_LIST(&opts.flags.allow_read, "/a", "/b", "/c", "d");
	assert_int_equal(opts.command.len, 0);

	assert_int_equal(PARSE("--deny-read", "/x,/y", "--deny-read=/z"), 0);
	ASSERT_LIST(&opts.flags.deny_read, "/x", "/y", "/z");

	assert_int_equal(PARSE("--deny-write=.git", "--deny-write", "a,b"), 0);
	ASSERT_LIST(&opts.flags.deny_write, ".git", "a", "b");

	assert_int_equal(PARSE("--deny-env=AWS_*", "--deny-env", "TOKEN,KEY"), 0);
	ASSERT_LIST(&opts.flags.deny_env, "AWS_*", "TOKEN", "KEY");

	assert_int_equal(PARSE("--profile", "default", "--profile=a,b"), 0);
	ASSERT_LIST(&opts.profiles, "default", "a", "b");
}

static void test_allow_write_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-write=.,/tmp/out", "--allow-write=x"), 0);
	ASSERT_LIST(&opts.flags.allow_write, ".", "/tmp/out", "x");
	assert_false(opts.flags.allow_write_all);

	/* bare: everywhere, and the next word is the command, not a value */
	assert_int_equal(PARSE("--allow-write", "/tmp", "arg"), 0);
	assert_true(opts.flags.allow_write_all);
	assert_int_equal(opts.flags.allow_write.len, 0);
	ASSERT_LIST(&opts.command, "/tmp", "arg");

	assert_int_equal(PARSE("--allow-write", "--debug"), 0);
	assert_true(opts.flags.allow_write_all);
	assert_true(opts.debug);
	assert_int_equal(opts.command.len, 0);
}

static void test_allow_env_forms(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-env=PATH,NODE_*", "--allow-env=DB"), 0);
	ASSERT_LIST(&opts.flags.allow_env, "PATH", "NODE_*", "DB");
	assert_false(opts.flags.allow_env_all);

	assert_int_equal(PARSE("--allow-env", "FOO", "--deny-env=BAR"), 0);
	assert_true(opts.flags.allow_env_all);
	assert_int_equal(opts.flags.allow_env.len, 0);
	ASSERT_LIST(&opts.command, "FOO", "--deny-env=BAR");
	assert_int_equal(opts.flags.deny_env.len, 0);
}

static void test_net_options(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-net=example.com,*.corp.example:443", "--allow-net=[::1]:80",
	                       "--deny-net", "evil.com", "--deny-net=10.0.0.1", "true"),
	                 0);
	ASSERT_LIST(&opts.flags.allow_net, "example.com", "*.corp.example:443", "[::1]:80");
	ASSERT_LIST(&opts.flags.deny_net, "evil.com", "10.0.0.1");
	assert_false(opts.flags.allow_net_all);
	/* bare: every public host; the next word is the command */
	assert_int_equal(PARSE("--allow-net", "example.com"), 0);
	assert_true(opts.flags.allow_net_all);
	assert_int_equal(opts.flags.allow_net.len, 0);
	ASSERT_LIST(&opts.command, "example.com");
	expect_error(PARSE("--allow-net=https://example.com/"),
	             "--allow-net: 'https://example.com/' is not a host (use a name, *.domain or "
	             "an IP, optionally with :port)");
	expect_error(PARSE("--allow-net=example.com:99999"),
	             "--allow-net: 'example.com:99999': invalid port (1-65535)");
	expect_error(PARSE("--deny-net=a*.b"),
	             "--deny-net: 'a*.b': '*' is only allowed as a leading '*.' label");
	expect_error(PARSE("--allow-net=a,,b"), "option '--allow-net': empty item in list 'a,,b'");
	expect_error(PARSE("--allow-net="), "option '--allow-net=' needs a value (bare --allow-net means all)");
	expect_error(PARSE("--deny-net"), "option '--deny-net' needs a value");
}

static void test_env_option(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--env", "A=1", "--env=B=x=y,z", "--env", "A=2", "--env", "E="), 0);
	/* last value per key wins, in place; values keep '=' and ',' */
	ASSERT_LIST(&opts.flags.env, "A=2", "B=x=y,z", "E=");
}

static void test_switches(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-A", "--no-sandbox", "--strict-sandbox", "--debug"), 0);
	assert_true(opts.flags.allow_all);
	assert_true(opts.flags.no_sandbox);
	assert_true(opts.flags.strict_sandbox);
	assert_true(opts.debug);

	assert_int_equal(PARSE("--allow-all"), 0);
	assert_true(opts.flags.allow_all);
	assert_false(opts.flags.no_sandbox);
	assert_false(opts.flags.strict_sandbox);
	assert_false(opts.debug);
}

static void test_cwd_and_log(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-C", "/srv"), 0);
	assert_string_equal(opts.cwd, "/srv");
	assert_int_equal(PARSE("-C/srv/x"), 0);
	assert_string_equal(opts.cwd, "/srv/x");
	assert_int_equal(PARSE("-C=rel"), 0);
	assert_string_equal(opts.cwd, "rel");
	assert_int_equal(PARSE("-C", "a", "-C", "b"), 0);
	assert_string_equal(opts.cwd, "b");

	assert_int_equal(PARSE("--log", "/tmp/l.jsonl"), 0);
	assert_string_equal(opts.log_path, "/tmp/l.jsonl");
	assert_int_equal(PARSE("--log=x.jsonl", "true"), 0);
	assert_string_equal(opts.log_path, "x.jsonl");
	ASSERT_LIST(&opts.command, "true");
	/* "-" alone is a value (stdout-like names) */
	assert_int_equal(PARSE("--log", "-"), 0);
	assert_string_equal(opts.log_path, "-");
}

static void test_double_dash(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--debug", "--", "--allow-write", "-A", "--", "x"), 0);
	assert_true(opts.debug);
	assert_false(opts.flags.allow_write_all);
	assert_false(opts.flags.allow_all);
	ASSERT_LIST(&opts.command, "--allow-write", "-A", "--", "x");

	assert_int_equal(PARSE("--"), 0);
	assert_int_equal(opts.action, CLI_RUN);
	assert_int_equal(opts.command.len, 0);
}

static void test_first_positional_starts_command(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-read=/a", "ls", "-la", "--allow-read=/b", "--debug", "-h"),
	                 0);
	assert_int_equal(opts.action, CLI_RUN);
	ASSERT_LIST(&opts.flags.allow_read, "/a");
	assert_false(opts.debug);
	ASSERT_LIST(&opts.command, "ls", "-la", "--allow-read=/b", "--debug", "-h");

	assert_int_equal(PARSE("-", "x"), 0);
	ASSERT_LIST(&opts.command, "-", "x");

	/* "profile" is a subcommand only as the very first argument */
	assert_int_equal(PARSE("--debug", "profile", "list"), 0);
	assert_int_equal(opts.action, CLI_RUN);
	ASSERT_LIST(&opts.command, "profile", "list");
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(PARSE("-h"), 0);
	assert_int_equal(opts.action, CLI_HELP);
	assert_int_equal(PARSE("--help"), 0);
	assert_int_equal(opts.action, CLI_HELP);
	assert_int_equal(PARSE("-V"), 0);
	assert_int_equal(opts.action, CLI_VERSION);
	assert_int_equal(PARSE("--debug", "--version", "ls"), 0);
	assert_int_equal(opts.action, CLI_VERSION);
	/* help stops parsing: later mistakes do not matter */
	assert_int_equal(PARSE("-h", "--bogus"), 0);
	assert_int_equal(opts.action, CLI_HELP);
	expect_error(PARSE("--help=yes"), "option '--help' takes no value");
}

static void test_profile_subcommand(void **state)
{
	(void)state;
	assert_int_equal(PARSE("profile", "list"), 0);
	assert_int_equal(opts.action, CLI_PROFILE_LIST);
	assert_int_equal(PARSE("profile", "show", "workspace"), 0);
	assert_int_equal(opts.action, CLI_PROFILE_SHOW);
	assert_string_equal(opts.profile_show, "workspace");

	expect_error(PARSE("profile"), "usage: glassbox profile list | glassbox profile show NAME");
	expect_error(PARSE("profile", "list", "x"),
	             "usage: glassbox profile list | glassbox profile show NAME");
	expect_error(PARSE("profile", "show"), "usage: glassbox profile show NAME");
	expect_error(PARSE("profile", "show", "a", "b"), "usage: glassbox profile show NAME");
	expect_error(PARSE("profile", "rm", "x"),
	             "unknown profile command 'rm' (use: profile list | profile show NAME)");
}

static void test_snapshot_flags(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--snapshot", "--snapshot-path=src,/data", "--snapshot-path", "x",
	                       "--snapshot-exclude=*.log", "--", "make"),
	                 0);
	assert_true(opts.snapshot);
	assert_false(opts.restore);
	ASSERT_LIST(&opts.snapshot_paths, "src", "/data", "x");
	ASSERT_LIST(&opts.snapshot_excludes, "*.log");
	ASSERT_LIST(&opts.command, "make");

	/* --restore records too */
	assert_int_equal(PARSE("--restore", "true"), 0);
	assert_true(opts.snapshot);
	assert_true(opts.restore);

	expect_error(PARSE("--snapshot=yes"), "option '--snapshot' takes no value");
	expect_error(PARSE("--snapshot-path"), "option '--snapshot-path' needs a value");
	expect_error(PARSE("--snapshot-exclude=a,,b"),
	             "option '--snapshot-exclude': empty item in list 'a,,b'");
}

static void test_snapshot_subcommand(void **state)
{
	(void)state;
	assert_int_equal(PARSE("snapshot", "list"), 0);
	assert_int_equal(opts.action, CLI_SNAPSHOT_LIST);

	assert_int_equal(PARSE("snapshot", "diff", "abc123", "-p", "src/a.c", "b"), 0);
	assert_int_equal(opts.action, CLI_SNAPSHOT_DIFF);
	assert_string_equal(opts.snap_id, "abc123");
	assert_true(opts.snap_patch);
	assert_false(opts.snap_now);
	assert_false(opts.snap_checkpoint_set);
	ASSERT_LIST(&opts.snap_paths, "src/a.c", "b");

	assert_int_equal(PARSE("snapshot", "diff", "--now", "--checkpoint=2", "abc"), 0);
	assert_true(opts.snap_now);
	assert_true(opts.snap_checkpoint_set);
	assert_int_equal(opts.snap_checkpoint, 2);

	assert_int_equal(PARSE("snapshot", "restore", "abc", "--checkpoint", "1", "--", "-x"), 0);
	assert_int_equal(opts.action, CLI_SNAPSHOT_RESTORE);
	assert_int_equal(opts.snap_checkpoint, 1);
	ASSERT_LIST(&opts.snap_paths, "-x");

	assert_int_equal(PARSE("snapshot", "clean"), 0);
	assert_int_equal(opts.action, CLI_SNAPSHOT_CLEAN);
	assert_true(opts.snap_older_than < 0);
	assert_int_equal(PARSE("snapshot", "clean", "--older-than", "7"), 0);
	assert_true(opts.snap_older_than == 7.0);

	/* ids name store directories: nothing that walks out of it */
	expect_error(PARSE("snapshot", "diff", "../etc"),
	             "invalid snapshot id '../etc' (ids are shown by glassbox snapshot list)");
	expect_error(PARSE("snapshot", "restore", "a/b"),
	             "invalid snapshot id 'a/b' (ids are shown by glassbox snapshot list)");
	expect_error(PARSE("snapshot", "restore", ".."),
	             "invalid snapshot id '..' (ids are shown by glassbox snapshot list)");
	expect_error(PARSE("snapshot", "diff", "a\x1b[2J"),
	             "invalid snapshot id 'a\\e[2J' (ids are shown by glassbox snapshot list)");
	expect_error(PARSE("snapshot", "diff"),
	             "usage: glassbox snapshot diff ID [-p] [--checkpoint N] [--now] [PATH...]");
	expect_error(PARSE("snapshot", "restore", "a", "--checkpoint", "x"),
	             "option '--checkpoint' needs a number, got 'x'");
	expect_error(PARSE("snapshot", "restore", "a", "-p"),
	             "snapshot restore: unknown option '-p'");
	expect_error(PARSE("snapshot", "list", "x"), "snapshot list: unexpected argument 'x'");
	expect_error(PARSE("snapshot", "rm"),
	             "unknown snapshot command 'rm' (use: list, diff, restore, clean)");
	expect_error(PARSE("snapshot"),
	             "usage: glassbox snapshot list | diff ID [-p] [--checkpoint N] [--now] "
	             "[PATH...] | restore ID [--checkpoint N] [PATH...] | clean [--older-than "
	             "DAYS]");
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_error(PARSE("--allow-nett"), "unknown option '--allow-nett' (see glassbox --help)");
	/* the value is not echoed, only the option name */
	expect_error(PARSE("--allow-nett=secret"),
	             "unknown option '--allow-nett' (see glassbox --help)");
	/* no abbreviations */
	expect_error(PARSE("--allow-w=/x"), "unknown option '--allow-w' (see glassbox --help)");
	expect_error(PARSE("--deb"), "unknown option '--deb' (see glassbox --help)");
	/* --secret is known; without --secret-host it is refused (test_secrets.c) */
	expect_error(PARSE("--secret", "K=V"),
	             "--secret K: no --secret-host K=HOST given (a secret is only ever sent to "
	             "the hosts named for it)");
	expect_error(PARSE("--snapshots"), "unknown option '--snapshots' (see glassbox --help)");
	expect_error(PARSE("-x"), "unknown option '-x' (see glassbox --help)");
	expect_error(PARSE("-Ah"), "unknown option '-Ah' (see glassbox --help)");
	/* an error before a command stops parsing */
	expect_error(PARSE("--bogus", "-h"), "unknown option '--bogus' (see glassbox --help)");
}

static void test_missing_values(void **state)
{
	(void)state;
	expect_error(PARSE("--allow-read"), "option '--allow-read' needs a value");
	expect_error(PARSE("--deny-read", "--debug"), "option '--deny-read' needs a value");
	expect_error(PARSE("--allow-read="), "option '--allow-read' needs a value");
	expect_error(PARSE("--env"), "option '--env' needs a value");
	expect_error(PARSE("--log"), "option '--log' needs a value");
	expect_error(PARSE("--profile"), "option '--profile' needs a value");
	expect_error(PARSE("-C"), "option '-C' needs a value");
	expect_error(PARSE("-C="), "option '-C' needs a value");
	expect_error(PARSE("--allow-write="),
	             "option '--allow-write=' needs a value (bare --allow-write means all)");
	expect_error(PARSE("--allow-env="),
	             "option '--allow-env=' needs a value (bare --allow-env means all)");
}

static void test_malformed_lists(void **state)
{
	(void)state;
	expect_error(PARSE("--deny-write=a,,b"),
	             "option '--deny-write': empty item in list 'a,,b'");
	expect_error(PARSE("--allow-read", "/a,"),
	             "option '--allow-read': empty item in list '/a,'");
	expect_error(PARSE("--allow-write=,x"), "option '--allow-write': empty item in list ',x'");
	expect_error(PARSE("--profile=a,,b"), "option '--profile': empty item in list 'a,,b'");
	expect_error(PARSE("--allow-env=A=B"),
	             "option '--allow-env': invalid variable name 'A=B' (use NAME or NAME*)");
	expect_error(PARSE("--deny-env=A*B"),
	             "option '--deny-env': invalid variable name 'A*B' (use NAME or NAME*)");
}

static void test_env_errors(void **state)
{
	(void)state;
	expect_error(PARSE("--env", "FOO"), "--env: expected KEY=VALUE, got 'FOO'");
	expect_error(PARSE("--env==x"), "--env: expected KEY=VALUE, got '=x'");
}

static void test_switch_with_value(void **state)
{
	(void)state;
	expect_error(PARSE("--debug=x"), "option '--debug' takes no value");
	expect_error(PARSE("--no-sandbox=1"), "option '--no-sandbox' takes no value");
	expect_error(PARSE("--strict-sandbox="), "option '--strict-sandbox' takes no value");
	expect_error(PARSE("--allow-all=yes"), "option '--allow-all' takes no value");
	expect_error(PARSE("-A=x"), "option '-A' takes no value");
	expect_error(PARSE("--version=2"), "option '--version' takes no value");
}

static void test_errors_are_sanitized(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--allow-read=a,,\x1b[2J"), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "empty item in list"));
	assert_int_equal(PARSE("--env", "\x1b]0;pwn\x07"), -1);
	assert_null(strchr(err, '\x1b'));
	assert_null(strchr(err, '\x07'));
	assert_int_equal(PARSE("--x\x1b[31m"), -1);
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(PARSE("profile", "\x9b"
	                                  "2J"),
	                 -1);
	assert_null(strchr(err, '\x9b'));
}

static void test_usage_text(void **state)
{
	(void)state;
	const char *u = cli_usage();
	static const char *const want[] = {
		"--allow-read=",
		"--deny-read=",
		"--allow-write[=",
		"--deny-write=",
		"--env KEY=VALUE",
		"--allow-env[=",
		"--deny-env=",
		"--profile NAME",
		"-A, --allow-all",
		"--no-sandbox",
		"--strict-sandbox",
		"-C DIR",
		"--debug",
		"--log FILE",
		"-V, --version",
		"-h, --help",
		"profile list",
		"profile show NAME",
		"--snapshot ",
		"--restore ",
		"--snapshot-path=",
		"--snapshot-exclude=",
		"snapshot list",
		"snapshot diff ID",
		"snapshot restore ID",
		"snapshot clean",
		"128+N",
		"125",
		"2 for bad input",
		NULL,
	};
	for (int i = 0; want[i]; i++) {
		if (!strstr(u, want[i]))
			fail_msg("usage lacks '%s'", want[i]);
	}
	/* fits an 80-column terminal */
	for (const char *line = u; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		assert_true(len <= 80);
		line += len + (nl ? 1 : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_no_args, teardown),
		cmocka_unit_test_teardown(test_list_options_forms, teardown),
		cmocka_unit_test_teardown(test_allow_write_forms, teardown),
		cmocka_unit_test_teardown(test_allow_env_forms, teardown),
		cmocka_unit_test_teardown(test_env_option, teardown),
		cmocka_unit_test_teardown(test_net_options, teardown),
		cmocka_unit_test_teardown(test_switches, teardown),
		cmocka_unit_test_teardown(test_cwd_and_log, teardown),
		cmocka_unit_test_teardown(test_double_dash, teardown),
		cmocka_unit_test_teardown(test_first_positional_starts_command, teardown),
		cmocka_unit_test_teardown(test_help_version, teardown),
		cmocka_unit_test_teardown(test_profile_subcommand, teardown),
		cmocka_unit_test_teardown(test_snapshot_flags, teardown),
		cmocka_unit_test_teardown(test_snapshot_subcommand, teardown),
		cmocka_unit_test_teardown(test_unknown_options, teardown),
		cmocka_unit_test_teardown(test_missing_values, teardown),
		cmocka_unit_test_teardown(test_malformed_lists, teardown),
		cmocka_unit_test_teardown(test_env_errors, teardown),
		cmocka_unit_test_teardown(test_switch_with_value, teardown),
		cmocka_unit_test_teardown(test_errors_are_sanitized, teardown),
		cmocka_unit_test_teardown(test_usage_text, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
