/* Unit tests for pty/term.c: a screen harness feeds byte sequences the way a
 * pty would deliver them and asserts cells, attributes, colours, cursor,
 * history, dirty marks and the bytes the terminal answers with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

struct harness {
	struct term *t;
	char out[8192]; /* what the terminal sent to the program */
	size_t out_len;
	char title[300];
	int titles, bells;
};

static void on_output(const char *bytes, size_t len, void *ctx)
{
	struct harness *h = ctx;
	assert_true(h->out_len + len < sizeof(h->out));
	memcpy(h->out + h->out_len, bytes, len);
	h->out_len += len;
	h->out[h->out_len] = 0;
}

static void on_title(const char *utf8, void *ctx)
{
	struct harness *h = ctx;
	snprintf(h->title, sizeof(h->title), "%s", utf8);
	h->titles++;
}

static void on_bell(void *ctx)
{
	((struct harness *)ctx)->bells++;
}

static const struct term_callbacks callbacks = { on_output, on_title, on_bell };

static struct harness *harness_new(int rows, int cols, size_t history)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	h->t = term_new(rows, cols, history, &callbacks, h);
	assert_non_null(h->t);
	return h;
}

static void harness_free(struct harness *h)
{
	term_free(h->t);
	free(h);
}

static void feed(struct harness *h, const char *s)
{
	term_write(h->t, s, strlen(s));
}

static void take_output(struct harness *h, char *buf, size_t size)
{
	assert_true(h->out_len < size);
	memcpy(buf, h->out, h->out_len + 1);
	h->out_len = 0;
	h->out[0] = 0;
}

static size_t put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The text of a displayed row, blanks as spaces, trailing blanks trimmed. */
static const char *row_text(struct harness *h, int row)
{
	static char buf[4096];
	int rows, cols;
	size_t n = 0;
	term_size(h->t, &rows, &cols);
	for (int c = 0; c < cols; c++) {
		struct term_cell cell;
		term_get_cell(h->t, row, c, &cell);
		if (cell.width == 0)
			continue;
		if (!cell.chars[0])
			buf[n++] = ' ';
		for (int i = 0; i < TERM_MAX_CHARS && cell.chars[i]; i++)
			n += put_utf8(buf + n, cell.chars[i]);
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return buf;
}

static void assert_cursor(struct harness *h, int row, int col)
{
	int r, c;
	bool visible;
	term_cursor(h->t, &r, &c, &visible);
	assert_int_equal(r, row);
	assert_int_equal(c, col);
}

static struct term_cell cell_at(struct harness *h, int row, int col)
{
	struct term_cell cell;
	term_get_cell(h->t, row, col, &cell);
	return cell;
}

static void test_text_and_wrap(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 10, 100);
	feed(h, "hello");
	assert_string_equal(row_text(h, 0), "hello");
	assert_cursor(h, 0, 5);
	feed(h, "\r0123456789AB");
	assert_string_equal(row_text(h, 0), "0123456789");
	assert_string_equal(row_text(h, 1), "AB");
	assert_cursor(h, 1, 2);
	/* cells past the written text are blank with default colours */
	struct term_cell c = cell_at(h, 1, 7);
	assert_int_equal(c.chars[0], 0);
	assert_int_equal(c.width, 1);
	assert_int_equal(c.bg.kind, TERM_COLOR_DEFAULT);
	feed(h, "\x07");
	assert_int_equal(h->bells, 1);
	harness_free(h);
}

static void test_soft_wrap_flags(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 5, 100);
	feed(h, "abcdefgh");
	assert_true(term_row_wrapped(h->t, 0));
	assert_false(term_row_wrapped(h->t, 1));
	feed(h, "\r\n12345"); /* a full line ended by the program: no wrap */
	feed(h, "\r\nxy");
	assert_false(term_row_wrapped(h->t, 1));
	feed(h, "\x1b[H\x1b[2J12345");
	feed(h, "6"); /* the wrap straddles two writes */
	assert_true(term_row_wrapped(h->t, 0));
	feed(h, "\x1b[1;1H\x1b[K"); /* erasing the end of the line ends the continuation */
	assert_false(term_row_wrapped(h->t, 0));
	/* the flag travels with the line into history */
	feed(h, "\x1b[3;1Hvwxyz0\r\n\r\n\r\n");
	term_scroll_view(h->t, 2);
	assert_string_equal(row_text(h, 0), "vwxyz");
	assert_string_equal(row_text(h, 1), "0");
	assert_true(term_row_wrapped(h->t, 0));
	assert_false(term_row_wrapped(h->t, 1));
	harness_free(h);
}

static void test_crlf_scrolls_into_history(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "l1\r\nl2\r\nl3\r\nl4\r\nl5");
	assert_string_equal(row_text(h, 0), "l3");
	assert_string_equal(row_text(h, 1), "l4");
	assert_string_equal(row_text(h, 2), "l5");
	assert_int_equal(term_scrollback_len(h->t), 2);
	term_scroll_view(h->t, 2);
	assert_int_equal(term_view_offset(h->t), 2);
	assert_string_equal(row_text(h, 0), "l1");
	assert_string_equal(row_text(h, 1), "l2");
	assert_string_equal(row_text(h, 2), "l3");
	harness_free(h);
}

static void fill_rows(struct harness *h, const char *letters)
{
	feed(h, "\x1b[H\x1b[2J");
	for (size_t i = 0; letters[i]; i++) {
		char line[32];
		snprintf(line, sizeof(line), "\x1b[%zu;1H%c%c%c", i + 1, letters[i], letters[i],
		         letters[i]);
		feed(h, line);
	}
}

static void test_scroll_regions(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 10, 100);
	fill_rows(h, "abcde");
	feed(h, "\x1b[2;4r\x1b[4;1H\n"); /* line feed at the bottom margin */
	assert_string_equal(row_text(h, 0), "aaa");
	assert_string_equal(row_text(h, 1), "ccc");
	assert_string_equal(row_text(h, 2), "ddd");
	assert_string_equal(row_text(h, 3), "");
	assert_string_equal(row_text(h, 4), "eee");
	assert_int_equal(term_scrollback_len(h->t), 0); /* the region does not start at the top */

	feed(h, "\x1b[2;1H\x1bM"); /* reverse index at the top margin */
	assert_string_equal(row_text(h, 1), "");
	assert_string_equal(row_text(h, 2), "ccc");
	assert_string_equal(row_text(h, 3), "ddd");
	assert_string_equal(row_text(h, 4), "eee");

	fill_rows(h, "abcde");
	feed(h, "\x1b[1;3r\x1b[3;1H\n"); /* a region at the top feeds history */
	assert_string_equal(row_text(h, 0), "bbb");
	assert_string_equal(row_text(h, 1), "ccc");
	assert_string_equal(row_text(h, 2), "");
	assert_string_equal(row_text(h, 3), "ddd");
	assert_int_equal(term_scrollback_len(h->t), 1);
	term_scroll_view(h->t, 1);
	assert_string_equal(row_text(h, 0), "aaa");
	harness_free(h);
}

