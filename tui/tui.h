/* tui: the terminal UI face. One application struct (struct tui) holds the
 * session, the shell pane's screen model, the live panes and the layout; the
 * loop in tui.c feeds it from one poll() and draws one frame at most every
 * 16 ms, only when something is dirty.
 *
 * Panes follow htop's Panel: a small vtable (draw, key, mouse, title) with
 * handler results, so the loop treats the shell and the lists alike. */
#ifndef GLASSBOX_TUI_H
#define GLASSBOX_TUI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curses.h>
#include <cjson/cJSON.h>

#include "cli.h"
#include "strlist.h"
#include "keymap.h"
#include "theme.h"

struct session;
struct term;

/* Runs the TUI over a session for o; returns the exit status (the shell's). */
int tui_run(const struct cli_options *o);

enum pane_id { PANE_SHELL, PANE_NETWORK, PANE_DENIED, PANE_CHANGES, PANE__COUNT };

struct rect {
	int y, x, h, w;
};

static inline bool rect_has(const struct rect *r, int y, int x)
{
	return r->h > 0 && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w;
}

enum pane_result {
	PANE_IGNORED = 0,
	PANE_HANDLED = 1,
	PANE_REDRAW = 2,
};

struct tui;
struct pane;

struct pane_ops {
	/* Draws the pane's inside (r is inside the border). full: everything,
	 * else only what changed. */
	void (*draw)(struct pane *p, struct tui *t, const struct rect *r, bool full);
	/* An action from the keymap, or a raw key (action ACT_NONE). */
	enum pane_result (*key)(struct pane *p, struct tui *t, enum tui_action a, int key);
	/* A mouse event inside the pane's inner rect (relative coordinates). */
	enum pane_result (*mouse)(struct pane *p, struct tui *t, const MEVENT *ev, int y, int x);
	/* The title, e.g. "Network 3 (1 denied)". */
	void (*title)(struct pane *p, struct tui *t, char *buf, size_t len);
	/* true when the pane's inside needs drawing. */
	bool (*dirty)(struct pane *p, struct tui *t);
	/* The keymap context of its keys while it has the keyboard. */
	enum km_context keymap;
};

struct list_entry {
	char *line;        /* sanitised display text */
	enum theme_role role;
	cJSON *data;       /* the event's fields (owned), for details */
	size_t change;     /* Changes: index into tui.changes */
};

#define LIST_MAX 10000 /* entries kept per list; the oldest tenth goes first */

struct list_pane {
	enum pane_id id;
	const char *empty_text; /* shown while there is nothing */
	struct list_entry *v;
	size_t n, cap;
	size_t sel;          /* index into the visible (filtered) entries */
	size_t top;          /* first visible row */
	bool follow;         /* the selection follows new entries */
	char filter[128];    /* "" = none */
	size_t *shown;       /* filtered indices */
	size_t nshown;
	size_t denied;       /* Network: how many were denied */
	size_t dropped;      /* oldest entries dropped to stay under LIST_MAX */
	bool changed;
};

struct pane {
	const struct pane_ops *ops;
	enum pane_id id;
	const char *name;
	struct rect outer, inner;
	bool visible;
	struct list_pane *list; /* list panes */
};

/* A scrollable text overlay: help, details, diffs, dialogs. */
struct view_line {
	char *text; /* sanitised */
	enum theme_role role;
	int item;   /* a selectable row's number, -1 for plain text */
};
enum view_kind { VIEW_HELP, VIEW_DETAILS, VIEW_DIFF, VIEW_PERMS, VIEW_SNAPS, VIEW_CONFIRM };
struct view {
	enum view_kind kind;
	char title[128];
	struct view_line *lines;
	size_t n, cap;
	size_t top;
	struct rect r;
	int sel_item;        /* the highlighted row (view_line.item), -1: none */
	char allow_flag[512]; /* details: the flag that would allow it, "" none */
	char *change_path;    /* a Changes diff: the file (absolute), for u (undo) */
	char change_kind;     /* its A/M/D */
};

/* The Permissions dialog's state (perms.c), kept while it is reopened. */
struct perms_dialog {
	struct strlist items;    /* the selectable rules: paths, then hosts */
	size_t sel;
	bool editing;            /* typing into the add line */
	char input[512];
	struct strlist results;  /* what the last apply did (raw text) */
	bool failed;             /* results hold an error */
	char select[512];        /* the next rebuild selects this item */
};

