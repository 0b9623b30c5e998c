/* cli: turns argv into struct cli_options. Pure parsing: nothing is printed,
 * nothing touches the filesystem (paths are resolved later by
 * policy_resolve_cli_paths). Every problem comes back as one line in err with
 * any user text passed through sanitize_str.
 *
 * Options are looked up by exact name in one table that says how each takes
 * its value: none, required (`--flag=V` or `--flag V`), or optional-in-`=`-form
 * only (`--allow-write`, `--allow-env`: bare means "all", and the next word is
 * never consumed). The first word that is not an option, or the word after
 * `--`, starts the command; everything after it belongs to the command. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_policy.h"
#include "sanitize.h"
#include "secrets.h"
#include "util.h"

enum opt_id {
	OPT_ALLOW_READ,
	OPT_DENY_READ,
	OPT_ALLOW_WRITE,
	OPT_DENY_WRITE,
	OPT_ENV,
	OPT_ALLOW_ENV,
	OPT_DENY_ENV,
	OPT_ALLOW_NET,
	OPT_DENY_NET,
	OPT_SECRET,
	OPT_SECRET_HOST,
	OPT_PROFILE,
	OPT_ALLOW_ALL,
	OPT_NO_SANDBOX,
	OPT_STRICT_SANDBOX,
	OPT_CWD,
	OPT_DEBUG,
	OPT_TRACE,
	OPT_LOG,
	OPT_SNAPSHOT,
	OPT_RESTORE,
	OPT_SNAPSHOT_PATH,
	OPT_SNAPSHOT_EXCLUDE,
	OPT_VERSION,
	OPT_HELP,
};

enum opt_arg {
	ARG_NONE,     /* a switch; `=x` is an error */
	ARG_REQUIRED, /* `--flag=V` or `--flag V` */
	ARG_EQ_ONLY,  /* `--flag=V`, or bare for "all" */
};

struct opt_def {
	const char *long_name; /* without the leading "--", or NULL */
	char short_name;       /* 0 when none */
	enum opt_arg arg;
	enum opt_id id;
};

static const struct opt_def opt_table[] = {
	{ "allow-read", 0, ARG_REQUIRED, OPT_ALLOW_READ },
	{ "deny-read", 0, ARG_REQUIRED, OPT_DENY_READ },
	{ "allow-write", 0, ARG_EQ_ONLY, OPT_ALLOW_WRITE },
	{ "deny-write", 0, ARG_REQUIRED, OPT_DENY_WRITE },
	{ "env", 0, ARG_REQUIRED, OPT_ENV },
	{ "allow-env", 0, ARG_EQ_ONLY, OPT_ALLOW_ENV },
	{ "deny-env", 0, ARG_REQUIRED, OPT_DENY_ENV },
	{ "allow-net", 0, ARG_EQ_ONLY, OPT_ALLOW_NET },
	{ "deny-net", 0, ARG_REQUIRED, OPT_DENY_NET },
	{ "secret", 0, ARG_REQUIRED, OPT_SECRET },
	{ "secret-host", 0, ARG_REQUIRED, OPT_SECRET_HOST },
	{ "profile", 0, ARG_REQUIRED, OPT_PROFILE },
	{ "allow-all", 'A', ARG_NONE, OPT_ALLOW_ALL },
	{ "no-sandbox", 0, ARG_NONE, OPT_NO_SANDBOX },
	{ "strict-sandbox", 0, ARG_NONE, OPT_STRICT_SANDBOX },
	{ NULL, 'C', ARG_REQUIRED, OPT_CWD },
	{ "debug", 0, ARG_NONE, OPT_DEBUG },
	{ "trace", 0, ARG_NONE, OPT_TRACE },
	{ "log", 0, ARG_REQUIRED, OPT_LOG },
	{ "snapshot", 0, ARG_NONE, OPT_SNAPSHOT },
	{ "restore", 0, ARG_NONE, OPT_RESTORE },
	{ "snapshot-path", 0, ARG_REQUIRED, OPT_SNAPSHOT_PATH },
	{ "snapshot-exclude", 0, ARG_REQUIRED, OPT_SNAPSHOT_EXCLUDE },
	{ "version", 'V', ARG_NONE, OPT_VERSION },
	{ "help", 'h', ARG_NONE, OPT_HELP },
};

