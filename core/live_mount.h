/* live_mount: changes the mounts of a running sandbox. The supervisor forks a
 * short-lived helper that joins the sandbox's mount namespace (and first the
 * user namespace that owns it), does one change and exits; the answer comes
 * back over a pipe.
 *
 * Every change stacks a new mount on the path, cloned from what the sandbox
 * sees there (so masks and read-only binds beneath it come along), or takes
 * one off again. A host path the sandbox never saw is brought in from the
 * staging mount namespace (live_mount_bring_in). */
#ifndef GLASSBOX_LIVE_MOUNT_H
#define GLASSBOX_LIVE_MOUNT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strlist.h"

enum live_mount_op {
	LIVE_BIND_RW, /* writable clone of the sandbox's view of the path over it */
	LIVE_BIND_RO, /* read-only clone (recursive) over it */
	LIVE_MASK,    /* empty read-only dir or file over it */
	LIVE_UNMOUNT, /* take the topmost mount at the path off (see below) */
	LIVE_UNMASK,  /* the same, only if that mount is a mask (a tmpfs) */
};

/* How an LIVE_UNMOUNT went: taking a mount off fails with EBUSY while
 * anything inside is open (or a cwd); then the mount is made read-only
 * instead (hard: no write through it any more), and when even that is busy
 * (files open for writing) it is detached: new opens see what lies beneath,
 * but the open writers keep writing through their descriptors. */
enum live_unmount_how {
	LIVE_UNMOUNTED,
	LIVE_MADE_READONLY,
	LIVE_DETACHED
};

struct live_mount_result {
	uint64_t mnt_id; /* the mount placed (0 for LIVE_UNMOUNT) */
	enum live_unmount_how how;
	double ms; /* wall time of the helper, fork to exit */
};

/* Applies op on path (absolute, as the sandbox sees it) in the sandbox whose
 * init is init_pid. expect_mnt_id, for LIVE_UNMOUNT: the mount id the
 * topmost mount at path must have (0: any). ro_paths (LIVE_BIND_RW; canonical
 * deny-write paths, may be NULL): those below path get a read-only bind of
 * their own first, so they stay read-only under the grant (deny wins, as at
 * start). Returns 0, or -errno with one line in err. */
int live_mount_apply(pid_t init_pid, enum live_mount_op op, const char *path,
                     uint64_t expect_mnt_id, const struct strlist *ro_paths,
                     struct live_mount_result *res, char *err, size_t errlen);

/* Brings the host's path (a directory or regular file the sandbox does not
 * see at all) into the sandbox at the same path, read-only or writable:
 * the helper joins the staging namespace (jail_staging_fd), clones the
 * host's tree there with every path of masks (the deny-read list and
 * glassbox's own state) already hidden inside the clone, then places it in
 * the sandbox. The mountpoint is made in the sandbox's own root tmpfs only
 * (never on a host bind); host paths are resolved without following
 * symlinks. A writable one keeps every path of ro_paths below it read-only
 * (as live_mount_apply). Returns 0, or -errno with one line in err. */
int live_mount_bring_in(pid_t init_pid, int staging_fd, const char *path, bool writable,
                        const struct strlist *masks, const struct strlist *ro_paths,
                        struct live_mount_result *res, char *err, size_t errlen);

#endif