/* One question of ask mode waiting for an answer (ask_queue.c). */
struct ask_item {
	char id[32];
	bool write;            /* a write, else a network attempt */
	bool once;             /* "once" is a possible answer (writes: opens only) */
	char *what;            /* "write /x by sh", "GET 127.0.0.1:80" (raw) */
	uint64_t deadline_ns;  /* monotonic, as the core counts it */
};

struct ask_queue {
	struct ask_item *v;
	size_t n, cap;
	bool paused;           /* the user is interacting: the clocks stop */
	uint64_t paused_at;
	uint64_t interact_ns;  /* the last key the UI (not the shell) took */
	uint64_t redraw_due;   /* when the seconds shown next change */
};

/* One sandboxed shell shown in the shell pane: shell 0 is the session's
 * command, more come from session_spawn() (prefix c). */
struct shell {
	struct tui *t;
	int id;            /* the session's shell id */
	struct term *term;
	int master;        /* pty master, -1 until it arrives */
	bool open;         /* master not yet at EOF */
	char *wq;          /* bytes waiting for the pty master */
	size_t wq_len, wq_cap;
};

#define TUI_MAX_SHELLS 16

struct tui {
	const struct cli_options *o;
	struct session *s;
	struct term *term; /* the shown shell's screen (shells[active].term) */
	struct shell *shells[TUI_MAX_SHELLS];
	int nshells, active;
	struct theme theme;
	bool no_color;
	int prefix_key;
	char *outer_term;  /* TERM of the terminal we draw on */

	int sigfd, framefd, tickfd;

	bool ended;        /* the shell exited */
	bool quitting;     /* F10: SIGHUP sent */
	uint64_t quit_ns;

	/* layout */
	int rows, cols;
	bool narrow;       /* tabs instead of side-by-side panes */
	int zoom;          /* a zoomed pane, or -1 */
	enum pane_id focus;
	struct pane panes[PANE__COUNT];
	struct list_pane lists[PANE__COUNT]; /* [PANE_SHELL] unused */
	struct rect status_r, fkeys_r, tabs_r;
	int term_rows, term_cols;

	/* input state */
	bool prefix_pending;
	bool filtering;    /* typing a filter into the focused list */
	char filter_edit[128];
	bool pasting;
	char *paste;
	size_t paste_len, paste_cap;

	struct view *view; /* open overlay, or NULL */
	struct perms_dialog perms;
	struct ask_queue asks;
	bool confirm_restore;
	bool confirm_quit; /* the quit view asks: keep the changes, restore, or stay */
	size_t snap_sel;   /* F3: the selected checkpoint (0: the start) */
	bool confirm_undo; /* a Changes diff asks before restoring its file */
	bool snap_naming;  /* F3: typing a new checkpoint's name */
	char snap_name[128];

	/* drawing */
	bool full_redraw;
	bool status_dirty;
	bool frame_armed;
	uint64_t last_frame_ns;
	char message[256]; /* last warning shown in the status line */

	/* snapshot changes (rescanned after shell activity, rescan.c) */
	struct rescan *rescan;
	bool rescan_again;
	void *changes;     /* struct snap_changes * */
	bool rescan_due;
	uint64_t rescan_at_ns;

	/* sandbox CPU and memory */
	unsigned long long cpu_ticks_last;
	uint64_t cpu_sample_ns;
	double cpu_pct;
	unsigned long long rss_kb;
};

/* tui.c */
void tui_relayout(struct tui *t);

/* input.c */
void input_on_stdin(struct tui *t);
void tui_action(struct tui *t, enum tui_action a);
void tui_focus(struct tui *t, enum pane_id id);
void tui_request_quit(struct tui *t);

/* shells.c */
struct shell *shell_new(struct tui *t, int id);
void shell_free(struct shell *sh);
void show_shell(struct tui *t, int index);
void new_shell(struct tui *t);
void adopt_masters(struct tui *t);
void drop_ended_shells(struct tui *t);
void flush_queue(struct shell *sh);
/* Reads what the shell printed (up to a per-turn budget) into its screen;
 * false once its pty has ended. */
bool shell_read(struct tui *t, struct shell *sh, char *buf);
#define READ_CHUNK (64 * 1024)  /* one read() from a pty master */

/* The bracketed-paste markers, defined as keys (define_key) in tui.c. */
#define KEY_PASTE_BEGIN (KEY_MAX + 101)
#define KEY_PASTE_END (KEY_MAX + 102)

/* rescan.c: the Changes list from a worker thread */
int rescan_init(struct tui *t);
int rescan_fd(const struct tui *t);
void rescan_start(struct tui *t);
/* The loop calls this when rescan_fd() is readable. */
void rescan_done(struct tui *t);
/* Before anything else uses the snapshot session. */
void rescan_wait(struct tui *t);
void rescan_free(struct tui *t);

