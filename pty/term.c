/* term: the screen model of one shell pane, on libvterm's state layer.
 *
 * Data flow: term_write() feeds pty output to libvterm's parser and state
 * machine, which calls back here per glyph (putglyph), per scroll (scrollrect)
 * and per erase; those callbacks edit our own grid and mark rows dirty. The
 * TUI reads cells with term_get_cell() at frame rate. Anything libvterm must
 * answer (DA, DSR/CPR, key encodings, mouse reports, paste brackets) comes out
 * of vterm's output callback and goes straight to the caller's output
 * callback, i.e. the pty master.
 *
 * The grid is built to keep up with a flood (TERMINAL-NOTES):
 * - a screen is a ring of row pointers with a head index, so a full-screen
 *   scroll moves the head; scroll regions rotate the pointers of their rows;
 * - a row stores only its written cells plus one "fill" cell for the rest, so
 *   blanking a row, erasing to the end of a line and a new line cost O(1);
 * - a row scrolled off the top of the primary screen is swapped into the
 *   scrollback ring, whose oldest row comes back as the new blank line: once
 *   the history is full no line allocates memory.
 * Cells are 16 bytes; a cell with combining characters keeps them in a pool
 * (compacted when it fills up) so moving a cell is a plain copy.
 *
 * Program output is untrusted and libvterm 0.1.4 is not robust against it:
 * some sequences corrupt its heap, hang it or drive its cursor off the
 * screen. term_write() therefore runs every byte through an input guard that
 * mirrors libvterm's parser state and cuts or rewrites those sequences before
 * libvterm sees them (details above term_write); the same scan tracks SGR
 * 8/28 (conceal), which 0.1.4 does not report.
 *
 * Allocation failure after term_new() aborts: the UI cannot continue without
 * its screen, and every caller would otherwise have to handle it per byte. */
#include "term.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>

#define ATTR_PUBLIC_MASK 0x7f
#define ATTR_PROTECTED (1u << 14) /* DECSCA: selective erase leaves it */
#define ATTR_COMBINED (1u << 15)  /* ch is an index into the combining pool */
#define TITLE_MAX 256

struct color {
	uint8_t kind, v0, v1, v2; /* INDEXED: v0 is the index; RGB: v0..v2 */
};

struct cell {
	uint32_t ch; /* codepoint, 0 for blank; a pool index with ATTR_COMBINED */
	uint16_t attrs;
	uint8_t width;
	uint8_t unused;
	struct color fg, bg;
};

struct row {
	struct cell *cells; /* cells[0..len) written, the rest are `fill` */
	int len, cap;
	struct cell fill;
	bool wrapped; /* the text went on at the start of the next row (autowrap) */
};

/* One screen (primary or alternate): rows[(head + r) % nrows] is row r. */
struct grid {
	struct row **rows;
	int nrows, head;
};

#define CSI_MAX_PARAMS 16 /* libvterm 0.1.4's csi_args[], which it does not bound */
#define CSI_MAX_DIGITS 9  /* keeps every parameter inside an int */

/* The input guard's copy of libvterm's parser state, carried between
 * term_write() calls (see term_write). */
struct input_guard {
	enum {
		IN_GROUND,
		IN_ESC,
		IN_CSI_LEADER,
		IN_CSI_ARGS,
		IN_CSI_INTERMED,
		IN_STRING,
		IN_STRING_ESC
	} state;
	bool odd;              /* this CSI has a leader or an intermediate */
	bool dec_private;      /* this CSI's leader is '?' */
	bool esc_intermediate; /* an ESC sequence with intermediates (not DECRC) */
	bool dropping;         /* parameters past CSI_MAX_PARAMS are being left out */
	int nparams, digits;
	int params[CSI_MAX_PARAMS]; /* -1: missing */
	uint32_t colon;             /* bit i: params[i] was followed by ':' */
	/* A UTF-8 sequence cut by the end of a write, kept until it completes. */
	unsigned char held[4];
	size_t held_len, held_need;
};

struct term {
	VTerm *vt;
	VTermState *state;
	struct term_callbacks cb;
	void *ctx;
	int rows, cols;

	struct grid primary, alt;
	struct grid *screen;  /* primary or alt */
	struct row **scratch; /* rows pointers, for rotating a region */

	/* History: oldest is history[hist_head], hist_len rows of hist_cap. */
	struct row **history;
	size_t hist_cap, hist_len, hist_head;
	int view_offset;

	struct cell pen; /* attrs and colours of the next glyph */
	bool conceal;
	struct input_guard guard;
	int last_glyph_width; /* what libvterm repeats for REP */

	uint32_t (*pool)[TERM_MAX_CHARS];
	uint32_t pool_len, pool_cap;

	bool *dirty; /* per displayed row */
	bool all_dirty, any_dirty;
	int clean_cursor_row, clean_cursor_col;
	bool clean_cursor_visible;

	/* The row whose last column (or, for a wide glyph that does not fit,
	 * last but one) the latest glyph filled: a glyph at column 0 of the row
	 * below it, with no cursor movement in between, is autowrap.
	 * edge_col: where that glyph starts (libvterm leaves the cursor there
	 * while a wrap is pending); edge_filled: it filled the last column
	 * itself, so a wrap is pending. */
	struct row *edge_row;
	int edge_col;
	bool edge_filled;
	/* Where the last resize put the cursor (on_resize), for term_resize,
	 * and the edge row it leaves (set once the cursor is there). */
	int resized_cursor_row, resized_cursor_col;
	struct row *resized_edge_row;

	bool cursor_visible;
	int mouse_mode;
	char title[TITLE_MAX];
};

static const struct cell blank_cell = { .width = 1 };

static void *alloc_or_die(void *p)
{
	if (!p)
		abort();
	return p;
}

