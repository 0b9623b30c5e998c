/* headless: the face without a screen. Resolves the policy (profiles, then
 * flags), the environment and the working directory, starts the jail and
 * waits for the command, relaying a PTY when stdin is a terminal. Events go
 * to --debug (readable lines on stderr) and --log (JSON lines).
 *
 * Pipe mode: the command gets our stdin/stdout/stderr fds themselves, so data
 * streams with no copy and no buffering. TTY mode: the command gets a fresh
 * pty (its own session and controlling terminal, so job control and /dev/tty
 * work) and we relay bytes and window-size changes; the user's terminal stays
 * out of the sandbox's reach. */
#include "headless.h"
#include "env.h"
#include "event.h"
#include "jail.h"
#include "profile.h"
#include "proxy.h"
#include "pty.h"
#include "relay.h"
#include "sanitize.h"
#include "snapshot_cmd.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

extern char **environ;

void headless_error(const char *msg)
{
	/* Messages quote user input and host paths: never write them raw. */
	cleanup_free char *safe = sanitize_str(msg);
	fprintf(stderr, "glassbox: %s\n", safe);
}

static int bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_input(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	headless_error(msg);
	return 2;
}

static void make_session_id(char *buf, size_t len)
{
	unsigned char r[6] = {0};
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != sizeof r) {
		uint64_t t = now_real_ns() ^ (uint64_t)getpid();
		memcpy(r, &t, sizeof r);
	}
	snprintf(buf, len, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

static void emit_session_start(const struct cli_options *o, const struct jail_spec *spec,
                               const struct policy *p)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *argv = cJSON_AddArrayToObject(d, "argv");
	for (size_t i = 0; i < spec->argv.len; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(spec->argv.items[i]));
	cJSON_AddStringToObject(d, "cwd", spec->cwd);
	cJSON_AddBoolToObject(d, "sandbox", !p->no_sandbox);
	cJSON *profiles = cJSON_AddArrayToObject(d, "profiles");
	if (o->profiles.len == 0)
		cJSON_AddItemToArray(profiles, cJSON_CreateString("workspace"));
	for (size_t i = 0; i < o->profiles.len; i++)
		cJSON_AddItemToArray(profiles, cJSON_CreateString(o->profiles.items[i]));
	cJSON_AddStringToObject(d, "version", GLASSBOX_VERSION);
	char *policy = profile_policy_to_json(p);
	cJSON *pj = cJSON_Parse(policy);
	free(policy);
	if (pj)
		cJSON_AddItemToObject(d, "policy", pj);
	event_emitf(EV_SESSION_START, d, "session %s: %s in %s%s", event_session(),
	            spec->argv.items[0], spec->cwd, p->no_sandbox ? " (no sandbox)" : "");
}

/* Loads profiles and merges the command-line flags on top. */
static int resolve_policy(const struct cli_options *o, const char *invoke_cwd, const char *cwd,
                          struct policy *out, struct strlist *explicit_deny, char *err,
                          size_t errlen)
{
	struct profile_env pe;
	profile_env_from_process(&pe, cwd);
	if (o->profiles.len == 0) {
		if (profile_load("workspace", &pe, out, err, errlen) < 0)
			return -1;
	}
	for (size_t i = 0; i < o->profiles.len; i++)
		if (profile_load(o->profiles.items[i], &pe, out, err, errlen) < 0)
			return -1;
	/* "Write the working directory" must not turn into "write everything"
	 * when glassbox is started from /: only --allow-write=/ or -A may. */
	if (strlist_contains(&out->allow_write, "/")) {
		strlist_remove(&out->allow_write, "/");
		headless_error("warning: not making / writable for a profile (the working directory "
		               "is /); use --allow-write=/ or -A to mean it");
	}
	struct policy flags = {0};
	policy_merge(&flags, &o->flags);
	int rc = policy_resolve_cli_paths(&flags, invoke_cwd, err, errlen);
	if (rc == 0) {
		policy_merge(out, &flags);
		strlist_extend(explicit_deny, &flags.deny_read);
		strlist_extend(explicit_deny, &flags.deny_write);
	}
	policy_free(&flags);
	return rc;
}

struct loop {
	struct jail *jail;
	int sfd;
	bool tty;
	int term_fd;  /* the user's terminal among our fds 0-2 */
	int master;
	struct relay relay;
	struct proxy *proxy;   /* NULL without a sandbox */
	bool listener_added;
};

