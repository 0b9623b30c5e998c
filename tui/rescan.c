/* rescan: the Changes pane's list, computed off the UI thread. Comparing the
 * tracked tree with checkpoint 0 stats every file (about a second for 20,000
 * files), so a worker thread runs snap_diff(0, SNAP_NOW) and signals an
 * eventfd the loop polls; the loop then swaps the new list in.
 *
 * The snapshot session is not shared: while the worker runs, the UI thread
 * leaves it alone, and everything else that uses it (diffs, checkpoints,
 * restore, the end of the session) calls rescan_wait() first. The worker
 * emits no events (snap_diff does not), so event sinks stay single-threaded. */
#include "tui.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct rescan {
	pthread_t thread;
	bool running;
	int efd;
	struct snap_session *sn;
	struct snap_changes *result;
	int rc;
	char err[512];
};

static void *worker(void *arg)
{
	struct rescan *r = arg;
	r->rc = snap_diff(r->sn, 0, SNAP_NOW, NULL, r->result, r->err, sizeof r->err);
	uint64_t one = 1;
	ssize_t unused = write(r->efd, &one, sizeof one);
	(void)unused;
	return NULL;
}

int rescan_init(struct tui *t)
{
	struct rescan *r = xcalloc(1, sizeof *r);
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		free(r);
		return -1;
	}
	t->rescan = r;
	return 0;
}

int rescan_fd(const struct tui *t)
{
	return t->rescan ? t->rescan->efd : -1;
}

void rescan_start(struct tui *t)
{
	struct rescan *r = t->rescan;
	struct snap_session *sn = session_snapshot(t->s);
	t->rescan_due = false;
	if (!r || !sn)
		return;
	if (r->running) { /* one more when this one is done */
		t->rescan_again = true;
		return;
	}
	r->sn = sn;
	r->result = xcalloc(1, sizeof *r->result);
	r->err[0] = 0;
	if (pthread_create(&r->thread, NULL, worker, r) != 0) {
		free(r->result);
		r->result = NULL;
		snprintf(t->message, sizeof t->message, "changes: cannot start a thread");
		t->status_dirty = true;
		return;
	}
	r->running = true;
}

/* Joins the finished worker and shows its list. */
static void collect(struct tui *t)
{
	struct rescan *r = t->rescan;
	uint64_t n;
	ssize_t unused = read(r->efd, &n, sizeof n);
	(void)unused;
	pthread_join(r->thread, NULL);
	r->running = false;
	if (r->rc < 0) {
		cleanup_free char *safe = sanitize_str(r->err);
		snprintf(t->message, sizeof t->message, "changes: %s", safe);
		t->status_dirty = true;
		snap_changes_free(r->result);
		free(r->result);
	} else {
		kinds_set_changes(t, r->result); /* takes it */
		t->full_redraw = true;  /* titles and the status line count them */
	}
	r->result = NULL;
}

void rescan_done(struct tui *t)
{
	struct rescan *r = t->rescan;
	if (!r || !r->running)
		return;
	collect(t);
	if (t->rescan_again) {
		t->rescan_again = false;
		rescan_start(t);
	}
}

void rescan_wait(struct tui *t)
{
	struct rescan *r = t->rescan;
	if (r && r->running)
		collect(t);
}

void rescan_free(struct tui *t)
{
	struct rescan *r = t->rescan;
	if (!r)
		return;
	rescan_wait(t);
	close(r->efd);
	free(r);
	t->rescan = NULL;
}