static bool cell_same_look(const struct cell *a, const struct cell *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- rows ---- */

static struct row *row_new(const struct cell *fill)
{
	struct row *r = alloc_or_die(calloc(1, sizeof(*r)));
	r->fill = *fill;
	return r;
}

static void row_free(struct row *r)
{
	if (r) {
		free(r->cells);
		free(r);
	}
}

static void row_reserve(struct row *r, int n, int cols)
{
	if (n <= r->cap)
		return;
	int cap = r->cap ? r->cap : 16;
	while (cap < n)
		cap *= 2;
	if (cap > cols && n <= cols)
		cap = cols;
	r->cells = alloc_or_die(realloc(r->cells, (size_t)cap * sizeof(struct cell)));
	r->cap = cap;
}

/* Makes cells [len, upto) explicit copies of the fill cell. */
static void row_materialise(struct row *r, int upto, int cols)
{
	if (upto <= r->len)
		return;
	row_reserve(r, upto, cols);
	for (int c = r->len; c < upto; c++)
		r->cells[c] = r->fill;
	r->len = upto;
}

static void row_blank(struct row *r, const struct cell *fill)
{
	r->len = 0;
	r->fill = *fill;
	r->wrapped = false;
}

static const struct cell *row_cell(const struct row *r, int col)
{
	return col < r->len ? &r->cells[col] : &r->fill;
}

/* A wide character may not straddle col-1|col after an edit there: blank
 * both halves. */
static inline void row_split_wide(struct row *r, int col)
{
	if (col <= 0 || col >= r->len || r->cells[col].width != 0)
		return;
	struct cell *left = &r->cells[col - 1], *right = &r->cells[col];
	left->ch = 0;
	left->attrs &= (uint16_t)~ATTR_COMBINED;
	left->width = 1;
	right->ch = 0;
	right->attrs &= (uint16_t)~ATTR_COMBINED;
	right->width = 1;
}

/* Cells [sc, ec) become `blank`; selective erase keeps protected cells. */
static void row_erase(struct row *r, int sc, int ec, const struct cell *blank, bool selective,
                      int cols)
{
	if (sc >= ec)
		return;
	row_split_wide(r, sc);
	row_split_wide(r, ec);
	if (selective) {
		int end = ec < r->len ? ec : r->len;
		for (int c = sc; c < end; c++)
			if (!(r->cells[c].attrs & ATTR_PROTECTED))
				r->cells[c] = *blank;
		if (ec <= r->len)
			return;
		if (sc < r->len)
			sc = r->len;
	}
	if (ec >= cols) {
		r->wrapped = false;
		if (sc >= r->len && cell_same_look(&r->fill, blank))
			return;
		row_materialise(r, sc, cols);
		r->len = sc;
		r->fill = *blank;
		return;
	}
	if (sc >= r->len && cell_same_look(&r->fill, blank))
		return;
	row_materialise(r, ec, cols);
	for (int c = sc; c < ec; c++)
		r->cells[c] = *blank;
}

/* Cells [sc, ec) of dst become those of src. */
static void row_copy_span(struct row *dst, const struct row *src, int sc, int ec, int cols)
{
	row_materialise(dst, ec, cols);
	for (int c = sc; c < ec; c++)
		dst->cells[c] = *row_cell(src, c);
	row_split_wide(dst, sc);
	row_split_wide(dst, ec);
}

/* Shifts cells [sc, ec) left by n (n < 0: right), blanking what is uncovered. */
static void row_shift(struct row *r, int sc, int ec, int n, const struct cell *blank, int cols)
{
	int width = ec - sc;
	if (sc >= r->len && cell_same_look(&r->fill, blank))
		return; /* only fill cells move */
	if (n >= width || -n >= width) {
		row_erase(r, sc, ec, blank, false, cols);
		return;
	}
	row_split_wide(r, sc);
	row_split_wide(r, ec);
	row_materialise(r, ec, cols);
	if (n > 0) {
		memmove(&r->cells[sc], &r->cells[sc + n],
		        (size_t)(width - n) * sizeof(struct cell));
		for (int c = ec - n; c < ec; c++)
			r->cells[c] = *blank;
	} else {
		int m = -n;
		memmove(&r->cells[sc + m], &r->cells[sc],
		        (size_t)(width - m) * sizeof(struct cell));
		for (int c = sc; c < sc + m; c++)
			r->cells[c] = *blank;
	}
	/* A half of a wide character may have been pushed against an edge. */
	if (r->cells[sc].width == 0)
		r->cells[sc] = *blank;
	if (r->cells[ec - 1].width == 2) {
		r->cells[ec - 1].ch = 0;
		r->cells[ec - 1].attrs &= (uint16_t)~ATTR_COMBINED;
		r->cells[ec - 1].width = 1;
	}
}

/* ---- grids ---- */

static struct row **grid_slot(struct grid *g, int r)
{
	int i = g->head + r;
	if (i >= g->nrows)
		i -= g->nrows;
	return &g->rows[i];
}

static struct row *grid_row(const struct grid *g, int r)
{
	int i = g->head + r;
	if (i >= g->nrows)
		i -= g->nrows;
	return g->rows[i];
}

static void grid_free(struct grid *g)
{
	for (int r = 0; g->rows && r < g->nrows; r++)
		row_free(g->rows[r]);
	free(g->rows);
	g->rows = NULL;
}

static bool grid_init(struct grid *g, int nrows)
{
	g->rows = calloc((size_t)nrows, sizeof(*g->rows));
	g->nrows = nrows;
	g->head = 0;
	if (!g->rows)
		return false;
	for (int r = 0; r < nrows; r++) {
		g->rows[r] = calloc(1, sizeof(struct row));
		if (!g->rows[r])
			return false;
		g->rows[r]->fill = blank_cell;
	}
	return true;
}

/* ---- history ---- */

static struct row *history_line(const struct term *t, size_t i) /* 0: oldest */
{
	return t->history[(t->hist_head + i) % t->hist_cap];
}

/* Moves a row that scrolled off the primary screen into history and returns
 * the row the screen reuses in its place (the caller blanks it). */
static struct row *history_push(struct term *t, struct row *r)
{
	if (t->hist_cap == 0)
		return r;
	if (t->view_offset > 0) {
		/* The view stays on the lines the user is reading, like tmux's copy mode. */
		if ((size_t)t->view_offset < t->hist_cap)
			t->view_offset++;
		t->all_dirty = true;
	}
	if (t->hist_len < t->hist_cap) {
		t->history[(t->hist_head + t->hist_len) % t->hist_cap] = r;
		t->hist_len++;
		return row_new(&blank_cell);
	}
	struct row *oldest = t->history[t->hist_head];
	t->history[t->hist_head] = r;
	t->hist_head = (t->hist_head + 1) % t->hist_cap;
	/* The next rows to recycle were last touched hist_cap lines ago and
	 * are cold: fetch the next one's cells and the one after's header now
	 * instead of stalling on them at the next line feed. */
	const struct row *next = t->history[t->hist_head];
	if (next->cells) {
		__builtin_prefetch(next->cells, 1);
		__builtin_prefetch((const char *)next->cells + 64, 1);
	}
	__builtin_prefetch(t->history[(t->hist_head + 1) % t->hist_cap], 1);
	return oldest;
}

/* Takes the newest history line back (a screen growing), or NULL. */
static struct row *history_pop(struct term *t)
{
	if (t->hist_len == 0)
		return NULL;
	t->hist_len--;
	struct row *r = history_line(t, t->hist_len);
	if ((size_t)t->view_offset > t->hist_len)
		t->view_offset = (int)t->hist_len;
	return r;
}

/* ---- combining-character pool ---- */

static bool cell_in_use_mark(const struct cell *c, uint32_t *remap, uint32_t (*old)[TERM_MAX_CHARS],
                             uint32_t (*fresh)[TERM_MAX_CHARS], uint32_t *fresh_len)
{
	if (!(c->attrs & ATTR_COMBINED))
		return false;
	uint32_t i = c->ch;
	if (remap[i] == UINT32_MAX) {
		memcpy(fresh[*fresh_len], old[i], sizeof(old[i]));
		remap[i] = (*fresh_len)++;
	}
	return true;
}

static void pool_compact_row(struct row *r, uint32_t *remap, uint32_t (*old)[TERM_MAX_CHARS],
                             uint32_t (*fresh)[TERM_MAX_CHARS], uint32_t *fresh_len)
{
	for (int c = 0; c < r->len; c++)
		if (cell_in_use_mark(&r->cells[c], remap, old, fresh, fresh_len))
			r->cells[c].ch = remap[r->cells[c].ch];
}

/* Copies the sequences still referenced by a cell into a fresh pool. */
static void pool_compact(struct term *t)
{
	uint32_t *remap = alloc_or_die(malloc(t->pool_cap * sizeof(*remap)));
	uint32_t(*fresh)[TERM_MAX_CHARS] = alloc_or_die(malloc(t->pool_cap * sizeof(*fresh)));
	memset(remap, 0xff, t->pool_cap * sizeof(*remap));
	uint32_t fresh_len = 0;
	struct grid *grids[] = { &t->primary, &t->alt };
	for (int g = 0; g < 2; g++)
		for (int r = 0; r < grids[g]->nrows; r++)
			pool_compact_row(grids[g]->rows[r], remap, t->pool, fresh, &fresh_len);
	for (size_t i = 0; i < t->hist_len; i++)
		pool_compact_row(history_line(t, i), remap, t->pool, fresh, &fresh_len);
	free(remap);
	free(t->pool);
	t->pool = fresh;
	t->pool_len = fresh_len;
}

static uint32_t pool_store(struct term *t, const uint32_t *chars)
{
	if (t->pool_len == t->pool_cap) {
		if (t->pool_cap)
			pool_compact(t);
		if (t->pool_len * 2 >= t->pool_cap) {
			uint32_t cap = t->pool_cap ? t->pool_cap * 2 : 64;
			t->pool = alloc_or_die(realloc(t->pool, cap * sizeof(*t->pool)));
			t->pool_cap = cap;
		}
	}
	uint32_t i = t->pool_len++;
	int n = 0;
	for (; n < TERM_MAX_CHARS - 1 && chars[n]; n++)
		t->pool[i][n] = chars[n];
	for (; n < TERM_MAX_CHARS; n++)
		t->pool[i][n] = 0;
	return i;
}

/* ---- dirty tracking ---- */

static void mark_dirty(struct term *t, int screen_row)
{
	int shown = screen_row + (t->screen == &t->primary ? t->view_offset : 0);
	if (shown >= 0 && shown < t->rows)
		t->dirty[shown] = true;
	t->any_dirty = true;
}

static void mark_dirty_span(struct term *t, int start, int end)
{
	if (start == 0 && end >= t->rows) {
		t->all_dirty = true;
		return;
	}
	for (int r = start; r < end; r++)
		mark_dirty(t, r);
}

/* ---- libvterm state callbacks ---- */

static struct color color_from_vterm(const VTermColor *c, bool is_fg)
{
	struct color out = { 0 };
	if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return out;
	if (VTERM_COLOR_IS_INDEXED(c)) {
		out.kind = TERM_COLOR_INDEXED;
		out.v0 = c->indexed.idx;
	} else {
		out.kind = TERM_COLOR_RGB;
		out.v0 = c->rgb.red;
		out.v1 = c->rgb.green;
		out.v2 = c->rgb.blue;
	}
	return out;
}

/* What erased and newly scrolled-in cells look like: the pen's background
 * (xterm's background colour erase), nothing else. */
static struct cell erase_cell(const struct term *t)
{
	struct cell c = blank_cell;
	c.bg = t->pen.bg;
	return c;
}

static int on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct term *t = user;
	int width = info->width;
	t->last_glyph_width = width;
	if (pos.row < 0 || pos.row >= t->rows || pos.col < 0 || pos.col >= t->cols)
		return 1;
	if (width < 1)
		width = 1;
	if (pos.col + width > t->cols)
		width = t->cols - pos.col;

	struct row *r = grid_row(t->screen, pos.row);
	if (t->edge_row) {
		/* the row above, or on a one-row screen the line just scrolled off */
		const struct row *above = NULL;
		if (pos.row > 0)
			above = grid_row(t->screen, pos.row - 1);
		else if (t->screen == &t->primary && t->hist_len > 0)
			above = history_line(t, t->hist_len - 1);
		if (pos.col == 0 && above == t->edge_row)
			t->edge_row->wrapped = true;
		t->edge_row = NULL;
	}
	/* The glyph filled the last column (the next one wraps), or left only
	 * the last column (a wide one wraps). Not a glyph as wide as the whole
	 * screen (1 or 2 columns): a CR after it does not move the cursor, so
	 * nothing would tell a line break from a wrap. */
	if (pos.col + width >= t->cols - 1 && !(pos.col == 0 && width == t->cols)) {
		t->edge_row = r;
		t->edge_col = pos.col;
		t->edge_filled = pos.col + width == t->cols;
	}
	if (width == 1 && pos.col == r->len && pos.col < r->cap && !t->conceal &&
	    !info->protected_cell && (!info->chars[0] || !info->chars[1])) {
		/* Appending plain text, the common case: nothing to split. */
		struct cell *c = &r->cells[r->len++];
		*c = t->pen;
		c->ch = info->chars[0];
		mark_dirty(t, pos.row);
		return 1;
	}
	row_materialise(r, pos.col + width, t->cols);
	row_split_wide(r, pos.col);
	row_split_wide(r, pos.col + width);
	if (r->cells[pos.col].width == 2 && width == 1 && pos.col + 1 < r->len)
		r->cells[pos.col + 1].width = 1; /* orphaned right half */

	struct cell *c = &r->cells[pos.col];
	*c = t->pen;
	c->width = (uint8_t)width;
	if (info->protected_cell)
		c->attrs |= ATTR_PROTECTED;
	if (t->conceal)
		c->attrs |= TERM_ATTR_CONCEAL;
	if (info->chars[0] && info->chars[1]) {
		c->ch = pool_store(t, (const uint32_t *)info->chars);
		c->attrs |= ATTR_COMBINED;
	} else {
		c->ch = info->chars[0];
	}
	if (width == 2) {
		struct cell *right = &r->cells[pos.col + 1];
		*right = t->pen;
		right->width = 0;
	}
	mark_dirty(t, pos.row);
	return 1;
}

