/* shells: the sandboxed shells behind the shell pane. Shell 0 is the
 * session's command; prefix c adds more (session_spawn) in the same sandbox.
 * Each has its own screen model (pty/term.h), pty master and queue of bytes
 * for it (written as the master accepts them: POLLOUT only while the queue
 * is non-empty). The pane shows one at a time. */
#include "tui.h"
#include "session.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCROLLBACK_LINES 10000
#define READ_BUDGET (256 * 1024) /* pty bytes per loop turn: keys stay responsive */
#define RESCAN_DELAY_NS 400000000ull /* snapshot rescan after shell output */

void flush_queue(struct shell *sh)
{
	while (sh->wq_len > 0 && sh->master >= 0) {
		ssize_t n = write(sh->master, sh->wq, sh->wq_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				sh->wq_len = 0; /* the shell is gone */
			return;
		}
		memmove(sh->wq, sh->wq + n, sh->wq_len - (size_t)n);
		sh->wq_len -= (size_t)n;
	}
}

static void term_output(const char *bytes, size_t len, void *ctx)
{
	struct shell *sh = ctx;
	if (sh->wq_len + len > sh->wq_cap) {
		sh->wq_cap = (sh->wq_len + len) * 2;
		sh->wq = xrealloc(sh->wq, sh->wq_cap);
	}
	memcpy(sh->wq + sh->wq_len, bytes, len);
	sh->wq_len += len;
	flush_queue(sh);
}

static void term_title_changed(const char *utf8, void *ctx)
{
	struct shell *sh = ctx;
	sh->t->full_redraw = true;
}

static void term_bell(void *ctx)
{
	beep();
}

struct shell *shell_new(struct tui *t, int id)
{
	static const struct term_callbacks cb = { term_output, term_title_changed, term_bell };
	struct shell *sh = xcalloc(1, sizeof *sh);
	sh->t = t;
	sh->id = id;
	sh->master = -1;
	sh->open = true;
	sh->term = term_new(t->term_rows, t->term_cols, SCROLLBACK_LINES, &cb, sh);
	if (!sh->term)
		abort();
	return sh;
}

void shell_free(struct shell *sh)
{
	term_free(sh->term);
	free(sh->wq);
	free(sh);
}

void show_shell(struct tui *t, int index)
{
	t->active = index;
	t->term = t->shells[index]->term;
	t->full_redraw = true;
}

/* Picks up pty masters that arrived during session_dispatch. */
void adopt_masters(struct tui *t)
{
	for (int i = 0; i < t->nshells; i++) {
		struct shell *sh = t->shells[i];
		if (sh->master >= 0 || !sh->open)
			continue;
		int m = session_shell_master(t->s, sh->id);
		if (m < 0)
			continue;
		sh->master = m;
		fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
		flush_queue(sh);
	}
}

/* A shell whose pty ended leaves the pane; the last one stays on screen
 * until the session ends. */
void drop_ended_shells(struct tui *t)
{
	for (int i = t->nshells - 1; i >= 0; i--) {
		struct shell *sh = t->shells[i];
		if (sh->open || t->nshells == 1)
			continue;
		shell_free(sh);
		memmove(&t->shells[i], &t->shells[i + 1], (size_t)(t->nshells - i - 1) * sizeof sh);
		t->nshells--;
		if (t->active >= t->nshells || t->active == i)
			show_shell(t, t->active > 0 ? t->active - 1 : 0);
		else if (t->active > i)
			show_shell(t, t->active - 1);
	}
}

void new_shell(struct tui *t)
{
	char err[256];
	if (t->nshells == TUI_MAX_SHELLS) {
		snprintf(t->message, sizeof t->message, "at most %d shells", TUI_MAX_SHELLS);
		t->status_dirty = true;
		return;
	}
	int id = session_spawn(t->s, NULL, (unsigned short)t->term_rows, (unsigned short)t->term_cols,
	                       err, sizeof err);
	if (id < 0) {
		snprintf(t->message, sizeof t->message, "%s", err);
		t->status_dirty = true;
		return;
	}
	t->shells[t->nshells++] = shell_new(t, id);
	show_shell(t, t->nshells - 1);
	t->focus = PANE_SHELL;
}

bool shell_read(struct tui *t, struct shell *sh, char *buf)
{
	size_t total = 0;
	while (total < READ_BUDGET) {
		ssize_t n = read(sh->master, buf, READ_CHUNK);
		if (n > 0) {
			term_write(sh->term, buf, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return false; /* EIO: the shell side closed */
		break;
	}
	if (total && session_snapshot(t->s) && !t->rescan_due) {
		t->rescan_due = true;
		t->rescan_at_ns = now_mono_ns() + RESCAN_DELAY_NS;
	}
	return true;
}