static const char cli_usage_text[] =
        "Usage: glassbox [OPTIONS] [--] [CMD [ARG...]]\n"
        "       glassbox profile list\n"
        "       glassbox profile show NAME\n"
        "       glassbox snapshot list | diff ID [-p] [PATH...] | restore ID [PATH...]\n"
        "       glassbox snapshot clean [--older-than DAYS]\n"
        "       glassbox report LOG.jsonl\n"
        "\n"
        "Runs CMD (default: $SHELL) in a sandbox: no writes, a clean environment\n"
        "and only what the options and profiles allow.\n"
        "\n"
        "Files:\n"
        "  --allow-read=P,...     limit readable user data to P (system files stay\n"
        "                         readable)\n"
        "  --deny-read=P,...      hide P (wins over --allow-read)\n"
        "  --allow-write[=P,...]  make P writable; bare: everywhere\n"
        "  --deny-write=P,...     never writable (wins over --allow-write)\n"
        "\n"
        "Environment (default: only PATH HOME USER SHELL TERM LANG are inherited):\n"
        "  --env KEY=VALUE        set KEY inside the sandbox (wins over --deny-env)\n"
        "  --allow-env[=K,...]    also inherit K (NAME or prefix NAME*); bare: all\n"
        "  --deny-env=K,...       drop K (NAME or NAME*; wins over --allow-env)\n"
        "\n"
        "Network (default: none; every connection goes through glassbox's proxy):\n"
        "  --allow-net[=D,...]    allow D: host, *.domain (subdomains only), IP,\n"
        "                         with optional :port; bare: every public host.\n"
        "                         Loopback and private addresses need a rule naming\n"
        "                         them (e.g. --allow-net=localhost:3000)\n"
        "  --deny-net=D,...       never allow D (wins over --allow-net)\n"
        "  --secret NAME[=VALUE]  $NAME holds a placeholder inside; the proxy puts\n"
        "                         VALUE (default: $NAME of glassbox's environment)\n"
        "                         in request headers only for the hosts of\n"
        "                         --secret-host (HTTPS to them is intercepted with a\n"
        "                         per-session CA the sandbox trusts)\n"
        "  --secret-host NAME=H,...  the hosts (net rule syntax) NAME may be sent to;\n"
        "                         required for every --secret\n"
        "\n"
        "Sandbox:\n"
        "  --profile NAME[,NAME]  named profiles, merged in order (default workspace)\n"
        "  -A, --allow-all        all filesystem (host /tmp included) and public\n"
        "                         network permissions (env rules still apply)\n"
        "  --no-sandbox           run without the sandbox\n"
        "  --strict-sandbox       fail rather than run with weaker isolation\n"
        "\n"
        "Snapshots:\n"
        "  --snapshot             record the tracked paths before the command and show\n"
        "                         what it created, modified and deleted\n"
        "  --restore              record, and roll every tracked change back when it\n"
        "                         exits (.git stays read-only meanwhile)\n"
        "  --snapshot-path=P,...  tracked paths (default: the working directory)\n"
        "  --snapshot-exclude=G,...  gitignore-style patterns left alone (besides\n"
        "                         .git .hg .svn node_modules __pycache__ .venv target\n"
        "                         build dist out and what .gitignore files exclude)\n"
        "\n"
        "Other:\n"
        "  -C DIR                 working directory of the command\n"
        "  --debug                print sandbox events to stderr\n"
        "  --log FILE             write sandbox events to FILE as JSON lines\n"
        "  --trace                also report every file read, program run and\n"
        "                         connection (denied accesses are always reported)\n"
        "  -V, --version          print the version\n"
        "  -h, --help             print this help\n"
        "\n"
        "Lists are comma separated and every option may be repeated. Paths may be\n"
        "relative or start with ~. Options end at \"--\" or at the first argument\n"
        "that is not an option.\n"
        "\n"
        "Subcommands:\n"
        "  profile list           list built-in and user profiles\n"
        "  profile show NAME      print the policy profile NAME resolves to, as JSON\n"
        "  snapshot list          recorded sessions: id, time, command, +added ~modified\n"
        "                         -deleted\n"
        "  snapshot diff ID [-p] [--checkpoint N] [--now] [PATH...]\n"
        "                         what changed from checkpoint N (default 0, the start)\n"
        "                         to the end of the session (--now: to the tree as it\n"
        "                         is now); -p adds unified diffs\n"
        "  snapshot restore ID [--checkpoint N] [PATH...]\n"
        "                         bring the tracked paths (or only PATH...) back to\n"
        "                         checkpoint N (default 0); completes an interrupted\n"
        "                         restore first\n"
        "  snapshot clean [--older-than DAYS]\n"
        "                         delete sessions (all, or older than DAYS) and the\n"
        "                         content no remaining session needs\n"
        "  report LOG.jsonl       summarise a --log file: files read, written and run,\n"
        "                         hosts contacted, denials\n"
        "\n"
        "User profiles: $XDG_CONFIG_HOME/glassbox/profiles/NAME.json\n"
        "(default ~/.config/glassbox/profiles), shadowing built-ins of the same name.\n"
        "Snapshot store: $GLASSBOX_HOME/snapshots, else\n"
        "$XDG_STATE_HOME/glassbox/snapshots (default ~/.local/state/glassbox/snapshots);\n"
        "never visible inside the sandbox.\n"
        "\n"
        "Exit status:\n"
        "  the command's own status; 128+N when it was killed by signal N;\n"
        "  2 for bad input (unknown option, malformed list, bad profile, missing path);\n"
        "  125 when the sandbox could not be set up.\n";

