/* colour: the xterm palettes and nearest-colour quantisers behind every colour
 * glassbox draws. Themes give 16/256/RGB values and the shell pane's cells
 * carry default/indexed/RGB colours (pty/term.h); both end in
 * colour_for_terminal(), which folds them onto what the terminal can show:
 * direct colour, 256, 88, 16, 8 or none. Pure arithmetic, no curses. */
#include "colour.h"

#include <stdlib.h>

#include "term.h"

/* xterm's defaults for the 16 base colours. */
static const uint8_t base16[16][3] = {
	{ 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },     { 205, 205, 0 },
	{ 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 },   { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },     { 255, 255, 0 },
	{ 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },   { 255, 255, 255 },
};
static const uint8_t cube6[6] = { 0, 95, 135, 175, 215, 255 };
static const uint8_t cube4[4] = { 0, 139, 205, 255 };      /* xterm-88 cube */
static const uint8_t grey88[8] = { 46, 92, 115, 139, 162, 185, 208, 231 };

static int dist2(int r1, int g1, int b1, int r2, int g2, int b2)
{
	int dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
	return dr * dr + dg * dg + db * db;
}

/* Index of the level nearest to v in an ascending table. */
static int nearest_level(const uint8_t *levels, int n, int v)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (abs(levels[i] - v) < abs(levels[best] - v))
			best = i;
	return best;
}

void colour_256_to_rgb(int index, uint8_t rgb[3])
{
	if (index < 0 || index > 255) {
		rgb[0] = rgb[1] = rgb[2] = 0;
	} else if (index < 16) {
		rgb[0] = base16[index][0];
		rgb[1] = base16[index][1];
		rgb[2] = base16[index][2];
	} else if (index < 232) {
		int i = index - 16;
		rgb[0] = cube6[i / 36];
		rgb[1] = cube6[(i / 6) % 6];
		rgb[2] = cube6[i % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)(8 + 10 * (index - 232));
	}
}

/* Nearest cube6 level by arithmetic (the shell pane calls this per cell):
 * the midpoints between 0, 95, 135, ... are 47.5, 115, 155, 195, 235. */
static int cube6_level(int v)
{
	return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

int colour_rgb_to_256(uint8_t r, uint8_t g, uint8_t b)
{
	int cr = cube6_level(r), cg = cube6_level(g), cb = cube6_level(b);
	int cube = 16 + 36 * cr + 6 * cg + cb;
	int cube_d = dist2(r, g, b, cube6[cr], cube6[cg], cube6[cb]);

	int avg = (r + g + b) / 3;
	int gi = avg < 8 ? 0 : (avg - 8 + 5) / 10;
	if (gi > 23)
		gi = 23;
	int gv = 8 + 10 * gi;
	int grey_d = dist2(r, g, b, gv, gv, gv);
	return grey_d < cube_d ? 232 + gi : cube;
}

int colour_rgb_to_88(uint8_t r, uint8_t g, uint8_t b)
{
	int cr = nearest_level(cube4, 4, r), cg = nearest_level(cube4, 4, g),
	    cb = nearest_level(cube4, 4, b);
	int best = 16 + 16 * cr + 4 * cg + cb;
	int best_d = dist2(r, g, b, cube4[cr], cube4[cg], cube4[cb]);
	for (int i = 0; i < 8; i++) {
		int d = dist2(r, g, b, grey88[i], grey88[i], grey88[i]);
		if (d < best_d) {
			best_d = d;
			best = 80 + i;
		}
	}
	return best;
}

/* Nearest ANSI colour that keeps the hue: plain Euclidean distance would turn
 * dark reds and blues into black. A colour whose channels differ enough is
 * chromatic: the channels at least half of the strongest one pick one of the
 * six hues, and only a full-strength channel makes it bright (xterm's normal
 * colours sit at 205, the bright ones at 255). Otherwise lightness decides. */
static int rgb_to_16(int r, int g, int b)
{
	int max = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int min = r < g ? (r < b ? r : b) : (g < b ? g : b);
	if (max - min >= 40) {
		int bits = (r * 2 >= max ? 1 : 0) | (g * 2 >= max ? 2 : 0) | (b * 2 >= max ? 4 : 0);
		if (bits != 7)
			return bits + (max >= 236 ? 8 : 0);
	}
	int light = (r + g + b) / 3;
	if (light < 64)
		return 0;
	if (light < 160)
		return 8;
	if (light < 242)
		return 7;
	return 15;
}

int colour_256_to_16(int index)
{
	if (index < 0 || index > 255)
		return -1;
	if (index < 16)
		return index;
	uint8_t rgb[3];
	colour_256_to_rgb(index, rgb);
	return rgb_to_16(rgb[0], rgb[1], rgb[2]);
}

static int direct_value(uint8_t r, uint8_t g, uint8_t b)
{
	int v = (r << 16) | (g << 8) | b;
	return v < 8 ? 8 : v;
}

int colour_for_terminal(int colours, int kind, int index, uint8_t r, uint8_t g, uint8_t b)
{
	if (colours < 8 || (kind != TERM_COLOR_INDEXED && kind != TERM_COLOR_RGB))
		return -1;
	if (kind == TERM_COLOR_INDEXED && (index < 0 || index > 255))
		return -1;
	if (kind == TERM_COLOR_INDEXED && index < 8)
		return index; /* the palette colours every colour terminal has */

	if (colours >= COLOUR_DIRECT_MIN) {
		if (kind == TERM_COLOR_INDEXED) {
			uint8_t rgb[3];
			colour_256_to_rgb(index, rgb);
			return direct_value(rgb[0], rgb[1], rgb[2]);
		}
		return direct_value(r, g, b);
	}
	if (colours >= 256)
		return kind == TERM_COLOR_INDEXED ? index : colour_rgb_to_256(r, g, b);
	if (colours >= 88) {
		if (kind == TERM_COLOR_INDEXED && index < 16)
			return index;
		if (kind == TERM_COLOR_INDEXED) {
			uint8_t rgb[3];
			colour_256_to_rgb(index, rgb);
			return colour_rgb_to_88(rgb[0], rgb[1], rgb[2]);
		}
		return colour_rgb_to_88(r, g, b);
	}
	int c16 = kind == TERM_COLOR_INDEXED ? colour_256_to_16(index) : rgb_to_16(r, g, b);
	return colours >= 16 ? c16 : c16 & 7;
}
