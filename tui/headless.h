/* headless: runs one command sandboxed without the TUI (see headless.c). */
#ifndef GLASSBOX_HEADLESS_H
#define GLASSBOX_HEADLESS_H
#include "cli.h"

/* Returns the exit status glassbox should exit with. */
int headless_run(const struct cli_options *o);
/* Prints "glassbox: MSG" on stderr with MSG sanitised for the terminal. */
void headless_error(const char *msg);

#endif
