/* colour: pure colour arithmetic for the TUI, no curses. The xterm-256 palette
 * (16 base colours, the 6x6x6 cube, the 24-step grey ramp), nearest-colour
 * quantisers, and the one decision the shell pane and the themes both need:
 * which colour number a terminal with COLORS colours should get for a cell's
 * colour (pty/term.h's struct term_color: default, indexed or RGB). */
#ifndef GLASSBOX_COLOUR_H
#define GLASSBOX_COLOUR_H
#include <stdint.h>

/* COLORS of a direct-colour terminal (xterm-direct) is at least this. */
#define COLOUR_DIRECT_MIN 0x1000000

/* Nearest xterm-256 index for an RGB colour. Only the cube (16..231) and the
 * grey ramp (232..255) are candidates: indexes 0..15 are whatever the user's
 * palette says, so they cannot be matched. */
int colour_rgb_to_256(uint8_t r, uint8_t g, uint8_t b);
/* Nearest of the 16 ANSI colours; 0..15 map to themselves. Chromatic colours
 * keep their hue (a dark red stays red, not black); greys go by lightness.
 * Out-of-range indexes give -1. */
int colour_256_to_16(int index);
/* xterm's default RGB for an index 0..255 (out of range: black). */
void colour_256_to_rgb(int index, uint8_t rgb[3]);
/* Nearest index of the xterm-88 palette (4x4x4 cube 16..79, greys 80..87). */
int colour_rgb_to_88(uint8_t r, uint8_t g, uint8_t b);

/* The colour a terminal with `colours` colours (COLORS: 8, 16, 88, 256, or
 * >= COLOUR_DIRECT_MIN for direct colour) should use for (kind, index, r, g, b)
 * as in pty/term.h's struct term_color (kind: TERM_COLOR_DEFAULT, _INDEXED,
 * _RGB). Returns -1 for the terminal's default colour (also whenever the
 * terminal has fewer than 8 colours), else a colour number valid for that
 * terminal. For direct colour that is 0xRRGGBB, except indexes 0..7, which stay
 * palette colours 0..7 (ncurses' xterm-direct sends numbers below 8 as ANSI
 * colours; an RGB value below 8 is nudged to 0x000008 for the same reason).
 * On 8-colour terminals bright colours 8..15 fold onto 0..7. */
int colour_for_terminal(int colours, int kind, int index, uint8_t r, uint8_t g, uint8_t b);

#endif
