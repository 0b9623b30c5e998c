/* jail: runs one command inside the sandbox and supervises it.
 *
 * Data flow: the supervisor (this process) turns the policy into a plan
 * (jail_plan.c: which host paths become which mounts), clones a child into new
 * user/mount/pid/net/ipc/uts namespaces, and that child immediately re-executes
 * glassbox-init (jail_init.c) with an empty environment. glassbox-init reads
 * the plan as one JSON line on fd 3, builds the new root, pivots, drops every
 * capability, loads the seccomp filter and forks the command. It reports
 * "ready", "exec" and the command's exit back over fd 3; setup failures come
 * back as one line of text and become exit status 125. */
#ifndef GLASSBOX_JAIL_H
#define GLASSBOX_JAIL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "policy.h"
#include "strlist.h"

/* Where the egress proxy listens inside every sandbox (its network namespace
 * is private, so a fixed port cannot collide). */
#define JAIL_PROXY_PORT 3128
/* With --secret, the proxy's session CA and a bundle of it plus the host's
 * trusted roots, on a read-only mount in the sandbox's private /run. */
#define JAIL_CA_DIR "/run/glassbox"
#define JAIL_CA_CERT JAIL_CA_DIR "/ca.pem"
#define JAIL_CA_BUNDLE JAIL_CA_DIR "/ca-bundle.pem"

struct jail_spec {
	const struct policy *policy;
	const char *cwd;            /* absolute working directory of the command */
	struct strlist argv;        /* command */
	struct strlist env;         /* its environment, KEY=VALUE */
	int stdio[3];               /* fds the command gets as 0,1,2 */
	/* With tty, the command gets a pty allocated inside the sandbox (its
	 * own devpts, so ttyname works) as its controlling terminal, on the
	 * fds marked in tty_fds; the master comes back to the supervisor
	 * (jail_pty_master) for relaying. */
	bool tty;
	bool tty_fds[3];
	/* Ask the sandbox for a TCP listener at 127.0.0.1:JAIL_PROXY_PORT in its
	 * own network namespace (see jail_proxy_listener). */
	bool want_listener;
	unsigned short rows, cols;
	const char *init_path;      /* glassbox-init; NULL = next to /proc/self/exe */
	/* Deny paths named on the command line: only these get placeholders
	 * on the host when they are missing under a writable directory. */
	const struct strlist *explicit_deny;
	/* Report denied accesses (core/observer.h); with trace also every
	 * read, exec and connect. */
	bool observe;
	bool trace;
	/* Directories the sandbox must not rename or remove (the ancestors of
	 * the snapshot store, which glassbox trusts after the run). */
	const struct strlist *pin_paths;
	/* The proxy's session CA certificate (PEM), or NULL: glassbox-init
	 * writes it and the combined bundle under JAIL_CA_DIR. */
	const char *ca_cert_pem;
};

struct jail_result {
	int status;                 /* exit code, or 128+signal */
	int signal;                 /* signal that killed the command, or 0 */
	bool setup_failed;          /* status is 125 and err says why */
	char err[512];              /* one line: what failed and what to do */
};

/* A started sandbox. The caller owns the loop (so a PTY relay or, later, the
 * TUI can poll alongside): poll jail_fd() for POLLIN and call
 * jail_handle_input(); forward signals with jail_signal(); when
 * jail_handle_input() returns 1 the command has ended: call jail_finish(). */
struct jail;

/* Builds the plan, clones the sandbox and hands it the plan. Returns 0, or -1
 * with res filled (status 125 with a one-line reason, or 2 for bad input found
 * while planning). */
int jail_start(const struct jail_spec *spec, struct jail **out, struct jail_result *res);
int jail_fd(const struct jail *j);
/* The host pid of the sandbox's init (of the command with no sandbox): its
 * /proc entry gives the namespaces, CPU and memory of the whole sandbox. */
pid_t jail_pid(const struct jail *j);
/* The pty master of a tty session, or -1 until the sandbox has sent it. The
 * jail keeps ownership. */
int jail_pty_master(const struct jail *j);
/* The proxy listener made inside the sandbox's network namespace (accept()
 * there, dial out from the host), or -1 until the sandbox sent it. */
int jail_proxy_listener(const struct jail *j);
/* An fd of the staging mount namespace (a private copy of the host's tree,
 * made inside the sandbox's user namespace before its root was built), -1
 * when there is none. live_mount.c brings host paths in from it. */
int jail_staging_fd(const struct jail *j);
/* The observer of denied accesses, NULL until the sandbox sent its listener
 * (or without observation). Poll observer_fd() and call observer_dispatch()
 * (core/observer.h); the jail keeps ownership and stops it in jail_finish. */
struct observer *jail_observer(const struct jail *j);
/* Reads what the sandbox reported; emits events. Returns 0 while the command
 * runs, 1 once it has ended (or the sandbox died), -1 on error. */
int jail_handle_input(struct jail *j);
/* Another command in the running sandbox on its own pty (rows x cols), with
 * the session's policy, environment and working directory: the TUI's extra
 * shells. Returns its shell id (1..JAIL_MAX_SHELLS-1), or -1 (no sandbox,
 * ended, too many). Its pty master arrives later (jail_shell_master); its
 * start and exit are EV_EXEC/EV_EXIT events with data.shell = id. The
 * sandbox lives until every shell has exited; the exit status stays shell
 * 0's (the session's command). */
#define JAIL_MAX_SHELLS 64
int jail_spawn(struct jail *j, const struct strlist *argv, unsigned short rows,
               unsigned short cols);
/* Shell id's pty master (0: the command's, as jail_pty_master), or -1. */
int jail_shell_master(const struct jail *j, int shell);
bool jail_shell_alive(const struct jail *j, int shell);
/* Delivers sig to the command (through the sandbox's init). */
int jail_signal(struct jail *j, int sig);
/* Reaps the sandbox and fills res. Frees j. */
void jail_finish(struct jail *j, struct jail_result *res);

/* Convenience for callers with nothing else to poll: start, forward
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2, wait, finish. */
int jail_run(const struct jail_spec *spec, struct jail_result *res);

#endif
