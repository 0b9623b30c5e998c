/* observer: sees every access the sandbox is denied, and with --trace every
 * file it reads, program it runs and connection it makes.
 *
 * glassbox-init loads a seccomp filter answering SECCOMP_RET_USER_NOTIF on the
 * syscalls that signal intent and hands its listener fd to the supervisor.
 * The observer services that fd on a thread of its own: it reads the
 * syscall's arguments from the sandboxed process, checks the target against
 * the sandbox's mount layout (seen through /proc/PID/root) and answers the
 * same errno the kernel would give, or CONTINUE. CONTINUE is never a security
 * decision: the kernel's mounts and namespaces still enforce whatever the
 * process does after the check.
 *
 * The thread never emits events (sinks are not thread-safe): it queues
 * records and makes observer_fd() readable; observer_dispatch() turns them
 * into EV_DENIED / EV_ACCESS events on the caller's thread. */
#ifndef GLASSBOX_OBSERVER_H
#define GLASSBOX_OBSERVER_H
#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

struct observer;
struct jail_plan;

/* Starts the observer's thread, which waits for the listener fd (see
 * observer_attach). Created before the sandbox is asked to install the
 * filter, so a listener never arrives with nobody to answer it (trapped
 * syscalls would fail with ENOSYS). plan and policy explain denials and must
 * outlive the observer. NULL with one line in err. */
struct observer *observer_start(const struct jail_plan *plan, const struct policy *policy,
                                bool trace, char *err, size_t errlen);
/* Hands over the sandbox's notification listener (taken in every case). */
void observer_attach(struct observer *o, int notify_fd);
/* Readable (POLLIN) when observer_dispatch() has events to emit. */
int observer_fd(const struct observer *o);
/* Emits the queued events on the calling thread; never blocks. */
void observer_dispatch(struct observer *o);
/* The thread reads the policy while it explains a denial; whoever changes
 * that policy while the sandbox runs (live changes) holds this lock
 * meanwhile. NULL is fine (no-op). */
void observer_policy_lock(struct observer *o);
void observer_policy_unlock(struct observer *o);
/* Ask mode for writes: a write the layout refuses and --allow-write could
 * allow is held (the process waits) and announced as an EV_DECISION
 * question "write-N"; unanswered after timeout_s (0: 30) it is refused. */
void observer_set_ask(struct observer *o, bool on, unsigned timeout_s);
/* Stops (true) or restarts the timeouts of held writes (the user is
 * interacting with a face: the time paused does not count). */
void observer_ask_pause(struct observer *o, bool pause);
/* A held write, as the one answering it needs it. */
struct observer_question {
	char grant[4096];  /* what "session" makes writable: the path --allow-write
	                      names, or for a file an open would create, that file */
	char target[4096]; /* the path asked for, resolved inside */
	bool open;         /* an open: "once" is possible (observer_open_held) */
	bool create;       /* an open that creates grant: it does not exist yet */
};
/* Claims question id for answering (its timeout stops) and describes it.
 * The claimer must answer it (observer_answer). 0, or -ENOENT when it is not
 * pending or already claimed. */
int observer_question_claim(struct observer *o, const char *id, struct observer_question *q);
/* Gives a claimed question back unanswered (its timeout runs on). */
void observer_question_unclaim(struct observer *o, const char *id);
/* Does the held open of question id on the host, verified to be the file the
 * sandbox sees (creating it when the open would have: *created): the fd, or
 * -1 with one line in err. */
int observer_open_held(struct observer *o, const char *id, bool *created, char *err,
                       size_t errlen);
/* Removes path from the host if fd (from observer_open_held, *created) is
 * still open on it: the answer it was created for failed. */
void observer_discard_created(struct observer *o, const char *path, int fd);
/* Answers question id (answer "once", "session" or "deny", for the event).
 * fd >= 0: the held open returns a copy of fd in the process
 * (SECCOMP_IOCTL_NOTIF_ADDFD; the caller still closes fd). Else deny
 * refuses, anything else lets the syscall run again against the (changed)
 * layout. Emits the EV_DECISION that closes it. 0, -ENOENT (not pending), or
 * -errno when the process left meanwhile. */
int observer_answer(struct observer *o, const char *id, const char *answer, int fd);
/* Stops the thread, emits what is still queued, frees o. NULL is fine. */
void observer_stop(struct observer *o);

#endif