static void test_insert_delete_lines_and_chars(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 10, 100);
	fill_rows(h, "abcde");
	feed(h, "\x1b[2;1H\x1b[L");
	assert_string_equal(row_text(h, 0), "aaa");
	assert_string_equal(row_text(h, 1), "");
	assert_string_equal(row_text(h, 2), "bbb");
	assert_string_equal(row_text(h, 4), "ddd");
	feed(h, "\x1b[2M");
	assert_string_equal(row_text(h, 1), "ccc");
	assert_string_equal(row_text(h, 2), "ddd");
	assert_string_equal(row_text(h, 3), "");
	assert_string_equal(row_text(h, 4), "");
	assert_int_equal(term_scrollback_len(h->t), 0);

	feed(h, "\x1b[1;1Habcdef\x1b[1;3H\x1b[2@");
	assert_string_equal(row_text(h, 0), "ab  cdef");
	feed(h, "\x1b[3P");
	assert_string_equal(row_text(h, 0), "abdef");
	feed(h, "\x1b[1;1H\x1b[2X");
	assert_string_equal(row_text(h, 0), "  def");
	harness_free(h);
}

static void test_left_right_margins(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "aaaaaaaaaa\r\nbbbbbbbbbb\r\ncccccccccc");
	feed(h, "\x1b[?69h\x1b[3;6s\x1b[1;3H\x1b[L");
	assert_string_equal(row_text(h, 0), "aa    aaaa");
	assert_string_equal(row_text(h, 1), "bbaaaabbbb");
	assert_string_equal(row_text(h, 2), "ccbbbbcccc");
	assert_int_equal(term_scrollback_len(h->t), 0);
	harness_free(h);
}

static void test_erase(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "0123456789\r\nabcdefghij\r\nABCDEFGHIJ");
	feed(h, "\x1b[2;4H\x1b[K");
	assert_string_equal(row_text(h, 1), "abc");
	feed(h, "\x1b[1;4H\x1b[1K");
	assert_string_equal(row_text(h, 0), "    456789");
	feed(h, "\x1b[3;1H\x1b[2K");
	assert_string_equal(row_text(h, 2), "");
	feed(h, "\x1b[1;1H0123456789\x1b[2;1Habcdefghij\x1b[3;1HABCDEFGHIJ");
	feed(h, "\x1b[2;5H\x1b[J");
	assert_string_equal(row_text(h, 0), "0123456789");
	assert_string_equal(row_text(h, 1), "abcd");
	assert_string_equal(row_text(h, 2), "");
	feed(h, "\x1b[1;5H\x1b[1J");
	assert_string_equal(row_text(h, 0), "     56789");
	feed(h, "\x1b[2J");
	assert_string_equal(row_text(h, 0), "");
	assert_string_equal(row_text(h, 1), "");
	/* erased cells take the pen's background */
	feed(h, "\x1b[44m\x1b[2;1H\x1b[K\x1b[0m");
	struct term_cell c = cell_at(h, 1, 9);
	assert_int_equal(c.bg.kind, TERM_COLOR_INDEXED);
	assert_int_equal(c.bg.index, 4);
	assert_int_equal(cell_at(h, 0, 9).bg.kind, TERM_COLOR_DEFAULT);

	/* selective erase keeps DECSCA-protected cells */
	feed(h, "\x1b[3;1H\x1b[1\"qAB\x1b[0\"qCD\x1b[?2K");
	assert_string_equal(row_text(h, 2), "AB");
	harness_free(h);
}

static void test_sgr(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 20, 100);
	feed(h, "\x1b[1;3;4;5;7;9mA\x1b[0mB\x1b[38;5;196;48;2;1;2;3mC\x1b[31;42mD\x1b[39;49mE");
	struct term_cell a = cell_at(h, 0, 0);
	assert_int_equal(a.chars[0], 'A');
	assert_int_equal(a.attrs, TERM_ATTR_BOLD | TERM_ATTR_ITALIC | TERM_ATTR_UNDERLINE |
	                                  TERM_ATTR_BLINK | TERM_ATTR_REVERSE | TERM_ATTR_STRIKE);
	struct term_cell b = cell_at(h, 0, 1);
	assert_int_equal(b.attrs, 0);
	assert_int_equal(b.fg.kind, TERM_COLOR_DEFAULT);
	struct term_cell c = cell_at(h, 0, 2);
	assert_int_equal(c.fg.kind, TERM_COLOR_INDEXED);
	assert_int_equal(c.fg.index, 196);
	assert_int_equal(c.bg.kind, TERM_COLOR_RGB);
	assert_int_equal(c.bg.r, 1);
	assert_int_equal(c.bg.g, 2);
	assert_int_equal(c.bg.b, 3);
	struct term_cell d = cell_at(h, 0, 3);
	assert_int_equal(d.fg.kind, TERM_COLOR_INDEXED);
	assert_int_equal(d.fg.index, 1);
	assert_int_equal(d.bg.index, 2);
	struct term_cell e = cell_at(h, 0, 4);
	assert_int_equal(e.fg.kind, TERM_COLOR_DEFAULT);
	assert_int_equal(e.bg.kind, TERM_COLOR_DEFAULT);

	/* conceal: libvterm 0.1.4 drops SGR 8, term.c tracks it; 38;5;8 is a colour */
	feed(h, "\x1b[2;1H\x1b[8mX\x1b[28mY\x1b[8mZ\x1b[mW\x1b[38;5;8mV\x1b[8;38:5:28mU");
	assert_true(cell_at(h, 1, 0).attrs & TERM_ATTR_CONCEAL);
	assert_false(cell_at(h, 1, 1).attrs & TERM_ATTR_CONCEAL);
	assert_true(cell_at(h, 1, 2).attrs & TERM_ATTR_CONCEAL);
	assert_false(cell_at(h, 1, 3).attrs & TERM_ATTR_CONCEAL);
	assert_false(cell_at(h, 1, 4).attrs & TERM_ATTR_CONCEAL);
	assert_int_equal(cell_at(h, 1, 4).fg.index, 8);
	assert_true(cell_at(h, 1, 5).attrs & TERM_ATTR_CONCEAL);
	assert_int_equal(cell_at(h, 1, 5).fg.index, 28);
	/* split across writes */
	feed(h, "\x1b[0m\x1b[3;1H\x1b[");
	feed(h, "8mQ");
	assert_true(cell_at(h, 2, 0).attrs & TERM_ATTR_CONCEAL);
	harness_free(h);
}