/* Rotates the row pointers of [start, end) by n (n > 0: up) and blanks the
 * rows that came in; rows leaving the top of the primary screen go to history. */
static void scroll_rows(struct term *t, int start, int end, int n)
{
	struct grid *g = t->screen;
	struct cell blank = erase_cell(t);
	int height = end - start;
	bool to_history = n > 0 && start == 0 && g == &t->primary;

	if (start == 0 && end == g->nrows) {
		if (n > 0) {
			for (int k = 0; k < n; k++) {
				struct row **top = &g->rows[g->head];
				if (to_history)
					*top = history_push(t, *top);
				row_blank(*top, &blank);
				g->head = g->head + 1 == g->nrows ? 0 : g->head + 1;
			}
		} else {
			for (int k = 0; k < -n; k++) {
				g->head = g->head == 0 ? g->nrows - 1 : g->head - 1;
				row_blank(g->rows[g->head], &blank);
			}
		}
		t->all_dirty = true;
		return;
	}

	for (int r = start; r < end; r++)
		t->scratch[r - start] = *grid_slot(g, r);
	for (int r = 0; r < height; r++) {
		int from = ((r + n) % height + height) % height;
		*grid_slot(g, start + r) = t->scratch[from];
	}
	int first = n > 0 ? end - n : start, last = n > 0 ? end : start - n;
	for (int r = first; r < last; r++) {
		struct row **slot = grid_slot(g, r);
		if (to_history)
			*slot = history_push(t, *slot);
		row_blank(*slot, &blank);
	}
	mark_dirty_span(t, start, end);
}

static int on_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
	struct term *t = user;
	if (rect.start_row < 0)
		rect.start_row = 0;
	if (rect.end_row > t->rows)
		rect.end_row = t->rows;
	if (rect.start_col < 0)
		rect.start_col = 0;
	if (rect.end_col > t->cols)
		rect.end_col = t->cols;
	int height = rect.end_row - rect.start_row, width = rect.end_col - rect.start_col;
	if (height <= 0 || width <= 0)
		return 1;
	struct cell blank = erase_cell(t);
	struct grid *g = t->screen;

	if (downward > height)
		downward = height;
	if (downward < -height)
		downward = -height;
	if (downward && rect.start_col == 0 && rect.end_col == t->cols) {
		scroll_rows(t, rect.start_row, rect.end_row, downward);
	} else if (downward > 0) {
		for (int r = rect.start_row; r + downward < rect.end_row; r++)
			row_copy_span(grid_row(g, r), grid_row(g, r + downward), rect.start_col,
			              rect.end_col, t->cols);
		for (int r = rect.end_row - downward; r < rect.end_row; r++)
			row_erase(grid_row(g, r), rect.start_col, rect.end_col, &blank, false,
			          t->cols);
		mark_dirty_span(t, rect.start_row, rect.end_row);
	} else if (downward < 0) {
		int up = -downward;
		for (int r = rect.end_row - 1; r - up >= rect.start_row; r--)
			row_copy_span(grid_row(g, r), grid_row(g, r - up), rect.start_col,
			              rect.end_col, t->cols);
		for (int r = rect.start_row; r < rect.start_row + up; r++)
			row_erase(grid_row(g, r), rect.start_col, rect.end_col, &blank, false,
			          t->cols);
		mark_dirty_span(t, rect.start_row, rect.end_row);
	}
	if (rightward) {
		for (int r = rect.start_row; r < rect.end_row; r++)
			row_shift(grid_row(g, r), rect.start_col, rect.end_col, rightward, &blank,
			          t->cols);
		mark_dirty_span(t, rect.start_row, rect.end_row);
	}
	return 1;
}

static int on_erase(VTermRect rect, int selective, void *user)
{
	struct term *t = user;
	struct cell blank = erase_cell(t);
	int start = rect.start_row < 0 ? 0 : rect.start_row;
	int end = rect.end_row > t->rows ? t->rows : rect.end_row;
	int sc = rect.start_col < 0 ? 0 : rect.start_col;
	int ec = rect.end_col > t->cols ? t->cols : rect.end_col;
	for (int r = start; r < end; r++)
		row_erase(grid_row(t->screen, r), sc, ec, &blank, selective, t->cols);
	mark_dirty_span(t, start, end);
	return 1;
}