static void run_loop(struct loop *l)
{
	for (;;) {
		struct pollfd p[8];
		int n = 0;
		p[n++] = (struct pollfd){.fd = jail_fd(l->jail), .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l->sfd, .events = POLLIN};
		if (l->tty && l->master < 0 && jail_pty_master(l->jail) >= 0) {
			/* The sandbox sent its pty: start relaying. */
			l->master = jail_pty_master(l->jail);
			relay_init(&l->relay, isatty(0) ? 0 : -1, isatty(1) ? 1 : 2, l->master);
			if (isatty(0))
				term_raw(0);
		}
		if (l->proxy && !l->listener_added && jail_proxy_listener(l->jail) >= 0) {
			/* The sandbox sent its proxy listener: start accepting. */
			if (proxy_add_listener(l->proxy, jail_proxy_listener(l->jail)) < 0)
				headless_error("warning: the network proxy could not start");
			l->listener_added = true;
		}
		int pi = -1;
		if (l->proxy) {
			pi = n;
			p[n++] = (struct pollfd){.fd = proxy_fd(l->proxy), .events = POLLIN};
		}
		int rn = l->master >= 0 ? relay_pollfds(&l->relay, p + n) : 0;
		if (poll(p, (nfds_t)(n + rn), -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(l->sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGWINCH) {
					if (l->master >= 0)
						pty_copy_winsize(l->term_fd, l->master);
				} else {
					jail_signal(l->jail, (int)si.ssi_signo);
				}
			}
		}
		if (pi >= 0 && p[pi].revents)
			proxy_dispatch(l->proxy);
		if (rn)
			relay_handle(&l->relay, p + n, rn);
		if (p[0].revents && jail_handle_input(l->jail) != 0)
			return;
	}
}

/* Everything one run holds, released in one place whatever path it takes. */
struct run {
	struct policy policy;
	struct strlist explicit_deny;
	struct strlist pins;
	struct jail_spec spec;
	FILE *log;
	struct proxy *proxy;
	struct snap_store *snap_store;
	struct snap_session *snap;
};

static void run_free(struct run *r)
{
	proxy_free(r->proxy);
	if (r->log)
		fclose(r->log);
	strlist_clear(&r->spec.argv);
	strlist_clear(&r->spec.env);
	strlist_clear(&r->explicit_deny);
	strlist_clear(&r->pins);
	policy_free(&r->policy);
}

/* The snapshot store is trusted after the run, so the sandbox must neither
 * see it nor plant a fake one: it is created now (so there is something to
 * mask), masked, and every directory above it is pinned in place — were the
 * sandbox able to rename ~/.local, the mask would move with it and a forged
 * store could take its place. */
static void protect_store(struct run *r, const char *store)
{
	cleanup_free char *p = xstrdup(store);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return;
		strlist_push(&r->pins, p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return;
	if (!strlist_contains(&r->policy.deny_read, store))
		strlist_push(&r->policy.deny_read, store);
}

/* -C DIR against the invoking directory, or the invoking directory itself. */
static int resolve_cwd(const struct cli_options *o, const char *invoke_cwd, char cwd[PATH_MAX])
{
	if (!o->cwd) {
		snprintf(cwd, PATH_MAX, "%s", invoke_cwd);
		return 0;
	}
	cleanup_free char *abs =
		o->cwd[0] == '/' ? xstrdup(o->cwd) : xasprintf("%s/%s", invoke_cwd, o->cwd);
	struct stat st;
	if (!realpath(abs, cwd))
		return bad_input("-C: %s: %s", o->cwd, strerror(errno));
	if (stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode))
		return bad_input("-C: %s: %s", o->cwd, strerror(ENOTDIR));
	return 0;
}

/* A terminal fd is never handed to the sandbox: it could read the user's
 * keystrokes from it or change its modes. Every fd that is a terminal is
 * replaced by the sandbox's own pty, relayed. */
static void setup_stdio(struct jail_spec *spec, struct loop *l)
{
	for (int i = 0; i < 3; i++) {
		spec->stdio[i] = i;
		spec->tty_fds[i] = isatty(i);
		if (spec->tty_fds[i] && l->term_fd < 0)
			l->term_fd = i;
	}
	l->tty = l->term_fd >= 0;
	if (!l->tty)
		return;
	struct winsize ws;
	if (ioctl(l->term_fd, TIOCGWINSZ, &ws) == 0) {
		spec->rows = ws.ws_row;
		spec->cols = ws.ws_col;
	}
	spec->tty = true;
}