static void test_wide_and_combining(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "\xe6\xbc\xa2"
	        "a"); /* U+6F22, then 'a' */
	struct term_cell w = cell_at(h, 0, 0);
	assert_int_equal(w.chars[0], 0x6f22);
	assert_int_equal(w.width, 2);
	assert_int_equal(cell_at(h, 0, 1).width, 0);
	assert_int_equal(cell_at(h, 0, 2).chars[0], 'a');
	assert_cursor(h, 0, 3);
	/* overwriting the right half breaks the wide character */
	feed(h, "\x1b[1;2Hx");
	assert_int_equal(cell_at(h, 0, 0).width, 1);
	assert_int_equal(cell_at(h, 0, 0).chars[0], 0);
	assert_string_equal(row_text(h, 0), " xa");

	feed(h, "\x1b[2;1He\xcc\x81z"); /* e + U+0301 */
	struct term_cell e = cell_at(h, 1, 0);
	assert_int_equal(e.chars[0], 'e');
	assert_int_equal(e.chars[1], 0x301);
	assert_int_equal(e.chars[2], 0);
	assert_int_equal(cell_at(h, 1, 1).chars[0], 'z');
	assert_string_equal(row_text(h, 1), "e\xcc\x81z");
	harness_free(h);
}

static void test_combining_pool_survives_churn(void **state)
{
	(void)state;
	struct harness *h = harness_new(4, 10, 20);
	/* many more combined cells than the pool starts with: compaction keeps the live ones */
	for (int i = 0; i < 3000; i++)
		feed(h, "a\xcc\x88"
		        "o\xcc\x88\r\n");
	feed(h, "u\xcc\x88");
	assert_string_equal(row_text(h, 3), "u\xcc\x88");
	assert_string_equal(row_text(h, 2), "a\xcc\x88o\xcc\x88");
	term_scroll_view(h->t, 20);
	assert_string_equal(row_text(h, 0), "a\xcc\x88o\xcc\x88");
	harness_free(h);
}

static void test_alternate_screen(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "p1\r\np2\r\np3\r\np4");
	assert_int_equal(term_scrollback_len(h->t), 1);
	feed(h, "\x1b[?1049h");
	assert_true(term_altscreen(h->t));
	assert_string_equal(row_text(h, 0), "");
	assert_string_equal(row_text(h, 2), "");
	feed(h, "\x1b[Halt\r\n\r\n\r\n\r\nlast");
	assert_string_equal(row_text(h, 2), "last");
	assert_int_equal(term_scrollback_len(h->t), 1); /* the alternate screen has no history */
	term_scroll_view(h->t, 5);
	assert_int_equal(term_view_offset(h->t), 0);
	feed(h, "\x1b[?1049l");
	assert_false(term_altscreen(h->t));
	assert_string_equal(row_text(h, 0), "p2");
	assert_string_equal(row_text(h, 1), "p3");
	assert_string_equal(row_text(h, 2), "p4");
	assert_cursor(h, 2, 2);
	assert_int_equal(term_scrollback_len(h->t), 1);
	term_scroll_view(h->t, 1);
	assert_string_equal(row_text(h, 0), "p1");

	/* a reset (RIS) while on the alternate screen returns to the primary one */
	feed(h, "\x1b[?1049h\x1b[?1000hvi\x1b"
	        "c");
	assert_false(term_altscreen(h->t));
	assert_false(term_wants_mouse(h->t));
	assert_string_equal(row_text(h, 0), "");
	feed(h, "after");
	assert_string_equal(row_text(h, 0), "after");
	harness_free(h);
}

static void test_resize(void **state)
{
	(void)state;
	struct harness *h = harness_new(10, 20, 100);
	for (int i = 1; i <= 10; i++) {
		char line[16];
		snprintf(line, sizeof(line), i < 10 ? "line%d\r\n" : "line%d", i);
		feed(h, line);
	}
	assert_cursor(h, 9, 6);
	term_resize(h->t, 5, 20);
	int rows, cols;
	term_size(h->t, &rows, &cols);
	assert_int_equal(rows, 5);
	assert_cursor(h, 4, 6);
	assert_string_equal(row_text(h, 0), "line6");
	assert_string_equal(row_text(h, 4), "line10");
	assert_int_equal(term_scrollback_len(h->t), 5);
	feed(h, "X");
	assert_string_equal(row_text(h, 4), "line10X");

	term_resize(h->t, 10, 20); /* history comes back */
	assert_cursor(h, 9, 7);
	assert_string_equal(row_text(h, 0), "line1");
	assert_string_equal(row_text(h, 9), "line10X");
	assert_int_equal(term_scrollback_len(h->t), 0);

	term_resize(h->t, 10, 4); /* narrower: lines re-wrap, the cursor stays after X */
	assert_cursor(h, 9, 3);
	assert_string_equal(row_text(h, 8), "line");
	assert_string_equal(row_text(h, 9), "10X");
	feed(h, "\r\nabcdef");
	assert_string_equal(row_text(h, 8), "abcd");
	assert_string_equal(row_text(h, 9), "ef");
	term_resize(h->t, 10, 20); /* wider: joined again, nothing was cut */
	assert_string_equal(row_text(h, 0), "line2");
	assert_string_equal(row_text(h, 8), "line10X");
	assert_string_equal(row_text(h, 9), "abcdef");
	assert_cursor(h, 9, 6);
	assert_int_equal(term_scrollback_len(h->t), 1);
	harness_free(h);

	/* cursor at the top with content below it: rows below the cursor go */
	h = harness_new(10, 20, 100);
	feed(h, "top\r\n\x1b[8;1Hlow\x1b[2;1H");
	term_resize(h->t, 5, 20);
	assert_cursor(h, 1, 0);
	assert_string_equal(row_text(h, 0), "top");
	assert_int_equal(term_scrollback_len(h->t), 0);
	feed(h, "ok");
	assert_string_equal(row_text(h, 1), "ok");
	harness_free(h);

	/* shrinking while on the alternate screen, then leaving it */
	h = harness_new(10, 20, 100);
	feed(h, "\x1b[10;1Hprompt\x1b[?1049h\x1b[10;1Hvim");
	term_resize(h->t, 4, 20);
	assert_cursor(h, 3, 3);
	assert_string_equal(row_text(h, 3), "vim");
	feed(h, "\x1b[?1049l");
	int r, c;
	bool visible;
	term_cursor(h->t, &r, &c, &visible);
	assert_true(r >= 0 && r < 4);
	assert_string_equal(row_text(h, 3), "prompt");
	feed(h, "\r\nnext");
	assert_string_equal(row_text(h, 3), "next");
	harness_free(h);
}

