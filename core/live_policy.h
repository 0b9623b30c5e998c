/* live_policy: permission changes to a running session. A patch names list
 * items to add and remove; each one is applied where it takes effect — the
 * mounts inside the running sandbox (live_mount.c) for files, the proxy's
 * rules for the network — then recorded in the session's policy and
 * reported as one EV_POLICY_CHANGE event.
 *
 * Patch (the control socket's policy.patch, JSON):
 *   {"add": {"allow_write": ["/abs/path"], "allow_net": ["host:port"]},
 *    "remove": {"allow_write": ["/abs/path"]}}
 * lists: allow_read deny_read allow_write deny_write allow_net deny_net
 * secret_hosts ("-" may stand for "_"). secret_hosts entries are NAME=HOST
 * for a secret the session started with (no secret can be added live: the
 * sandbox's environment is fixed); the proxy applies them at once. Removes are applied before adds, in order; the
 * first failure stops the patch (what was applied stays, with its events).
 *
 * Files, for a path X as the sandbox sees it (no symlink may lie on it):
 *   add allow_write X     a writable clone of X is mounted over X
 *   remove allow_write X  that mount comes off again (busy: read-only
 *                         instead, or detached when files are open for
 *                         writing — open writers keep their descriptors);
 *                         X writable since the start: a read-only one on top
 *   add deny_write X      a read-only clone over X
 *   remove deny_write X   the read-only mount placed live comes off, else a
 *                         writable clone over the start-time one
 *   add deny_read X / remove allow_read X    a mask over X
 *   remove deny_read X / add allow_read X    the mask comes off (live or
 *                         start-time)
 *   add allow_read X / add allow_write X, X never visible inside: the host's
 *                         X is brought in (live_mount_bring_in) read-only or
 *                         writable, with every deny_read path beneath it and
 *                         glassbox's own state hidden inside; refused below
 *                         a deny_read path. */
#ifndef GLASSBOX_LIVE_POLICY_H
#define GLASSBOX_LIVE_POLICY_H
#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "policy.h"

struct observer;
struct proxy;
struct live_policy;

struct live_policy *live_policy_new(void);
void live_policy_free(struct live_policy *lp);

/* What a patch works on; any of them may be absent (-1 / NULL): a file change
 * then fails with a reason. */
struct live_target {
	struct policy *policy; /* edited in place */
	pid_t init_pid;        /* the sandbox's init (jail_pid) */
	struct proxy *proxy;
	/* Reads the policy on its own thread: edits happen under its lock. */
	struct observer *observer;
	/* Paths that must stay hidden whatever is asked (the snapshot store,
	 * the control socket directory). */
	const struct strlist *protected_paths;
	/* The staging mount namespace (jail_staging_fd), > 0 when there is
	 * one: host paths the sandbox never saw are brought in from it. */
	int staging_fd;
};

/* Applies patch. Returns an object for the reply ({"applied": [...]}) or NULL
 * with one line in err. */
cJSON *live_policy_patch(struct live_policy *lp, const struct live_target *t, const cJSON *patch,
                         char *err, size_t errlen);
/* One change, e.g. ("add", "allow_net", "example.com:443"). Same results. */
cJSON *live_policy_change(struct live_policy *lp, const struct live_target *t, const char *action,
                          const char *list, const char *value, char *err, size_t errlen);

#endif
