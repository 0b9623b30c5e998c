/* observer_internal: what the observer's thread (observer.c) and its
 * decisions (observer_decide.c) share. */
#ifndef GLASSBOX_OBSERVER_INTERNAL_H
#define GLASSBOX_OBSERVER_INTERNAL_H
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "jail_internal.h"
#include "policy.h"

/* One observed access, built on the observer thread, emitted on the main. */
struct obs_record {
	struct obs_record *next;
	uint64_t time_ns;
	pid_t pid;
	char comm[20];
	bool denied;
	const char *op; /* "write", "create", "delete", "read", "connect", ... */
	const char *syscall;
	int err;      /* errno answered (denied), 0 otherwise */
	char *target; /* path or address */
	char *rule;   /* what denied it (denied only) */
	char *flag;   /* the flag that would allow it, or NULL */
	char *hint;   /* one more sentence, or NULL */
	/* ask mode (--ask=write): this denial is held as question write-N */
	int ask_state; /* 0 none, OBS_ASK_PENDING, OBS_ASK_TIMEOUT */
	uint64_t ask_id;
	unsigned ask_timeout_s;
	/* a denied open (write/create): what a verified open on the host needs
	 * (obs_open_verified) to allow it once, or to create the file itself */
	bool is_open;
	int open_flags;
	unsigned open_mode;
};
#define OBS_ASK_PENDING 1
#define OBS_ASK_TIMEOUT 2

#define OBS_MOUNT_CACHE 64
/* Read-only flags of the sandbox's mounts by unique mount id. */
struct obs_mount_cache {
	uint64_t id[OBS_MOUNT_CACHE];
	bool ro[OBS_MOUNT_CACHE];
	size_t n, next;
};

struct obs_ctx {
	struct obs_mount_cache *mounts; /* only the thread uses it, under the policy lock */
	int notify_fd;
	int root_fd; /* the sandbox's / (through /proc/PID/root), -1 until known */
	const struct jail_plan *plan;
	const struct policy *policy;
	bool trace;
	bool mounts_changed; /* live changes happened: the plan is not all */
};

/* Decides one notification: fills resp (an errno, or CONTINUE) and *rec (a
 * record to report, or NULL). Returns -1 when the notification is no longer
 * valid (the process is gone): nothing to answer or report. */
int obs_decide(struct obs_ctx *c, const struct seccomp_notif *n, struct seccomp_notif_resp *resp,
               struct obs_record **rec);
void obs_record_free(struct obs_record *r);
/* Forgets the mounts' read-only flags (the layout changed). */
void obs_forget_mounts(struct obs_ctx *c);
/* Opens target (a resolved path inside the sandbox, as a denied open's
 * record names it) on the host, as the held open of process pid asked
 * (flags, mode, its umask), and only if the sandbox sees the very same file
 * at target (see observer_decide.c). Returns the fd (*created: this open
 * created the file), or -1 with one line in err. */
int obs_open_verified(const struct obs_ctx *c, uint64_t notif_id, pid_t pid, const char *target,
                      int flags, unsigned mode, bool *created, char *err, size_t errlen);
/* Removes target from the host again if it is still the file fd is open
 * on (a file created for an answer that then failed). */
void obs_unlink_created(const char *target, int fd);

#endif