const char *cli_usage(void)
{
	return cli_usage_text;
}

__attribute__((format(printf, 3, 4))) static int cli_fail(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Environment variable names and NAME* patterns: no '=', '*' only last. */
static bool env_pattern_valid(const char *s)
{
	if (!*s || strchr(s, '='))
		return false;
	const char *star = strchr(s, '*');
	return !star || star[1] == '\0';
}

static int add_list(struct strlist *dst, const char *flag, const char *value, bool env_names,
                    char *err, size_t errlen)
{
	struct strlist items = { 0 };
	if (!strlist_split_append(&items, value)) {
		cleanup_free char *s = sanitize_str(value);
		return cli_fail(err, errlen, "option '%s': empty item in list '%s'", flag, s);
	}
	for (size_t i = 0; env_names && i < items.len; i++) {
		if (!env_pattern_valid(items.items[i])) {
			cleanup_free char *s = sanitize_str(items.items[i]);
			strlist_clear(&items);
			return cli_fail(
			        err, errlen,
			        "option '%s': invalid variable name '%s' (use NAME or NAME*)", flag,
			        s);
		}
	}
	strlist_extend(dst, &items);
	strlist_clear(&items);
	return 0;
}

/* Network rules are checked here so a bad one is bad input (exit 2). */
static int add_net_list(struct strlist *dst, const char *flag, const char *value, char *err,
                        size_t errlen)
{
	struct strlist items = { 0 };
	if (add_list(&items, flag, value, false, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < items.len; i++) {
		struct net_rule r;
		if (net_rule_parse(items.items[i], flag, &r, err, errlen) < 0) {
			strlist_clear(&items);
			return -1;
		}
		if (!strlist_contains(dst, items.items[i]))
			strlist_push(dst, items.items[i]);
	}
	strlist_clear(&items);
	return 0;
}

static int add_env(struct cli_options *o, const char *value, char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');
	if (!eq || eq == value) {
		cleanup_free char *s = sanitize_str(value);
		return cli_fail(err, errlen, "--env: expected KEY=VALUE, got '%s'", s);
	}
	policy_env_set(&o->flags.env, value);
	return 0;
}

/* --secret NAME=VALUE. The value is never echoed in a message. */
static int add_secret(struct cli_options *o, const char *value, char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');
	size_t nl = eq ? (size_t)(eq - value) : strlen(value);
	if (!secret_name_valid(value, nl))
		return cli_fail(err, errlen,
		                "--secret: expected NAME=VALUE or NAME with NAME a variable name "
		                "(letters, digits, _)");
	if (eq) {
		policy_env_set(&o->flags.secrets, value);
	} else {
		/* --secret NAME: the value comes from glassbox's own environment,
		 * so it is not on a command line other host users can read. */
		const char *v = getenv(value);
		if (!v || !*v)
			return cli_fail(err, errlen,
			                "--secret %s: %s is not set in glassbox's environment "
			                "(or use --secret %s=VALUE)", value, value, value);
		cleanup_free char *entry = xasprintf("%s=%s", value, v);
		policy_env_set(&o->flags.secrets, entry);
		explicit_bzero(entry, strlen(entry));
	}
	if (policy_env_find(&o->flags.secret_placeholders, value, nl) < 0) {
		cleanup_free char *ph = secret_new_placeholder();
		cleanup_free char *entry = xasprintf("%.*s=%s", (int)nl, value, ph);
		strlist_push(&o->flags.secret_placeholders, entry);
	}
	return 0;
}

/* --secret-host NAME=HOST,... (checked against --secret once all are read). */
static int add_secret_hosts(struct cli_options *o, const char *value, char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');
	size_t nl = eq ? (size_t)(eq - value) : 0;
	if (!eq || !secret_name_valid(value, nl)) {
		cleanup_free char *s = sanitize_str(value);
		return cli_fail(err, errlen,
		                "--secret-host: expected NAME=HOST[,HOST...] with NAME a variable "
		                "name, got '%s'", s);
	}
	struct strlist hosts = { 0 };
	if (add_net_list(&hosts, "--secret-host", eq + 1, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < hosts.len; i++) {
		cleanup_free char *entry = xasprintf("%.*s=%s", (int)nl, value, hosts.items[i]);
		if (!strlist_contains(&o->flags.secret_hosts, entry))
			strlist_push(&o->flags.secret_hosts, entry);
	}
	strlist_clear(&hosts);
	return 0;
}

static void set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
}

/* Applies one option. value is NULL for a bare flag. name is how the user
 * spelled the option ("--allow-read", "-C"), for messages. */
static int apply_option(struct cli_options *o, const struct opt_def *def, const char *name,
                        const char *value, char *err, size_t errlen)
{
	struct policy *p = &o->flags;
	if (def->arg != ARG_NONE && value && !*value) {
		if (def->arg == ARG_EQ_ONLY)
			return cli_fail(err, errlen,
			                "option '%s=' needs a value (bare %s means all)", name,
			                name);
		return cli_fail(err, errlen, "option '%s' needs a value", name);
	}
	switch (def->id) {
	case OPT_ALLOW_READ:
		return add_list(&p->allow_read, name, value, false, err, errlen);
	case OPT_DENY_READ:
		return add_list(&p->deny_read, name, value, false, err, errlen);
	case OPT_ALLOW_WRITE:
		if (!value) {
			p->allow_write_all = true;
			return 0;
		}
		return add_list(&p->allow_write, name, value, false, err, errlen);
	case OPT_DENY_WRITE:
		return add_list(&p->deny_write, name, value, false, err, errlen);
	case OPT_ENV:
		return add_env(o, value, err, errlen);
	case OPT_ALLOW_ENV:
		if (!value) {
			p->allow_env_all = true;
			return 0;
		}
		return add_list(&p->allow_env, name, value, true, err, errlen);
	case OPT_DENY_ENV:
		return add_list(&p->deny_env, name, value, true, err, errlen);
	case OPT_ALLOW_NET:
		if (!value) {
			p->allow_net_all = true;
			return 0;
		}
		return add_net_list(&p->allow_net, name, value, err, errlen);
	case OPT_DENY_NET:
		return add_net_list(&p->deny_net, name, value, err, errlen);
	case OPT_SECRET:
		return add_secret(o, value, err, errlen);
	case OPT_SECRET_HOST:
		return add_secret_hosts(o, value, err, errlen);
	case OPT_PROFILE:
		return add_list(&o->profiles, name, value, false, err, errlen);
	case OPT_ALLOW_ALL:
		p->allow_all = true;
		return 0;
	case OPT_NO_SANDBOX:
		p->no_sandbox = true;
		return 0;
	case OPT_STRICT_SANDBOX:
		p->strict_sandbox = true;
		return 0;
	case OPT_CWD:
		set_string(&o->cwd, value);
		return 0;
	case OPT_DEBUG:
		o->debug = true;
		return 0;
	case OPT_TRACE:
		o->trace = true;
		return 0;
	case OPT_LOG:
		set_string(&o->log_path, value);
		return 0;
	case OPT_SNAPSHOT:
		o->snapshot = true;
		return 0;
	case OPT_RESTORE:
		o->snapshot = o->restore = true;
		return 0;
	case OPT_SNAPSHOT_PATH:
		return add_list(&o->snapshot_paths, name, value, false, err, errlen);
	case OPT_SNAPSHOT_EXCLUDE:
		return add_list(&o->snapshot_excludes, name, value, false, err, errlen);
	case OPT_VERSION:
		o->action = CLI_VERSION;
		return 0;
	case OPT_HELP:
		o->action = CLI_HELP;
		return 0;
	}
	return cli_fail(err, errlen, "internal error: unhandled option '%s'", name);
}

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof opt_table / sizeof opt_table[0]; i++) {
		const char *n = opt_table[i].long_name;
		if (n && strlen(n) == len && memcmp(n, name, len) == 0)
			return &opt_table[i];
	}
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < sizeof opt_table / sizeof opt_table[0]; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

static int unknown_option(const char *arg, size_t len, char *err, size_t errlen)
{
	cleanup_free char *s = sanitize_text(arg, len);
	return cli_fail(err, errlen, "unknown option '%s' (see glassbox --help)", s);
}

/* Parses the option at argv[*i] (which starts with '-' and is not "-" or
 * "--"), advancing *i past any separate value word. */
static int parse_option(struct cli_options *o, int argc, char **argv, int *i, char *err,
                        size_t errlen)
{
	const char *arg = argv[*i];
	const struct opt_def *def;
	char name[64];
	const char *value = NULL;
	bool inline_value = false;

	if (arg[1] == '-') {
		const char *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		def = find_long(arg + 2, len - 2);
		if (!def)
			return unknown_option(arg, len, err, errlen);
		snprintf(name, sizeof name, "--%s", def->long_name);
		if (eq) {
			value = eq + 1;
			inline_value = true;
		}
	} else {
		def = find_short(arg[1]);
		if (!def)
			return unknown_option(arg, strlen(arg), err, errlen);
		snprintf(name, sizeof name, "-%c", def->short_name);
		if (arg[2] == '=') {
			value = arg + 3;
			inline_value = true;
		} else if (arg[2] != '\0') {
			if (def->arg != ARG_REQUIRED)
				return unknown_option(arg, strlen(arg), err, errlen);
			value = arg + 2; /* -CDIR */
			inline_value = true;
		}
	}

	if (def->arg == ARG_NONE && inline_value)
		return cli_fail(err, errlen, "option '%s' takes no value", name);
	if (def->arg == ARG_REQUIRED && !inline_value) {
		/* A following option word is a forgotten value, not the value. */
		if (*i + 1 >= argc || (argv[*i + 1][0] == '-' && argv[*i + 1][1] != '\0'))
			return cli_fail(err, errlen, "option '%s' needs a value", name);
		value = argv[++*i];
	}
	return apply_option(o, def, name, value, err, errlen);
}

static int parse_profile_command(int argc, char **argv, struct cli_options *o, char *err,
                                 size_t errlen)
{
	if (argc == 3 && strcmp(argv[2], "list") == 0) {
		o->action = CLI_PROFILE_LIST;
		return 0;
	}
	if (argc == 4 && strcmp(argv[2], "show") == 0 && argv[3][0] != '\0') {
		o->action = CLI_PROFILE_SHOW;
		o->profile_show = xstrdup(argv[3]);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[2], "show") == 0)
		return cli_fail(err, errlen, "usage: glassbox profile show NAME");
	if (argc >= 3 && strcmp(argv[2], "list") != 0) {
		cleanup_free char *s = sanitize_str(argv[2]);
		return cli_fail(
		        err, errlen,
		        "unknown profile command '%s' (use: profile list | profile show NAME)", s);
	}
	return cli_fail(err, errlen, "usage: glassbox profile list | glassbox profile show NAME");
}

