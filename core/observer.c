/* observer: the supervisor's seccomp-notification thread and the queue that
 * carries what it saw to the main thread.
 *
 * The thread loops: receive a notification, decide it (observer_decide.c),
 * answer it, queue a record when there is something to report and wake the
 * main loop through an eventfd. Its work per notification is a handful of
 * syscalls, because the sandboxed process waits meanwhile. It never calls
 * event_emit: observer_dispatch() does, on the thread that owns the sinks.
 * A queue that grows past MAX_QUEUED (a main loop that is not polling) drops
 * records and says how many in one warning. */
#include "observer.h"
#include "event.h"
#include "observer_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define MAX_QUEUED 100000

#define ASK_MAX_PENDING 32

/* A write held in ask mode until answered or timed out. */
struct held {
	struct held *next;
	uint64_t qid;
	struct seccomp_notif_resp deny; /* sent on deny or timeout */
	uint64_t deadline;
	char *allow_path; /* what --allow-write names (a create: the parent) */
	char *target;     /* the resolved path the process asked for */
	pid_t pid;        /* the process, in the supervisor's pid namespace */
	bool is_open;     /* an open (write, create, truncate): flags, mode */
	bool create;
	int flags;
	unsigned mode;
	bool claimed; /* being answered: the timeout no longer applies */
};

struct observer {
	struct obs_ctx ctx;
	pthread_t thread;
	int wake_fd; /* eventfd: records are queued */
	int stop_fd; /* eventfd: the thread should leave */
	pthread_mutex_t lock;
	pthread_cond_t attached; /* the listener fd arrived, or stop */
	bool stopping;
	pthread_mutex_t policy_lock; /* held by the thread while it decides */
	struct obs_record *head, **tail;
	size_t queued;
	size_t dropped;
	/* ask mode; the held list is under lock */
	bool ask;
	uint64_t ask_timeout_ns;
	uint64_t next_qid;
	struct held *held;
	int answer_fd; /* eventfd: an answer is waiting for the thread */
	bool ask_paused; /* observer_ask_pause: the held writes' clocks stop */
	uint64_t ask_paused_at;
};

void obs_record_free(struct obs_record *r)
{
	if (!r)
		return;
	free(r->target);
	free(r->rule);
	free(r->flag);
	free(r->hint);
	free(r);
}

static void enqueue(struct observer *o, struct obs_record *r)
{
	bool wake;
	pthread_mutex_lock(&o->lock);
	if (o->queued >= MAX_QUEUED) {
		o->dropped++;
		pthread_mutex_unlock(&o->lock);
		obs_record_free(r);
		return;
	}
	wake = o->queued == 0;
	*o->tail = r;
	o->tail = &r->next;
	o->queued++;
	pthread_mutex_unlock(&o->lock);
	if (wake) {
		uint64_t one = 1;
		ssize_t w = write(o->wake_fd, &one, sizeof one);
		(void)w;
	}
}

/* ---- ask mode (thread side) ------------------------------------------------ */

/* Holds a write denial that --allow-write could lift. true: held. */
static bool hold(struct observer *o, const struct seccomp_notif *n,
                 const struct seccomp_notif_resp *resp, struct obs_record *rec)
{
	static const char flag[] = "--allow-write=";
	if (!rec->denied || !rec->flag || strncmp(rec->flag, flag, sizeof flag - 1) != 0)
		return false;
	/* At most ASK_MAX_PENDING writes wait at once: a sandbox cannot bury the
	 * user in questions; past that, writes are refused as without --ask. */
	size_t pending = 0;
	pthread_mutex_lock(&o->lock);
	for (struct held *p = o->held; p; p = p->next)
		pending++;
	pthread_mutex_unlock(&o->lock);
	if (pending >= ASK_MAX_PENDING)
		return false;
	struct held *h = xcalloc(1, sizeof *h);
	h->deny = *resp;
	h->allow_path = xstrdup(rec->flag + sizeof flag - 1);
	h->target = xstrdup(rec->target);
	h->pid = (pid_t)n->pid;
	h->is_open = rec->is_open;
	h->create = rec->is_open && strcmp(rec->op, "create") == 0;
	h->flags = rec->open_flags;
	h->mode = rec->open_mode;
	pthread_mutex_lock(&o->lock);
	h->deadline = (o->ask_paused ? o->ask_paused_at : now_mono_ns()) + o->ask_timeout_ns;
	h->qid = ++o->next_qid;
	h->next = o->held;
	o->held = h;
	pthread_mutex_unlock(&o->lock);
	rec->ask_state = OBS_ASK_PENDING;
	rec->ask_id = h->qid;
	rec->ask_timeout_s = (unsigned)(o->ask_timeout_ns / 1000000000ull);
	return true;
}

