/* keymap: the one table of the TUI's keys. The loop asks it what a key means
 * in the current context; the help screen and the F-key bar are generated
 * from it, so what is documented is what is bound.
 *
 * Keys are ints: a Unicode code point, KM_FUNC | an ncurses KEY_* code, each
 * optionally | KM_ALT (Escape then the key). */
#ifndef GLASSBOX_KEYMAP_H
#define GLASSBOX_KEYMAP_H
#include <stdbool.h>
#include <stddef.h>

#define KM_FUNC (1 << 24)
#define KM_ALT (1 << 25)
#define KM_CTRL(c) ((c) & 0x1f)

enum km_context {
	KM_ALWAYS, /* wherever the focus is (the shell gets F-keys only in full-screen programs) */
	KM_PREFIX, /* after the prefix key */
	KM_SHELL,  /* the shell pane has the keyboard */
	KM_LIST,   /* a Network, Denied or Changes pane has the keyboard */
	KM_VIEW,   /* help, details, diff or a dialog is open */
	KM_PERMS,  /* the Permissions dialog (before KM_VIEW) */
	KM__COUNT
};

enum tui_action {
	ACT_NONE,
	ACT_HELP,
	ACT_PERMS,
	ACT_SNAPS,
	ACT_ZOOM,
	ACT_QUIT,
	ACT_FOCUS_NEXT,
	ACT_FOCUS_PREV,
	ACT_FOCUS_SHELL,
	ACT_FOCUS_NETWORK,
	ACT_FOCUS_DENIED,
	ACT_FOCUS_CHANGES,
	ACT_SEND_PREFIX,
	ACT_SCROLL_BACK,    /* shell scrollback, a page */
	ACT_SCROLL_FORWARD,
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_OPEN,   /* details or diff of the selected entry */
	ACT_FILTER,
	ACT_CLOSE,  /* close the view / leave a list for the shell */
	ACT_NEW_SHELL,
	ACT_NEXT_SHELL,
	ACT_PREV_SHELL,
	ACT_CHECKPOINT,
	ACT_RESTORE,
	ACT_SNAP_DIFF,    /* Snapshots: what changed since the selected checkpoint */
	ACT_SNAP_NAMED,   /* Snapshots: type a name, then record a checkpoint */
	ACT_UNDO_FILE,    /* a Changes diff: restore that file to the start */
	ACT_ALLOW_NOW,    /* details of a Network/Denied entry: allow it live */
	ACT_PERM_ADD,     /* Permissions: type a path or host to allow */
	ACT_PERM_TOGGLE,
	ACT_PERM_REMOVE,
	ACT_ASK_ONCE,     /* ask mode: answer the question at the top of Denied */
	ACT_ASK_SESSION,
	ACT_ASK_DENY,
	ACT__COUNT
};

struct key_binding {
	enum km_context ctx;
	int key;
	enum tui_action action;
	const char *help; /* NULL: an alias, left out of the help */
};

extern const struct key_binding keymap[];
extern const size_t keymap_len;

/* The action of key in ctx (ACT_NONE when unbound). */
enum tui_action keymap_lookup(enum km_context ctx, int key);
/* The first key bound to action in ctx, -1 when none. */
int keymap_key_for(enum km_context ctx, enum tui_action action);
/* "F1", "C-g", "M-1", "Tab", "S-PgUp", "q"... into buf. */
void keymap_key_name(int key, char *buf, size_t len);
/* Parses what keymap_key_name writes for a plain or control key ("C-a",
 * "C-]", "x"); -1 when it is not one. */
int keymap_parse_key(const char *s);
/* The help text, one line per string, generated from the table (the prefix
 * key is named in KM_PREFIX lines). Free with keymap_help_free. */
char **keymap_help(int prefix_key, size_t *n);
void keymap_help_free(char **lines, size_t n);

#endif
