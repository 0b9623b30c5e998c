/* Unit tests for tui/colour.c: the xterm palette, nearest-colour quantisers
 * (checked against a brute-force search) and colour_for_terminal for 8, 16,
 * 88, 256-colour and direct-colour terminals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "colour.h"
#include "term.h"

static int dist2(const uint8_t a[3], const uint8_t b[3])
{
	int d = 0;
	for (int i = 0; i < 3; i++)
		d += (a[i] - b[i]) * (a[i] - b[i]);
	return d;
}

static void assert_rgb(int index, int r, int g, int b)
{
	uint8_t rgb[3];
	colour_256_to_rgb(index, rgb);
	assert_int_equal(rgb[0], r);
	assert_int_equal(rgb[1], g);
	assert_int_equal(rgb[2], b);
}

static void test_palette_values(void **state)
{
	(void)state;
	assert_rgb(1, 205, 0, 0); /* xterm's base colours */
	assert_rgb(8, 127, 127, 127);
	assert_rgb(12, 92, 92, 255);
	assert_rgb(16, 0, 0, 0); /* cube corners and steps */
	assert_rgb(21, 0, 0, 255);
	assert_rgb(59, 95, 95, 95);
	assert_rgb(67, 95, 135, 175);
	assert_rgb(196, 255, 0, 0);
	assert_rgb(208, 255, 135, 0);
	assert_rgb(231, 255, 255, 255);
	assert_rgb(232, 8, 8, 8); /* grey ramp */
	assert_rgb(244, 128, 128, 128);
	assert_rgb(255, 238, 238, 238);
	assert_rgb(-1, 0, 0, 0);
	assert_rgb(256, 0, 0, 0);
}

static void test_rgb_to_256_known(void **state)
{
	(void)state;
	assert_int_equal(colour_rgb_to_256(255, 0, 0), 196);
	assert_int_equal(colour_rgb_to_256(0, 0, 0), 16);
	assert_int_equal(colour_rgb_to_256(255, 255, 255), 231);
	assert_int_equal(colour_rgb_to_256(95, 135, 175), 67);
	assert_int_equal(colour_rgb_to_256(250, 130, 10), 208);
	assert_int_equal(colour_rgb_to_256(128, 128, 128), 244);
	assert_int_equal(colour_rgb_to_256(8, 8, 8), 232);
	assert_int_equal(colour_rgb_to_256(238, 238, 238), 255);
	assert_int_equal(colour_rgb_to_256(100, 100, 100), 241); /* grey 98 beats cube 95 */
	assert_int_equal(colour_rgb_to_256(96, 96, 96), 59);     /* cube 95 beats grey 98 */
}

/* Every index 16..255 is its own nearest colour, and the quantiser finds the
 * true nearest cube/grey colour for a dense sample of the RGB space. */
static void test_rgb_to_256_is_nearest(void **state)
{
	(void)state;
	for (int i = 16; i < 256; i++) {
		uint8_t rgb[3];
		colour_256_to_rgb(i, rgb);
		assert_int_equal(colour_rgb_to_256(rgb[0], rgb[1], rgb[2]), i);
	}
	int worst = 0;
	for (int r = 0; r < 256; r += 5)
		for (int g = 0; g < 256; g += 5)
			for (int b = 0; b < 256; b += 5) {
				uint8_t in[3] = { (uint8_t)r, (uint8_t)g, (uint8_t)b }, got[3],
				        cand[3];
				int idx = colour_rgb_to_256(in[0], in[1], in[2]);
				assert_in_range(idx, 16, 255);
				colour_256_to_rgb(idx, got);
				int d = dist2(in, got), best = d;
				for (int i = 16; i < 256; i++) {
					colour_256_to_rgb(i, cand);
					if (dist2(in, cand) < best)
						best = dist2(in, cand);
				}
				assert_int_equal(d, best);
				if (d > worst)
					worst = d;
				/* round trip bound: within about half the widest cube step (0..95)
				 * per channel; a nearer grey may trade one channel for the others */
				for (int c = 0; c < 3; c++)
					assert_true(abs(in[c] - got[c]) <= 52);
			}
	assert_true(worst <= 67 * 67); /* measured 4450 on this grid */
}

static void test_256_to_16(void **state)
{
	(void)state;
	for (int i = 0; i < 16; i++)
		assert_int_equal(colour_256_to_16(i), i);
	/* the cube's pure colours become the bright base colours */
	assert_int_equal(colour_256_to_16(16), 0);
	assert_int_equal(colour_256_to_16(196), 9);
	assert_int_equal(colour_256_to_16(46), 10);
	assert_int_equal(colour_256_to_16(226), 11);
	assert_int_equal(colour_256_to_16(21), 12);
	assert_int_equal(colour_256_to_16(201), 13);
	assert_int_equal(colour_256_to_16(51), 14);
	assert_int_equal(colour_256_to_16(231), 15);
	/* darker ones keep their hue instead of turning black */
	assert_int_equal(colour_256_to_16(88), 1);   /* 135,0,0 */
	assert_int_equal(colour_256_to_16(160), 1);  /* 215,0,0 */
	assert_int_equal(colour_256_to_16(28), 2);   /* 0,135,0 */
	assert_int_equal(colour_256_to_16(18), 4);   /* 0,0,135 */
	assert_int_equal(colour_256_to_16(30), 6);   /* 0,135,135 */
	assert_int_equal(colour_256_to_16(208), 11); /* orange: bright yellow */
	/* greys by lightness */
	assert_int_equal(colour_256_to_16(233), 0);
	assert_int_equal(colour_256_to_16(244), 8);
	assert_int_equal(colour_256_to_16(250), 7);
	assert_int_equal(colour_256_to_16(-1), -1);
	assert_int_equal(colour_256_to_16(256), -1);
}

