/* snapshot_cmd: the snapshot face of the CLI — the `glassbox snapshot ...`
 * subcommands, and the --snapshot/--restore steps around a headless run. */
#ifndef GLASSBOX_SNAPSHOT_CMD_H
#define GLASSBOX_SNAPSHOT_CMD_H
#include "cli.h"
#include "snapshot.h"

/* `glassbox snapshot list|diff|restore|clean`: returns the exit status. */
int snapshot_command(const struct cli_options *o);

/* Before the command: opens the store and records checkpoint 0 of session
 * id over the tracked paths. Returns 0, 2 (bad input: a --snapshot-path
 * that is not a directory) or 125 (the store cannot be used), with one line
 * printed. */
int snapshot_begin(const struct cli_options *o, const char *id, const char *cwd,
                   const char *invoke_cwd, const struct strlist *argv,
                   struct snap_store **st, struct snap_session **s);
/* After the command: records the end, emits the changes, prints the summary
 * and, with --restore, rolls back. Returns false when that failed. */
bool snapshot_end(const struct cli_options *o, const char *cwd, struct snap_store *st,
                  struct snap_session *s);

#endif
