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
/* The path --allow-write must name to allow question id. 0, or -ENOENT
 * when it is not pending. */
int observer_question_path(struct observer *o, const char *id, char *path, size_t len);
/* Answers question id: allow (the caller has made the path writable: the
 * syscall runs again and the kernel decides on the new layout) or refuse.
 * Emits the EV_DECISION that closes it. 0, or -ENOENT. */
int observer_answer(struct observer *o, const char *id, bool allow);
/* Stops the thread, emits what is still queued, frees o. NULL is fine. */
void observer_stop(struct observer *o);

#endif