static int held_timeout_ms(struct observer *o)
{
	pthread_mutex_lock(&o->lock);
	uint64_t first = UINT64_MAX;
	for (struct held *h = o->held; h && !o->ask_paused; h = h->next)
		if (!h->claimed && h->deadline < first)
			first = h->deadline;
	pthread_mutex_unlock(&o->lock);
	if (first == UINT64_MAX)
		return -1;
	uint64_t now = now_mono_ns();
	return first <= now ? 0 : (int)((first - now) / 1000000 + 1);
}

static void held_free(struct held *h)
{
	free(h->allow_path);
	free(h->target);
	free(h);
}

/* Refuses what timed out (answers are sent by observer_answer). */
static void send_answers(struct observer *o)
{
	uint64_t now = now_mono_ns();
	for (;;) {
		struct held *done = NULL;
		pthread_mutex_lock(&o->lock);
		for (struct held **pp = &o->held; *pp; pp = &(*pp)->next) {
			if (!(*pp)->claimed && !o->ask_paused && (*pp)->deadline <= now) {
				done = *pp;
				*pp = done->next;
				break;
			}
		}
		pthread_mutex_unlock(&o->lock);
		if (!done)
			return;
		/* ENOENT: the process died meanwhile. */
		ioctl(o->ctx.notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &done->deny);
		struct obs_record *r = xcalloc(1, sizeof *r);
		r->time_ns = now_real_ns();
		r->ask_state = OBS_ASK_TIMEOUT;
		r->ask_id = done->qid;
		r->op = "write";
		r->syscall = "";
		r->target = xstrdup(done->allow_path);
		enqueue(o, r);
		held_free(done);
	}
}

static void *observer_main(void *arg)
{
	struct observer *o = arg;
	pthread_mutex_lock(&o->lock);
	while (o->ctx.notify_fd < 0 && !o->stopping)
		pthread_cond_wait(&o->attached, &o->lock);
	int fd = o->ctx.notify_fd;
	pthread_mutex_unlock(&o->lock);
	if (fd < 0)
		return NULL;
	/* 6.6+: wake the handler on the waiting task's CPU (a round trip of
	 * ~12 µs instead of ~100 µs); older kernels just take longer. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	for (;;) {
		struct pollfd p[3] = { { .fd = fd, .events = POLLIN },
			               { .fd = o->stop_fd, .events = POLLIN },
			               { .fd = o->answer_fd, .events = POLLIN } };
		if (poll(p, 3, held_timeout_ms(o)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[2].revents) {
			uint64_t v;
			ssize_t rd = read(o->answer_fd, &v, sizeof v);
			(void)rd;
		}
		send_answers(o);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			continue;
		if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL) && !(p[0].revents & POLLIN))
			break; /* no process uses the filter any more */
		struct seccomp_notif n;
		memset(&n, 0, sizeof n);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue; /* interrupted, or the process died first */
			break;
		}
		struct seccomp_notif_resp resp = { .id = n.id };
		struct obs_record *rec = NULL;
		pthread_mutex_lock(&o->policy_lock);
		int decided = obs_decide(&o->ctx, &n, &resp, &rec);
		pthread_mutex_unlock(&o->policy_lock);
		if (decided < 0) {
			obs_record_free(rec);
			continue;
		}
		if (rec && __atomic_load_n(&o->ask, __ATOMIC_ACQUIRE) && hold(o, &n, &resp, rec)) {
			enqueue(o, rec);
			continue;
		}
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
			/* ENOENT: the process died meanwhile; it saw no answer. */
			obs_record_free(rec);
			continue;
		}
		if (rec)
			enqueue(o, rec);
	}
	return NULL;
}