static void switch_screen(struct term *t, bool alt)
{
	struct grid *want = alt ? &t->alt : &t->primary;
	if (t->screen == want)
		return;
	t->screen = want;
	t->edge_row = NULL;
	t->view_offset = 0;
	t->all_dirty = true;
}

/* Called on creation and by every reset (RIS, DECSTR). libvterm 0.1.4's
 * reset leaves the alternate screen and mouse reporting without telling us,
 * so follow it here. */
static int on_initpen(void *user)
{
	struct term *t = user;
	t->pen = blank_cell;
	t->conceal = false;
	t->mouse_mode = VTERM_PROP_MOUSE_NONE;
	switch_screen(t, false);
	return 1;
}

static void pen_flag(struct term *t, uint16_t flag, bool on)
{
	if (on)
		t->pen.attrs |= flag;
	else
		t->pen.attrs &= (uint16_t)~flag;
}

static int on_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct term *t = user;
	switch (attr) {
	case VTERM_ATTR_BOLD:
		pen_flag(t, TERM_ATTR_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE:
		pen_flag(t, TERM_ATTR_UNDERLINE, val->number != 0);
		break;
	case VTERM_ATTR_ITALIC:
		pen_flag(t, TERM_ATTR_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		pen_flag(t, TERM_ATTR_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		pen_flag(t, TERM_ATTR_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_STRIKE:
		pen_flag(t, TERM_ATTR_STRIKE, val->boolean);
		break;
	case VTERM_ATTR_FOREGROUND:
		t->pen.fg = color_from_vterm(&val->color, true);
		break;
	case VTERM_ATTR_BACKGROUND:
		t->pen.bg = color_from_vterm(&val->color, false);
		break;
	default:
		break;
	}
	return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct term *t = user;
	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		t->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_ALTSCREEN:
		/* Entering: libvterm erases the (now alternate) screen right after. */
		switch_screen(t, val->boolean);
		break;
	case VTERM_PROP_TITLE: {
		size_t n = strnlen(val->string, TITLE_MAX - 1);
		if (val->string[n]) /* cut: not inside a UTF-8 sequence */
			while (n > 0 && ((unsigned char)val->string[n] & 0xc0) == 0x80)
				n--;
		memcpy(t->title, val->string, n);
		t->title[n] = 0;
		if (t->cb.title)
			t->cb.title(t->title, t->ctx);
		break;
	}
	case VTERM_PROP_MOUSE:
		t->mouse_mode = val->number;
		break;
	default:
		break;
	}
	return 1;
}

/* libvterm reports the cursor once per run of text, so a cursor still on
 * the edge glyph (a pending autowrap) or on the last column of the edge row
 * keeps it; anywhere else the program moved it (CR, LF, CUP...) and the next
 * row is not a continuation. */
static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	struct term *t = user;
	bool on_edge = pos.col == t->cols - 1 || (t->edge_filled && pos.col == t->edge_col);
	if (t->edge_row && (!on_edge || pos.row < 0 || pos.row >= t->rows ||
	                    grid_row(t->screen, pos.row) != t->edge_row))
		t->edge_row = NULL;
	return 1;
}

static int on_bell(void *user)
{
	struct term *t = user;
	if (t->cb.bell)
		t->cb.bell(t->ctx);
	return 1;
}

/* ---- resize ---- */

static int grid_last_used_row(const struct grid *g)
{
	for (int r = g->nrows - 1; r >= 0; r--) {
		const struct row *row = grid_row(g, r);
		if (row->len > 0 || !cell_same_look(&row->fill, &blank_cell))
			return r;
	}
	return -1;
}

/* Rebuilds one grid at the new size. Rows that no longer fit above the
 * cursor (`keep_row`) go to history (primary screen) or away; a growing
 * active primary screen takes lines back from history. Returns how far
 * existing rows moved down. */
static int grid_resize(struct term *t, struct grid *g, int new_rows, int new_cols, int keep_row,
                       bool active)
{
	bool primary = g == &t->primary;
	struct row **rows = alloc_or_die(calloc((size_t)new_rows, sizeof(*rows)));
	int old_rows = g->nrows, shift = 0, n = 0;

	if (new_rows < old_rows) {
		int drop_top = keep_row + 1 - new_rows;
		if (drop_top < 0)
			drop_top = 0;
		for (int r = 0; r < old_rows; r++) {
			struct row *row = grid_row(g, r);
			if (r < drop_top) {
				if (primary && t->hist_cap > 0) {
					struct row *spare = history_push(t, row);
					if (spare != row)
						row_free(spare);
				} else {
					row_free(row);
				}
			} else if (n < new_rows) {
				rows[n++] = row;
			} else {
				row_free(row);
			}
		}
		shift = -drop_top;
	} else {
		int pull = 0;
		if (primary && active) {
			pull = new_rows - old_rows;
			if ((size_t)pull > t->hist_len)
				pull = (int)t->hist_len;
		}
		for (int k = pull - 1; k >= 0; k--)
			rows[k] = history_pop(t);
		n = pull;
		for (int r = 0; r < old_rows; r++)
			rows[n++] = grid_row(g, r);
		while (n < new_rows)
			rows[n++] = row_new(&blank_cell);
		shift = pull;
	}

	for (int r = 0; r < new_rows; r++) {
		struct row *row = rows[r];
		if (row->len > new_cols) {
			row->len = new_cols;
			if (row->len > 0 && row->cells[row->len - 1].width == 2) {
				row->cells[row->len - 1].ch = 0;
				row->cells[row->len - 1].attrs &= (uint16_t)~ATTR_COMBINED;
				row->cells[row->len - 1].width = 1;
			}
		}
	}
	free(g->rows);
	g->rows = rows;
	g->nrows = new_rows;
	g->head = 0;
	return shift;
}

/* ---- re-wrap on resize ----
 *
 * A logical line is a run of primary-screen or history rows joined by their
 * wrapped flags. When the width changes, each logical line whose rows would
 * change is joined and split again at the new width (hard line breaks stay);
 * a wide character that no longer fits at the end of a row moves to the next
 * one and leaves a blank, as when it was written. The cursor stays on the
 * same character of its line. The alternate screen is not re-wrapped: the
 * full-screen programs that use it redraw on SIGWINCH. */

/* A position followed through the re-wrap: the cursor, the old screen top. */
struct reflow_mark {
	long src;       /* source row (history first, then the screen), -1: none */
	int col;
	long offset;    /* in the logical line being split, -1: not in it */
	long out_row;   /* where it went: index into out, -1 not yet */
	int out_col;
};

struct reflow {
	int new_cols;
	struct row **out; /* the rebuilt rows, oldest first */
	size_t n, cap;
	struct cell *line; /* the cells of one logical line */
	size_t line_cap;
	struct reflow_mark marks[2];
};

static void reflow_push(struct reflow *f, struct row *r)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->out = alloc_or_die(realloc(f->out, f->cap * sizeof(*f->out)));
	}
	f->out[f->n++] = r;
}

/* A new row for the split line, with room for `cells` of what is left. */
static struct row *reflow_new_row(struct reflow *f, const struct cell *fill, size_t cells)
{
	struct row *r = row_new(fill);
	if (cells)
		row_reserve(r, cells < (size_t)f->new_cols ? (int)cells : f->new_cols, f->new_cols);
	reflow_push(f, r);
	return r;
}

/* The next row of the split line, wrapped into from the row before. */
static struct row *reflow_next_row(struct reflow *f, struct row *cur, const struct cell *fill,
                                   size_t cells)
{
	cur->wrapped = true;
	return reflow_new_row(f, fill, cells);
}

static void reflow_put(struct row *r, const struct cell *c, int cols)
{
	row_reserve(r, r->len + 1, cols);
	r->cells[r->len++] = *c;
}

/* Marks at offset i of the line land at the next cell of row cur. */
static void reflow_land(struct reflow *f, long i, const struct row *cur)
{
	for (int m = 0; m < 2; m++)
		if (f->marks[m].offset == i) {
			f->marks[m].out_row = (long)f->n - 1;
			f->marks[m].out_col = cur->len;
			f->marks[m].offset = -1;
		}
}

