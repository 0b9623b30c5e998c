/* tui: the loop of the terminal UI, in the redis-ae shape — one poll() over
 * the terminal (keys, mouse, paste), a signalfd (SIGWINCH, SIGTERM, SIGINT,
 * SIGHUP, SIGCHLD), the shell's pty master (POLLOUT only while bytes wait),
 * session_fd() (jail, proxy) and two timerfds: the frame timer, armed only
 * when something is dirty and the last frame was under 16 ms ago, and the
 * tick timer for delayed work (the snapshot rescan after shell activity, CPU
 * sampling while the sandbox is busy, the quit escalation). Idle means no
 * wakeups at all.
 *
 * Data flow: pty bytes -> term_write (screen model, dirty rows); session
 * events -> the panes' lists (through an event sink, on this thread); keys
 * -> keymap -> an action, or term's encoder -> the pty master. Before each
 * sleep the frame is drawn if due: one refresh (doupdate) per frame.
 *
 * The terminal is restored on every way out: normal exit, a fatal signal
 * (SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT: the handler writes the reset
 * sequences and the saved termios, then re-raises), or SIGTERM/SIGINT/SIGHUP
 * (the shell is hung up and the loop ends normally). Nothing is printed while
 * curses owns the screen: diagnostics are events (--log). */
#include "tui.h"
#include "event.h"
#include "headless.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot.h"
#include "snapshot_cmd.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <termios.h>

#define FRAME_NS 16000000ull          /* at most ~60 frames a second */
#define READ_CHUNK (64 * 1024)
#define READ_BUDGET (256 * 1024)      /* pty bytes per loop turn: keys stay responsive */
#define RESCAN_DELAY_NS 400000000ull  /* snapshot rescan after shell output */
#define SAMPLE_NS 1000000000ull
#define QUIT_KILL_NS 3000000000ull
#define SCROLLBACK_LINES 10000
#define KEY_PASTE_BEGIN (KEY_MAX + 101)
#define KEY_PASTE_END (KEY_MAX + 102)

static const char reset_seq[] =
	"\033[?1049l\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?2004l\033[?25h\033[0m\r\n";

/* For the fatal-signal handler only. */
static struct termios saved_termios;
static bool saved_termios_ok;

