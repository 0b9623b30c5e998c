/* perms_patch: what the Permissions dialog and "allow now" send to
 * session_policy_patch(): the patch (live_policy.h format) that adds,
 * removes or toggles one path or host, worked out from the policy in force.
 * Pure logic over struct policy, no screen. */
#ifndef GLASSBOX_PERMS_PATCH_H
#define GLASSBOX_PERMS_PATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "policy.h"

enum perm_state {
	PERM_NONE,      /* in no list (the default applies) */
	PERM_WRITE,     /* allow_write */
	PERM_READONLY,  /* deny_write */
	PERM_READ,      /* allow_read only */
	PERM_DENY,      /* deny_read: hidden */
	PERM_NET_ALLOW, /* allow_net */
	PERM_NET_DENY,  /* deny_net */
	PERM_SECRET_HOST, /* secret_hosts: NAME=HOST */
};

/* A path starts with '/'; NAME=HOST is a secret's host; anything else is a
 * host (or host:port). */
static inline bool perms_is_path(const char *item)
{
	return item[0] == '/';
}

static inline bool perms_is_secret_host(const char *item)
{
	return item[0] != '/' && strchr(item, '=') != NULL;
}

/* The state of a path or host in p (deny_read wins over the rest for paths,
 * then allow_write, deny_write, allow_read; deny_net over allow_net). */
enum perm_state perms_state(const struct policy *p, const char *item);
/* "write", "read-only", "read", "deny", "allow", "deny", "-". */
const char *perms_state_name(enum perm_state s);
/* The state a toggle moves to: write -> read-only -> deny -> write (read
 * counts as read-only), allow-net <-> deny-net. */
enum perm_state perms_next_state(enum perm_state s);

/* The patch moving item to target from where p has it; NULL (err set) when
 * there is nothing to do or target does not fit the item. */
cJSON *perms_patch_set(const struct policy *p, const char *item, enum perm_state target,
                       char *err, size_t errlen);
/* The patch of a toggle (perms_next_state). */
cJSON *perms_patch_toggle(const struct policy *p, const char *item, char *err, size_t errlen);
/* The patch taking item out of every list it is in. */
cJSON *perms_patch_remove(const struct policy *p, const char *item, char *err, size_t errlen);
/* The patch of the dialog's input line: an absolute path becomes
 * allow_write, NAME=HOST a secret's host (secret_hosts), a host allow_net. Surrounding blanks are ignored; control
 * characters, blanks inside and relative paths are refused. */
cJSON *perms_patch_add(const char *input, char *err, size_t errlen);
/* The patch of a denial's hint: "--allow-write=/p", "--allow-read=/p",
 * "--allow-net=host:port" add to that list; "remove RULE" (a deny-net rule
 * matched) removes RULE from deny_net. NULL (err set) for anything else. */
cJSON *perms_patch_from_flag(const char *flag, char *err, size_t errlen);
/* One line for an applied change of a patch reply ("applied" items:
 * action, list, value[, effect]) into buf (not sanitised). */
void perms_applied_text(const cJSON *item, char *buf, size_t len);

#endif