/* Splits f->line[0..len) at the new width into fresh rows, placing the marks
 * whose offset is in this line. */
static void reflow_split(struct reflow *f, size_t len, const struct cell *fill)
{
	int cols = f->new_cols;
	struct row *cur = reflow_new_row(f, fill, len);
	for (size_t i = 0; i < len; i++) {
		struct cell c = f->line[i];
		bool wide = c.width == 2 && cols >= 2;
		if (c.width == 0 || (c.width == 2 && !wide)) { /* lone half, or no room ever */
			c.ch = 0;
			c.attrs &= (uint16_t)~ATTR_COMBINED;
			c.width = 1;
		}
		if (cur->len == cols || (wide && cur->len == cols - 1))
			cur = reflow_next_row(f, cur, fill, len - i);
		reflow_land(f, (long)i, cur);
		reflow_put(cur, &c, cols);
		if (wide) {
			struct cell right = c;
			right.attrs &= (uint16_t)~ATTR_COMBINED;
			right.ch = 0;
			right.width = 0;
			if (i + 1 < len && f->line[i + 1].width == 0)
				right = f->line[++i];
			reflow_land(f, (long)i, cur);
			reflow_put(cur, &right, cols);
		}
	}
	for (int m = 0; m < 2; m++) { /* past the text: on blanks, maybe on new rows */
		struct reflow_mark *k = &f->marks[m];
		if (k->offset < 0)
			continue;
		long col = cur->len + (k->offset - (long)len);
		while (col >= cols) {
			if (cur->len < cols)
				cur = reflow_new_row(f, fill, 0);
			else
				cur = reflow_next_row(f, cur, fill, 0);
			col -= cols;
		}
		k->out_row = (long)f->n - 1;
		k->out_col = (int)col;
		k->offset = -1;
	}
}

/* One logical line, the rows src[start..start+n): kept as they are when the
 * new width changes nothing, else rebuilt (and the old rows freed). */
static void reflow_line(struct reflow *f, struct row **src, long start, int n, int old_cols)
{
	struct row *last = src[start + n - 1];
	if (old_cols == f->new_cols || (n == 1 && last->len <= f->new_cols)) {
		for (int k = 0; k < n; k++) {
			struct row *r = src[start + k];
			reflow_push(f, r);
			for (int m = 0; m < 2; m++)
				if (f->marks[m].src == start + k) {
					f->marks[m].out_row = (long)f->n - 1;
					f->marks[m].out_col = f->marks[m].col;
				}
			/* a wrap was pending after the row's last column: the cursor
			 * goes on at the start of a continuation row */
			if (f->marks[0].out_row == (long)f->n - 1 && f->marks[0].out_col >= f->new_cols) {
				r->wrapped = true;
				reflow_new_row(f, &r->fill, 0);
				f->marks[0].out_row++;
				f->marks[0].out_col = 0;
			}
		}
		return;
	}
	size_t len = 0;
	for (int k = 0; k < n; k++) {
		struct row *r = src[start + k];
		for (int m = 0; m < 2; m++)
			if (f->marks[m].src == start + k)
				f->marks[m].offset = (long)len + f->marks[m].col;
		if (len + (size_t)r->len > f->line_cap) {
			f->line_cap = (len + (size_t)r->len) * 2;
			f->line = alloc_or_die(realloc(f->line, f->line_cap * sizeof(*f->line)));
		}
		if (r->len)
			memcpy(f->line + len, r->cells, (size_t)r->len * sizeof(*f->line));
		len += (size_t)r->len;
	}
	while (len > 0 && cell_same_look(&f->line[len - 1], &last->fill))
		len--;
	struct cell fill = last->fill;
	reflow_split(f, len, &fill);
	for (int k = 0; k < n; k++)
		row_free(src[start + k]);
}

/* Re-wraps the primary screen and history for new_cols and lays them out on
 * new_rows rows. The anchor (the cursor, or the last used row while the
 * alternate screen is active) keeps its screen row when it can; a growing
 * active screen takes lines back from history. Returns the anchor's new
 * screen position in *row, *col. */
static void reflow_primary(struct term *t, int new_rows, int new_cols, int anchor_row,
                           int anchor_col, bool active, int *row, int *col)
{
	struct grid *g = &t->primary;
	int old_rows = g->nrows, old_cols = t->cols;
	int used = grid_last_used_row(g) + 1;
	if (used < anchor_row + 1)
		used = anchor_row + 1;
	size_t nsrc = t->hist_len + (size_t)used;
	struct row **src = alloc_or_die(malloc((nsrc ? nsrc : 1) * sizeof(*src)));
	for (size_t i = 0; i < t->hist_len; i++)
		src[i] = history_line(t, i);
	for (int r = 0; r < old_rows; r++) {
		if (r < used)
			src[t->hist_len + (size_t)r] = grid_row(g, r);
		else
			row_free(grid_row(g, r));
	}
	struct reflow f = { .new_cols = new_cols };
	f.marks[0] = (struct reflow_mark){ .src = (long)t->hist_len + anchor_row, .col = anchor_col,
	                                   .offset = -1, .out_row = -1 };
	f.marks[1] = (struct reflow_mark){ .src = (long)t->hist_len, .offset = -1, .out_row = -1 };
	for (size_t start = 0; start < nsrc;) {
		size_t end = start;
		while (end + 1 < nsrc && src[end]->wrapped)
			end++;
		reflow_line(&f, src, (long)start, (int)(end - start + 1), old_cols);
		start = end + 1;
	}
	free(src);
	free(f.line);
	if (f.marks[0].out_row < 0) { /* nothing at all: an empty screen */
		reflow_push(&f, row_new(&blank_cell));
		f.marks[0].out_row = f.marks[1].out_row = 0;
		f.marks[0].out_col = 0;
	}

	/* The screen starts where it did, or lower when that keeps the anchor
	 * on its screen row (lines above it took fewer rows); a growing active
	 * screen takes lines back from history; the anchor is always shown. */
	long cr = f.marks[0].out_row;
	long top = cr - anchor_row;
	if (f.marks[1].out_row >= 0 && f.marks[1].out_row < top)
		top = f.marks[1].out_row;
	if (active && new_rows > old_rows)
		top -= new_rows - old_rows;
	if (top < cr - new_rows + 1)
		top = cr - new_rows + 1;
	if (top < 0)
		top = 0;

	/* Above the screen: history, the oldest beyond its capacity freed. */
	size_t keep_from = 0;
	if ((size_t)top > t->hist_cap)
		keep_from = (size_t)top - t->hist_cap;
	for (size_t i = 0; i < keep_from; i++)
		row_free(f.out[i]);
	t->hist_head = 0;
	t->hist_len = (size_t)top - keep_from;
	for (size_t i = 0; i < t->hist_len; i++)
		t->history[i] = f.out[keep_from + i];
	if ((size_t)t->view_offset > t->hist_len)
		t->view_offset = (int)t->hist_len;

	struct row **rows = alloc_or_die(calloc((size_t)new_rows, sizeof(*rows)));
	for (int r = 0; r < new_rows; r++) {
		size_t i = (size_t)top + (size_t)r;
		rows[r] = i < f.n ? f.out[i] : row_new(&blank_cell);
	}
	for (size_t i = (size_t)top + (size_t)new_rows; i < f.n; i++)
		row_free(f.out[i]);
	free(f.out);
	free(g->rows);
	g->rows = rows;
	g->nrows = new_rows;
	g->head = 0;
	*row = (int)(cr - top);
	*col = f.marks[0].out_col < new_cols ? f.marks[0].out_col : new_cols - 1;
}

