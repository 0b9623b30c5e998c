/* term_throughput: how fast pty/term.c parses a flood, in process.
 *
 * Builds the bytes `seq 1 N` produces on a pty (numbers with CRLF line ends,
 * as the line discipline's onlcr delivers them), feeds them to a term of
 * ROWSxCOLS with 10,000 lines of history in 64 KiB chunks, and prints MB/s.
 * A second pass feeds dense 256-colour text. A third fills the history with
 * long soft-wrapped lines and times the re-wrap of a resize to 80 columns and
 * back. The pty itself is not involved: this is the parser and grid alone
 * (bench/term measures end to end).
 *
 *   term_throughput [--lines N] [--rows R] [--cols C] [--repeat K] [--seq-only]
 *
 * Exits 0 whatever the numbers are. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "term.h"

#define CHUNK 65536

static void discard(const char *bytes, size_t len, void *ctx)
{
	(void)bytes;
	(void)len;
	(void)ctx;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *seq_bytes(long lines, size_t *len)
{
	size_t cap = (size_t)lines * 10 + 64, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (long i = 1; i <= lines; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%ld\r\n", i);
	*len = n;
	return buf;
}

/* Lines of 80 cells, each cell with its own 256-colour foreground. */
static char *colour_bytes(size_t target, size_t *len)
{
	char *buf = malloc(target + 4096);
	size_t n = 0;
	unsigned k = 0;
	if (!buf)
		return NULL;
	while (n < target) {
		for (int c = 0; c < 80; c++, k++)
			n += (size_t)sprintf(buf + n, "\x1b[38;5;%um%c", k % 256,
			                     'a' + (char)(k % 26));
		n += (size_t)sprintf(buf + n, "\x1b[0m\r\n");
	}
	*len = n;
	return buf;
}

/* Best wall and CPU seconds over `repeat` runs (CPU time is what a busy,
 * shared machine distorts least). */
static void feed_all(int rows, int cols, const char *data, size_t len, int repeat, double *wall,
                     double *cpu)
{
	static const struct term_callbacks cb = { .output = discard };
	*wall = *cpu = 1e30;
	for (int r = 0; r < repeat; r++) {
		struct term *t = term_new(rows, cols, 10000, &cb, NULL);
		if (!t) {
			fprintf(stderr, "term_throughput: out of memory\n");
			exit(1);
		}
		double start = clock_s(CLOCK_MONOTONIC),
		       cpu_start = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		for (size_t off = 0; off < len; off += CHUNK)
			term_write(t, data + off, len - off < CHUNK ? len - off : CHUNK);
		double elapsed = clock_s(CLOCK_MONOTONIC) - start;
		double used = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
		term_free(t);
		if (elapsed < *wall)
			*wall = elapsed;
		if (used < *cpu)
			*cpu = used;
	}
}

/* The history full of 300-character lines (soft-wrapped at `cols`), then
 * resizes to 80 columns and back: milliseconds of each re-wrap, best of
 * `repeat`. */
static void resize_rewrap(int rows, int cols, int repeat, double *narrow_ms, double *wide_ms)
{
	static const struct term_callbacks cb = { .output = discard };
	char line[320];
	for (int i = 0; i < 300; i++)
		line[i] = (char)('a' + i % 26);
	memcpy(line + 300, "\r\n", 3);
	*narrow_ms = *wide_ms = 1e30;
	for (int r = 0; r < repeat; r++) {
		struct term *t = term_new(rows, cols, 10000, &cb, NULL);
		if (!t) {
			fprintf(stderr, "term_throughput: out of memory\n");
			exit(1);
		}
		for (int i = 0; i < 10000; i++)
			term_write(t, line, 302);
		double start = clock_s(CLOCK_MONOTONIC);
		term_resize(t, rows, 80);
		double mid = clock_s(CLOCK_MONOTONIC);
		term_resize(t, rows, cols);
		double end = clock_s(CLOCK_MONOTONIC);
		term_free(t);
		if ((mid - start) * 1e3 < *narrow_ms)
			*narrow_ms = (mid - start) * 1e3;
		if ((end - mid) * 1e3 < *wide_ms)
			*wide_ms = (end - mid) * 1e3;
	}
}

int main(int argc, char **argv)
{
	long lines = 3000000;
	int rows = 50, cols = 200, repeat = 3;
	bool seq_only = false;
	for (int i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--seq-only")) {
			seq_only = true;
			i--;
		} else if (i + 1 == argc) {
			fprintf(stderr, "term_throughput: %s needs a value\n", argv[i]);
			return 2;
		} else if (!strcmp(argv[i], "--lines"))
			lines = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--rows"))
			rows = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--cols"))
			cols = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "term_throughput: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (lines < 1 || rows < 1 || cols < 1 || repeat < 1) {
		fprintf(stderr,
		        "term_throughput: --lines, --rows, --cols and --repeat must be positive\n");
		return 2;
	}
	size_t len;
	char *seq = seq_bytes(lines, &len);
	if (!seq)
		return 1;
	double wall, cpu;
	feed_all(rows, cols, seq, len, repeat, &wall, &cpu);
	printf("seq 1 %ld (%.1f MB) at %dx%d in 64 KiB chunks: %.3f s wall, %.1f MB/s; "
	       "%.3f s CPU, %.1f MB/s (best of %d)\n",
	       lines, (double)len / 1e6, cols, rows, wall, (double)len / 1e6 / wall, cpu,
	       (double)len / 1e6 / cpu, repeat);
	free(seq);
	if (seq_only)
		return 0;

	char *colour = colour_bytes(len, &len);
	if (!colour)
		return 1;
	feed_all(rows, cols, colour, len, repeat, &wall, &cpu);
	printf("256-colour text (%.1f MB) at %dx%d: %.3f s wall, %.1f MB/s; %.3f s CPU, %.1f MB/s "
	       "(best of %d)\n",
	       (double)len / 1e6, cols, rows, wall, (double)len / 1e6 / wall, cpu,
	       (double)len / 1e6 / cpu, repeat);
	free(colour);

	double narrow_ms, wide_ms;
	resize_rewrap(rows, cols, repeat, &narrow_ms, &wide_ms);
	printf("re-wrap of a full history (10,000 rows of 300-character lines) at %dx%d: "
	       "to 80 columns %.1f ms, back to %d %.1f ms (best of %d)\n",
	       cols, rows, narrow_ms, cols, wide_ms, repeat);
	return 0;
}
