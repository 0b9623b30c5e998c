/* term_pane: the shell pane without the rest of the TUI, for bench/term.
 *
 * Runs CMD on a pty the size of our own terminal, feeds everything it prints
 * to pty/term.c, forwards our keystrokes to it through term_key_char(), and
 * draws the screen model back onto our terminal at most --fps times a second,
 * dirty rows only, the way the TUI's pane does (minus ncurses and the other
 * panes). Exits with CMD's status when CMD's side of the pty closes.
 *
 *   term_pane [--fps N] -- CMD [ARG...]
 *
 * This is what bench/term measures against tmux and dvtm until the glassbox
 * TUI can run a command in its shell pane. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pty.h"
#include "term.h"

struct frame {
	char *buf;
	size_t len, cap;
};

static void frame_put(struct frame *f, const char *s, size_t n)
{
	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2;
		f->buf = realloc(f->buf, f->cap);
		if (!f->buf)
			abort();
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
}

static void frame_printf(struct frame *f, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void frame_printf(struct frame *f, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		frame_put(f, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void write_all_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				poll(&pfd, 1, 100);
				continue;
			}
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void on_output(const char *bytes, size_t len, void *ctx)
{
	write_all_fd(*(int *)ctx, bytes, len);
}

static size_t utf8_encode(char *p, uint32_t c)
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

static void sgr_color(struct frame *f, const struct term_color *c, bool fg)
{
	if (c->kind == TERM_COLOR_INDEXED)
		frame_printf(f, ";%d;5;%d", fg ? 38 : 48, c->index);
	else if (c->kind == TERM_COLOR_RGB)
		frame_printf(f, ";%d;2;%d;%d;%d", fg ? 38 : 48, c->r, c->g, c->b);
}

static bool same_look(const struct term_cell *a, const struct term_cell *b)
{
	return a->attrs == b->attrs && !memcmp(&a->fg, &b->fg, sizeof(a->fg)) &&
	       !memcmp(&a->bg, &b->bg, sizeof(a->bg));
}

static void draw(struct term *t, int out)
{
	static struct frame f;
	int rows, cols, crow, ccol;
	bool visible;
	term_size(t, &rows, &cols);
	f.len = 0;
	frame_put(&f, "\x1b[?25l", 6);
	for (int r = 0; r < rows; r++) {
		if (!term_row_dirty(t, r))
			continue;
		frame_printf(&f, "\x1b[%d;1H\x1b[0m", r + 1);
		struct term_cell pen = { .width = 1 }, cell;
		int last = cols - 1; /* trailing default blanks become one EL */
		for (; last >= 0; last--) {
			term_get_cell(t, r, last, &cell);
			if (cell.chars[0] || !same_look(&cell, &pen))
				break;
		}
		for (int c = 0; c <= last; c++) {
			term_get_cell(t, r, c, &cell);
			if (cell.width == 0)
				continue;
			if (!same_look(&cell, &pen)) {
				frame_put(&f, "\x1b[0", 3);
				static const struct {
					uint16_t bit;
					const char *sgr;
				} attrs[] = {
					{ TERM_ATTR_BOLD, ";1" },      { TERM_ATTR_ITALIC, ";3" },
					{ TERM_ATTR_UNDERLINE, ";4" }, { TERM_ATTR_BLINK, ";5" },
					{ TERM_ATTR_REVERSE, ";7" },   { TERM_ATTR_CONCEAL, ";8" },
					{ TERM_ATTR_STRIKE, ";9" },
				};
				for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
					if (cell.attrs & attrs[i].bit)
						frame_put(&f, attrs[i].sgr, 2);
				sgr_color(&f, &cell.fg, true);
				sgr_color(&f, &cell.bg, false);
				frame_put(&f, "m", 1);
				pen = cell;
			}
			char u[4 * TERM_MAX_CHARS];
			size_t n = 0;
			if (!cell.chars[0])
				u[n++] = ' ';
			for (int i = 0; i < TERM_MAX_CHARS && cell.chars[i]; i++)
				n += utf8_encode(u + n, cell.chars[i] < 0x20 ? '?' : cell.chars[i]);
			frame_put(&f, u, n);
		}
		if (last < cols - 1)
			frame_put(&f, "\x1b[0m\x1b[K", 7);
	}
	term_cursor(t, &crow, &ccol, &visible);
	frame_printf(&f, "\x1b[0m\x1b[%d;%dH%s", crow + 1, ccol + 1, visible ? "\x1b[?25h" : "");
	write_all_fd(out, f.buf, f.len);
	term_clear_dirty(t);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decodes our keyboard's UTF-8 into term_key_char() calls; other bytes
 * (escape sequences of special keys) go through as characters too. */
static void forward_keys(struct term *t, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c = p[i];
		size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (len > 1 && i + len <= n) {
			c &= 0xff >> (len + 1);
			for (size_t k = 1; k < len; k++)
				c = c << 6 | (p[i + k] & 0x3f);
		} else {
			len = 1;
		}
		if (c == '\r')
			term_key(t, TERM_KEY_ENTER, 0);
		else if (c < 0x20 && c != 0x1b)
			term_key_char(t, c + 0x60, TERM_MOD_CTRL);
		else if (c == 0x1b)
			term_key(t, TERM_KEY_ESCAPE, 0);
		else
			term_key_char(t, c, 0);
		i += len;
	}
}

int main(int argc, char **argv)
{
	double fps = 60;
	int argi = 1;
	while (argi < argc && strcmp(argv[argi], "--") != 0) {
		if (!strcmp(argv[argi], "--fps") && argi + 1 < argc) {
			fps = atof(argv[argi + 1]);
			argi += 2;
		} else {
			fprintf(stderr, "term_pane: usage: term_pane [--fps N] -- CMD [ARG...]\n");
			return 2;
		}
	}
	if (argi + 1 >= argc || fps <= 0) {
		fprintf(stderr, "term_pane: usage: term_pane [--fps N] -- CMD [ARG...]\n");
		return 2;
	}
	char **cmd = argv + argi + 1;

	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	int master, slave;
	int err = pty_open(&master, &slave, &ws);
	if (err < 0) {
		fprintf(stderr, "term_pane: cannot open a pty: %s\n", strerror(-err));
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		setenv("TERM", "xterm-256color", 1);
		execvp(cmd[0], cmd);
		fprintf(stderr, "term_pane: cannot run %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(slave);
	term_raw(STDIN_FILENO);

	const struct term_callbacks cb = { .output = on_output };
	struct term *t = term_new(ws.ws_row, ws.ws_col, 10000, &cb, &master);
	if (!t)
		return 1;
	static char buf[65536];
	double interval = 1.0 / fps, next_frame = 0;
	bool open = true;
	write_all_fd(STDOUT_FILENO, "\x1b[H\x1b[2J", 7);
	while (open) {
		int timeout = -1;
		if (term_any_dirty(t)) {
			double wait = next_frame - now();
			timeout = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
		}
		struct pollfd pfd[2] = { { .fd = master, .events = POLLIN },
			                 { .fd = STDIN_FILENO, .events = POLLIN } };
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n > 0)
				term_write(t, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				open = false;
		}
		if (pfd[1].revents & POLLIN) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				forward_keys(t, (unsigned char *)buf, (size_t)n);
		}
		if (term_any_dirty(t) && now() >= next_frame) {
			draw(t, STDOUT_FILENO);
			next_frame = now() + interval;
		}
	}
	draw(t, STDOUT_FILENO);
	term_free(t);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