static int on_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct term *t = user;
	VTermPos cursor;
	vterm_state_get_cursorpos(t->state, &cursor);
	bool on_alt = t->screen == &t->alt;
	if (cursor.row < 0)
		cursor.row = 0;
	if (cursor.row >= t->rows)
		cursor.row = t->rows - 1;
	if (cursor.col < 0)
		cursor.col = 0;
	if (cursor.col >= t->cols)
		cursor.col = t->cols - 1;

	int row, col;
	if (on_alt) {
		int last = grid_last_used_row(&t->primary);
		reflow_primary(t, rows, cols, last < 0 ? 0 : last, 0, false, &row, &col);
		int alt_shift = grid_resize(t, &t->alt, rows, cols, cursor.row, true);
		row = cursor.row + alt_shift;
		col = cursor.col;
	} else {
		/* a wrap pending after a glyph in the last column: the cursor goes
		 * after that glyph, where the next one will go */
		bool phantom = t->edge_row && t->edge_filled && cursor.col == t->edge_col &&
		               grid_row(&t->primary, cursor.row) == t->edge_row;
		reflow_primary(t, rows, cols, cursor.row, phantom ? t->cols : cursor.col, true,
		               &row, &col);
		grid_resize(t, &t->alt, rows, cols, -1, false);
	}
	delta->row = row - cursor.row;
	delta->col = col - cursor.col;
	t->resized_cursor_row = row;
	t->resized_cursor_col = col;

	free(t->scratch);
	t->scratch = alloc_or_die(calloc((size_t)rows, sizeof(*t->scratch)));
	free(t->dirty);
	t->dirty = alloc_or_die(calloc((size_t)rows, sizeof(*t->dirty)));
	t->rows = rows;
	t->cols = cols;
	t->all_dirty = true;
	t->edge_row = NULL;
	/* The cursor right after a line's text in the last column: a wide glyph
	 * written next wraps, and the line goes on (as when the text was
	 * written at this width). */
	struct row *at = on_alt ? NULL : grid_row(&t->primary, row);
	t->resized_edge_row = at && col == cols - 1 && at->len == col ? at : NULL;
	return 1;
}

static const VTermStateCallbacks state_callbacks = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.erase = on_erase,
	.initpen = on_initpen,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
};

static void on_output(const char *bytes, size_t len, void *user)
{
	struct term *t = user;
	t->cb.output(bytes, len, t->ctx);
}

/* ---- life cycle ---- */

struct term *term_new(int rows, int cols, size_t scrollback_lines, const struct term_callbacks *cb,
                      void *ctx)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	struct term *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cb = *cb;
	t->ctx = ctx;
	t->rows = rows;
	t->cols = cols;
	t->hist_cap = scrollback_lines;
	t->cursor_visible = true;
	t->screen = &t->primary;
	t->pen = blank_cell;
	t->all_dirty = true;
	if (!grid_init(&t->primary, rows) || !grid_init(&t->alt, rows))
		goto fail;
	t->scratch = calloc((size_t)rows, sizeof(*t->scratch));
	t->dirty = calloc((size_t)rows, sizeof(*t->dirty));
	if (scrollback_lines)
		t->history = calloc(scrollback_lines, sizeof(*t->history));
	t->vt = vterm_new(rows, cols);
	if (!t->scratch || !t->dirty || (scrollback_lines && !t->history) || !t->vt)
		goto fail;
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	t->state = vterm_obtain_state(t->vt);
	if (!t->state)
		goto fail;
	vterm_state_set_callbacks(t->state, &state_callbacks, t);
	vterm_state_reset(t->state, 1);
	return t;
fail:
	term_free(t);
	return NULL;
}

void term_free(struct term *t)
{
	if (!t)
		return;
	if (t->vt)
		vterm_free(t->vt);
	grid_free(&t->primary);
	grid_free(&t->alt);
	for (size_t i = 0; i < t->hist_len; i++)
		row_free(history_line(t, i));
	free(t->history);
	free(t->scratch);
	free(t->dirty);
	free(t->pool);
	free(t);
}

/* ---- input from the program ---- */

/* libvterm 0.1.4 can leave the cursor outside the screen: after shrinking
 * (negative row), or when a cursor saved before a resize is restored on
 * leaving the alternate screen. Put it back on the nearest cell. */
/* Sends our own sequence to libvterm between the program's bytes. It ends
 * whatever sequence the program left unfinished, so the input guard's copy
 * of the parser state goes back to ground with it. */
static void inject(struct term *t, const char *seq, size_t len)
{
	vterm_input_write(t->vt, seq, len);
	t->guard.state = IN_GROUND;
}

/* Puts the cursor on the nearest cell of the screen (CUP clamps), first
 * resetting the margins when asked. */
static void place_cursor_at(struct term *t, VTermPos pos, bool reset_margins)
{
	int row = pos.row < 0 ? 0 : pos.row >= t->rows ? t->rows - 1 : pos.row;
	int col = pos.col < 0 ? 0 : pos.col >= t->cols ? t->cols - 1 : pos.col;
	char seq[48];
	int n = snprintf(seq, sizeof(seq), "%s\x1b[%d;%dH", reset_margins ? "\x1b[r\x1b[s" : "",
	                 row + 1, col + 1);
	inject(t, seq, (size_t)n);
}

static void place_cursor(struct term *t, bool reset_margins)
{
	VTermPos pos;
	vterm_state_get_cursorpos(t->state, &pos);
	place_cursor_at(t, pos, reset_margins);
}

static void keep_cursor_inside(struct term *t)
{
	VTermPos pos;
	vterm_state_get_cursorpos(t->state, &pos);
	if (pos.row < 0 || pos.row >= t->rows || pos.col < 0 || pos.col >= t->cols)
		place_cursor(t, false);
}

/* Net effect of one SGR on conceal: 1 on, 0 off, -1 untouched. */
static int sgr_conceal(const struct input_guard *s)
{
	int result = -1;
	if (s->nparams == 0)
		return 0;
	for (int i = 0; i < s->nparams; i++) {
		int p = s->params[i];
		if (p == 38 || p == 48 || p == 58) {
			if (s->colon & (1u << i)) { /* 38:5:n or 38:2::r:g:b */
				while (i < s->nparams && (s->colon & (1u << i)))
					i++;
			} else if (i + 1 < s->nparams) {
				i += s->params[i + 1] == 5 ? 2 : s->params[i + 1] == 2 ? 4 : 1;
			}
			continue;
		}
		while (i < s->nparams && (s->colon & (1u << i))) /* sub-parameters */
			i++;
		if (p == 0 || p == -1)
			result = 0;
		else if (p == 8)
			result = 1;
		else if (p == 28)
			result = 0;
	}
	return result;
}

/* libvterm 0.1.4 trusts its input in ways a sandboxed program must not be
 * able to exploit, so term_write() mirrors its parser's state and edits the
 * byte stream on the way in:
 * - a CSI with more than 16 parameters writes past libvterm's csi_args[]
 *   (heap corruption): parameters past the 16th are left out, and digits past
 *   the 9th of one parameter (signed overflow);
 * - U+0080..U+009F decode to glyphs of width -1 that walk the cursor to
 *   negative columns (out-of-bounds tab-stop writes follow). libvterm keeps
 *   a half-decoded UTF-8 sequence across controls, escape sequences and
 *   writes, in one of several decoders picked by the first byte of each run
 *   of text, so such a code point can be assembled from pieces. Text reaches
 *   libvterm only as whole, well-formed sequences: C1 code points are
 *   dropped, a sequence cut by another byte becomes U+FFFD, one cut by the
 *   end of a write waits for the next write;
 * - REP (CSI b) after a zero-width or no glyph loops forever: it is cancelled
 *   (CAN) instead;
 * - SGR 8/28 (conceal), which 0.1.4 ignores, is tracked here: the feed is
 *   split where conceal changes so glyphs before and after get it right.
 * Cutting and splitting the feed is invisible to libvterm's parser, which
 * keeps its state across calls. */
static const char replacement_char[] = "\xef\xbf\xbd"; /* U+FFFD */

static void feed_to(struct term *t, const char *bytes, size_t *fed, size_t to)
{
	if (to > *fed)
		vterm_input_write(t->vt, bytes + *fed, to - *fed);
	*fed = to;
}

/* Length of the UTF-8 sequence a byte >= 0x80 starts: 1 for a stray
 * continuation byte (libvterm shows U+FFFD and stays in step), 0 for a byte
 * that can never start a valid sequence. */
