/* profile: named JSON policy fragments. Built-ins are compiled in from
 * profiles/NAME.json; files in $XDG_CONFIG_HOME/glassbox/profiles/NAME.json
 * shadow them. A profile may `use` others (composition, cycle-checked); lists
 * merge left to right. Templates $HOME, $CWD, $TMPDIR (and ${...}, leading ~)
 * expand when the profile is loaded. Unknown fields are rejected.
 *
 * Schema (every field optional):
 *   { "description": "...", "use": ["name", ...] | "name",
 *     "system_read": [paths], "allow_read": [paths], "deny_read": [paths],
 *     "allow_write": [paths] | true, "deny_write": [paths],
 *     "allow_env": [names] | true, "deny_env": [names],
 *     "env": { "KEY": "VALUE" } } */
#ifndef GLASSBOX_PROFILE_H
#define GLASSBOX_PROFILE_H
#include <stddef.h>
#include <stdio.h>
#include "policy.h"

struct profile_builtin {
	const char *name;
	const char *json;
};
extern const struct profile_builtin profile_builtins[]; /* {0,0}-terminated */

struct profile_env {
	const char *home;   /* $HOME */
	const char *cwd;    /* $CWD: the sandbox's working directory */
	const char *tmpdir; /* $TMPDIR (default /tmp) */
	const char *user_dir; /* directory of user profiles, or NULL */
};

/* Fills profile_env from the process environment and the given cwd (kept as
 * a pointer). user_dir points into a static buffer shared by all calls. */
void profile_env_from_process(struct profile_env *pe, const char *cwd);

/* Loads NAME (or a path containing '/' or ending in .json) with everything it
 * uses, merged into out. Returns 0, or -1 with one line in err. */
int profile_load(const char *name, const struct profile_env *pe, struct policy *out,
                 char *err, size_t errlen);
/* Resolved policy as a JSON text (caller frees). */
char *profile_policy_to_json(const struct policy *p);
/* Writes a table of available profiles (name, source, description) to fp. */
int profile_list(const struct profile_env *pe, FILE *fp, char *err, size_t errlen);

#endif
