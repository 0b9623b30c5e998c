/* Unit tests for core/profile.c: each built-in with a fake HOME/CWD, `use`
 * composition and cycles, user profiles shadowing built-ins, templates,
 * every validation error, the JSON rendering and the profile table. User
 * profiles are written into a fresh mkdtemp directory per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "profile.h"

/* Entries of the built-in system-read profile (profiles/system-read.json). */
#define SYSTEM_READ_LEN 16

static char dir[256];
static struct profile_env pe;
static struct policy pol;
static char err[512];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/glassbox-test-profile-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	pe.home = "/home/tester";
	pe.cwd = "/work/proj";
	pe.tmpdir = "/var/tmp/t";
	pe.user_dir = dir;
	memset(&pol, 0, sizeof pol);
	err[0] = '\0';
	return 0;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char sub[1024];
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int teardown(void **state)
{
	(void)state;
	policy_free(&pol);
	rm_tree(dir);
	return 0;
}

/* Writes the user profile dir/NAME.json. */
static void write_profile(const char *name, const char *json)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.json", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
}

static void remove_profile(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.json", dir, name);
	assert_int_equal(unlink(path), 0);
}

static int load(const char *name)
{
	policy_free(&pol);
	err[0] = '\0';
	return profile_load(name, &pe, &pol, err, sizeof err);
}

static void expect_load_error(const char *name, const char *want)
{
	assert_int_equal(load(name), -1);
	assert_string_equal(err, want);
}

static void assert_list(const struct strlist *l, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	if (l->len != n)
		for (size_t i = 0; i < l->len; i++)
			print_message("  got %s\n", l->items[i]);
	assert_int_equal(l->len, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->items[i], want[i]);
}
#define ASSERT_LIST(l, ...) assert_list((l), (const char *const[]){ __VA_ARGS__, NULL })

static void test_every_builtin_loads(void **state)
{
	(void)state;
	int n = 0;
	for (const struct profile_builtin *b = profile_builtins; b->name; b++, n++) {
		if (load(b->name) != 0)
			fail_msg("built-in %s: %s", b->name, err);
		cJSON *j = cJSON_Parse(b->json);
		assert_non_null(j);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "description");
		if (!cJSON_IsString(d) || !*d->valuestring)
			fail_msg("built-in %s has no description", b->name);
		cJSON_Delete(j);
	}
	assert_true(n >= 4);
}

static void test_builtin_system_read(void **state)
{
	(void)state;
	assert_int_equal(load("system-read"), 0);
	ASSERT_LIST(&pol.system_read, "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
	            "/libx32", "/etc", "/opt", "/sys", "/var/lib", "/var/cache", "/var/local",
	            "/var/opt", "/var/run", "/var/lock");
	assert_int_equal(pol.deny_read.len, 0);
	assert_int_equal(pol.allow_write.len, 0);
}

static void test_builtin_deny_credentials(void **state)
{
	(void)state;
	assert_int_equal(load("deny-credentials"), 0);
	static const char *const want[] = {
		"/home/tester/.ssh",
		"/home/tester/.aws",
		"/home/tester/.gnupg",
		"/home/tester/.kube",
		"/home/tester/.azure",
		"/home/tester/.config/gcloud",
		"/home/tester/.docker",
		"/home/tester/.netrc",
		"/home/tester/.git-credentials",
		"/home/tester/.config/gh",
		"/home/tester/.npmrc",
		"/home/tester/.pypirc",
		"/home/tester/.pgpass",
		"/home/tester/.password-store",
		"/home/tester/.local/share/keyrings",
		"/home/tester/.vault-token",
		"/home/tester/.bash_history",
		"/home/tester/.zsh_history",
		"/home/tester/.history",
		"/home/tester/.python_history",
		"/home/tester/.node_repl_history",
		"/home/tester/.psql_history",
		"/home/tester/.mysql_history",
		"/home/tester/.sqlite_history",
		"/home/tester/.lesshst",
		"/home/tester/.local/share/fish/fish_history",
		"/etc/shadow",
		"/etc/gshadow",
		"/etc/sudoers",
		"/etc/ssh",
		NULL,
	};
	assert_list(&pol.deny_read, want);
	assert_int_equal(pol.system_read.len, 0);
	assert_int_equal(pol.allow_read.len, 0);
}

