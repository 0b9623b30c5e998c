/* fuzz_term: libFuzzer target for pty/term.c, the screen model that parses
 * whatever the program in the sandbox prints. The first two bytes pick the
 * screen size; after that, 0xFE followed by two bytes resizes, 0xFD followed
 * by one byte scrolls the view, sends a key or a mouse event, and everything
 * else is program output fed in slices. Every cell is read back at the end so
 * the grid, the history and the combining pool are all walked under ASan and
 * UBSan. Built with clang when available; ctest runs it for a bounded time
 * (label fuzz). */
#include "term.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void discard(const char *bytes, size_t len, void *ctx)
{
	(void)bytes;
	(void)len;
	(void)ctx;
}

static void title(const char *utf8, void *ctx)
{
	(void)ctx;
	if (strlen(utf8) > 255)
		abort();
}

static void read_back(struct term *t)
{
	int rows, cols, r, c;
	bool visible;
	term_size(t, &rows, &cols);
	term_cursor(t, &r, &c, &visible);
	if (r < 0 || r >= rows || c < 0 || c >= cols)
		abort();
	for (int y = 0; y < rows; y++) {
		(void)term_row_dirty(t, y);
		(void)term_row_wrapped(t, y);
		for (int x = 0; x < cols; x++) {
			struct term_cell cell;
			term_get_cell(t, y, x, &cell);
			if (cell.width > 2 || (cell.width == 2 && x == cols - 1))
				abort();
		}
	}
	term_clear_dirty(t);
}

static void user_action(struct term *t, uint8_t b)
{
	switch (b & 7) {
	case 0:
		term_scroll_view(t, (b >> 3) - 16);
		break;
	case 1:
		term_key(t, (enum term_key)(1 + (b >> 3) % TERM_KEY_F12), b >> 6);
		break;
	case 2:
		term_key_char(t, 0x20 + (b >> 3), b >> 6);
		break;
	case 3:
		term_mouse(t, b >> 5, b >> 3, 1 + (b >> 3) % 5, b & 8, 0);
		break;
	case 4:
		term_paste(t, "a\nb\x1b[201~c", 11);
		break;
	default:
		read_back(t);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct term_callbacks cb = { .output = discard, .title = title };
	if (size < 2)
		return 0;
	struct term *t = term_new(1 + data[0] % 60, 1 + data[1] % 140, 64, &cb, NULL);
	if (!t)
		return 0;
	size_t i = 2;
	while (i < size) {
		if (data[i] == 0xfe && i + 2 < size) {
			term_resize(t, 1 + data[i + 1] % 60, 1 + data[i + 2] % 140);
			i += 3;
		} else if (data[i] == 0xfd && i + 1 < size) {
			user_action(t, data[i + 1]);
			i += 2;
		} else {
			size_t end = i;
			while (end < size && data[end] != 0xfe && data[end] != 0xfd)
				end++;
			if (end == i)
				end++;
			term_write(t, (const char *)data + i, end - i);
			i = end;
		}
	}
	read_back(t);
	term_free(t);
	return 0;
}
