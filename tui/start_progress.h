/* start_progress: what the user sees while session_open records snapshot
 * checkpoint 0 (--snapshot over a large tree can take seconds): the TUI
 * shows a progress screen instead of a blank terminal, the headless CLI a
 * progress line on stderr when stderr is a terminal and the recording takes
 * over a second. Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the recording
 * cleanly: they are held while it runs and checked between files. */
#ifndef GLASSBOX_START_PROGRESS_H
#define GLASSBOX_START_PROGRESS_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include "session.h"

enum start_progress_style {
	START_PROGRESS_SCREEN, /* full screen on the alternate screen (stdout) */
	START_PROGRESS_LINE,   /* one line on stderr, only when it is a terminal */
};

struct start_progress {
	enum start_progress_style style;
	sigset_t old_mask;
	uint64_t begin_ns, next_check_ns, next_draw_ns;
	bool drawn;       /* something is on the terminal */
	int stop_signal;  /* the signal that stopped the recording, 0: none */
	struct termios saved_termios;
	bool termios_saved;
};

/* Holds the stop signals and fills opts for session_open_with(). */
void start_progress_begin(struct start_progress *p, enum start_progress_style style,
                          struct session_open_opts *opts);
/* Clears what was drawn, restores the terminal and the signal mask. Returns
 * the stop signal that arrived (consumed, not delivered), 0 when none: the
 * caller then exits with 128 + that signal. */
int start_progress_end(struct start_progress *p);
/* start_progress_end, then what session_open_with's status becomes: a stop
 * that came after the last file still stops (err says so), and a stop is
 * exit 128 + its signal. */
int start_progress_finish(struct start_progress *p, int status, char *err, size_t errlen);

#endif