/* The text of a logical line starting at displayed row `row`: rows joined
 * while term_row_wrapped says so. Returns how many rows it took in *nrows. */
static const char *line_text(struct harness *h, int row, int *nrows)
{
	static char buf[8192];
	int rows, cols;
	size_t n = 0;
	term_size(h->t, &rows, &cols);
	int r = row;
	for (;; r++) {
		const char *t = row_text(h, r);
		bool wrapped = term_row_wrapped(h->t, r);
		size_t len = strlen(t);
		memcpy(buf + n, t, len);
		n += len;
		if (!wrapped || r + 1 >= rows)
			break;
	}
	buf[n] = 0;
	if (nrows)
		*nrows = r - row + 1;
	return buf;
}

static const char long_line[] = /* 100 characters */
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	"0123456789abcdefghijklmnopqrstuvwxyzAB";

static void test_rewrap_on_resize(void **state)
{
	(void)state;
	assert_int_equal(strlen(long_line), 100);
	struct harness *h = harness_new(6, 80, 100);
	feed(h, "$ ");
	feed(h, long_line);
	feed(h, "\r\nshort\r\n$ ");
	/* 102 characters at 80 columns: two rows joined by the wrap flag */
	assert_string_equal(row_text(h, 0), "$ 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef");
	assert_string_equal(row_text(h, 1), "ghijklmnopqrstuvwxyzAB");
	assert_true(term_row_wrapped(h->t, 0));
	assert_cursor(h, 3, 2);

	term_resize(h->t, 6, 40);
	assert_string_equal(row_text(h, 0), "$ 0123456789abcdefghijklmnopqrstuvwxyzAB");
	assert_string_equal(row_text(h, 1), "CDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef");
	assert_string_equal(row_text(h, 2), "ghijklmnopqrstuvwxyzAB");
	assert_true(term_row_wrapped(h->t, 0));
	assert_true(term_row_wrapped(h->t, 1));
	assert_false(term_row_wrapped(h->t, 2));
	assert_string_equal(row_text(h, 3), "short");
	assert_false(term_row_wrapped(h->t, 3));
	assert_string_equal(row_text(h, 4), "$");
	assert_cursor(h, 4, 2); /* the prompt line moved down one row */
	assert_int_equal(term_scrollback_len(h->t), 0);

	term_resize(h->t, 6, 120);
	char want[128];
	snprintf(want, sizeof(want), "$ %s", long_line);
	assert_string_equal(row_text(h, 0), want);
	assert_false(term_row_wrapped(h->t, 0));
	assert_string_equal(row_text(h, 1), "short");
	assert_string_equal(row_text(h, 2), "$");
	assert_cursor(h, 2, 2);
	/* the program goes on where the cursor is */
	feed(h, "ok");
	assert_string_equal(row_text(h, 2), "$ ok");
	harness_free(h);
}

static void test_rewrap_keeps_hard_breaks(void **state)
{
	(void)state;
	struct harness *h = harness_new(6, 10, 100);
	feed(h, "0123456789\r\nabc\r\n"); /* a full line ended by CR LF */
	assert_false(term_row_wrapped(h->t, 0));
	term_resize(h->t, 6, 20);
	assert_string_equal(row_text(h, 0), "0123456789");
	assert_string_equal(row_text(h, 1), "abc");
	term_resize(h->t, 6, 5); /* split, but not joined with the next line */
	assert_string_equal(row_text(h, 0), "01234");
	assert_string_equal(row_text(h, 1), "56789");
	assert_string_equal(row_text(h, 2), "abc");
	assert_true(term_row_wrapped(h->t, 0));
	assert_false(term_row_wrapped(h->t, 1));
	assert_cursor(h, 3, 0);
	term_resize(h->t, 6, 10);
	assert_string_equal(row_text(h, 0), "0123456789");
	assert_string_equal(row_text(h, 1), "abc");
	assert_cursor(h, 2, 0);
	harness_free(h);
}

static void test_rewrap_scrollback(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	feed(h, "first line of text\r\n"); /* 18 characters: wraps */
	for (int i = 0; i < 5; i++)
		feed(h, "x\r\n");
	feed(h, "$ ");
	assert_int_equal(term_scrollback_len(h->t), 5);
	term_scroll_view(h->t, 5);
	assert_string_equal(row_text(h, 0), "first line");
	assert_string_equal(row_text(h, 1), " of text");
	term_scroll_view(h->t, -INT_MAX);

	term_resize(h->t, 3, 20); /* joined in history: one row fewer */
	assert_int_equal(term_scrollback_len(h->t), 4);
	term_scroll_view(h->t, 4);
	assert_string_equal(row_text(h, 0), "first line of text");
	assert_string_equal(row_text(h, 1), "x");
	term_scroll_view(h->t, -INT_MAX);
	assert_string_equal(row_text(h, 2), "$");
	assert_cursor(h, 2, 2);

	term_resize(h->t, 3, 6); /* split in history: three rows */
	assert_int_equal(term_scrollback_len(h->t), 6);
	term_scroll_view(h->t, 6);
	assert_string_equal(row_text(h, 0), "first");
	assert_string_equal(row_text(h, 1), "line o");
	assert_string_equal(row_text(h, 2), "f text");
	assert_true(term_row_wrapped(h->t, 0));
	assert_true(term_row_wrapped(h->t, 1));
	assert_false(term_row_wrapped(h->t, 2));
	term_scroll_view(h->t, -3);
	assert_string_equal(row_text(h, 0), "x");
	term_scroll_view(h->t, -INT_MAX);
	assert_string_equal(row_text(h, 2), "$");
	assert_cursor(h, 2, 2);
	harness_free(h);

	/* a full history drops its oldest lines when lines take more rows */
	h = harness_new(2, 10, 4);
	for (int i = 0; i < 6; i++)
		feed(h, "abcdefghij\r\n");
	assert_int_equal(term_scrollback_len(h->t), 4);
	term_resize(h->t, 2, 5);
	assert_int_equal(term_scrollback_len(h->t), 4);
	assert_string_equal(row_text(h, 0), "fghij"); /* the screen: end of the last line */
	assert_string_equal(row_text(h, 1), "");
	term_scroll_view(h->t, 4);
	assert_string_equal(row_text(h, 0), "fghij"); /* oldest kept: half a line */
	assert_string_equal(row_text(h, 1), "abcde");
	harness_free(h);
}

