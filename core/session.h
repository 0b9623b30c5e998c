/* session: one sandboxed session, the thing every face drives. It owns the
 * effective policy (profiles, then flags), the jail, the egress proxy, the
 * snapshot recording and the event log; the headless CLI and the TUI are thin
 * faces over it.
 *
 * Life cycle:
 *   session_open()     resolve cwd, policy, env, --log, proxy rules, snapshot
 *                      checkpoint 0 (nothing runs yet)
 *   session_start()    build the jail and start the command
 *   loop: poll session_fd() for POLLIN (plus the face's own fds) and call
 *         session_dispatch() until it returns 1 (the command has ended)
 *   session_finish()   reap, close connections; returns the exit status
 *   session_free()
 *
 * Events: the session emits every event (event.h) on the calling thread,
 * from inside session_start/dispatch/finish only, so a face's sink (the TUI's
 * panes) never runs concurrently with the face. The face adds its own sinks
 * (e.g. --debug on stderr) with event_add_sink(); --log is handled here. */
#ifndef GLASSBOX_SESSION_H
#define GLASSBOX_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "cli.h"
#include "policy.h"
#include "snapshot.h"

struct session;

/* How the first command is connected. */
struct session_io {
	/* The fds the command gets as 0,1,2 (pipe mode: passed as they are). */
	int stdio[3];
	/* Those of stdio[] to replace by the sandbox's own pty (a terminal fd is
	 * never handed to the sandbox). With any set, or with pty_only, the
	 * command runs on a pty whose master is session_pty_master(). */
	bool tty_fds[3];
	/* The TUI: every fd is the sandbox's pty; stdio[] is ignored. */
	bool pty_only;
	unsigned short rows, cols; /* initial pty size */
};

/* Resolves everything the session needs and records snapshot checkpoint 0
 * when asked. Returns 0, or the exit status to exit with (2: bad input, 125:
 * setup failure) with one line in err (not sanitised: quote it through
 * sanitize before writing it to a terminal). Nothing has run. */
int session_open(const struct cli_options *o, struct session **out, char *err, size_t errlen);
/* What a face may add to session_open. */
struct session_open_opts {
	/* Checkpoint 0's progress (snapshot.h); returning false stops the
	 * recording: session_open then returns 130 with "interrupted" in err. */
	snap_progress_fn snapshot_progress;
	void *ctx;
};
int session_open_with(const struct cli_options *o, const struct session_open_opts *opts,
                      struct session **out, char *err, size_t errlen);

/* Starts the command (o->command, or $SHELL). Returns 0, or an exit status
 * with one line in err. */
int session_start(struct session *s, const struct session_io *io, char *err, size_t errlen);

/* An fd (epoll) that is readable whenever session_dispatch() has work. */
int session_fd(const struct session *s);
/* Handles whatever is ready, without blocking. Returns 0 while the command
 * runs, 1 once it has ended. */
int session_dispatch(struct session *s);

/* The pty master of the command, -1 until the sandbox has sent it (it comes
 * during session_dispatch) or in pipe mode. The session keeps ownership. */
int session_pty_master(const struct session *s);
/* Sets the pty's window size (the program gets SIGWINCH). */
void session_resize(struct session *s, unsigned short rows, unsigned short cols);
/* Another shell in the running sandbox (same policy, environment, working
 * directory), on its own pty of rows x cols: argv, or the session's shell
 * when argv is NULL or empty. Returns its id (>= 1) or -1 with err set. Its
 * master appears in session_shell_master() during a later dispatch; the
 * session ends when every shell has exited. */
int session_spawn(struct session *s, const struct strlist *argv, unsigned short rows,
                  unsigned short cols, char *err, size_t errlen);
/* Shell id's pty master (0: the command's), -1 until it arrived or once the
 * session has finished. */
int session_shell_master(const struct session *s, int id);
bool session_shell_alive(const struct session *s, int id);
/* Sets shell id's window size. */
void session_resize_shell(struct session *s, int id, unsigned short rows, unsigned short cols);
/* Delivers sig to the command. */
void session_signal(struct session *s, int sig);

/* After session_dispatch() returned 1 (or to abandon a started session):
 * closes proxy connections, reaps the sandbox. Returns the exit status (the
 * command's, 128+N for signal N, 125 when setup failed, with err set). */
int session_finish(struct session *s, char *err, size_t errlen);
void session_free(struct session *s);
/* Frees a session that was opened but is not to be started (the user
 * stopped it while it opened): its snapshot recording is removed from the
 * store too, as nothing ran. */
void session_abandon(struct session *s);

/* What the faces show. */
/* The host pid of the sandbox's init (0 before start or after finish): the
 * TUI reads CPU and memory of the sandbox's process tree from /proc. */
pid_t session_sandbox_pid(const struct session *s);
const char *session_id(const struct session *s);
const char *session_cwd(const struct session *s);
const struct policy *session_policy(const struct session *s);
/* The command's argv (the resolved shell when none was given). */
const struct strlist *session_argv(const struct session *s);
/* The snapshot recording, NULL without --snapshot/--restore. */
struct snap_session *session_snapshot(struct session *s);
struct snap_store *session_snapshot_store(struct session *s);
/* Hands the snapshot over to the caller (for the end-of-run summary and
 * --restore), after session_finish(); the session no longer closes them. */
void session_take_snapshot(struct session *s, struct snap_store **st, struct snap_session **sn);

/* ---- live control: the control socket, live permission changes, ask mode ----
 * Every running session listens on a control socket (ctl_server.h) whose
 * requests land here; faces may call these directly too. Changes apply to
 * the running sandbox at once and are each an EV_POLICY_CHANGE event. */

/* The effective policy as JSON (the profile format, live changes included). */
cJSON *session_policy_json(const struct session *s);
/* Applies a patch ({"add": {LIST: [...]}, "remove": {...}}, see
 * live_policy.h). Returns the reply object ({"applied": [...]}) or NULL with
 * one line in err. */
cJSON *session_policy_patch(struct session *s, const cJSON *patch, char *err, size_t errlen);
/* Answers a held question (EV_DECISION id): "once", "session" (adds the
 * allow rule live, then lets it through) or "deny". Returns 0, or -1 with one
 * line in err. */
int session_decision_answer(struct session *s, const char *id, const char *answer, char *err,
                            size_t errlen);
/* Pauses (true) or resumes the countdown of every held question, in the
 * proxy and the observer: a face calls it while the user is interacting, so
 * a question does not time out under their hands. Idempotent. */
void session_ask_pause(struct session *s, bool pause);
/* The control socket's path, or NULL when it could not be created. */
const char *session_control_path(const struct session *s);

#endif