static size_t utf8_length(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

static bool utf8_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static bool utf8_is_c1(const unsigned char *seq)
{
	return seq[0] == 0xc2 && seq[1] <= 0x9f;
}

/* Text byte bytes[i] >= 0x80: passes, drops or replaces its sequence and
 * returns where scanning goes on. */
static size_t guard_text(struct term *t, const unsigned char *b, size_t len, size_t i, size_t *fed)
{
	struct input_guard *g = &t->guard;
	const char *bytes = (const char *)b;
	size_t need = utf8_length(b[i]);
	if (need == 1)
		return i + 1;
	size_t k = i + 1;
	while (need && k < len && k < i + need && utf8_continuation(b[k]))
		k++;
	if (need && k == i + need) {
		if (utf8_is_c1(b + i)) {
			feed_to(t, bytes, fed, i);
			*fed = k;
		}
		return k;
	}
	if (need && k == len) {
		feed_to(t, bytes, fed, i);
		memcpy(g->held, b + i, len - i);
		g->held_len = len - i;
		g->held_need = need;
		*fed = len;
		return len;
	}
	if (need == 0)
		k = i + 1;
	feed_to(t, bytes, fed, i);
	vterm_input_write(t->vt, replacement_char, 3);
	*fed = k;
	return k;
}

/* Completes a sequence held from the previous write; returns how many bytes
 * of this write it used. */
static size_t guard_finish_held(struct term *t, const unsigned char *b, size_t len)
{
	struct input_guard *g = &t->guard;
	size_t k = 0;
	while (g->held_len < g->held_need && k < len && utf8_continuation(b[k]))
		g->held[g->held_len++] = b[k++];
	if (g->held_len == g->held_need) {
		if (!utf8_is_c1(g->held))
			vterm_input_write(t->vt, (const char *)g->held, g->held_len);
		g->held_len = 0;
		return k;
	}
	if (k == len)
		return len;
	vterm_input_write(t->vt, replacement_char, 3);
	g->held_len = 0;
	return k;
}

/* Bytes of plain ASCII text before the next ESC or byte >= 0x80. */
static size_t scan_plain(const unsigned char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w, x;
		memcpy(&w, p + i, 8);
		x = w ^ (0x1bull * ones);
		if ((w & highs) || ((x - ones) & ~x & highs))
			break;
	}
	while (i < n && p[i] != 0x1b && p[i] < 0x80)
		i++;
	return i;
}

/* DECRC, or leaving mode 1048/1049, has just put the cursor where it was
 * saved, maybe before a resize made the screen smaller; libvterm does not
 * check, and an out-of-range column indexes its tab stops. Feed up to here
 * and put the cursor back on the screen before anything else runs. */
static void restored_cursor(struct term *t, const char *bytes, size_t at, size_t *fed)
{
	feed_to(t, bytes, fed, at + 1);
	keep_cursor_inside(t);
}

static void guard_csi_final(struct term *t, unsigned char c, const char *bytes, size_t at,
                            size_t *fed)
{
	struct input_guard *g = &t->guard;
	if (c == 'l' && g->dec_private) {
		for (int i = 0; i < g->nparams; i++)
			if (g->params[i] == 1048 || g->params[i] == 1049) {
				restored_cursor(t, bytes, at, fed);
				break;
			}
	}
	if (g->odd)
		return;
	if (c == 'b') {
		vterm_input_write(t->vt, bytes + *fed, at - *fed);
		*fed = at;
		if (t->last_glyph_width <= 0) {
			vterm_input_write(t->vt, "\x18", 1);
			*fed = at + 1;
		}
	} else if (c == 'm') {
		int conceal = sgr_conceal(g);
		if (conceal >= 0 && conceal != t->conceal) {
			vterm_input_write(t->vt, bytes + *fed, at + 1 - *fed);
			*fed = at + 1;
			t->conceal = conceal;
		}
	}
}

/* One byte outside text, at bytes[at]. Returns false when it must not reach
 * libvterm. */
static bool guard_byte(struct term *t, unsigned char c, const char *bytes, size_t at, size_t *fed)
{
	struct input_guard *g = &t->guard;
	if (c == 0x18 || c == 0x1a) {
		g->state = IN_GROUND;
		return true;
	}
	if (c == 0x1b) {
		g->state = g->state == IN_STRING ? IN_STRING_ESC : IN_ESC;
		g->esc_intermediate = false;
		return true;
	}
	if (c == 0x00 || c == 0x7f)
		return true;
	if (c == 0x07 && g->state == IN_STRING) {
		g->state = IN_GROUND;
		return true;
	}
	if (c < 0x20)
		return true; /* executed, the sequence goes on */
	switch (g->state) {
	case IN_GROUND:
	case IN_STRING:
		return true;
	case IN_STRING_ESC:
		if (c == '\\') {
			g->state = IN_GROUND;
			return true;
		}
		g->state = IN_ESC;
		/* fallthrough */
	case IN_ESC:
		if (c == '[') {
			g->state = IN_CSI_LEADER;
			g->odd = g->dec_private = g->dropping = false;
			g->nparams = g->digits = 0;
			g->colon = 0;
		} else if (c == 'P' || c == ']') {
			g->state = IN_STRING;
		} else if (c >= 0x20 && c <= 0x2f) {
			g->esc_intermediate = true;
		} else if (c >= 0x30 && c <= 0x7e) {
			g->state = IN_GROUND;
			if (c == '8' && !g->esc_intermediate)
				restored_cursor(t, bytes, at, fed);
		} /* bytes >= 0x80 leave libvterm in ESC */
		return true;
	case IN_CSI_LEADER:
		if (c >= 0x3c && c <= 0x3f) {
			g->odd = true;
			g->dec_private = c == '?';
			return true;
		}
		g->state = IN_CSI_ARGS;
		g->nparams = 1;
		g->params[0] = -1;
		/* fallthrough */
	case IN_CSI_ARGS:
		if (c >= '0' && c <= '9') {
			if (g->dropping || g->digits >= CSI_MAX_DIGITS)
				return false;
			int *p = &g->params[g->nparams - 1];
			*p = (*p < 0 ? 0 : *p * 10) + (c - '0');
			g->digits++;
			return true;
		}
		if (c == ';' || c == ':') {
			if (g->dropping || g->nparams >= CSI_MAX_PARAMS) {
				g->dropping = true;
				return false;
			}
			if (c == ':')
				g->colon |= 1u << (g->nparams - 1);
			g->params[g->nparams++] = -1;
			g->digits = 0;
			return true;
		}
		g->state = IN_CSI_INTERMED;
		/* fallthrough */
	case IN_CSI_INTERMED:
		if (c >= 0x20 && c <= 0x2f) {
			g->odd = true;
			return true;
		}
		g->state = IN_GROUND;
		if (c >= 0x40 && c <= 0x7e)
			guard_csi_final(t, c, bytes, at, fed);
		return true;
	}
	return true;
}

void term_write(struct term *t, const char *bytes, size_t len)
{
	struct input_guard *g = &t->guard;
	const unsigned char *b = (const unsigned char *)bytes;
	size_t fed = 0, i = 0;
	if (g->held_len)
		i = fed = guard_finish_held(t, b, len);
	while (i < len) {
		if (g->state == IN_GROUND) {
			i += scan_plain(b + i, len - i);
			if (i == len)
				break;
			if (b[i] >= 0x80) {
				i = guard_text(t, b, len, i, &fed);
				continue;
			}
		}
		if (!guard_byte(t, b[i], bytes, i, &fed)) {
			feed_to(t, bytes, &fed, i);
			fed = i + 1;
		}
		i++;
	}
	feed_to(t, bytes, &fed, len);
	keep_cursor_inside(t);
}

void term_resize(struct term *t, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == t->rows && cols == t->cols)
		return;
	vterm_set_size(t->vt, rows, cols);
	/* 0.1.4 bounds only the bottom and right margins to the new size: a top
	 * or left margin beyond them gives scrolls of negative size (heap
	 * corruption). Reset the margins, as xterm and tmux do on resize; the
	 * program sets them again on SIGWINCH. The cursor goes where the re-wrap
	 * put it (0.1.4 applies only part of the resize delta). */
	VTermPos pos = { .row = t->resized_cursor_row, .col = t->resized_cursor_col };
	place_cursor_at(t, pos, true);
	if (t->resized_edge_row) {
		t->edge_row = t->resized_edge_row;
		t->edge_col = t->cols - 1;
		t->edge_filled = false;
		t->resized_edge_row = NULL;
	}
}