static void test_rewrap_cursor(void **state)
{
	(void)state;
	/* cursor in the middle of a wrapped line, on the character 'Q' */
	struct harness *h = harness_new(5, 10, 100);
	feed(h, "abcdefghijklmnopQrstuvwxyz\x1b[2;7H");
	assert_cursor(h, 1, 6);
	assert_int_equal(cell_at(h, 1, 6).chars[0], 'Q');
	term_resize(h->t, 5, 4);
	int r, c;
	bool visible;
	term_cursor(h->t, &r, &c, &visible);
	assert_int_equal(cell_at(h, r, c).chars[0], 'Q');
	assert_cursor(h, 4, 0); /* the cursor's row stays; 16 / 4 = row 4 of its line */
	term_resize(h->t, 5, 30);
	term_cursor(h->t, &r, &c, &visible);
	assert_int_equal(cell_at(h, r, c).chars[0], 'Q');
	assert_int_equal(c, 16);

	/* the last column written, wrap pending: the next glyph still follows it */
	harness_free(h);
	h = harness_new(5, 10, 100);
	feed(h, "0123456789");
	assert_cursor(h, 0, 9);
	term_resize(h->t, 5, 20);
	assert_cursor(h, 0, 10);
	feed(h, "X");
	assert_string_equal(row_text(h, 0), "0123456789X");
	term_resize(h->t, 5, 4);
	assert_string_equal(line_text(h, 0, NULL), "0123456789X");
	assert_cursor(h, 2, 3);
	feed(h, "Y");
	assert_string_equal(line_text(h, 0, NULL), "0123456789XY");
	harness_free(h);

	/* shrinking rows and columns together: the cursor stays valid */
	h = harness_new(10, 20, 100);
	for (int i = 0; i < 9; i++)
		feed(h, "a long line of text!"); /* exactly 20: all wrap */
	term_resize(h->t, 3, 7);
	term_cursor(h->t, &r, &c, &visible);
	assert_in_range(r, 0, 2);
	assert_in_range(c, 0, 6);
	feed(h, "END");
	term_resize(h->t, 10, 20);
	assert_string_equal(row_text(h, 9), "END");
	assert_string_equal(row_text(h, 8), "a long line of text!");
	assert_true(term_row_wrapped(h->t, 8));
	harness_free(h);
}

static void test_rewrap_wide_characters(void **state)
{
	(void)state;
	/* U+6F22 (3 bytes, 2 columns) x 5 after "ab": 12 columns */
	struct harness *h = harness_new(4, 12, 100);
	feed(h, "ab\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2!");
	assert_true(term_row_wrapped(h->t, 0));
	assert_string_equal(row_text(h, 1), "!");
	term_resize(h->t, 4, 5); /* "ab" + one wide (4 columns): the next one does not fit */
	assert_string_equal(row_text(h, 0), "ab\xe6\xbc\xa2");
	assert_int_equal(cell_at(h, 0, 2).width, 2);
	assert_int_equal(cell_at(h, 0, 3).width, 0);
	assert_int_equal(cell_at(h, 0, 4).chars[0], 0); /* the blank it left */
	assert_true(term_row_wrapped(h->t, 0));
	assert_string_equal(row_text(h, 1), "\xe6\xbc\xa2\xe6\xbc\xa2");
	assert_string_equal(row_text(h, 2), "\xe6\xbc\xa2\xe6\xbc\xa2!");
	assert_int_equal(cell_at(h, 2, 0).width, 2);
	for (int r = 0; r < 4; r++)
		for (int c = 0; c < 5; c++)
			assert_true(cell_at(h, r, c).width != 2 || c + 1 < 5);
	/* back: the blank was padding, not text */
	term_resize(h->t, 4, 12);
	assert_string_equal(row_text(h, 0), "ab\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2");
	assert_string_equal(row_text(h, 1), "!");
	harness_free(h);

	/* written by the program: a wide glyph that does not fit at the margin
	 * wraps, and the row it left is a continuation too */
	h = harness_new(4, 5, 100);
	feed(h, "abcd\xe6\xbc\xa2" "e");
	assert_string_equal(row_text(h, 0), "abcd");
	assert_true(term_row_wrapped(h->t, 0));
	term_resize(h->t, 4, 10);
	assert_string_equal(row_text(h, 0), "abcd\xe6\xbc\xa2" "e");
	assert_cursor(h, 0, 7);
	/* one column: no room for a wide character at all, it becomes a blank */
	term_resize(h->t, 8, 1);
	assert_string_equal(row_text(h, 3), "d");
	assert_int_equal(cell_at(h, 4, 0).width, 1);
	harness_free(h);
}

static void test_rewrap_leaves_alt_screen(void **state)
{
	(void)state;
	struct harness *h = harness_new(4, 10, 100);
	feed(h, "abcdefghijkl\r\n$ ");
	feed(h, "\x1b[?1049h\x1b[Hfull-width\x1b[2;1Hxy");
	assert_true(term_altscreen(h->t));
	term_resize(h->t, 4, 5);
	assert_string_equal(row_text(h, 0), "full-"); /* cut, not re-wrapped */
	assert_string_equal(row_text(h, 1), "xy");
	assert_false(term_row_wrapped(h->t, 0));
	assert_cursor(h, 1, 2);
	term_resize(h->t, 4, 10);
	assert_string_equal(row_text(h, 0), "full-");
	feed(h, "\x1b[?1049l"); /* the primary screen was re-wrapped meanwhile */
	assert_string_equal(row_text(h, 0), "abcdefghij");
	assert_string_equal(row_text(h, 1), "kl");
	assert_true(term_row_wrapped(h->t, 0));
	assert_string_equal(row_text(h, 2), "$");
	harness_free(h);
}

