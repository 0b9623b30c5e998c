/* jail_internal: what the supervisor (jail.c, jail_plan.c) and glassbox-init
 * (jail_init.c) share — the plan's mount operations and the wire format. */
#ifndef GLASSBOX_JAIL_INTERNAL_H
#define GLASSBOX_JAIL_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "policy.h"
#include "strlist.h"

/* fd on which glassbox-init finds the control socket. */
#define JAIL_CONTROL_FD 3
#define JAIL_HOSTNAME "glassbox"

enum mount_kind {
	MK_BIND_RO,   /* host path, read-only */
	MK_BIND_RW,   /* host path, read-write */
	MK_MASK,      /* denied: empty read-only dir or file over it */
	MK_TMPFS,     /* private tmpfs (mode in `mode`) */
	MK_PROC,      /* fresh /proc of the sandbox's pid namespace */
	MK_DEV,       /* minimal /dev */
	MK_SYMLINK,   /* symlink dst -> src (e.g. /bin -> usr/bin) */
};

struct mount_op {
	enum mount_kind kind;
	char *dst;        /* absolute path inside (same as on the host) */
	char *src;        /* host path (binds), link target (symlinks) */
	bool is_dir;      /* for masks and mountpoints: directory or file */
	bool create;      /* mountpoint may be created (it lies on our tmpfs) */
	unsigned mode;    /* tmpfs mode */
};

struct jail_plan {
	struct mount_op *ops; /* sorted: parents before children */
	size_t n_ops;
	struct strlist placeholders; /* host dirs created to hold masks, in creation order */
	unsigned long long *placeholder_ids; /* st_dev << 32 ^ st_ino of each, to find them again */
	int *locks;                  /* shared flocks on placeholder dirs in use */
	size_t n_locks;
	int janitor_fd;              /* write end of the janitor's pipe, 0 = none */
};

/* Turns the policy into mount operations. Returns 0, or -1 with one line. */
/* explicit_deny: deny paths the user named on the command line (absolute);
 * only those get a placeholder when missing under a writable directory. */
/* pins: directories that must not be renamed or removed from inside. */
int jail_plan_build(const struct policy *p, const char *cwd, const struct strlist *explicit_deny,
                    const struct strlist *pins, struct jail_plan *plan, char *err,
                    size_t errlen);
void jail_plan_free(struct jail_plan *plan);
/* Removes placeholder directories created for missing denied paths — only if
 * still empty and no other session holds them (flock). */
void jail_plan_remove_placeholders(struct jail_plan *plan);
/* Starts the janitor that removes the placeholders even if glassbox is
 * killed; sandbox_pid is the sandbox's init (waited for before cleaning). */
void jail_plan_watch(struct jail_plan *plan, pid_t sandbox_pid);
const char *mount_kind_name(enum mount_kind k);
/* Sends one message line with fd attached (SCM_RIGHTS). Returns 0 or -1. */
int jail_send_fd(int sock, const char *line, int fd);
/* [{op, dst, src?, dir, create, mode}] for the wire and events. */
cJSON *jail_plan_to_json(const struct jail_plan *plan);

#endif