/* Session ids name directories in the snapshot store. */
static int check_snap_id(const char *id, char *err, size_t errlen)
{
	bool bad = !*id || strchr(id, '/') || strstr(id, "..") || strlen(id) > 64;
	for (const char *p = id; *p && !bad; p++)
		bad = (unsigned char)*p < 0x20 || *p == 0x7f;
	if (!bad)
		return 0;
	cleanup_free char *s = sanitize_str(id);
	return cli_fail(err, errlen,
	                "invalid snapshot id '%s' (ids are shown by glassbox snapshot list)", s);
}

static int parse_count(const char *flag, const char *v, unsigned long *out, char *err,
                       size_t errlen)
{
	char *end = NULL;
	errno = 0;
	unsigned long n = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
	if (!v || !end || *end || errno) {
		cleanup_free char *s = sanitize_str(v ? v : "");
		return cli_fail(err, errlen, "option '%s' needs a number, got '%s'", flag, s);
	}
	*out = n;
	return 0;
}

/* `snapshot diff|restore ID [options] [PATH...]`, `snapshot list`,
 * `snapshot clean [--older-than DAYS]`. Options may come anywhere after
 * the subcommand; "--" ends them. */
static int parse_snapshot_command(int argc, char **argv, struct cli_options *o, char *err,
                                  size_t errlen)
{
	static const char usage[] =
	        "usage: glassbox snapshot list | diff ID [-p] [--checkpoint N] [--now] [PATH...] "
	        "| restore ID [--checkpoint N] [PATH...] | clean [--older-than DAYS]";
	if (argc < 3)
		return cli_fail(err, errlen, "%s", usage);
	const char *cmd = argv[2];
	bool diff = strcmp(cmd, "diff") == 0, restore = strcmp(cmd, "restore") == 0;
	bool list = strcmp(cmd, "list") == 0, clean = strcmp(cmd, "clean") == 0;
	if (!diff && !restore && !list && !clean) {
		cleanup_free char *s = sanitize_str(cmd);
		return cli_fail(err, errlen,
		                "unknown snapshot command '%s' (use: list, diff, restore, clean)", s);
	}
	o->action = list ? CLI_SNAPSHOT_LIST
	            : diff ? CLI_SNAPSHOT_DIFF
	            : restore ? CLI_SNAPSHOT_RESTORE
	                      : CLI_SNAPSHOT_CLEAN;
	o->snap_older_than = -1;
	bool opts_done = false;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			const char *v = eq ? eq + 1 : NULL;
			if (strcmp(a, "--") == 0) {
				opts_done = true;
			} else if (diff && strcmp(a, "-p") == 0) {
				o->snap_patch = true;
			} else if (diff && strcmp(a, "--now") == 0) {
				o->snap_now = true;
			} else if ((diff || restore) && nlen == 12 &&
			           strncmp(a, "--checkpoint", 12) == 0) {
				if (!v && i + 1 < argc)
					v = argv[++i];
				if (parse_count("--checkpoint", v, &o->snap_checkpoint, err, errlen) < 0)
					return -1;
				o->snap_checkpoint_set = true;
			} else if (clean && nlen == 12 && strncmp(a, "--older-than", 12) == 0) {
				if (!v && i + 1 < argc)
					v = argv[++i];
				unsigned long days;
				if (parse_count("--older-than", v, &days, err, errlen) < 0)
					return -1;
				o->snap_older_than = (double)days;
			} else {
				cleanup_free char *s = sanitize_str(a);
				return cli_fail(err, errlen, "snapshot %s: unknown option '%s'", cmd, s);
			}
			continue;
		}
		if ((diff || restore) && !o->snap_id) {
			if (check_snap_id(a, err, errlen) < 0)
				return -1;
			o->snap_id = xstrdup(a);
		} else if (diff || restore) {
			if (!*a)
				return cli_fail(err, errlen, "snapshot %s: empty path", cmd);
			strlist_push(&o->snap_paths, a);
		} else {
			cleanup_free char *s = sanitize_str(a);
			return cli_fail(err, errlen, "snapshot %s: unexpected argument '%s'", cmd, s);
		}
	}
	if ((diff || restore) && !o->snap_id)
		return cli_fail(err, errlen, "usage: glassbox snapshot %s ID%s", cmd,
		                diff ? " [-p] [--checkpoint N] [--now] [PATH...]"
		                     : " [--checkpoint N] [PATH...]");
	return 0;
}