/* layout.c */
void layout_compute(struct tui *t);
void layout_draw_frames(struct tui *t);
/* The pane under (y, x), or -1. */
int layout_pane_at(const struct tui *t, int y, int x);
/* Which tab was clicked in narrow mode, or -1. */
int layout_tab_at(const struct tui *t, int y, int x);

/* pane_shell.c */
extern const struct pane_ops pane_shell_ops;
/* Sends a key from ncurses to the shell (through the term's encoder). */
void shell_send_key(struct tui *t, int key);
void shell_place_cursor(struct tui *t);

/* pane_list.c */
extern const struct pane_ops pane_list_ops;
void list_init(struct list_pane *l, enum pane_id id, const char *empty_text);
void list_free(struct list_pane *l);
void list_clear(struct list_pane *l);
void list_add(struct list_pane *l, char *line, enum theme_role role, cJSON *data, size_t change);
void list_set_filter(struct list_pane *l, const char *filter);
/* The selected entry, NULL when the list (as filtered) is empty. */
struct list_entry *list_selected(struct list_pane *l);

/* pane_kinds.c: events into list entries, details and diffs */
void kinds_event(struct tui *t, int kind, uint64_t time_ns, const char *message, const cJSON *data);
void kinds_set_changes(struct tui *t, void *changes /* struct snap_changes *, owned */);
struct view *kinds_details(struct tui *t, struct pane *p, struct list_entry *e);

/* view.c */
struct view *view_new(enum view_kind kind, const char *title);
/* Adds a line of untrusted text (sanitised here; tabs expanded). */
void view_add(struct view *v, enum theme_role role, const char *text);
void view_addf(struct view *v, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void view_free(struct view *v);
void view_draw(struct tui *t, struct view *v);
/* Scrolls for an action; returns true when it did something. */
bool view_scroll(struct view *v, enum tui_action a);
/* A one-line text input (UTF-8 in buf): a typed character, Backspace,
 * Enter (done) or Escape (cancel). */
enum input_result { INPUT_EDITED, INPUT_DONE, INPUT_CANCEL };
enum input_result input_line_key(char *buf, size_t cap, int key);
struct view *view_help(struct tui *t);

/* status.c */
void status_draw(struct tui *t);
void fkeys_draw(struct tui *t);
/* The action of the key-bar label at column x, ACT_NONE when none. */
enum tui_action fkeys_action_at(const struct tui *t, int x);
/* Samples the sandbox's CPU and memory; returns true while it is busy. */
bool status_sample(struct tui *t);

/* perms.c: F2 Permissions, live */
struct view *dialog_perms(struct tui *t);
/* A key while the Permissions dialog is open; false: not its key. */
bool perms_key(struct tui *t, int key);
/* "allow now" in an open details view. */
void perms_allow_now(struct tui *t);
void perms_free(struct tui *t);

/* ask_queue.c: ask mode's questions at the top of the Denied pane */
void ask_queue_event(struct tui *t, const char *message, const cJSON *data);
void ask_queue_answer(struct tui *t, const char *answer);
/* Pauses or resumes the core's countdowns as the user interacts. */
void ask_queue_update_pause(struct tui *t);
/* When the tick timer should next fire for the queue (UINT64_MAX: never). */
uint64_t ask_queue_next_tick(const struct tui *t);
/* Every turn of the loop: the pause, and a redraw when the seconds shown
 * change (the tick timer wakes the loop for it). */
void ask_queue_poll(struct tui *t);
/* Draws the queue at the top of r; returns the rows it took. */
int ask_queue_draw(struct tui *t, const struct rect *r);
void ask_queue_free(struct tui *t);

/* dialogs.c */
struct view *dialog_snaps(struct tui *t);
void dialog_snaps_select(struct tui *t, int delta);
void dialog_undo_ask(struct tui *t);
void dialog_undo_key(struct tui *t, int key);
void dialog_snaps_name_key(struct tui *t, int key);
struct view *dialog_snaps_diff(struct tui *t);
bool dialog_quit_needed(struct tui *t);
struct view *dialog_quit(struct tui *t);
void dialog_quit_key(struct tui *t, int key);
void dialog_snaps_action(struct tui *t, enum tui_action a);

/* draw helpers (layout.c) */
void draw_text(int y, int x, int w, const char *utf8, attr_t attr);
void draw_fill(int y, int x, int w, attr_t attr);
/* A box on r with " title " (sanitised by the caller) in its top edge. */
void draw_box_frame(const struct rect *r, attr_t border, const char *title, attr_t title_attr);

#endif
