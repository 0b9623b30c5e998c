/* ask_tty: asks --ask questions on glassbox's own controlling terminal
 * (/dev/tty of glassbox, never the sandbox's), for headless runs. */
#ifndef GLASSBOX_ASK_TTY_H
#define GLASSBOX_ASK_TTY_H
#include <stdbool.h>

struct session;
struct ask_tty;

/* Opens /dev/tty (NULL when there is none) and follows the session's
 * decision events. With read_answers, a key typed there answers (o = once,
 * s = session, d or n = deny, then Enter); without (the keyboard belongs to
 * the command's pty), the question and how to answer it are only printed. */
struct ask_tty *ask_tty_open(struct session *s, bool read_answers);
/* The fd to poll for POLLIN while a question waits, else -1. */
int ask_tty_fd(const struct ask_tty *a);
void ask_tty_handle(struct ask_tty *a);
void ask_tty_close(struct ask_tty *a);

#endif