static void test_builtin_default_and_workspace(void **state)
{
	(void)state;
	assert_int_equal(load("default"), 0);
	assert_int_equal(pol.system_read.len, SYSTEM_READ_LEN);
	assert_string_equal(pol.system_read.items[0], "/usr");
	assert_true(strlist_contains(&pol.deny_read, "/home/tester/.ssh"));
	assert_true(strlist_contains(&pol.deny_read, "/etc/shadow"));
	assert_int_equal(pol.allow_read.len, 0);
	assert_int_equal(pol.allow_write.len, 0);
	assert_false(pol.allow_write_all);
	assert_false(pol.allow_env_all);

	assert_int_equal(load("workspace"), 0);
	ASSERT_LIST(&pol.allow_write, "/work/proj");
	assert_int_equal(pol.system_read.len, SYSTEM_READ_LEN);
	assert_int_equal(pol.deny_read.len, 30);
	assert_false(pol.allow_write_all);

	pe.cwd = "/other/dir/";
	assert_int_equal(load("workspace"), 0);
	ASSERT_LIST(&pol.allow_write, "/other/dir");
}

static void test_load_merges_into_out(void **state)
{
	(void)state;
	strlist_push(&pol.allow_write, "/earlier");
	assert_int_equal(profile_load("workspace", &pe, &pol, err, sizeof err), 0);
	ASSERT_LIST(&pol.allow_write, "/earlier", "/work/proj");
}

static void test_use_order(void **state)
{
	(void)state;
	write_profile("a", "{\"use\": [\"b\", \"c\"], \"allow_read\": [\"/a\"],"
	                   " \"env\": {\"K\": \"a\", \"A\": \"1\"}}");
	write_profile("b", "{\"allow_read\": [\"/b\"], \"env\": {\"K\": \"b\", \"B\": \"1\"}}");
	write_profile("c", "{\"use\": \"d\", \"allow_read\": [\"/c\"], \"env\": {\"K\": \"c\"}}");
	write_profile("d", "{\"allow_read\": [\"/d\"], \"deny_env\": [\"X*\"]}");
	assert_int_equal(load("a"), 0);
	ASSERT_LIST(&pol.allow_read, "/b", "/d", "/c", "/a");
	/* env objects: later keys win (own fields after uses) */
	ASSERT_LIST(&pol.env, "K=a", "B=1", "A=1");
	ASSERT_LIST(&pol.deny_env, "X*");
}

static void test_cycles(void **state)
{
	(void)state;
	write_profile("a", "{\"use\": [\"b\"]}");
	write_profile("b", "{\"use\": [\"a\"]}");
	expect_load_error("a", "profile 'a': cycle a -> b -> a");
	expect_load_error("b", "profile 'b': cycle b -> a -> b");

	write_profile("x", "{\"use\": [\"y\"]}");
	write_profile("y", "{\"use\": [\"z\"]}");
	write_profile("z", "{\"use\": [\"y\"]}");
	expect_load_error("x", "profile 'y': cycle y -> z -> y");

	write_profile("self", "{\"use\": \"self\"}");
	expect_load_error("self", "profile 'self': cycle self -> self");
}

static void test_diamond_is_not_a_cycle(void **state)
{
	(void)state;
	write_profile("top", "{\"use\": [\"l\", \"r\"]}");
	write_profile("l", "{\"use\": [\"base\"]}");
	write_profile("r", "{\"use\": [\"base\"]}");
	write_profile("base", "{\"deny_write\": [\"/base\"]}");
	assert_int_equal(load("top"), 0);
	ASSERT_LIST(&pol.deny_write, "/base");
}