struct observer *observer_start(const struct jail_plan *plan, const struct policy *policy,
                                bool trace, char *err, size_t errlen)
{
	struct observer *o = xcalloc(1, sizeof *o);
	o->ctx = (struct obs_ctx){ .notify_fd = -1,
		                   .root_fd = -1,
		                   .plan = plan,
		                   .policy = policy,
		                   .trace = trace,
		                   .mounts = xcalloc(1, sizeof(struct obs_mount_cache)) };
	o->tail = &o->head;
	o->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	o->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	o->answer_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	o->ask_timeout_ns = 30ull * 1000000000ull;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->attached, NULL);
	pthread_mutex_init(&o->policy_lock, NULL);
	int rc = o->wake_fd < 0 || o->stop_fd < 0 || o->answer_fd < 0 ? errno : 0;
	if (!rc)
		rc = pthread_create(&o->thread, NULL, observer_main, o);
	if (rc) {
		snprintf(err, errlen, "cannot start the observer: %s", strerror(rc));
		if (o->wake_fd >= 0)
			close(o->wake_fd);
		if (o->stop_fd >= 0)
			close(o->stop_fd);
		pthread_cond_destroy(&o->attached);
		if (o->answer_fd >= 0)
			close(o->answer_fd);
		pthread_mutex_destroy(&o->lock);
		pthread_mutex_destroy(&o->policy_lock);
		free(o->ctx.mounts);
		free(o);
		return NULL;
	}
	return o;
}

void observer_attach(struct observer *o, int notify_fd)
{
	pthread_mutex_lock(&o->lock);
	bool taken = o->ctx.notify_fd >= 0 || o->stopping;
	if (!taken)
		o->ctx.notify_fd = notify_fd;
	pthread_cond_signal(&o->attached);
	pthread_mutex_unlock(&o->lock);
	if (taken)
		close(notify_fd);
}

int observer_fd(const struct observer *o)
{
	return o->wake_fd;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EROFS:
		return "EROFS";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EBUSY:
		return "EBUSY";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENETUNREACH:
		return "ENETUNREACH";
	default:
		return "EIO";
	}
}

/* "denied write /home/u/.bashrc (rule: not in allow-write; allow with
 * --allow-write=/home/u/.bashrc)": the --debug line and the TUI's row. */
static void emit_question(const struct obs_record *r)
{
	char id[32];
	snprintf(id, sizeof id, "write-%llu", (unsigned long long)r->ask_id);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "category", "write");
	if (r->ask_state == OBS_ASK_TIMEOUT) {
		cJSON_AddStringToObject(d, "state", "timeout");
		cJSON_AddStringToObject(d, "answer", "deny");
		event_emitf(EV_DECISION, d, "ask %s: timeout: deny", id);
		return;
	}
	cJSON_AddStringToObject(d, "state", "pending");
	cJSON_AddStringToObject(d, "what", r->op);
	cJSON_AddStringToObject(d, "target", r->target);
	cJSON_AddStringToObject(d, "flag", r->flag);
	/* "session" grants a file created by an open, not its directory. */
	bool create = r->is_open && strcmp(r->op, "create") == 0;
	cJSON_AddStringToObject(d, "grant",
	                        create ? r->target : r->flag + strlen("--allow-write="));
	cJSON *answers = cJSON_AddArrayToObject(d, "answers");
	if (r->is_open)
		cJSON_AddItemToArray(answers, cJSON_CreateString("once"));
	cJSON_AddItemToArray(answers, cJSON_CreateString("session"));
	cJSON_AddItemToArray(answers, cJSON_CreateString("deny"));
	cJSON_AddNumberToObject(d, "timeout_s", r->ask_timeout_s);
	struct event ev = { .kind = EV_DECISION, .time_ns = r->time_ns, .pid = r->pid, .data = d };
	char msg[2048];
	snprintf(msg, sizeof msg,
	         "ask %s: %s %s by %s (would need %s); denied in %u s unless answered", id, r->op,
	         r->target, r->comm, r->flag, r->ask_timeout_s);
	ev.message = msg;
	event_emit(&ev);
}

