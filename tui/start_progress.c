/* start_progress: the progress screen (TUI) or line (headless) while
 * checkpoint 0 records, and the clean stop on Ctrl-C. See start_progress.h.
 *
 * Nothing runs on another thread: the snapshot scan calls
 * start_progress_update() after every entry, which looks at the clock and,
 * a few times a second, at the pending signals and the terminal. The stop
 * signals are blocked meanwhile, so one arriving in the middle of writing
 * the store never kills the process; the scan returns "interrupted" and the
 * snapshot code removes the half-made session. The path shown is
 * sanitised: it is the user's, but a file name can hold escapes. */
#include "start_progress.h"
#include "sanitize.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define CHECK_NS 50000000ull       /* pending signals: 20 times a second */
#define DRAW_NS 250000000ull       /* the numbers: 4 times a second */
#define SCREEN_DELAY_NS 150000000ull /* a quick recording shows nothing */
#define LINE_DELAY_NS 1000000000ull

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static int pending_stop(void)
{
	sigset_t pending;
	if (sigpending(&pending) < 0)
		return 0;
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		if (sigismember(&pending, stop_signals[i]))
			return stop_signals[i];
	return 0;
}

/* Takes a pending stop signal off the queue so it is not delivered once
 * the mask is restored. */
static void consume(int sig)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&one, NULL, &zero) == sig)
		;
}

/* "12 345" */
static void format_count(char *buf, size_t size, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ' ';
		buf[o++] = digits[i];
	}
	buf[o] = 0;
}

/* "1.2 GB" */
static void format_bytes(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void write_str(int fd, const char *s)
{
	write_all(fd, s, strlen(s));
}

/* Counts the code points of s into *count; returns where its last `max`
 * code points start. */
static const char *tail_codepoints(const char *s, size_t max, size_t *count)
{
	size_t n = 0;
	for (const char *q = s; *q; q++)
		n += ((unsigned char)*q & 0xc0) != 0x80;
	*count = n;
	const char *q = s;
	while (n > max && *q) {
		q++;
		while (((unsigned char)*q & 0xc0) == 0x80)
			q++;
		n--;
	}
	return q;
}

static void draw(struct start_progress *p, const struct snap_progress *sp)
{
	char files[32], bytes[32];
	format_count(files, sizeof files, sp->files);
	format_bytes(bytes, sizeof bytes, sp->bytes);
	cleanup_free char *root = sanitize_str(sp->root ? sp->root : "");
	struct winsize ws = { 0 };
	int fd = p->style == START_PROGRESS_SCREEN ? STDOUT_FILENO : STDERR_FILENO;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col < 20 || ws.ws_row < 3) {
		ws.ws_col = 80;
		ws.ws_row = 24;
	}
	const char *head = "glassbox: recording checkpoint 0 of ";
	char counts[80];
	snprintf(counts, sizeof counts, ": %s files, %s…", files, bytes);
	/* the whole line fits on the terminal's width (the … counts as one) */
	size_t used = strlen(head) + strlen(counts) - 2 + 1;
	size_t room = ws.ws_col > used + 10 ? ws.ws_col - used : 10, n;
	if (room > 1000)
		room = 1000;
	const char *shown = tail_codepoints(root, room - 1, &n); /* room for the … */
	const char *cut = "…";
	if (n <= room) {
		shown = root;
		cut = "";
	}
	char line[8192];
	if (p->style == START_PROGRESS_LINE) {
		snprintf(line, sizeof line, "\r\033[K%s%s%s%s", head, cut, shown, counts);
		write_str(fd, line);
		return;
	}
	if (!p->drawn) {
		p->termios_saved = tcgetattr(STDIN_FILENO, &p->saved_termios) == 0;
		if (p->termios_saved) { /* typed keys are not echoed over the screen */
			struct termios quiet = p->saved_termios;
			quiet.c_lflag &= (tcflag_t) ~(ECHO | ICANON);
			tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
		}
		write_str(fd, "\033[?1049h\033[?25l");
	}
	int top = ws.ws_row / 2 - 1;
	snprintf(line, sizeof line,
	         "\033[H\033[2J\033[%d;3H%s%s%s\033[%d;3H%s\033[%d;3HCtrl-C stops and exits",
	         top, head, cut, shown, top + 1, counts + 2, top + 3);
	write_str(fd, line);
}

static bool update(const struct snap_progress *sp, void *ctx)
{
	struct start_progress *p = ctx;
	uint64_t now = now_mono_ns();
	if (now < p->next_check_ns)
		return true;
	p->next_check_ns = now + CHECK_NS;
	p->stop_signal = pending_stop();
	if (p->stop_signal)
		return false;
	if (now >= p->next_draw_ns) {
		draw(p, sp);
		p->drawn = true;
		p->next_draw_ns = now + DRAW_NS;
	}
	return true;
}

void start_progress_begin(struct start_progress *p, enum start_progress_style style,
                          struct session_open_opts *opts)
{
	memset(p, 0, sizeof *p);
	p->style = style;
	sigset_t mask;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		sigaddset(&mask, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &p->old_mask);
	p->begin_ns = now_mono_ns();
	bool shown = style == START_PROGRESS_SCREEN ? isatty(STDOUT_FILENO) : isatty(STDERR_FILENO);
	p->next_draw_ns = shown ? p->begin_ns + (style == START_PROGRESS_SCREEN ? SCREEN_DELAY_NS
	                                                                          : LINE_DELAY_NS)
	                        : UINT64_MAX;
	opts->snapshot_progress = update;
	opts->ctx = p;
}

int start_progress_end(struct start_progress *p)
{
	if (p->drawn) {
		if (p->style == START_PROGRESS_SCREEN) {
			write_str(STDOUT_FILENO, "\033[H\033[2J\033[?25h\033[?1049l");
			if (p->termios_saved)
				tcsetattr(STDIN_FILENO, TCSANOW, &p->saved_termios);
		} else {
			write_str(STDERR_FILENO, "\r\033[K");
		}
	}
	int sig = p->stop_signal ? p->stop_signal : pending_stop();
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		consume(stop_signals[i]);
	sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
	return sig;
}

int start_progress_finish(struct start_progress *p, int status, char *err, size_t errlen)
{
	int stop = start_progress_end(p);
	if (stop && status == 0) /* it came after the last file: stop all the same */
		snprintf(err, errlen, "interrupted while the session opened");
	if (stop && (status == 0 || status == 130))
		status = 128 + stop;
	return status;
}