static void test_user_shadows_builtin(void **state)
{
	(void)state;
	/* own name inside a shadowing user profile means the built-in */
	write_profile("workspace", "{\"use\": [\"workspace\"], \"allow_write\": [\"$HOME/out\"]}");
	assert_int_equal(load("workspace"), 0);
	ASSERT_LIST(&pol.allow_write, "/work/proj", "/home/tester/out");
	assert_int_equal(pol.system_read.len, SYSTEM_READ_LEN);

	/* a user default shadows the built-in everywhere, also inside workspace */
	write_profile("default", "{\"system_read\": [\"/custom\"]}");
	assert_int_equal(load("default"), 0);
	ASSERT_LIST(&pol.system_read, "/custom");
	assert_int_equal(pol.deny_read.len, 0);
	remove_profile("workspace");
	assert_int_equal(load("workspace"), 0);
	ASSERT_LIST(&pol.system_read, "/custom");
	ASSERT_LIST(&pol.allow_write, "/work/proj");

	/* the built-in is still reachable from a user default that uses itself */
	write_profile("default", "{\"use\": \"default\", \"deny_read\": [\"~/x\"]}");
	assert_int_equal(load("default"), 0);
	assert_int_equal(pol.system_read.len, SYSTEM_READ_LEN);
	assert_string_equal(pol.deny_read.items[pol.deny_read.len - 1], "/home/tester/x");

	/* user default -> workspace -> (user) default is a cycle */
	write_profile("default", "{\"use\": [\"workspace\"]}");
	expect_load_error("default", "profile 'default': cycle default -> workspace -> default");
}

static void test_file_paths(void **state)
{
	(void)state;
	char path[600], sub[600];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof path, "%s/sub/p.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"use\": [\"q.json\", \"system-read\"], \"deny_write\": [\"/p\"]}", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/sub/q.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"deny_write\": [\"/q\"]}", f);
	fclose(f);

	snprintf(path, sizeof path, "%s/sub/p.json", dir);
	assert_int_equal(load(path), 0);
	ASSERT_LIST(&pol.deny_write, "/q", "/p");
	assert_int_equal(pol.system_read.len, SYSTEM_READ_LEN);

	snprintf(path, sizeof path, "%s/sub/none.json", dir);
	assert_int_equal(load(path), -1);
	assert_non_null(strstr(err, "none.json"));
	assert_non_null(strstr(err, "No such file or directory"));
}

static void test_unknown_profile(void **state)
{
	(void)state;
	expect_load_error("nope", "unknown profile 'nope' (see glassbox profile list)");
	pe.user_dir = NULL;
	expect_load_error("nope", "unknown profile 'nope' (see glassbox profile list)");
	write_profile("uses-nope", "{\"use\": [\"nope\"]}");
	pe.user_dir = dir;
	expect_load_error("uses-nope", "unknown profile 'nope' (see glassbox profile list)");
}

static void test_unknown_field_and_types(void **state)
{
	(void)state;
	write_profile("x", "{\"alow_write\": [\"/a\"]}");
	expect_load_error("x", "profile 'x': unknown field 'alow_write'");
	write_profile("x", "{\"allow_write\": \"yes\"}");
	expect_load_error("x", "profile 'x': field 'allow_write' must be a list of paths or true");
	write_profile("x", "{\"deny_read\": \"/a\"}");
	expect_load_error("x", "profile 'x': field 'deny_read' must be a list of paths");
	write_profile("x", "{\"deny_read\": [\"/a\", 3]}");
	expect_load_error("x", "profile 'x': field 'deny_read' must be a list of paths");
	write_profile("x", "{\"system_read\": [\"\"]}");
	expect_load_error("x", "profile 'x': field 'system_read': empty string in list");
	write_profile("x", "{\"allow_env\": 1}");
	expect_load_error("x", "profile 'x': field 'allow_env' must be a list of names or true");
	write_profile("x", "{\"deny_env\": [\"A=B\"]}");
	expect_load_error(
	        "x",
	        "profile 'x': field 'deny_env': invalid variable name 'A=B' (use NAME or NAME*)");
	write_profile("x", "{\"env\": {\"A\": 1}}");
	expect_load_error("x", "profile 'x': field 'env': value of 'A' must be a string");
	write_profile("x", "{\"env\": [\"A=1\"]}");
	expect_load_error("x", "profile 'x': field 'env' must be an object of strings");
	write_profile("x", "{\"use\": 5}");
	expect_load_error("x", "profile 'x': field 'use' must be a name or a list of names");
	write_profile("x", "{\"use\": [\"\"]}");
	expect_load_error("x", "profile 'x': field 'use': empty string in list");
	write_profile("x", "{\"description\": false}");
	expect_load_error("x", "profile 'x': field 'description' must be a string");
	write_profile("x", "[1, 2]");
	expect_load_error("x", "profile 'x': expected a JSON object");
	write_profile("x", "{\"deny_write\": [\"/a\"], \"deny_write\": [\"/b\"]}");
	expect_load_error("x", "profile 'x': field 'deny_write' appears twice");
	write_profile("x", "{\"allow_read\": [\"relative/path\"]}");
	expect_load_error("x",
	                  "profile 'x': field 'allow_read': path 'relative/path' is not absolute");
	write_profile("x", "{\"allow_read\": [\"~other/x\"]}");
	expect_load_error("x", "profile 'x': field 'allow_read': path '~other/x' is not absolute");
	write_profile("x", "{\"weird\x1b[2J\": 1}");
	assert_int_equal(load("x"), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "profile 'x': unknown field 'weird"));
}

