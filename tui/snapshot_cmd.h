/* snapshot_cmd: the snapshot face of the CLI — the `glassbox snapshot ...`
 * subcommands, and the --snapshot/--restore steps around a headless run. */
#ifndef GLASSBOX_SNAPSHOT_CMD_H
#define GLASSBOX_SNAPSHOT_CMD_H
#include "cli.h"
#include "snapshot.h"

/* `glassbox snapshot list|diff|restore|clean`: returns the exit status. */
int snapshot_command(const struct cli_options *o);

/* After the command: records the end, emits the changes, prints the summary
 * and, with --restore, rolls back. Returns false when that failed. */
bool snapshot_end(const struct cli_options *o, const char *cwd, struct snap_store *st,
                  struct snap_session *s);

#endif