static int parse_args(int argc, char **argv, struct cli_options *o, char *err, size_t errlen)
{
	if (argc >= 2 && strcmp(argv[1], "profile") == 0)
		return parse_profile_command(argc, argv, o, err, errlen);
	if (argc >= 2 && strcmp(argv[1], "snapshot") == 0)
		return parse_snapshot_command(argc, argv, o, err, errlen);
	if (argc >= 2 && strcmp(argv[1], "report") == 0) {
		if (argc != 3 || argv[2][0] == '\0')
			return cli_fail(err, errlen, "usage: glassbox report LOG.jsonl");
		o->action = CLI_REPORT;
		set_string(&o->report_path, argv[2]);
		return 0;
	}

	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (parse_option(o, argc, argv, &i, err, errlen) < 0)
			return -1;
		if (o->action == CLI_HELP || o->action == CLI_VERSION)
			return 0;
	}
	for (; i < argc; i++)
		strlist_push(&o->command, argv[i]);
	/* Every secret names its hosts and every host list names a secret. */
	struct secrets sec;
	if (secrets_load(&o->flags, &sec, err, errlen) < 0)
		return -1;
	secrets_free(&sec);
	if (o->flags.secrets.len && o->flags.no_sandbox)
		return cli_fail(err, errlen,
		                "--secret needs the sandbox's proxy: it cannot be combined with "
		                "--no-sandbox");
	return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->action = CLI_RUN;
	if (errlen)
		err[0] = '\0';
	if (parse_args(argc, argv, out, err, errlen) < 0) {
		cli_options_free(out);
		return -1;
	}
	return 0;
}

void cli_options_free(struct cli_options *o)
{
	policy_free(&o->flags);
	strlist_clear(&o->profiles);
	strlist_clear(&o->command);
	free(o->profile_show);
	free(o->cwd);
	free(o->log_path);
	free(o->report_path);
	strlist_clear(&o->snapshot_paths);
	strlist_clear(&o->snapshot_excludes);
	strlist_clear(&o->snap_paths);
	free(o->snap_id);
	memset(o, 0, sizeof *o);
}