static void test_rgb_to_88(void **state)
{
	(void)state;
	assert_int_equal(colour_rgb_to_88(0, 0, 0), 16);
	assert_int_equal(colour_rgb_to_88(255, 0, 0), 64);
	assert_int_equal(colour_rgb_to_88(255, 255, 255), 79);
	assert_int_equal(colour_rgb_to_88(46, 46, 46), 80);
	assert_int_equal(colour_rgb_to_88(231, 231, 231), 87);
}

enum {
	D = TERM_COLOR_DEFAULT,
	I = TERM_COLOR_INDEXED,
	RGB = TERM_COLOR_RGB
};

static void test_for_terminal(void **state)
{
	(void)state;
	const int direct = COLOUR_DIRECT_MIN;
	/* the default colour stays the default everywhere */
	const int sizes[] = { 8, 16, 88, 256, direct };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		assert_int_equal(colour_for_terminal(sizes[i], D, 0, 0, 0, 0), -1);
		assert_int_equal(colour_for_terminal(sizes[i], I, 3, 0, 0, 0), 3);
		assert_int_equal(colour_for_terminal(sizes[i], I, 300, 0, 0, 0), -1);
		assert_int_equal(colour_for_terminal(sizes[i], 7, 3, 0, 0, 0), -1);
	}
	/* no colours: always the default */
	assert_int_equal(colour_for_terminal(0, I, 1, 0, 0, 0), -1);
	assert_int_equal(colour_for_terminal(2, RGB, 0, 255, 0, 0), -1);
	/* 8 colours: bright folds onto normal */
	assert_int_equal(colour_for_terminal(8, I, 9, 0, 0, 0), 1);
	assert_int_equal(colour_for_terminal(8, I, 196, 0, 0, 0), 1);
	assert_int_equal(colour_for_terminal(8, RGB, 0, 255, 0, 0), 1);
	assert_int_equal(colour_for_terminal(8, RGB, 0, 0, 0, 135), 4);
	/* 16 colours */
	assert_int_equal(colour_for_terminal(16, I, 9, 0, 0, 0), 9);
	assert_int_equal(colour_for_terminal(16, I, 196, 0, 0, 0), 9);
	assert_int_equal(colour_for_terminal(16, RGB, 0, 0, 0, 255), 12);
	assert_int_equal(colour_for_terminal(16, RGB, 0, 128, 128, 128), 8);
	/* 88 colours */
	assert_int_equal(colour_for_terminal(88, I, 9, 0, 0, 0), 9);
	assert_int_equal(colour_for_terminal(88, I, 196, 0, 0, 0), 64);
	assert_int_equal(colour_for_terminal(88, RGB, 0, 255, 0, 0), 64);
	/* 256 colours */
	assert_int_equal(colour_for_terminal(256, I, 200, 0, 0, 0), 200);
	assert_int_equal(colour_for_terminal(256, I, 9, 0, 0, 0), 9);
	assert_int_equal(colour_for_terminal(256, RGB, 0, 255, 0, 0), 196);
	assert_int_equal(colour_for_terminal(256, RGB, 0, 95, 135, 175), 67);
	/* direct colour: 0xRRGGBB; 0..7 stay palette colours, so RGB below 8 is nudged */
	assert_int_equal(colour_for_terminal(direct, RGB, 0, 1, 2, 3), 0x010203);
	assert_int_equal(colour_for_terminal(direct, RGB, 0, 255, 95, 95), 0xff5f5f);
	assert_int_equal(colour_for_terminal(direct, RGB, 0, 0, 0, 5), 8);
	assert_int_equal(colour_for_terminal(direct, I, 9, 0, 0, 0), 0xff0000);
	assert_int_equal(colour_for_terminal(direct, I, 196, 0, 0, 0), 0xff0000);
	assert_int_equal(colour_for_terminal(direct, I, 244, 0, 0, 0), 0x808080);
	assert_int_equal(colour_for_terminal(direct, I, 16, 0, 0, 0), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_palette_values),
		cmocka_unit_test(test_rgb_to_256_known),
		cmocka_unit_test(test_rgb_to_256_is_nearest),
		cmocka_unit_test(test_256_to_16),
		cmocka_unit_test(test_rgb_to_88),
		cmocka_unit_test(test_for_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