/* --restore promises to leave no trace, but paths the snapshot does not
 * track cannot be rolled back. A repository's .git is one (excluded by
 * default) and the most dangerous: a hook written there runs on the host at
 * the next commit. Under --restore it is read-only, enforced by the kernel. */
static void lock_untracked_git(struct run *r, const struct cli_options *o, const char *invoke_cwd,
                               const char *cwd)
{
	struct strlist roots = {0};
	if (o->snapshot_paths.len == 0)
		strlist_push(&roots, cwd);
	for (size_t i = 0; i < o->snapshot_paths.len; i++) {
		const char *p = o->snapshot_paths.items[i];
		strlist_push_owned(&roots, p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", invoke_cwd, p));
	}
	for (size_t i = 0; i < roots.len; i++) {
		cleanup_free char *git = xasprintf("%s/.git", roots.items[i]);
		struct stat st;
		if (lstat(git, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !strlist_contains(&r->policy.deny_write, git))
			strlist_push(&r->policy.deny_write, git);
	}
	strlist_clear(&roots);
}

int headless_run(const struct cli_options *o)
{
	char err[1024];
	cleanup_free char *invoke_cwd = getcwd(NULL, 0);
	if (!invoke_cwd)
		invoke_cwd = xstrdup("/");
	char cwd[PATH_MAX];
	if (resolve_cwd(o, invoke_cwd, cwd) != 0)
		return 2;

	struct run r = {0};
	int status = 0;
	cleanup_free char *store_path = NULL;
	if (resolve_policy(o, invoke_cwd, cwd, &r.policy, &r.explicit_deny, err, sizeof err) < 0) {
		status = bad_input("%s", err);
		goto out;
	}
	/* The snapshot store is never visible inside, whether or not this run
	 * records: sessions and objects there are restored from later. */
	store_path = snap_store_default_path();
	if (store_path && !r.policy.no_sandbox)
		protect_store(&r, store_path);
	if (o->restore)
		lock_untracked_git(&r, o, invoke_cwd, cwd);

	if (o->log_path && !(r.log = fopen(o->log_path, "we"))) {
		status = bad_input("--log: %s: %s", o->log_path, strerror(errno));
		goto out;
	}

	char sid[32];
	make_session_id(sid, sizeof sid);
	event_set_session(sid);
	if (o->debug)
		event_add_sink(event_sink_debug, stderr);
	if (r.log)
		event_add_sink(event_sink_jsonl, r.log);

	struct jail_spec *spec = &r.spec;
	spec->policy = &r.policy;
	spec->cwd = cwd;
	spec->explicit_deny = &r.explicit_deny;
	spec->pin_paths = &r.pins;
	env_build(&r.policy, environ, &spec->env);
	if (!r.policy.no_sandbox) {
		/* Every connection goes through the proxy, even with no network
		 * allowed: refusals are answered and reported. */
		env_set_proxy(&r.policy, &spec->env, JAIL_PROXY_PORT);
		spec->want_listener = true;
		if (!(r.proxy = proxy_new(&r.policy, err, sizeof err))) {
			headless_error(err);
			status = 125;
			goto out;
		}
		spec->ca_cert_pem = proxy_ca_cert_pem(r.proxy); /* with --secret */
	}
	if (o->command.len) {
		strlist_copy(&spec->argv, &o->command);
	} else {
		const char *sh = getenv("SHELL");
		strlist_push(&spec->argv, sh && sh[0] == '/' ? sh : "/bin/sh");
	}

	struct loop l = {.master = -1, .term_fd = -1, .sfd = -1, .proxy = r.proxy};
	setup_stdio(spec, &l);

	if (o->snapshot &&
	    (status = snapshot_begin(o, sid, cwd, invoke_cwd, &spec->argv, &r.snap_store, &r.snap)))
		goto out;

	emit_session_start(o, spec, &r.policy);

	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	struct jail_result res;
	if (jail_start(spec, &l.jail, &res) < 0) {
		status = res.status;
		if (res.err[0])
			headless_error(res.err);
	} else {
		run_loop(&l);
		/* Open connections end with the command: their events are emitted
		 * before the jail's exit. */
		proxy_free(r.proxy);
		r.proxy = NULL;
		if (l.master >= 0)
			relay_drain(&l.relay);
		term_restore_saved();
		jail_finish(l.jail, &res);
		status = res.status;
		if (res.setup_failed)
			headless_error(res.err);
	}
	if (r.snap)
		snapshot_end(o, cwd, r.snap_store, r.snap); /* keeps the command's status */
	if (l.sfd >= 0)
		close(l.sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	run_free(&r);
	return status;
}