static void fatal_handler(int sig)
{
	ssize_t unused = write(STDOUT_FILENO, reset_seq, sizeof reset_seq - 1);
	(void)unused;
	if (saved_termios_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_fatal_handlers(void)
{
	saved_termios_ok = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_handler = fatal_handler, .sa_flags = SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- shells and their pty output queues ------------------------------------ */

static void flush_queue(struct shell *sh)
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

static struct shell *shell_new(struct tui *t, int id)
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

static void shell_free(struct shell *sh)
{
	term_free(sh->term);
	free(sh->wq);
	free(sh);
}

static void show_shell(struct tui *t, int index)
{
	t->active = index;
	t->term = t->shells[index]->term;
	t->full_redraw = true;
}

/* Picks up pty masters that arrived during session_dispatch. */
static void adopt_masters(struct tui *t)
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
static void drop_ended_shells(struct tui *t)
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

static void new_shell(struct tui *t)
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

/* ---- timers -------------------------------------------------------------- */

static void arm(int fd, uint64_t delay_ns)
{
	struct itimerspec its = { 0 };
	if (delay_ns == 0)
		delay_ns = 1;
	its.it_value.tv_sec = (time_t)(delay_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(delay_ns % 1000000000ull);
	timerfd_settime(fd, 0, &its, NULL);
}

static void disarm(int fd)
{
	struct itimerspec its = { 0 };
	timerfd_settime(fd, 0, &its, NULL);
}

/* The tick timer: the earliest pending piece of delayed work, or nothing. */
static void arm_tick(struct tui *t, bool busy)
{
	uint64_t now = now_mono_ns(), when = UINT64_MAX;
	if (t->rescan_due)
		when = t->rescan_at_ns;
	if (busy && t->cpu_sample_ns + SAMPLE_NS < when)
		when = t->cpu_sample_ns + SAMPLE_NS;
	if (t->quitting && !t->ended && t->quit_ns + QUIT_KILL_NS < when)
		when = t->quit_ns + QUIT_KILL_NS;
	if (when == UINT64_MAX)
		disarm(t->tickfd);
	else
		arm(t->tickfd, when > now ? when - now : 1);
}

/* ---- layout and resize --------------------------------------------------- */

static void fit_shell(struct tui *t)
{
	const struct rect *r = &t->panes[PANE_SHELL].inner;
	int rows = r->h > 1 ? r->h : 1, cols = r->w > 2 ? r->w : 2;
	if (rows == t->term_rows && cols == t->term_cols)
		return;
	t->term_rows = rows;
	t->term_cols = cols;
	for (int i = 0; i < t->nshells; i++) {
		term_resize(t->shells[i]->term, rows, cols);
		session_resize_shell(t->s, t->shells[i]->id, (unsigned short)rows, (unsigned short)cols);
	}
}

static void relayout(struct tui *t)
{
	layout_compute(t);
	fit_shell(t);
}

static void on_winch(struct tui *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	relayout(t);
}

/* ---- actions -------------------------------------------------------------- */

static void open_view(struct tui *t, struct view *v)
{
	view_free(t->view);
	t->view = v;
	t->confirm_restore = false;
	t->full_redraw = true;
}

static void close_view(struct tui *t)
{
	view_free(t->view);
	t->view = NULL;
	t->confirm_restore = false;
	t->full_redraw = true;
}

static void focus(struct tui *t, enum pane_id id)
{
	if (t->focus == id)
		return;
	t->focus = id;
	t->filtering = false;
	if (id == PANE_CHANGES && session_snapshot(t->s)) { /* fresh as it is looked at */
		t->rescan_due = true;
		t->rescan_at_ns = 0;
	}
	if (t->zoom >= 0)
		t->zoom = id;
	if (t->narrow || t->zoom >= 0)
		relayout(t);
	t->full_redraw = true;
}

static void request_quit(struct tui *t)
{
	if (t->quitting)
		return;
	t->quitting = true;
	t->quit_ns = now_mono_ns();
	session_signal(t->s, SIGHUP);
	snprintf(t->message, sizeof t->message, "ending the shell...");
	t->status_dirty = true;
}

static void do_action(struct tui *t, enum tui_action a)
{
	struct pane *p = &t->panes[t->focus];
	switch (a) {
	case ACT_HELP: open_view(t, view_help(t)); break;
	case ACT_PERMS: open_view(t, dialog_perms(t)); break;
	case ACT_SNAPS: open_view(t, dialog_snaps(t)); break;
	case ACT_ZOOM:
		t->zoom = t->zoom >= 0 ? -1 : (int)t->focus;
		relayout(t);
		break;
	case ACT_QUIT: request_quit(t); break;
	case ACT_FOCUS_NEXT: focus(t, (t->focus + 1) % PANE__COUNT); break;
	case ACT_FOCUS_PREV: focus(t, (t->focus + PANE__COUNT - 1) % PANE__COUNT); break;
	case ACT_FOCUS_SHELL: focus(t, PANE_SHELL); break;
	case ACT_FOCUS_NETWORK: focus(t, PANE_NETWORK); break;
	case ACT_FOCUS_DENIED: focus(t, PANE_DENIED); break;
	case ACT_FOCUS_CHANGES: focus(t, PANE_CHANGES); break;
	case ACT_SEND_PREFIX: shell_send_key(t, t->prefix_key); break;
	case ACT_NEW_SHELL: new_shell(t); break;
	case ACT_NEXT_SHELL:
	case ACT_PREV_SHELL:
		if (t->nshells > 1)
			show_shell(t, (t->active + (a == ACT_NEXT_SHELL ? 1 : t->nshells - 1)) % t->nshells);
		focus(t, PANE_SHELL);
		break;
	case ACT_SCROLL_BACK:
	case ACT_SCROLL_FORWARD:
		if (t->panes[PANE_SHELL].ops->key(&t->panes[PANE_SHELL], t, a, 0) == PANE_REDRAW)
			t->full_redraw = true;
		break;
	case ACT_OPEN:
		if (p->list) {
			struct list_entry *e = list_selected(p->list);
			struct view *v = e ? kinds_details(t, p, e) : NULL;
			if (v)
				open_view(t, v);
		}
		break;
	case ACT_FILTER:
		if (p->list) {
			t->filtering = true;
			snprintf(t->filter_edit, sizeof t->filter_edit, "%s", p->list->filter);
			p->list->changed = true;
		}
		break;
	case ACT_CLOSE:
		if (t->view)
			close_view(t);
		else
			focus(t, PANE_SHELL);
		break;
	default:
		break;
	}
}

/* ---- keys ------------------------------------------------------------------ */

static void paste_add(struct tui *t, int key)
{
	char u[8];
	size_t n = 0;
	if (key & KM_FUNC) {
		if ((key & ~KM_FUNC) != KEY_ENTER)
			return;
		key = '\r';
	}
	unsigned c = (unsigned)key;
	if (c < 0x80) {
		u[n++] = (char)c;
	} else if (c < 0x800) {
		u[n++] = (char)(0xc0 | c >> 6), u[n++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		u[n++] = (char)(0xe0 | c >> 12), u[n++] = (char)(0x80 | (c >> 6 & 0x3f));
		u[n++] = (char)(0x80 | (c & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | c >> 18), u[n++] = (char)(0x80 | (c >> 12 & 0x3f));
		u[n++] = (char)(0x80 | (c >> 6 & 0x3f)), u[n++] = (char)(0x80 | (c & 0x3f));
	}
	if (t->paste_len + n > t->paste_cap) {
		t->paste_cap = (t->paste_len + n) * 2 + 256;
		t->paste = xrealloc(t->paste, t->paste_cap);
	}
	memcpy(t->paste + t->paste_len, u, n);
	t->paste_len += n;
}

static void paste_end(struct tui *t)
{
	t->pasting = false;
	if (t->focus == PANE_SHELL && !t->view)
		term_paste(t->term, t->paste, t->paste_len);
	t->paste_len = 0;
}

static void filter_key(struct tui *t, int key)
{
	struct list_pane *l = t->panes[t->focus].list;
	size_t len = strlen(t->filter_edit);
	if (key == 27) {
		t->filtering = false;
		list_set_filter(l, "");
	} else if (key == '\r' || key == '\n' || key == (KM_FUNC | KEY_ENTER)) {
		t->filtering = false;
	} else if (key == 127 || key == 8 || key == (KM_FUNC | KEY_BACKSPACE)) {
		while (len > 0 && ((unsigned char)t->filter_edit[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			t->filter_edit[len - 1] = 0;
		list_set_filter(l, t->filter_edit);
	} else if (!(key & (KM_FUNC | KM_ALT)) && key >= ' ' && len + 5 < sizeof t->filter_edit) {
		wchar_t wc = (wchar_t)key;
		char mb[8];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(mb, wc, &st);
		if (n != (size_t)-1) {
			memcpy(t->filter_edit + len, mb, n);
			t->filter_edit[len + n] = 0;
			list_set_filter(l, t->filter_edit);
		}
	}
	l->changed = true;
	t->full_redraw = true;
}

static bool is_fkey(int key)
{
	return (key & KM_FUNC) && (key & ~(KM_FUNC | KM_ALT)) >= KEY_F(1) &&
	       (key & ~(KM_FUNC | KM_ALT)) <= KEY_F(63);
}

static void view_key(struct tui *t, int key)
{
	if (t->confirm_restore) {
		if (key == 'y' || key == 'Y')
			dialog_snaps_action(t, ACT_RESTORE);
		else {
			t->confirm_restore = false;
			open_view(t, dialog_snaps(t));
		}
		return;
	}
	enum tui_action a = keymap_lookup(KM_ALWAYS, key);
	if (a != ACT_NONE && a != ACT_FOCUS_SHELL && a != ACT_FOCUS_NETWORK &&
	    a != ACT_FOCUS_DENIED && a != ACT_FOCUS_CHANGES) {
		if ((a == ACT_HELP && t->view->kind == VIEW_HELP) ||
		    (a == ACT_PERMS && t->view->kind == VIEW_PERMS) ||
		    (a == ACT_SNAPS && t->view->kind == VIEW_SNAPS))
			close_view(t); /* the same key closes what it opened */
		else
			do_action(t, a);
		return;
	}
	a = keymap_lookup(KM_VIEW, key);
	if (a == ACT_CLOSE)
		close_view(t);
	else if ((a == ACT_CHECKPOINT || a == ACT_RESTORE) && t->view->kind == VIEW_SNAPS)
		dialog_snaps_action(t, a);
	else if (view_scroll(t->view, a))
		t->full_redraw = true;
}

static void handle_key(struct tui *t, int key)
{
	if (t->message[0] && !t->quitting) { /* a message stays until the next key */
		t->message[0] = 0;
		t->status_dirty = true;
	}
	if (t->pasting) {
		if (key == (KM_FUNC | KEY_PASTE_END))
			paste_end(t);
		else
			paste_add(t, key);
		return;
	}
	if (key == (KM_FUNC | KEY_PASTE_BEGIN)) {
		t->pasting = true;
		t->paste_len = 0;
		return;
	}
	if (key == (KM_FUNC | KEY_PASTE_END))
		return;
	if (t->prefix_pending) {
		t->prefix_pending = false;
		t->status_dirty = true;
		if (key == t->prefix_key)
			do_action(t, ACT_SEND_PREFIX);
		else
			do_action(t, keymap_lookup(KM_PREFIX, key));
		return;
	}
	if (key == t->prefix_key && !t->filtering) {
		t->prefix_pending = true;
		t->status_dirty = true;
		return;
	}
	if (t->view) {
		view_key(t, key);
		return;
	}
	if (t->filtering) {
		filter_key(t, key);
		return;
	}
	struct pane *p = &t->panes[t->focus];
	enum tui_action a = keymap_lookup(KM_ALWAYS, key);
	/* full-screen programs (mc, htop, vim) get their F-keys */
	bool shell_wants = t->focus == PANE_SHELL && is_fkey(key) && term_altscreen(t->term);
	if (a != ACT_NONE && !shell_wants) {
		do_action(t, a);
		return;
	}
	/* the pane first (the shell takes every key it does not bind), then
	 * the actions of its keymap the loop carries out (open, filter, focus) */
	a = keymap_lookup(p->ops->keymap, key);
	enum pane_result r = p->ops->key(p, t, a, key);
	if (r == PANE_IGNORED && a != ACT_NONE)
		do_action(t, a);
	else if (r == PANE_REDRAW)
		t->full_redraw = true;
}

static void handle_mouse(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	bool press = ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED);
	if (t->view) {
		if (ev.bstate & BUTTON4_PRESSED)
			view_scroll(t->view, ACT_UP);
		else if (ev.bstate & BUTTON5_PRESSED)
			view_scroll(t->view, ACT_DOWN);
		else if (press && !rect_has(&t->view->r, ev.y, ev.x))
			close_view(t);
		t->full_redraw = true;
		return;
	}
	if (press && rect_has(&t->fkeys_r, ev.y, ev.x)) {
		do_action(t, fkeys_action_at(t, ev.x));
		return;
	}
	int tab = press ? layout_tab_at(t, ev.y, ev.x) : -1;
	if (tab >= 0) {
		focus(t, (enum pane_id)tab);
		return;
	}
	int id = layout_pane_at(t, ev.y, ev.x);
	if (id < 0)
		return;
	struct pane *p = &t->panes[id];
	bool wants = id == PANE_SHELL && term_wants_mouse(t->term);
	if (press && id != (int)t->focus)
		focus(t, (enum pane_id)id);
	else if (press && !wants && t->filtering)
		t->filtering = false;
	if (rect_has(&p->inner, ev.y, ev.x) &&
	    p->ops->mouse(p, t, &ev, ev.y - p->inner.y, ev.x - p->inner.x) == PANE_REDRAW)
		t->full_redraw = true;
}

static int read_key(int *key)
{
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return ERR;
	*key = r == KEY_CODE_YES ? (int)(KM_FUNC | (int)wc) : (int)wc;
	return OK;
}

static void on_stdin(struct tui *t)
{
	int key;
	while (read_key(&key) == OK) {
		if (key == (KM_FUNC | KEY_MOUSE)) {
			handle_mouse(t);
			continue;
		}
		if (key == (KM_FUNC | KEY_RESIZE))
			continue; /* SIGWINCH comes through the signalfd */
		if (key == 27 && !t->pasting) {
			int next;
			if (read_key(&next) == OK) {
				if (next == 27 || next == (KM_FUNC | KEY_MOUSE)) {
					handle_key(t, 27);
					if (next == 27)
						handle_key(t, 27);
					else
						handle_mouse(t);
					continue;
				}
				key = next | KM_ALT;
			}
		}
		handle_key(t, key);
	}
}

/* ---- pty, session, signals --------------------------------------------------- */

static bool on_master(struct tui *t, struct shell *sh, char *buf)
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

static void rescan(struct tui *t)
{
	t->rescan_due = false;
	struct snap_session *sn = session_snapshot(t->s);
	if (!sn)
		return;
	struct snap_changes *c = xcalloc(1, sizeof *c);
	char err[512];
	if (snap_diff(sn, 0, SNAP_NOW, NULL, c, err, sizeof err) < 0) {
		cleanup_free char *safe = sanitize_str(err);
		snprintf(t->message, sizeof t->message, "changes: %s", safe);
		t->status_dirty = true;
		free(c);
		return;
	}
	kinds_set_changes(t, c);
	t->full_redraw = true; /* titles and the status line count them */
}

static void on_signal(struct tui *t)
{
	struct signalfd_siginfo si;
	while (read(t->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGWINCH: on_winch(t); break;
		case SIGTERM:
		case SIGINT:
		case SIGHUP: request_quit(t); break;
		default: break; /* SIGCHLD: the session reaps through its own fds */
		}
	}
}

static void on_tick(struct tui *t)
{
	uint64_t exp;
	ssize_t unused = read(t->tickfd, &exp, sizeof exp);
	(void)unused;
	uint64_t now = now_mono_ns();
	if (t->rescan_due && now >= t->rescan_at_ns)
		rescan(t);
	if (t->quitting && !t->ended && now >= t->quit_ns + QUIT_KILL_NS)
		session_signal(t->s, SIGKILL);
}

/* ---- drawing ------------------------------------------------------------------ */

static bool anything_dirty(struct tui *t)
{
	if (t->full_redraw || t->status_dirty)
		return true;
	for (int i = 0; i < PANE__COUNT; i++)
		if (t->panes[i].visible && t->panes[i].ops->dirty(&t->panes[i], t))
			return true;
	return false;
}

static void draw_frame(struct tui *t)
{
	bool full = t->full_redraw;
	if (full)
		erase();
	layout_draw_frames(t);
	for (int i = 0; i < PANE__COUNT; i++) {
		struct pane *p = &t->panes[i];
		if (p->visible && (full || p->ops->dirty(p, t)))
			p->ops->draw(p, t, &p->inner, full);
	}
	if (!t->panes[PANE_SHELL].visible)
		term_clear_dirty(t->term); /* drawn in full when it shows again */
	status_draw(t);
	fkeys_draw(t);
	if (t->view)
		view_draw(t, t->view);
	shell_place_cursor(t);
	refresh();
	t->full_redraw = false;
	t->last_frame_ns = now_mono_ns();
}

/* The before-sleep hook: a frame when one is due, else the frame timer. */
static void maybe_draw(struct tui *t)
{
	if (t->frame_armed || !anything_dirty(t))
		return;
	uint64_t now = now_mono_ns();
	if (now - t->last_frame_ns >= FRAME_NS) {
		draw_frame(t);
	} else {
		arm(t->framefd, t->last_frame_ns + FRAME_NS - now);
		t->frame_armed = true;
	}
}

/* ---- set-up --------------------------------------------------------------------- */

/* ~/.config/glassbox/config: "prefix = C-a" (the only setting so far). */
static int config_prefix(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	cleanup_free char *path = xdg && xdg[0] == '/' ? xasprintf("%s/glassbox/config", xdg)
	                          : home               ? xasprintf("%s/.config/glassbox/config", home)
	                                               : NULL;
	char *text = NULL;
	size_t len;
	if (!path || read_file(path, 65536, &text, &len) < 0)
		return KM_CTRL('g');
	int key = KM_CTRL('g');
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], value[32];
		if (sscanf(line, " %31[a-z] = %31s", name, value) == 2 && strcmp(name, "prefix") == 0) {
			int k = keymap_parse_key(value);
			if (k > 0)
				key = k;
		}
	}
	free(text);
	return key;
}

static void event_to_panes(const struct event *ev, void *arg)
{
	kinds_event(arg, ev->kind, ev->time_ns, ev->message, ev->data);
}

static void init_panes(struct tui *t)
{
	static const char *const names[PANE__COUNT] = { "Shell", "Network", "Denied", "Changes" };
	for (int i = 0; i < PANE__COUNT; i++) {
		t->panes[i].id = (enum pane_id)i;
		t->panes[i].name = names[i];
		t->panes[i].ops = i == PANE_SHELL ? &pane_shell_ops : &pane_list_ops;
		if (i != PANE_SHELL)
			t->panes[i].list = &t->lists[i];
	}
	list_init(&t->lists[PANE_NETWORK], PANE_NETWORK, "no network activity yet");
	list_init(&t->lists[PANE_DENIED], PANE_DENIED, "nothing denied yet");
	list_init(&t->lists[PANE_CHANGES], PANE_CHANGES,
	          session_snapshot(t->s) ? "no changes yet" : "snapshots off (start with --snapshot)");
}

static int start_curses(struct tui *t)
{
	setlocale(LC_ALL, "");
	if (!newterm(t->outer_term, stdout, stdin))
		return -1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* no deferred updates on pending input: nothing would redraw them later */
	typeahead(-1);
	mousemask(ALL_MOUSE_EVENTS, NULL);
	mouseinterval(0);
	define_key("\033[200~", KEY_PASTE_BEGIN);
	define_key("\033[201~", KEY_PASTE_END);
	theme_curses_init(&t->theme, t->no_color);
	/* bracketed paste, passed to the shell when it asked for it */
	fputs("\033[?2004h", stdout);
	fflush(stdout);
	return 0;
}

static void stop_curses(void)
{
	endwin();
	fputs("\033[?2004l", stdout);
	fflush(stdout);
}

static int make_fds(struct tui *t, sigset_t *old)
{
	sigset_t mask;
	sigemptyset(&mask);
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, old);
	t->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	t->framefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	t->tickfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return t->sigfd < 0 || t->framefd < 0 || t->tickfd < 0 ? -1 : 0;
}

enum { FD_STDIN, FD_SIG, FD_SESSION, FD_FRAME, FD_TICK, FD_SHELLS };

static void run_loop(struct tui *t)
{
	char *buf = xmalloc(READ_CHUNK);
	for (;;) {
		adopt_masters(t);
		bool any_open = false;
		for (int i = 0; i < t->nshells; i++)
			any_open |= t->shells[i]->open && t->shells[i]->master >= 0;
		if (t->ended && !any_open)
			break;
		maybe_draw(t);
		struct pollfd pfd[FD_SHELLS + TUI_MAX_SHELLS] = {
			[FD_STDIN] = { STDIN_FILENO, POLLIN, 0 },
			[FD_SIG] = { t->sigfd, POLLIN, 0 },
			[FD_SESSION] = { t->ended ? -1 : session_fd(t->s), POLLIN, 0 },
			[FD_FRAME] = { t->framefd, POLLIN, 0 },
			[FD_TICK] = { t->tickfd, POLLIN, 0 },
		};
		for (int i = 0; i < t->nshells; i++) {
			struct shell *sh = t->shells[i];
			pfd[FD_SHELLS + i] = (struct pollfd){ sh->open ? sh->master : -1,
			                                      (short)(POLLIN | (sh->wq_len ? POLLOUT : 0)), 0 };
		}
		/* after the end: drain what is left without waiting */
		int n = poll(pfd, (nfds_t)(FD_SHELLS + t->nshells), t->ended ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[FD_SIG].revents & POLLIN)
			on_signal(t);
		if (pfd[FD_STDIN].revents & POLLIN)
			on_stdin(t);
		if (pfd[FD_STDIN].revents & (POLLHUP | POLLERR))
			request_quit(t);
		bool dropped = false;
		for (int i = 0; i < t->nshells; i++) {
			struct shell *sh = t->shells[i];
			short re = pfd[FD_SHELLS + i].revents;
			if (re & POLLOUT)
				flush_queue(sh);
			if (re & (POLLIN | POLLHUP | POLLERR))
				sh->open = on_master(t, sh, buf);
			if (t->ended && !(re & POLLIN))
				sh->open = false; /* drained */
			dropped |= !sh->open;
		}
		if (dropped && !t->ended)
			drop_ended_shells(t);
		if (pfd[FD_SESSION].revents & POLLIN && session_dispatch(t->s) == 1)
			t->ended = true;
		if (pfd[FD_FRAME].revents & POLLIN) {
			uint64_t exp;
			ssize_t unused = read(t->framefd, &exp, sizeof exp);
			(void)unused;
			t->frame_armed = false;
		}
		if (pfd[FD_TICK].revents & POLLIN)
			on_tick(t);
		bool busy = n > 0 && status_sample(t);
		arm_tick(t, busy);
	}
	free(buf);
}

int tui_run(const struct cli_options *o)
{
	struct tui t = { .o = o, .zoom = -1, .focus = PANE_SHELL, .sigfd = -1,
	                 .framefd = -1, .tickfd = -1 };
	char err[1024];
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		headless_error("--tui needs a terminal on stdin and stdout");
		return 2;
	}
	const char *theme = o->theme ? o->theme : "dark";
	if (theme_load(theme, &t.theme, err, sizeof err) < 0) {
		headless_error(err);
		return 2;
	}
	const char *nc = getenv("NO_COLOR");
	t.no_color = (nc && nc[0]) || strcmp(theme, "mono") == 0;
	t.prefix_key = config_prefix();

	/* The shell pane is an xterm-like emulator (libvterm) whatever the outer
	 * terminal is: programs in the sandbox get TERM=xterm-256color (an
	 * explicit --env TERM=... still wins); curses keeps the outer type. */
	const char *outer = getenv("TERM");
	t.outer_term = outer && outer[0] ? xstrdup(outer) : NULL;
	setenv("TERM", "xterm-256color", 1);

	/* warnings while the session opens reach the status line */
	event_add_sink(event_to_panes, &t);
	int rc = session_open(o, &t.s, err, sizeof err);
	if (rc != 0) {
		event_remove_sink(event_to_panes, &t);
		headless_error(err);
		free(t.outer_term);
		return rc;
	}
	init_panes(&t);
	sigset_t old;
	if (make_fds(&t, &old) < 0) {
		headless_error("cannot create the event loop's fds");
		event_remove_sink(event_to_panes, &t);
		session_free(t.s);
		free(t.outer_term);
		return 125;
	}
	install_fatal_handlers();
	if (start_curses(&t) < 0) {
		headless_error("cannot initialise the terminal (is TERM right?)");
		event_remove_sink(event_to_panes, &t);
		session_free(t.s);
		free(t.outer_term);
		return 125;
	}
	layout_compute(&t);
	const struct rect *r = &t.panes[PANE_SHELL].inner;
	t.term_rows = r->h > 1 ? r->h : 1;
	t.term_cols = r->w > 2 ? r->w : 2;
	t.shells[t.nshells++] = shell_new(&t, 0);
	show_shell(&t, 0);
	struct session_io io = { .pty_only = true, .rows = (unsigned short)t.term_rows,
	                         .cols = (unsigned short)t.term_cols };
	rc = session_start(t.s, &io, err, sizeof err);
	if (rc == 0) {
		status_sample(&t);
		run_loop(&t);
	}
	stop_curses();
	char ferr[1024] = "";
	int status = session_finish(t.s, ferr, sizeof ferr);
	if (rc != 0) {
		headless_error(err);
		status = rc;
	} else if (ferr[0]) {
		headless_error(ferr);
	}
	event_remove_sink(event_to_panes, &t);
	struct snap_store *st = NULL;
	struct snap_session *sn = NULL;
	session_take_snapshot(t.s, &st, &sn);
	if (sn)
		snapshot_end(o, session_cwd(t.s), st, sn);
	session_free(t.s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	view_free(t.view);
	for (int i = 1; i < PANE__COUNT; i++)
		list_free(&t.lists[i]);
	if (t.changes) {
		snap_changes_free(t.changes);
		free(t.changes);
	}
	for (int i = 0; i < t.nshells; i++)
		shell_free(t.shells[i]);
	free(t.outer_term);
	free(t.paste);
	close(t.sigfd);
	close(t.framefd);
	close(t.tickfd);
	return status;
}