/* All the text, history and screen, with soft-wrapped rows joined and hard
 * breaks as '\n', trailing blank lines dropped. */
static char *all_text(struct harness *h)
{
	int rows, cols;
	term_size(h->t, &rows, &cols);
	size_t hist = term_scrollback_len(h->t), total = hist + (size_t)rows, n = 0;
	char *out = malloc(total * ((size_t)cols * 4 + 2) + 1);
	assert_non_null(out);
	for (size_t k = 0; k < total; k++) {
		int row = 0;
		term_scroll_view(h->t, -INT_MAX);
		if (k < hist)
			term_scroll_view(h->t, (int)(hist - k));
		else
			row = (int)(k - hist);
		const char *t = row_text(h, row);
		size_t len = strlen(t);
		memcpy(out + n, t, len);
		n += len;
		if (!term_row_wrapped(h->t, row))
			out[n++] = '\n';
	}
	term_scroll_view(h->t, -INT_MAX);
	while (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = 0;
	return out;
}

/* Random text (narrow and wide, no spaces), line breaks and resizes: the
 * text read back, joined by the wrap flags, is always exactly what was
 * written, and the cursor stays where the next character goes. (At 1 or 2
 * columns a glyph can fill a whole row, and a line break after it cannot be
 * told from a wrap: at least 3 columns here.) */
static void test_rewrap_keeps_text(void **state)
{
	(void)state;
	static const char *pieces[] = { "abc", "x", "0123456789", "\xe6\xbc\xa2", "\xe4\xb8\x80z",
		                        "\r\n" };
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned seed = 4242;
	for (int round = 0; round < 20; round++) {
		struct harness *h = harness_new(6, 12, 10000);
		char *model = calloc(1, 1 << 16);
		assert_non_null(model);
		size_t mlen = 0;
		for (int i = 0; i < 300; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned pick = (seed >> 16) % (unsigned)(npieces + 2);
			if (pick >= npieces) {
				seed = seed * 1103515245u + 12345u;
				term_resize(h->t, 1 + (int)((seed >> 16) % 9), 3 + (int)((seed >> 20) % 30));
				char *got = all_text(h);
				model[mlen] = 0;
				const char *want = model;
				size_t wl = mlen;
				while (wl > 0 && model[wl - 1] == '\n')
					wl--;
				if (strlen(got) != wl || memcmp(got, want, wl) != 0)
					fail_msg("round %d step %d: text changed on resize:\n%s\n---\n%.*s",
					         round, i, got, (int)wl, want);
				free(got);
				continue;
			}
			feed(h, pieces[pick]);
			const char *p = pieces[pick];
			if (strcmp(p, "\r\n") == 0) {
				model[mlen++] = '\n';
			} else {
				memcpy(model + mlen, p, strlen(p));
				mlen += strlen(p);
			}
		}
		free(model);
		harness_free(h);
	}
}

static void test_dsr_and_da(void **state)
{
	(void)state;
	struct harness *h = harness_new(10, 20, 100);
	char out[256];
	feed(h, "\x1b[3;5H\x1b[6n");
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[3;5R");
	feed(h, "\x1b[c");
	take_output(h, out, sizeof(out));
	assert_true(strncmp(out, "\x1b[?", 3) == 0);
	assert_int_equal(out[strlen(out) - 1], 'c');
	feed(h, "\x1b[5n");
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[0n");
	harness_free(h);
}

static void test_bracketed_paste(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 20, 100);
	char out[256];
	term_paste(h->t, "a\nb\r\nc", 6);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "a\rb\rc");
	feed(h, "\x1b[?2004h");
	term_paste(h->t, "ls\x1b[201~rm", 10);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[200~lsrm\x1b[201~");
	feed(h, "\x1b[?2004l");
	term_paste(h->t, "x", 1);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "x");
	harness_free(h);
}

static void test_keys(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 20, 100);
	char out[256];
	term_key(h->t, TERM_KEY_UP, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[A");
	feed(h, "\x1b[?1h"); /* application cursor keys */
	term_key(h->t, TERM_KEY_UP, 0);
	term_key(h->t, TERM_KEY_LEFT, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1bOA\x1bOD");
	feed(h, "\x1b[?1l");
	term_key(h->t, TERM_KEY_RIGHT, TERM_MOD_CTRL);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[1;5C");
	term_key_char(h->t, 'x', 0);
	term_key_char(h->t, 'c', TERM_MOD_CTRL);
	term_key_char(h->t, 'b', TERM_MOD_ALT);
	term_key_char(h->t, 0xe9, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "x\x03\x1b"
	                         "b\xc3\xa9");
	term_key(h->t, TERM_KEY_ENTER, 0);
	term_key(h->t, TERM_KEY_F1, 0);
	term_key(h->t, TERM_KEY_F12, 0);
	term_key(h->t, TERM_KEY_BACKSPACE, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\r\x1bOP\x1b[24~\x7f");
	harness_free(h);
}

static void test_mouse_and_title(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 20, 100);
	char out[256];
	assert_false(term_wants_mouse(h->t));
	term_mouse(h->t, 1, 2, 1, true, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, ""); /* no reports unless asked */
	feed(h, "\x1b[?1000h\x1b[?1006h");
	assert_true(term_wants_mouse(h->t));
	term_mouse(h->t, 1, 2, 1, true, 0);
	term_mouse(h->t, 1, 2, 1, false, 0);
	term_mouse(h->t, 0, 0, 4, true, 0);
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[<0;3;2M\x1b[<0;3;2m\x1b[<64;1;1M");
	feed(h, "\x1b[?1000l");
	assert_false(term_wants_mouse(h->t));

	assert_string_equal(term_title(h->t), "");
	feed(h, "\x1b]2;build \xe2\x9c\x93\x07");
	assert_string_equal(term_title(h->t), "build \xe2\x9c\x93");
	assert_int_equal(h->titles, 1);
	assert_string_equal(h->title, "build \xe2\x9c\x93");
	/* a long title is cut at a character boundary */
	char osc[400] = "\x1b]2;";
	for (int i = 0; i < 150; i++)
		strcat(osc, "\xc3\xa9");
	strcat(osc, "\x07");
	feed(h, osc);
	assert_int_equal(strlen(term_title(h->t)), 254);
	assert_int_equal((unsigned char)term_title(h->t)[252], 0xc3);
	harness_free(h);
}

static void test_view_offset(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	for (int i = 0; i < 10; i++) {
		char line[16];
		snprintf(line, sizeof(line), "n%d\r\n", i);
		feed(h, line);
	}
	/* rows: n8 n9 "" ; history n0..n7 */
	assert_int_equal(term_scrollback_len(h->t), 8);
	term_scroll_view(h->t, 3);
	assert_int_equal(term_view_offset(h->t), 3);
	assert_string_equal(row_text(h, 0), "n5");
	bool visible;
	int r, c;
	term_cursor(h->t, &r, &c, &visible);
	assert_false(visible);
	term_scroll_view(h->t, 100);
	assert_int_equal(term_view_offset(h->t), 8);
	assert_string_equal(row_text(h, 0), "n0");
	term_scroll_view(h->t, -6);
	assert_string_equal(row_text(h, 0), "n6");
	/* new output keeps the view on the same lines */
	feed(h, "n10\r\n");
	assert_string_equal(row_text(h, 0), "n6");
	assert_int_equal(term_view_offset(h->t), 3);
	term_scroll_view(h->t, -INT_MAX);
	assert_int_equal(term_view_offset(h->t), 0);
	assert_string_equal(row_text(h, 0), "n9");
	term_scroll_view(h->t, 2);
	term_key_char(h->t, 'q', 0); /* a key returns to the live screen */
	assert_int_equal(term_view_offset(h->t), 0);
	term_cursor(h->t, &r, &c, &visible);
	assert_true(visible);
	harness_free(h);
}

static void test_dirty_rows(void **state)
{
	(void)state;
	struct harness *h = harness_new(5, 10, 100);
	assert_true(term_any_dirty(h->t));
	term_clear_dirty(h->t);
	assert_false(term_any_dirty(h->t));
	for (int r = 0; r < 5; r++)
		assert_false(term_row_dirty(h->t, r));
	feed(h, "\x1b[3;1Hx");
	assert_true(term_any_dirty(h->t));
	assert_true(term_row_dirty(h->t, 2));
	assert_false(term_row_dirty(h->t, 1));
	assert_false(term_row_dirty(h->t, 3));
	term_clear_dirty(h->t);
	feed(h, "\x1b[1;1H"); /* only the cursor moved */
	assert_true(term_any_dirty(h->t));
	for (int r = 0; r < 5; r++)
		assert_false(term_row_dirty(h->t, r));
	term_clear_dirty(h->t);
	feed(h, "\x1b[5;1H\n"); /* a scroll moves every row */
	for (int r = 0; r < 5; r++)
		assert_true(term_row_dirty(h->t, r));
	term_clear_dirty(h->t);
	feed(h, "\x1b[?25l");
	assert_true(term_any_dirty(h->t));
	harness_free(h);
}

static void test_flood_keeps_history_limit(void **state)
{
	(void)state;
	struct harness *h = harness_new(24, 80, 10000);
	char buf[65536];
	size_t n = 0;
	for (int i = 0; i < 100000; i++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "line %d\r\n", i);
		if (n > sizeof(buf) - 32) {
			term_write(h->t, buf, n);
			n = 0;
		}
	}
	term_write(h->t, buf, n);
	assert_int_equal(term_scrollback_len(h->t), 10000);
	/* screen: lines 99977..99999 and an empty row; history ends at 99976 */
	assert_string_equal(row_text(h, 22), "line 99999");
	term_scroll_view(h->t, INT_MAX);
	assert_int_equal(term_view_offset(h->t), 10000);
	assert_string_equal(row_text(h, 0), "line 89977");
	term_scroll_view(h->t, -(10000 - 1));
	assert_string_equal(row_text(h, 0), "line 99976");
	harness_free(h);
}

/* Row `row` holds the letters of `text` with nothing but replacement
 * characters around them, no C1 code point anywhere, and the cursor right
 * after it: no glyph moved the cursor left. */
static void assert_no_c1_and_cursor_after_text(struct harness *h, int row, const char *text)
{
	int r, c;
	bool visible;
	char letters[16];
	size_t n = 0;
	term_cursor(h->t, &r, &c, &visible);
	assert_int_equal(r, row);
	for (int x = 0; x < c; x++) {
		uint32_t ch = cell_at(h, row, x).chars[0];
		if (ch != 0xfffd) {
			assert_true(ch > 0x20 && ch < 0x7f && n + 1 < sizeof(letters));
			letters[n++] = (char)ch;
		}
	}
	letters[n] = 0;
	assert_string_equal(letters, text);
	assert_int_equal(cell_at(h, row, c - 1).chars[0], (uint32_t)text[strlen(text) - 1]);
	for (int x = 0; x < 10; x++) {
		uint32_t ch = cell_at(h, row, x).chars[0];
		assert_false(ch >= 0x80 && ch <= 0x9f);
	}
}

/* Sequences that crash or hang libvterm 0.1.4 itself; a program in the
 * sandbox must not be able to take the TUI down (or corrupt its memory) by
 * printing them. */
static void test_hostile_sequences(void **state)
{
	(void)state;
	struct harness *h = harness_new(3, 10, 100);
	char out[256];
	/* REP with nothing to repeat loops forever in 0.1.4: cancelled */
	feed(h, "\x1b[5b");
	feed(h, "\xe2\x80\x8b\x1b[5b");   /* after a zero-width glyph */
	feed(h, "\x1b[H\x1b[2Jx\x1b[3b"); /* a real repeat still works */
	assert_string_equal(row_text(h, 0), "xxxx");

	/* more than 16 CSI parameters overflow 0.1.4's csi_args[] */
	char many[400] = "\x1b[1";
	for (int i = 0; i < 60; i++)
		strcat(many, ";4");
	strcat(many, "mB\x1b[0m");
	feed(h, "\r\n");
	feed(h, many);
	assert_int_equal(cell_at(h, 1, 0).attrs, TERM_ATTR_BOLD | TERM_ATTR_UNDERLINE);
	feed(h, "\x1b[99999999999999999999;4H\x1b[6n"); /* and a parameter too long */
	take_output(h, out, sizeof(out));
	assert_string_equal(out, "\x1b[3;4R"); /* the parser's state is intact */

	/* U+0080..U+009F have width -1 in 0.1.4 and walk the cursor left of 0:
	 * with them dropped every glyph moves the cursor right */
	feed(h, "\x1b[H\x1b[2Ja\xc2\x80\xc2\x9f"
	        "b");
	assert_no_c1_and_cursor_after_text(h, 0, "ab");
	feed(h, "\r\n\xc2\x1b[m\x07\x80"
	        "c"); /* the decoder keeps C2 across sequences */
	feed(h, "\xc2");
	feed(h, "\x85"
	        "d"); /* and across writes */
	assert_no_c1_and_cursor_after_text(h, 1, "cd");
	int r, c;
	bool visible;
	term_cursor(h->t, &r, &c, &visible);
	/* a character split across writes arrives whole, even after ASCII */
	feed(h, "\x1b[3;1Hx\xe6");
	feed(h, "\xbc");
	feed(h, "\xa2y");
	assert_string_equal(row_text(h, 2), "x\xe6\xbc\xa2y");
	feed(h, "\x1b[3;1H\xe2\x07\x80\x8bz\x1b[K"); /* cut by a control: U+FFFD, never C1 */
	assert_string_equal(row_text(h, 2), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
	feed(h, "\x1b[2;5H");
	feed(h, "\xc2\xa0|"); /* U+00A0 is fine */
	assert_int_equal(cell_at(h, 1, c).chars[0], 0xa0);
	harness_free(h);

	/* margins and a saved cursor from before a shrink: 0.1.4 keeps a top
	 * margin below the new bottom (negative-size scrolls) and restores the
	 * cursor past the last column (tab stops written out of bounds) */
	h = harness_new(25, 200, 100);
	feed(h, "\x1b[20;24r\x1b[?69h\x1b[150;190s\x1b[1;150H\x1b"
	        "7");
	term_resize(h->t, 5, 10);
	feed(h, "\x1b[?69h\n\n\n\n\n\n\x1b[L\x1b[2@");
	feed(h, "\x1b"
	        "8\x1bH\tX");
	assert_cursor(h, 0, 10 - 1);
	assert_int_equal(cell_at(h, 0, 9).chars[0], 'X');
	feed(h, "\x1b[?1049h\x1b[?1049lY");
	int rows, cols;
	term_size(h->t, &rows, &cols);
	term_cursor(h->t, &r, &c, &visible);
	assert_true(r < rows && c < cols);
	harness_free(h);
}

/* Random mixes of text and control sequences with resizes in between: the
 * cursor stays on the screen and every cell stays readable (run under ASan in
 * CI, this is also a memory-safety check of every grid path). */
static void test_random_sequences_keep_invariants(void **state)
{
	(void)state;
	static const char *pieces[] = {
		"abc",
		"\r\n",
		"\n",
		"\r",
		"\b",
		"\t",
		"\xe6\xbc\xa2",
		"e\xcc\x81",
		"\xcc\x88",
		"\x1b[H",
		"\x1b[5;5H",
		"\x1b[99;99H",
		"\x1b[2J",
		"\x1b[J",
		"\x1b[1J",
		"\x1b[K",
		"\x1b[1K",
		"\x1b[3L",
		"\x1b[2M",
		"\x1b[4@",
		"\x1b[3P",
		"\x1b[5X",
		"\x1b[2;5r",
		"\x1b[r",
		"\x1bM",
		"\x1b"
		"D",
		"\x1b[?1049h",
		"\x1b[?1049l",
		"\x1b[?47h",
		"\x1b[?47l",
		"\x1b[?69h",
		"\x1b[?69l",
		"\x1b[2;7s",
		"\x1b[1\"q",
		"\x1b[0\"q",
		"\x1b[?2J",
		"\x1b[?1K",
		"\x1b[8m",
		"\x1b[0m",
		"\x1b[38;5;200;48;2;1;2;3m",
		"\x1b[2S",
		"\x1b[2T",
		"\x1b[6n",
		"\x1b"
		"c",
		"\x1b[!p",
		"\x1b#8",
		"\x1b"
		"7",
		"\x1b"
		"8",
		"\x1b[?6h",
		"\x1b[?6l",
		"\x1b[?7l",
		"\x1b[?7h",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	struct harness *h = harness_new(8, 12, 50);
	unsigned seed = 12345;
	for (int i = 0; i < 40000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned pick = (seed >> 16) % (unsigned)(npieces + 1);
		if (pick == npieces) {
			seed = seed * 1103515245u + 12345u;
			term_resize(h->t, 1 + (int)((seed >> 16) % 14),
			            1 + (int)((seed >> 20) % 20));
		} else {
			feed(h, pieces[pick]);
		}
		h->out_len = 0;
		if (i % 97 == 0)
			term_scroll_view(h->t, (int)((seed >> 8) % 7) - 3);
		int rows, cols, r, c;
		bool visible;
		term_size(h->t, &rows, &cols);
		term_cursor(h->t, &r, &c, &visible);
		assert_in_range(r, 0, rows - 1);
		assert_in_range(c, 0, cols - 1);
		assert_in_range(term_view_offset(h->t), 0, 50);
		if (i % 13 == 0)
			for (int y = 0; y < rows; y++)
				for (int x = 0; x < cols; x++) {
					struct term_cell cell = cell_at(h, y, x);
					assert_in_range(cell.width, 0, 2);
					assert_true(cell.width != 2 || x + 1 < cols);
				}
	}
	assert_true(term_scrollback_len(h->t) <= 50);
	harness_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_wrap),
		cmocka_unit_test(test_soft_wrap_flags),
		cmocka_unit_test(test_crlf_scrolls_into_history),
		cmocka_unit_test(test_scroll_regions),
		cmocka_unit_test(test_insert_delete_lines_and_chars),
		cmocka_unit_test(test_left_right_margins),
		cmocka_unit_test(test_erase),
		cmocka_unit_test(test_sgr),
		cmocka_unit_test(test_wide_and_combining),
		cmocka_unit_test(test_combining_pool_survives_churn),
		cmocka_unit_test(test_alternate_screen),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_rewrap_on_resize),
		cmocka_unit_test(test_rewrap_keeps_hard_breaks),
		cmocka_unit_test(test_rewrap_scrollback),
		cmocka_unit_test(test_rewrap_cursor),
		cmocka_unit_test(test_rewrap_wide_characters),
		cmocka_unit_test(test_rewrap_leaves_alt_screen),
		cmocka_unit_test(test_rewrap_keeps_text),
		cmocka_unit_test(test_dsr_and_da),
		cmocka_unit_test(test_bracketed_paste),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_mouse_and_title),
		cmocka_unit_test(test_view_offset),
		cmocka_unit_test(test_dirty_rows),
		cmocka_unit_test(test_flood_keeps_history_limit),
		cmocka_unit_test(test_hostile_sequences),
		cmocka_unit_test(test_random_sequences_keep_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
