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
};

struct obs_ctx {
	int notify_fd;
	int root_fd; /* the sandbox's / (through /proc/PID/root), -1 until known */
	const struct jail_plan *plan;
	const struct policy *policy;
	bool trace;
};

/* Decides one notification: fills resp (an errno, or CONTINUE) and *rec (a
 * record to report, or NULL). Returns -1 when the notification is no longer
 * valid (the process is gone): nothing to answer or report. */
int obs_decide(struct obs_ctx *c, const struct seccomp_notif *n, struct seccomp_notif_resp *resp,
               struct obs_record **rec);
void obs_record_free(struct obs_record *r);

#endif
