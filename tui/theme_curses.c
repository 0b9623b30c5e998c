/* theme_curses: a parsed theme as curses attributes for the terminal at hand.
 * theme_curses_init() picks, per role, the richest colour the terminal can
 * show (truecolour override, else 256 override, else the 16-colour value,
 * each folded by colour_for_terminal) and puts it in colour pair role+1; or,
 * with colour off, the attributes of the built-in mono theme for every role,
 * whatever theme was chosen, so that nothing depends on a hue. Shell-pane
 * cells get pairs from ncurses' alloc_pair, sharing the pair table.
 *
 * The state below is per process like curses' own screen: one terminal. */
#include "theme.h"

#include <string.h>

#include "colour.h"
#include "term.h"

/* Resolved (fg, bg) -> pair, in front of alloc_pair (~300 ns a call). Valid
 * only while alloc_pair cannot have recycled a pair: each miss allocates at
 * most one, so after COLOR_PAIRS - ROLE__COUNT - 1 misses it is turned off. */
#define PAIR_CACHE_SIZE 4096
struct pair_cache_entry {
	int fg, bg, pair; /* pair 0: empty */
};

static struct {
	bool mono;
	struct pair_cache_entry cache[PAIR_CACHE_SIZE];
	long cache_misses, cache_limit;
	bool default_colours; /* use_default_colors() worked: -1 is a colour */
	attr_t attr[ROLE__COUNT];
	short pair[ROLE__COUNT];
	int fg[ROLE__COUNT], bg[ROLE__COUNT];
} theme_state = { .mono = true };

static attr_t curses_attrs(unsigned bits)
{
	return ((bits & THEME_BOLD) ? A_BOLD : 0) | ((bits & THEME_UNDERLINE) ? A_UNDERLINE : 0) |
	       ((bits & THEME_REVERSE) ? A_REVERSE : 0);
}

static int rgb_for_terminal(int colours, int32_t rgb)
{
	return colour_for_terminal(colours, TERM_COLOR_RGB, 0, (uint8_t)(rgb >> 16),
	                           (uint8_t)(rgb >> 8), (uint8_t)rgb);
}

/* One side (fg or bg) of a role for a terminal with `colours` colours. */
static int role_colour(int colours, short c16, short c256, int32_t rgb)
{
	if (colours >= COLOUR_DIRECT_MIN && rgb != THEME_NONE)
		return rgb == THEME_DEFAULT ? -1 : rgb_for_terminal(colours, rgb);
	if (colours >= 88 && c256 != THEME_NONE)
		return c256 == THEME_DEFAULT ? -1
		                             : colour_for_terminal(colours, TERM_COLOR_INDEXED, c256, 0, 0, 0);
	if (colours >= 88 && rgb != THEME_NONE)
		return rgb == THEME_DEFAULT ? -1 : rgb_for_terminal(colours, rgb);
	return c16 < 0 ? -1 : colour_for_terminal(colours, TERM_COLOR_INDEXED, c16, 0, 0, 0);
}

static void fix_default(int *fg, int *bg)
{
	if (theme_state.default_colours)
		return;
	if (*fg < 0)
		*fg = COLOR_WHITE;
	if (*bg < 0)
		*bg = COLOR_BLACK;
}

static void init_mono(void)
{
	struct theme mono;
	theme_mono(&mono);
	theme_state.mono = true;
	for (int r = 0; r < ROLE__COUNT; r++) {
		theme_state.pair[r] = 0;
		theme_state.attr[r] = curses_attrs(mono.role[r].attrs);
	}
}

void theme_curses_init(const struct theme *t, bool no_color)
{
	if (no_color || !has_colors()) {
		init_mono();
		return;
	}
	if (COLORS == 0)
		start_color();
	if (COLORS < 8 || COLOR_PAIRS <= ROLE__COUNT) {
		init_mono();
		return;
	}
	theme_state.mono = false;
	theme_state.default_colours = use_default_colors() == OK;
	memset(theme_state.cache, 0, sizeof theme_state.cache);
	theme_state.cache_misses = 0;
	theme_state.cache_limit = (long)COLOR_PAIRS - ROLE__COUNT - 1;
	int colours = COLORS;
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct theme_style *s = &t->role[r];
		int fg = role_colour(colours, s->fg16, s->fg256, s->fg_rgb);
		int bg = role_colour(colours, s->bg16, s->bg256, s->bg_rgb);
		fix_default(&fg, &bg);
		attr_t attrs = curses_attrs(s->attrs);
		/* 8-colour terminals show a bright foreground as bold */
		if (colours < 16 && s->fg16 >= 8)
			attrs |= A_BOLD;
		short pair = (short)(r + 1);
		if (init_extended_pair(pair, fg, bg) == ERR) {
			init_mono();
			return;
		}
		theme_state.fg[r] = fg;
		theme_state.bg[r] = bg;
		theme_state.pair[r] = pair;
		theme_state.attr[r] = attrs | COLOR_PAIR(pair);
	}
}

bool theme_curses_mono(void)
{
	return theme_state.mono;
}

attr_t theme_attr(enum theme_role r)
{
	return (int)r >= 0 && r < ROLE__COUNT ? theme_state.attr[r] : A_NORMAL;
}

short theme_pair(enum theme_role r)
{
	return (int)r >= 0 && r < ROLE__COUNT ? theme_state.pair[r] : 0;
}

static int alloc_role_safe_pair(int f, int b);

int theme_cell_pair(int fg_kind, int fg_index, uint8_t fr, uint8_t fg, uint8_t fb,
                    int bg_kind, int bg_index, uint8_t br, uint8_t bgc, uint8_t bb)
{
	if (theme_state.mono)
		return 0;
	int colours = COLORS;
	int f = colour_for_terminal(colours, fg_kind, fg_index, fr, fg, fb);
	int b = colour_for_terminal(colours, bg_kind, bg_index, br, bgc, bb);
	if (f < 0 && b < 0)
		return 0;
	fix_default(&f, &b);
	unsigned h = ((unsigned)f * 2654435761u ^ (unsigned)b * 40503u) % PAIR_CACHE_SIZE;
	struct pair_cache_entry *e = &theme_state.cache[h];
	if (e->pair && e->fg == f && e->bg == b)
		return e->pair;
	int pair = alloc_role_safe_pair(f, b);
	if (pair <= 0)
		return 0;
	if (++theme_state.cache_misses < theme_state.cache_limit)
		*e = (struct pair_cache_entry){ .fg = f, .bg = b, .pair = pair };
	else if (theme_state.cache_misses == theme_state.cache_limit)
		memset(theme_state.cache, 0, sizeof theme_state.cache); /* recycling may start */
	return pair;
}

/* alloc_pair(f, b), but never a role's pair. */
static int alloc_role_safe_pair(int f, int b)
{
	/* When the table is full alloc_pair reuses the least recently used pair,
	 * which may be a role's: give that back to the role and ask again. */
	for (int tries = 0; tries <= ROLE__COUNT; tries++) {
		int pair = alloc_pair(f, b);
		if (pair <= 0)
			return 0;
		if (pair > ROLE__COUNT)
			return pair;
		int r = pair - 1;
		if (theme_state.fg[r] == f && theme_state.bg[r] == b)
			return pair; /* the role's own colours */
		init_extended_pair(pair, theme_state.fg[r], theme_state.bg[r]);
	}
	return 0;
}