static void test_invalid_json(void **state)
{
	(void)state;
	write_profile("bad", "{\n  \"allow_read\": [\n    \"/a\",\n  ]\n}\n");
	char want[700];
	snprintf(want, sizeof want, "profile 'bad' (%s/bad.json): invalid JSON near line 4", dir);
	expect_load_error("bad", want);
	write_profile("bad", "");
	snprintf(want, sizeof want, "profile 'bad' (%s/bad.json): invalid JSON near line 1", dir);
	expect_load_error("bad", want);
	write_profile("bad", "{}\n\ngarbage");
	snprintf(want, sizeof want, "profile 'bad' (%s/bad.json): invalid JSON near line 3", dir);
	expect_load_error("bad", want);
}

static void test_templates(void **state)
{
	(void)state;
	write_profile("t", "{\"deny_write\": [\"$HOME/a\", \"${HOME}/b\", \"$CWD\", \"${CWD}/c/\","
	                   " \"$TMPDIR/d\", \"${TMPDIR}\", \"~\", \"~/e\", \"$CWD/../f\","
	                   " \"/x/$HOME\", \"/g_$CWD\"]}");
	assert_int_equal(load("t"), 0);
	ASSERT_LIST(&pol.deny_write, "/home/tester/a", "/home/tester/b", "/work/proj",
	            "/work/proj/c", "/var/tmp/t/d", "/var/tmp/t", "/home/tester", "/home/tester/e",
	            "/work/f", "/x/home/tester", "/g_/work/proj");

	pe.tmpdir = NULL;
	write_profile("t", "{\"deny_write\": [\"$TMPDIR/d\"]}");
	assert_int_equal(load("t"), 0);
	ASSERT_LIST(&pol.deny_write, "/tmp/d");
}

static void test_template_errors(void **state)
{
	(void)state;
	write_profile("t", "{\"allow_read\": [\"$FOO/x\"]}");
	expect_load_error(
	        "t",
	        "profile 't': field 'allow_read': unknown variable '$FOO' (known: $HOME, $CWD, $TMPDIR)");
	write_profile("t", "{\"allow_read\": [\"${USER}\"]}");
	expect_load_error(
	        "t",
	        "profile 't': field 'allow_read': unknown variable '$USER' (known: $HOME, $CWD, $TMPDIR)");
	write_profile("t", "{\"allow_read\": [\"$HOMEDIR\"]}");
	expect_load_error(
	        "t",
	        "profile 't': field 'allow_read': unknown variable '$HOMEDIR' (known: $HOME, $CWD, $TMPDIR)");
	write_profile("t", "{\"deny_read\": [\"/a/${HOME\"]}");
	expect_load_error(
	        "t",
	        "profile 't': field 'deny_read': bad '$' in '/a/${HOME' (use $HOME, $CWD or $TMPDIR)");
	write_profile("t", "{\"deny_read\": [\"/a$\"]}");
	expect_load_error(
	        "t",
	        "profile 't': field 'deny_read': bad '$' in '/a$' (use $HOME, $CWD or $TMPDIR)");
	pe.cwd = NULL;
	expect_load_error("workspace", "profile 'workspace': field 'allow_write': $CWD is not set");
	pe.home = NULL;
	expect_load_error(
	        "deny-credentials",
	        "profile 'deny-credentials': field 'deny_read': ~ used but $HOME is not set");
}

