/* cli: parses glassbox's command line (Zerobox-compatible flags) into options.
 * Pure: no I/O besides reading nothing; errors come back as one message line.
 *
 *   glassbox [OPTIONS] [--] [CMD ARG...]
 *   glassbox profile list | profile show NAME
 *   glassbox snapshot list | diff ID [-p] [--checkpoint N] [--now] [PATH...]
 *                   | restore ID [--checkpoint N] [PATH...] | clean [--older-than DAYS]
 *   glassbox report LOG.jsonl
 *
 * Lists are comma separated and flags repeat. --allow-write, --allow-env and
 * --allow-net take their value only in the `=` form; the bare flag
 * means "all". Other value flags accept `--flag=V` and `--flag V`. The first
 * argument that is not an option starts the command; so does `--`. */
#ifndef GLASSBOX_CLI_H
#define GLASSBOX_CLI_H
#include <stdbool.h>
#include "policy.h"
#include "strlist.h"

enum cli_action {
	CLI_RUN,          /* run command (or $SHELL when none) sandboxed */
	CLI_HELP,
	CLI_VERSION,
	CLI_PROFILE_LIST,
	CLI_PROFILE_SHOW,
	CLI_SNAPSHOT_LIST,
	CLI_SNAPSHOT_DIFF,
	CLI_SNAPSHOT_RESTORE,
	CLI_SNAPSHOT_CLEAN,
	CLI_REPORT,       /* summarise a --log file */
};

struct cli_options {
	enum cli_action action;
	struct policy flags;       /* what the flags said, before profiles */
	struct strlist profiles;   /* --profile names, in order; empty = default */
	char *profile_show;        /* NAME for `profile show` */
	char *cwd;                 /* -C DIR (as given) */
	char *log_path;            /* --log FILE */
	bool debug;
	bool trace;                /* --trace: observe reads, execs, connects too */
	char *report_path;         /* `report LOG.jsonl` */
	struct strlist command;    /* argv of the command; empty = interactive */

	/* --snapshot / --restore (restore implies snapshot) */
	bool snapshot;
	bool restore;
	struct strlist snapshot_paths;    /* --snapshot-path (as given) */
	struct strlist snapshot_excludes; /* --snapshot-exclude patterns */

	/* `snapshot` subcommands */
	char *snap_id;             /* ID (checked: no '/', "..", controls) */
	bool snap_checkpoint_set;  /* --checkpoint N */
	unsigned long snap_checkpoint;
	bool snap_patch;           /* diff -p */
	bool snap_now;             /* diff --now: against the tree as it is */
	double snap_older_than;    /* clean --older-than DAYS; < 0: all */
	struct strlist snap_paths; /* PATH... (as given) */
};

/* Returns 0 on success; on bad input returns -1 with one line (no newline)
 * naming the problem in err. */
int cli_parse(int argc, char **argv, struct cli_options *out, char *err, size_t errlen);
void cli_options_free(struct cli_options *o);
/* The --help text. */
const char *cli_usage(void);

#endif