static void emit_record(const struct obs_record *r)
{
	if (r->ask_state) {
		emit_question(r);
		return;
	}
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "op", r->op);
	cJSON_AddStringToObject(d, "target", r->target);
	cJSON_AddStringToObject(d, "syscall", r->syscall);
	cJSON_AddStringToObject(d, "comm", r->comm);
	cJSON_AddStringToObject(d, "verdict", r->denied ? "deny" : "allow");
	char msg[2048];
	if (r->denied) {
		cJSON_AddStringToObject(d, "errno", errno_name(r->err));
		cJSON_AddStringToObject(d, "rule", r->rule ? r->rule : "");
		if (r->flag)
			cJSON_AddStringToObject(d, "flag", r->flag);
		else
			cJSON_AddNullToObject(d, "flag");
		if (r->hint)
			cJSON_AddStringToObject(d, "hint", r->hint);
		if (r->flag)
			snprintf(msg, sizeof msg, "%s %s (rule: %s; allow with %s)", r->op,
			         r->target, r->rule, r->flag);
		else
			snprintf(msg, sizeof msg, "%s %s (rule: %s%s%s)", r->op, r->target, r->rule,
			         r->hint ? "; " : "", r->hint ? r->hint : "");
	} else {
		snprintf(msg, sizeof msg, "%s %s (%s)", r->op, r->target, r->comm);
	}
	struct event ev = { .kind = r->denied ? EV_DENIED : EV_ACCESS,
		            .time_ns = r->time_ns,
		            .pid = r->pid,
		            .message = msg,
		            .data = d };
	event_emit(&ev);
}

void observer_dispatch(struct observer *o)
{
	uint64_t v;
	ssize_t rd = read(o->wake_fd, &v, sizeof v);
	(void)rd;
	pthread_mutex_lock(&o->lock);
	struct obs_record *list = o->head;
	size_t dropped = o->dropped;
	o->head = NULL;
	o->tail = &o->head;
	o->queued = 0;
	o->dropped = 0;
	pthread_mutex_unlock(&o->lock);
	while (list) {
		struct obs_record *next = list->next;
		emit_record(list);
		obs_record_free(list);
		list = next;
	}
	if (dropped)
		event_emitf(EV_WARNING, NULL,
		            "%zu observed accesses were not reported (queue full)", dropped);
}

void observer_set_ask(struct observer *o, bool on, unsigned timeout_s)
{
	pthread_mutex_lock(&o->lock);
	o->ask_timeout_ns = (uint64_t)(timeout_s ? timeout_s : 30) * 1000000000ull;
	pthread_mutex_unlock(&o->lock);
	__atomic_store_n(&o->ask, on, __ATOMIC_RELEASE);
}

void observer_ask_pause(struct observer *o, bool pause)
{
	pthread_mutex_lock(&o->lock);
	bool changed = pause != o->ask_paused;
	uint64_t now = now_mono_ns();
	if (changed && !pause) /* the time paused does not count */
		for (struct held *h = o->held; h; h = h->next)
			h->deadline += now - o->ask_paused_at;
	if (changed) {
		o->ask_paused = pause;
		o->ask_paused_at = now;
	}
	pthread_mutex_unlock(&o->lock);
	if (changed) { /* the thread recomputes its poll timeout */
		uint64_t one = 1;
		ssize_t w = write(o->answer_fd, &one, sizeof one);
		(void)w;
	}
}

static struct held *find_held(struct observer *o, const char *id)
{
	if (strncmp(id, "write-", 6) != 0)
		return NULL;
	char *end;
	unsigned long long q = strtoull(id + 6, &end, 10);
	if (*end || !q)
		return NULL;
	for (struct held *h = o->held; h; h = h->next)
		if (h->qid == q)
			return h;
	return NULL;
}

int observer_question_claim(struct observer *o, const char *id, struct observer_question *q)
{
	pthread_mutex_lock(&o->lock);
	struct held *h = find_held(o, id);
	if (h && !h->claimed) {
		h->claimed = true;
		snprintf(q->grant, sizeof q->grant, "%s", h->create ? h->target : h->allow_path);
		snprintf(q->target, sizeof q->target, "%s", h->target);
		q->open = h->is_open;
		q->create = h->create;
	}
	bool ok = h && h->claimed;
	pthread_mutex_unlock(&o->lock);
	return ok ? 0 : -ENOENT;
}

void observer_question_unclaim(struct observer *o, const char *id)
{
	pthread_mutex_lock(&o->lock);
	struct held *h = find_held(o, id);
	if (h)
		h->claimed = false;
	pthread_mutex_unlock(&o->lock);
	uint64_t one = 1; /* its timeout applies again */
	ssize_t w = write(o->answer_fd, &one, sizeof one);
	(void)w;
}