static void test_bool_fields_and_env(void **state)
{
	(void)state;
	write_profile("open", "{\"allow_write\": true, \"allow_env\": true,"
	                      " \"env\": {\"NODE_ENV\": \"production\", \"E\": \"\"}}");
	assert_int_equal(load("open"), 0);
	assert_true(pol.allow_write_all);
	assert_true(pol.allow_env_all);
	ASSERT_LIST(&pol.env, "NODE_ENV=production", "E=");

	write_profile("names",
	              "{\"allow_env\": [\"PATH\", \"NODE_*\"], \"allow_write\": [\"/w\"]}");
	assert_int_equal(load("names"), 0);
	assert_false(pol.allow_env_all);
	assert_false(pol.allow_write_all);
	ASSERT_LIST(&pol.allow_env, "PATH", "NODE_*");
	ASSERT_LIST(&pol.allow_write, "/w");
}

static void test_net_fields(void **state)
{
	(void)state;
	write_profile("net", "{\"allow_net\": [\"Example.com\", \"*.corp.example:443\"],"
	                     " \"deny_net\": [\"10.0.0.1\"]}");
	assert_int_equal(load("net"), 0);
	assert_false(pol.allow_net_all);
	ASSERT_LIST(&pol.allow_net, "Example.com", "*.corp.example:443");
	ASSERT_LIST(&pol.deny_net, "10.0.0.1");
	char *s = profile_policy_to_json(&pol);
	cJSON *j = cJSON_Parse(s);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "allow_net")), 2);
	cJSON_Delete(j);
	free(s);
	write_profile("anynet", "{\"allow_net\": true}");
	assert_int_equal(load("anynet"), 0);
	assert_true(pol.allow_net_all);
	s = profile_policy_to_json(&pol);
	j = cJSON_Parse(s);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "allow_net")));
	cJSON_Delete(j);
	free(s);
	write_profile("badnet", "{\"allow_net\": [\"http://x/\"]}");
	expect_load_error("badnet", "profile 'badnet': field 'allow_net': --allow-net: 'http://x/' "
	                            "is not a host (use a name, *.domain or an IP, optionally "
	                            "with :port)");
	write_profile("badnet2", "{\"deny_net\": true}");
	expect_load_error("badnet2", "profile 'badnet2': field 'deny_net' must be a list of hosts");
	write_profile("badnet3", "{\"allow_net\": \"x\"}");
	expect_load_error("badnet3",
	                  "profile 'badnet3': field 'allow_net' must be a list of hosts or true");
}

static void test_policy_to_json(void **state)
{
	(void)state;
	assert_int_equal(load("workspace"), 0);
	strlist_push(&pol.env, "A=b=c");
	char *s = profile_policy_to_json(&pol);
	cJSON *j = cJSON_Parse(s);
	assert_non_null(j);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "use"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "description"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "allow_all"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "no_sandbox"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "strict_sandbox"));
	const cJSON *aw = cJSON_GetObjectItemCaseSensitive(j, "allow_write");
	assert_true(cJSON_IsArray(aw));
	assert_int_equal(cJSON_GetArraySize(aw), 1);
	assert_string_equal(cJSON_GetArrayItem(aw, 0)->valuestring, "/work/proj");
	const cJSON *sr = cJSON_GetObjectItemCaseSensitive(j, "system_read");
	assert_int_equal(cJSON_GetArraySize(sr), SYSTEM_READ_LEN);
	const cJSON *dr = cJSON_GetObjectItemCaseSensitive(j, "deny_read");
	assert_int_equal(cJSON_GetArraySize(dr), 30);
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(j, "env");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "A")->valuestring, "b=c");
	/* pretty: one field and one list item per line, two-space indents */
	assert_int_equal(strncmp(s, "{\n  \"system_read\": [\n    \"/usr\",\n", 33), 0);
	assert_non_null(strstr(s, "\n  \"allow_write\": [\n    \"/work/proj\"\n  ],\n"));
	assert_non_null(strstr(s, "\n  \"allow_read\": [],\n"));
	assert_non_null(strstr(s, "\n  \"env\": {\n    \"A\": \"b=c\"\n  },\n"));
	assert_non_null(strstr(s, "\n  \"allow_net\": [],\n  \"deny_net\": []\n}\n"));
	cJSON_Delete(j);
	free(s);

	pol.allow_write_all = true;
	pol.allow_env_all = true;
	pol.strict_sandbox = true;
	s = profile_policy_to_json(&pol);
	j = cJSON_Parse(s);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "allow_write")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "allow_env")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "strict_sandbox")));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "no_sandbox"));
	cJSON_Delete(j);
	free(s);
}

