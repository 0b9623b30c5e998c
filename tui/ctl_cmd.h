/* ctl_cmd: the control-socket face of the CLI — `glassbox ctl SESSION ...`
 * (change or show a running session's permissions, answer its questions,
 * follow its events) and `glassbox ls` (running sessions). */
#ifndef GLASSBOX_CTL_CMD_H
#define GLASSBOX_CTL_CMD_H
#include "cli.h"

/* Return the exit status: 0, 1 when the session refused the change, 2 for
 * bad input or an unknown session. */
int ctl_command(const struct cli_options *o);
int ls_command(void);

#endif