int observer_open_held(struct observer *o, const char *id, bool *created, char *err, size_t errlen)
{
	*created = false;
	pthread_mutex_lock(&o->lock);
	struct held *h = find_held(o, id);
	bool open = h && h->is_open;
	uint64_t nid = h ? h->deny.id : 0;
	pid_t pid = h ? h->pid : 0;
	int flags = h ? h->flags : 0;
	unsigned mode = h ? h->mode : 0;
	cleanup_free char *target = h ? xstrdup(h->target) : NULL;
	pthread_mutex_unlock(&o->lock);
	if (!h)
		return error_set(err, errlen, "no pending question %s", id);
	if (!open)
		return error_set(err, errlen, "%s is not an open", id);
	/* root_fd was set before anything was held and never changes. */
	return obs_open_verified(&o->ctx, nid, pid, target, flags, mode, created, err, errlen);
}

void observer_discard_created(struct observer *o, const char *path, int fd)
{
	(void)o;
	obs_unlink_created(path, fd);
}

int observer_answer(struct observer *o, const char *id, const char *answer, int fd)
{
	pthread_mutex_lock(&o->lock);
	struct held *h = find_held(o, id);
	for (struct held **pp = &o->held; h && *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	pthread_mutex_unlock(&o->lock);
	if (!h)
		return -ENOENT;
	int rc = 0;
	if (fd >= 0) {
		/* The process's open returns this fd: nothing runs again. */
		struct seccomp_notif_addfd add = {
			.id = h->deny.id,
			.flags = SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (__u32)fd,
			.newfd = 0,
			.newfd_flags = (__u32)(h->flags & O_CLOEXEC),
		};
		int added = ioctl(o->ctx.notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
		if (added < 0 && errno == ENOENT) {
			rc = -ENOENT;
		} else if (added < 0) {
			/* EMFILE...: the open fails as it would have; the process
			 * must get an answer whatever happens. */
			struct seccomp_notif_resp resp = h->deny;
			resp.error = -errno;
			ioctl(o->ctx.notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			answer = "deny";
		}
	} else {
		struct seccomp_notif_resp resp = h->deny;
		if (strcmp(answer, "deny") != 0) {
			resp.error = 0;
			resp.val = 0;
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		if (ioctl(o->ctx.notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			rc = -errno;
	}
	held_free(h);
	uint64_t one = 1; /* the thread's next timeout changed */
	ssize_t w = write(o->answer_fd, &one, sizeof one);
	(void)w;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "state", rc < 0 ? "abandoned" : "answered");
	cJSON_AddStringToObject(d, "category", "write");
	if (rc < 0) {
		event_emitf(EV_DECISION, d, "ask %s: its process left", id);
		return rc;
	}
	cJSON_AddStringToObject(d, "answer", answer);
	event_emitf(EV_DECISION, d, "ask %s: answered: %s", id, answer);
	return 0;
}

void observer_policy_lock(struct observer *o)
{
	if (o)
		pthread_mutex_lock(&o->policy_lock);
}

void observer_policy_unlock(struct observer *o)
{
	if (!o)
		return;
	/* Whoever held the lock may have changed mounts. */
	obs_forget_mounts(&o->ctx);
	pthread_mutex_unlock(&o->policy_lock);
}

void observer_stop(struct observer *o)
{
	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	o->stopping = true;
	pthread_cond_signal(&o->attached);
	pthread_mutex_unlock(&o->lock);
	uint64_t one = 1;
	ssize_t w = write(o->stop_fd, &one, sizeof one);
	(void)w;
	pthread_join(o->thread, NULL);
	observer_dispatch(o);
	if (o->ctx.notify_fd >= 0)
		close(o->ctx.notify_fd);
	if (o->ctx.root_fd >= 0)
		close(o->ctx.root_fd);
	close(o->wake_fd);
	close(o->stop_fd);
	pthread_cond_destroy(&o->attached);
	close(o->answer_fd);
	while (o->held) {
		struct held *h = o->held;
		o->held = h->next;
		held_free(h);
	}
	pthread_mutex_destroy(&o->lock);
	pthread_mutex_destroy(&o->policy_lock);
	free(o->ctx.mounts);
	free(o);
}