static char *list_output(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	int r = profile_list(&pe, f, err, sizeof err);
	fclose(f);
	assert_int_equal(r, 0);
	/* a heap copy: gcc -O3 otherwise takes the result for a pointer into
	 * the local that open_memstream was given */
	char *copy = strdup(buf);
	free(buf);
	return copy;
}

static int count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;
	size_t plen = strlen(prefix);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, prefix, plen) == 0)
			n++;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

static void test_profile_list(void **state)
{
	(void)state;
	pe.user_dir = "/nonexistent/glassbox/profiles";
	char *out = list_output();
	assert_int_equal(strncmp(out, "NAME ", 5), 0);
	assert_non_null(strstr(out, "SOURCE"));
	assert_non_null(strstr(out, "DESCRIPTION"));
	assert_int_equal(count_lines_starting(out, "workspace "), 1);
	assert_int_equal(count_lines_starting(out, "default "), 1);
	assert_non_null(strstr(out, "builtin"));
	free(out);

	pe.user_dir = dir;
	write_profile("default", "{\"description\": \"my default\"}");
	write_profile("mine", "{\"description\": \"mine \x1b[31mred\"}");
	write_profile("ev\x1b]0;x\x07il", "{}");
	write_profile("broken", "{");
	out = list_output();
	assert_int_equal(count_lines_starting(out, "default "), 1);
	char want[600];
	snprintf(want, sizeof want, "%s/default.json", dir);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "my default"));
	assert_int_equal(count_lines_starting(out, "mine "), 1);
	assert_int_equal(count_lines_starting(out, "broken "), 1);
	assert_non_null(strstr(out, "(invalid JSON)"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	/* sorted by name: broken < default < mine < workspace */
	const char *b = strstr(out, "\nbroken "), *d = strstr(out, "\ndefault ");
	const char *m = strstr(out, "\nmine "), *w = strstr(out, "\nworkspace ");
	assert_non_null(b);
	assert_true(b < d && d < m && m < w);
	free(out);
}

static void test_env_from_process(void **state)
{
	(void)state;
	struct profile_env e;
	setenv("HOME", "/home/p", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	unsetenv("TMPDIR");
	profile_env_from_process(&e, "/c");
	assert_string_equal(e.home, "/home/p");
	assert_string_equal(e.cwd, "/c");
	assert_string_equal(e.tmpdir, "/tmp");
	assert_string_equal(e.user_dir, "/xdg/glassbox/profiles");
	unsetenv("XDG_CONFIG_HOME");
	setenv("TMPDIR", "/t", 1);
	profile_env_from_process(&e, "/c");
	assert_string_equal(e.user_dir, "/home/p/.config/glassbox/profiles");
	assert_string_equal(e.tmpdir, "/t");
	/* a relative XDG_CONFIG_HOME is ignored, as the spec says */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	profile_env_from_process(&e, "/c");
	assert_string_equal(e.user_dir, "/home/p/.config/glassbox/profiles");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_builtin_loads),
		T(test_builtin_system_read),
		T(test_builtin_deny_credentials),
		T(test_builtin_default_and_workspace),
		T(test_load_merges_into_out),
		T(test_use_order),
		T(test_cycles),
		T(test_diamond_is_not_a_cycle),
		T(test_user_shadows_builtin),
		T(test_file_paths),
		T(test_unknown_profile),
		T(test_unknown_field_and_types),
		T(test_invalid_json),
		T(test_templates),
		T(test_template_errors),
		T(test_bool_fields_and_env),
		T(test_policy_to_json),
		T(test_net_fields),
		T(test_profile_list),
		T(test_env_from_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
