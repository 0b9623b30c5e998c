/* policy: the effective sandbox policy — what the command may read, write and
 * inherit — after profiles and command-line flags are merged. Filled by
 * profile.c (profiles) and cli.c (flags), read by env.c and jail_plan.c.
 * Paths here are absolute and canonical once policy_resolve() has run. */
#ifndef GLASSBOX_POLICY_H
#define GLASSBOX_POLICY_H
#include <stdbool.h>
#include "strlist.h"

struct policy {
	/* Files. Reads: the system set is always readable; when allow_read is
	 * empty every other host path is readable too (Zerobox's default), else
	 * readable user data is limited to allow_read (and the writable paths). */
	struct strlist system_read;
	struct strlist allow_read;
	struct strlist deny_read;
	struct strlist allow_write;
	struct strlist deny_write;
	bool allow_write_all; /* bare --allow-write */

	/* Environment: the essentials (PATH HOME USER SHELL TERM LANG) are always
	 * inherited; allow_env adds names or NAME* prefixes; deny_env drops
	 * (deny wins over inheritance); env holds explicit KEY=VALUE sets, which
	 * win over everything. */
	struct strlist allow_env;
	struct strlist deny_env;
	bool allow_env_all; /* bare --allow-env */
	struct strlist env;

	/* Network, through the proxy (core/net_policy.h): rules as given
	 * ("host[:port]", "*.suffix", IP literals); deny wins; default deny.
	 * allow_net_all is bare --allow-net: every public destination. */
	struct strlist allow_net;
	struct strlist deny_net;
	bool allow_net_all;

	/* Secrets (core/secrets.h): secrets holds NAME=VALUE (the real value:
	 * never serialised, never sent into the sandbox), secret_placeholders
	 * NAME=GLASSBOX_SECRET_<hex> (what the sandbox sees), secret_hosts
	 * NAME=HOST rules (net rule syntax) where the value may be sent. */
	struct strlist secrets;
	struct strlist secret_placeholders;
	struct strlist secret_hosts;

	bool allow_all;      /* -A: all fs and public network permissions */
	bool no_sandbox;     /* run without the jail */
	bool strict_sandbox; /* fail rather than run weaker than asked */
};

#include <stddef.h>

void policy_free(struct policy *p);
/* Makes every relative path in the file lists absolute against base and checks
 * that each *allowed* path exists (deny paths may be missing). Used for paths
 * named on the command line: returns 0, or -1 with one line in err, e.g.
 * "--allow-write: /x/y: No such file or directory". */
int policy_resolve_cli_paths(struct policy *p, const char *base, char *err, size_t errlen);
/* Appends every list of src to dst (skipping items dst already holds) and ORs
 * the flags (profile merge order). env entries: a later KEY replaces the
 * earlier value in place. */
void policy_merge(struct policy *dst, const struct policy *src);

/* Helpers shared by cli.c, profile.c and env.c. */
/* Lexically normalises an absolute path: drops ".", duplicate and trailing
 * slashes, resolves ".." (never above /). Symlinks are not looked at. */
char *policy_normalize_path(const char *abs_path);
/* The path as the host resolves it: realpath when it exists, else realpath
 * of its longest existing prefix plus the rest (lexically normalised).
 * Masks are placed on this path (a deny rule spelt through a symlink hides
 * what it points to). Caller frees. */
char *policy_canonical_path(const char *abs_path, bool *exists);
/* Expands a leading "~" or "~/" to home; other paths are copied unchanged.
 * NULL when the path needs home and home is not absolute. Caller frees. */
char *policy_expand_home(const char *path, const char *home);
/* Appends each path of in made absolute against base (a leading ~ against
 * home) and lexically normalised to out. */
void policy_absolute_paths(const struct strlist *in, const char *base, const char *home,
                           struct strlist *out);
/* Index of the KEY=VALUE entry for key in env, or -1. */
int policy_env_find(const struct strlist *env, const char *key, size_t key_len);
/* Sets KEY=VALUE (entry), replacing an existing KEY in place. */
void policy_env_set(struct strlist *env, const char *entry);

#endif
