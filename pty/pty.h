/* pty: pseudo-terminal pairs and the user's terminal mode. No ncurses. */
#ifndef GLASSBOX_PTY_H
#define GLASSBOX_PTY_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>

/* Opens a master/slave pair (both O_CLOEXEC, master non-blocking) sized ws
 * (may be NULL). Returns 0 or -errno. */
int pty_open(int *master, int *slave, const struct winsize *ws);
/* Copies the window size of from_fd (a terminal) to the pty master. */
void pty_copy_winsize(int from_fd, int master);

/* Puts the terminal on fd in raw mode, remembering how to restore it; the
 * saved state is also restored by term_restore_saved() from a signal or
 * atexit handler. Returns 0 or -errno. */
int term_raw(int fd);
void term_restore_saved(void);

#endif
