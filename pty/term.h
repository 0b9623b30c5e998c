/* term: the screen model of one shell pane. Wraps libvterm's *state* layer
 * (the screen layer copies the whole screen per line feed and cannot keep up
 * with a flood; see TERMINAL-NOTES) and keeps its own grid: a ring of row
 * pointers for the visible screen, a scrollback ring of reused rows, the
 * alternate screen, and per-row dirty marks. No ncurses here: the TUI reads
 * cells and draws them.
 *
 * Bytes from the pty master go in through term_write(); bytes the terminal
 * must send back to the program (key encodings, DA/DSR/CPR answers, mouse
 * reports, bracketed-paste markers) come out through the output callback and
 * belong on the pty master. */
#ifndef GLASSBOX_TERM_H
#define GLASSBOX_TERM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_MAX_CHARS 6 /* base character plus combining characters */

enum term_color_kind { TERM_COLOR_DEFAULT, TERM_COLOR_INDEXED, TERM_COLOR_RGB };

struct term_color {
	uint8_t kind; /* enum term_color_kind */
	uint8_t index; /* TERM_COLOR_INDEXED: 0..255 */
	uint8_t r, g, b; /* TERM_COLOR_RGB */
};

enum term_attr {
	TERM_ATTR_BOLD = 1 << 0,
	TERM_ATTR_ITALIC = 1 << 1,
	TERM_ATTR_UNDERLINE = 1 << 2,
	TERM_ATTR_REVERSE = 1 << 3,
	TERM_ATTR_BLINK = 1 << 4,
	TERM_ATTR_STRIKE = 1 << 5,
	TERM_ATTR_CONCEAL = 1 << 6,
};

struct term_cell {
	uint32_t chars[TERM_MAX_CHARS]; /* zero-terminated; chars[0] == 0: blank */
	uint8_t width;                  /* 1, 2 (wide), or 0 for the right half of a wide char */
	uint16_t attrs;                 /* enum term_attr bits */
	struct term_color fg, bg;
};

/* Keys that are not plain characters. */
enum term_key {
	TERM_KEY_ENTER = 1, TERM_KEY_TAB, TERM_KEY_BACKSPACE, TERM_KEY_ESCAPE,
	TERM_KEY_UP, TERM_KEY_DOWN, TERM_KEY_LEFT, TERM_KEY_RIGHT,
	TERM_KEY_INS, TERM_KEY_DEL, TERM_KEY_HOME, TERM_KEY_END,
	TERM_KEY_PAGEUP, TERM_KEY_PAGEDOWN,
	TERM_KEY_F1, /* F1..F12 are TERM_KEY_F1 + n - 1 */
	TERM_KEY_F12 = TERM_KEY_F1 + 11,
};

enum term_mod { TERM_MOD_SHIFT = 1, TERM_MOD_ALT = 2, TERM_MOD_CTRL = 4 };

struct term_callbacks {
	/* Bytes for the program (write them to the pty master). Required. */
	void (*output)(const char *bytes, size_t len, void *ctx);
	/* The program set its window title (UTF-8, untrusted: sanitise). */
	void (*title)(const char *utf8, void *ctx);
	void (*bell)(void *ctx);
};

struct term;

/* A rows x cols screen keeping scrollback_lines lines of history (the TUI
 * uses >= 10000). Returns NULL only on allocation failure. */
struct term *term_new(int rows, int cols, size_t scrollback_lines,
                      const struct term_callbacks *cb, void *ctx);
void term_free(struct term *t);

/* Feeds program output. Cheap per byte: no allocation per line. */
void term_write(struct term *t, const char *bytes, size_t len);
/* New size. Soft-wrapped lines of the primary screen and the history are
 * joined and split again at a new width (hard line breaks stay; the
 * alternate screen is only cut); the cursor stays on the same character of
 * its line and inside the screen (0.1.4 shrink bug handled). The caller also
 * sets the pty's window size. */
void term_resize(struct term *t, int rows, int cols);

/* Input, encoded the way the program asked (cursor-key mode, etc.) and sent
 * through the output callback. */
void term_key_char(struct term *t, uint32_t codepoint, int mods);
void term_key(struct term *t, enum term_key key, int mods);
/* Pasted text; wrapped in ESC[200~ ... ESC[201~ when the program enabled
 * bracketed paste. */
void term_paste(struct term *t, const char *utf8, size_t len);
/* True while the program asked for mouse reports (then the TUI passes mouse
 * events through instead of using them). */
bool term_wants_mouse(const struct term *t);
/* A mouse event at (row, col) of the visible screen, 0-based. button: 1-3,
 * 4/5 wheel up/down; pressed false for a release. */
void term_mouse(struct term *t, int row, int col, int button, bool pressed, int mods);

/* Reading the screen. Rows are 0..rows-1 of what should be shown: with the
 * view scrolled back by term_view_offset() lines, the top rows come from
 * scrollback. Cells beyond a row's written length are blank with the fill
 * colours. */
void term_size(const struct term *t, int *rows, int *cols);
void term_get_cell(const struct term *t, int row, int col, struct term_cell *out);
/* Cursor position on the live screen; visible is false when the program hid
 * it or the view is scrolled back. */
void term_cursor(const struct term *t, int *row, int *col, bool *visible);
bool term_altscreen(const struct term *t);
/* True when the text of displayed row `row` went on at the start of the next
 * row because the line was full (autowrap), not because of a line break: a
 * copy joins such rows without a newline. */
bool term_row_wrapped(const struct term *t, int row);
/* Program-set title, "" when none (untrusted). */
const char *term_title(const struct term *t);

/* Scrollback view: delta > 0 scrolls back into history, < 0 towards the live
 * screen; clamped. Any term_write of new output keeps the offset (like tmux
 * copy mode) until term_scroll_view(t, -INT_MAX) or a key is sent: the view
 * stays on the same lines, so the offset grows as output pushes lines into
 * history. The alternate screen has no history: the offset is 0 there. */
void term_scroll_view(struct term *t, int delta);
int term_view_offset(const struct term *t);
size_t term_scrollback_len(const struct term *t);

/* Dirty tracking: true when row changed since the last term_clear_dirty();
 * term_any_dirty() says whether a frame is needed at all. */
bool term_row_dirty(const struct term *t, int row);
bool term_any_dirty(const struct term *t);
void term_clear_dirty(struct term *t);

#endif