/* ---- input from the user ---- */

static void view_to_live(struct term *t)
{
	if (t->view_offset) {
		t->view_offset = 0;
		t->all_dirty = true;
	}
}

void term_key_char(struct term *t, uint32_t codepoint, int mods)
{
	view_to_live(t);
	vterm_keyboard_unichar(t->vt, codepoint, (VTermModifier)(mods & VTERM_ALL_MODS_MASK));
}

void term_key(struct term *t, enum term_key key, int mods)
{
	static const VTermKey map[] = {
		[TERM_KEY_ENTER] = VTERM_KEY_ENTER,
		[TERM_KEY_TAB] = VTERM_KEY_TAB,
		[TERM_KEY_BACKSPACE] = VTERM_KEY_BACKSPACE,
		[TERM_KEY_ESCAPE] = VTERM_KEY_ESCAPE,
		[TERM_KEY_UP] = VTERM_KEY_UP,
		[TERM_KEY_DOWN] = VTERM_KEY_DOWN,
		[TERM_KEY_LEFT] = VTERM_KEY_LEFT,
		[TERM_KEY_RIGHT] = VTERM_KEY_RIGHT,
		[TERM_KEY_INS] = VTERM_KEY_INS,
		[TERM_KEY_DEL] = VTERM_KEY_DEL,
		[TERM_KEY_HOME] = VTERM_KEY_HOME,
		[TERM_KEY_END] = VTERM_KEY_END,
		[TERM_KEY_PAGEUP] = VTERM_KEY_PAGEUP,
		[TERM_KEY_PAGEDOWN] = VTERM_KEY_PAGEDOWN,
	};
	VTermKey vkey;
	if (key >= TERM_KEY_F1 && key <= TERM_KEY_F12)
		vkey = VTERM_KEY_FUNCTION(key - TERM_KEY_F1 + 1);
	else if (key > 0 && (size_t)key < sizeof(map) / sizeof(map[0]))
		vkey = map[key];
	else
		return;
	view_to_live(t);
	vterm_keyboard_key(t->vt, vkey, (VTermModifier)(mods & VTERM_ALL_MODS_MASK));
}

/* Pasted line ends become CR (what Enter sends), and a pasted end-of-paste
 * marker is dropped so the paste cannot end its own bracket early. */
void term_paste(struct term *t, const char *utf8, size_t len)
{
	static const char end_marker[] = "\x1b[201~";
	const size_t marker_len = sizeof(end_marker) - 1;
	char buf[4096];
	size_t n = 0;
	view_to_live(t);
	vterm_keyboard_start_paste(t->vt);
	for (size_t i = 0; i < len; i++) {
		char c = utf8[i];
		if (c == 0x1b && len - i >= marker_len &&
		    memcmp(utf8 + i, end_marker, marker_len) == 0) {
			i += marker_len - 1;
			continue;
		}
		if (c == '\n') {
			if (i > 0 && utf8[i - 1] == '\r')
				continue;
			c = '\r';
		}
		buf[n++] = c;
		if (n == sizeof(buf)) {
			t->cb.output(buf, n, t->ctx);
			n = 0;
		}
	}
	if (n)
		t->cb.output(buf, n, t->ctx);
	vterm_keyboard_end_paste(t->vt);
}

bool term_wants_mouse(const struct term *t)
{
	return t->mouse_mode != VTERM_PROP_MOUSE_NONE;
}

void term_mouse(struct term *t, int row, int col, int button, bool pressed, int mods)
{
	/* libvterm 0.1.4 reports buttons even with reporting off. */
	if (!term_wants_mouse(t) || row < 0 || col < 0 || row >= t->rows || col >= t->cols)
		return;
	VTermModifier mod = (VTermModifier)(mods & VTERM_ALL_MODS_MASK);
	vterm_mouse_move(t->vt, row, col, mod);
	if (button >= 4 && !pressed)
		return; /* wheels have no release */
	if (button >= 1 && button <= 5)
		vterm_mouse_button(t->vt, button, pressed, mod);
}

/* ---- reading the screen ---- */

void term_size(const struct term *t, int *rows, int *cols)
{
	*rows = t->rows;
	*cols = t->cols;
}

static const struct row *shown_row(const struct term *t, int row)
{
	if (t->screen == &t->primary && t->view_offset > 0) {
		size_t v = t->hist_len - (size_t)t->view_offset + (size_t)row;
		if (v < t->hist_len)
			return history_line(t, v);
		return grid_row(t->screen, (int)(v - t->hist_len));
	}
	return grid_row(t->screen, row);
}

static struct term_color color_to_public(struct color c)
{
	struct term_color out = { .kind = c.kind };
	if (c.kind == TERM_COLOR_INDEXED) {
		out.index = c.v0;
	} else if (c.kind == TERM_COLOR_RGB) {
		out.r = c.v0;
		out.g = c.v1;
		out.b = c.v2;
	}
	return out;
}

void term_get_cell(const struct term *t, int row, int col, struct term_cell *out)
{
	memset(out, 0, sizeof(*out));
	out->width = 1;
	if (row < 0 || row >= t->rows || col < 0 || col >= t->cols)
		return;
	const struct cell *c = row_cell(shown_row(t, row), col);
	if (c->attrs & ATTR_COMBINED)
		memcpy(out->chars, t->pool[c->ch], sizeof(out->chars));
	else
		out->chars[0] = c->ch;
	out->width = c->width;
	out->attrs = c->attrs & ATTR_PUBLIC_MASK;
	out->fg = color_to_public(c->fg);
	out->bg = color_to_public(c->bg);
	if (out->width == 2 && col == t->cols - 1) { /* a history line wider than the screen */
		out->chars[0] = 0;
		out->width = 1;
	}
}

void term_cursor(const struct term *t, int *row, int *col, bool *visible)
{
	VTermPos pos;
	vterm_state_get_cursorpos(t->state, &pos);
	*row = pos.row < 0 ? 0 : pos.row >= t->rows ? t->rows - 1 : pos.row;
	*col = pos.col < 0 ? 0 : pos.col >= t->cols ? t->cols - 1 : pos.col;
	*visible = t->cursor_visible && (t->view_offset == 0 || t->screen != &t->primary);
}

bool term_row_wrapped(const struct term *t, int row)
{
	if (row < 0 || row >= t->rows)
		return false;
	return shown_row(t, row)->wrapped;
}

bool term_altscreen(const struct term *t)
{
	return t->screen == &t->alt;
}

const char *term_title(const struct term *t)
{
	return t->title;
}

/* ---- scrollback view ---- */

void term_scroll_view(struct term *t, int delta)
{
	long offset = (long)t->view_offset + delta;
	long max = t->screen == &t->primary ? (long)t->hist_len : 0;
	if (offset < 0)
		offset = 0;
	if (offset > max)
		offset = max;
	if (offset != t->view_offset) {
		t->view_offset = (int)offset;
		t->all_dirty = true;
	}
}

int term_view_offset(const struct term *t)
{
	return t->view_offset;
}

size_t term_scrollback_len(const struct term *t)
{
	return t->hist_len;
}

/* ---- dirty tracking ---- */

bool term_row_dirty(const struct term *t, int row)
{
	if (row < 0 || row >= t->rows)
		return false;
	return t->all_dirty || t->dirty[row];
}

bool term_any_dirty(const struct term *t)
{
	if (t->all_dirty || t->any_dirty)
		return true;
	int row, col;
	bool visible;
	term_cursor(t, &row, &col, &visible);
	return row != t->clean_cursor_row || col != t->clean_cursor_col ||
	       visible != t->clean_cursor_visible;
}

void term_clear_dirty(struct term *t)
{
	memset(t->dirty, 0, (size_t)t->rows * sizeof(*t->dirty));
	t->all_dirty = false;
	t->any_dirty = false;
	term_cursor(t, &t->clean_cursor_row, &t->clean_cursor_col, &t->clean_cursor_visible);
}
