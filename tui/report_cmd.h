/* report_cmd: `glassbox report LOG.jsonl` — what a run touched, from its
 * --log file: files read, written and run, hosts contacted, denials. */
#ifndef GLASSBOX_REPORT_CMD_H
#define GLASSBOX_REPORT_CMD_H

/* Prints the summary on stdout. Returns 0, or 2 with one line on stderr
 * (a missing or unreadable file, a line that is not a JSON event). */
int report_command(const char *path);

#endif
