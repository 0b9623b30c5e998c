/* session: one sandboxed session — policy, jail, proxy, snapshot recording
 * and event log — behind the small API in session.h that the headless CLI,
 * the TUI and the control socket drive. Everything here was the headless
 * runner's set-up; the faces now only connect terminals and render events.
 *
 * The session's fd is an epoll set holding the jail's control socket, the
 * proxy's own epoll fd and the observer's eventfd (denied accesses, once the
 * sandbox sent its notification listener); session_dispatch() serves
 * whichever is ready. */
#include "session.h"
#include "ctl_dir.h"
#include "ctl_server.h"
#include "env.h"
#include "event.h"
#include "jail.h"
#include "live_policy.h"
#include "observer.h"
#include "profile.h"
#include "proxy.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

struct session {
	char id[32];
	char cwd[PATH_MAX];
	char *invoke_cwd;
	const struct cli_options *o;

	struct policy policy;
	struct strlist explicit_deny; /* deny paths named on the command line */
	struct strlist pins;          /* directories the sandbox must not move */
	struct jail_spec spec;

	FILE *log;
	struct proxy *proxy;          /* NULL without a sandbox */
	bool listener_added;
	bool observer_added;
	struct snap_store *snap_store;
	struct snap_session *snap;

	int epfd;
	struct jail *jail;            /* NULL until started, and after finish */
	bool ended;
	bool started;                 /* session_start was called */

	/* live control */
	struct ctl_server *ctl; /* NULL when it could not be created */
	struct live_policy *live;
	struct strlist protected_paths; /* stay hidden whatever is patched */
	uint64_t started_ns;            /* wall clock */
};

static void control_open(struct session *s);
static void control_protect(struct session *s);

static void make_session_id(char *buf, size_t len)
{
	unsigned char r[6] = {0};
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != sizeof r) {
		uint64_t t = now_real_ns() ^ (uint64_t)getpid();
		memcpy(r, &t, sizeof r);
	}
	snprintf(buf, len, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* Loads profiles and merges the command-line flags on top. */
static int resolve_policy(struct session *s, char *err, size_t errlen)
{
	const struct cli_options *o = s->o;
	struct policy *out = &s->policy;
	struct profile_env pe;
	profile_env_from_process(&pe, s->cwd);
	if (o->profiles.len == 0 && profile_load("workspace", &pe, out, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < o->profiles.len; i++)
		if (profile_load(o->profiles.items[i], &pe, out, err, errlen) < 0)
			return -1;
	/* "Write the working directory" must not turn into "write everything"
	 * when glassbox is started from /: only --allow-write=/ or -A may. */
	if (strlist_contains(&out->allow_write, "/")) {
		strlist_remove(&out->allow_write, "/");
		event_emitf(EV_WARNING, NULL,
		            "not making / writable for a profile (the working directory is /); "
		            "use --allow-write=/ or -A to mean it");
	}
	struct policy flags = {0};
	policy_merge(&flags, &o->flags);
	int rc = policy_resolve_cli_paths(&flags, s->invoke_cwd, err, errlen);
	if (rc == 0) {
		policy_merge(out, &flags);
		strlist_extend(&s->explicit_deny, &flags.deny_read);
		strlist_extend(&s->explicit_deny, &flags.deny_write);
	}
	policy_free(&flags);
	return rc;
}

/* -C DIR against the invoking directory, or the invoking directory itself. */
static int resolve_cwd(struct session *s, char *err, size_t errlen)
{
	const char *dir = s->o->cwd;
	if (!dir) {
		snprintf(s->cwd, sizeof s->cwd, "%s", s->invoke_cwd);
		return 0;
	}
	cleanup_free char *abs = dir[0] == '/' ? xstrdup(dir) : xasprintf("%s/%s", s->invoke_cwd, dir);
	struct stat st;
	if (!realpath(abs, s->cwd))
		return error_set(err, errlen, "-C: %s: %s", dir, strerror(errno));
	if (stat(s->cwd, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(err, errlen, "-C: %s: %s", dir, strerror(ENOTDIR));
	return 0;
}

/* The snapshot store is trusted after the run, so the sandbox must neither
 * see it nor plant a fake one: it is created now (so there is something to
 * mask), masked, and every directory above it is pinned in place — were the
 * sandbox able to rename ~/.local, the mask would move with it and a forged
 * store could take its place. */
static void protect_store(struct session *s, const char *store)
{
	cleanup_free char *p = xstrdup(store);
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return;
		strlist_push(&s->pins, p);
		*c = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return;
	if (!strlist_contains(&s->policy.deny_read, store))
		strlist_push(&s->policy.deny_read, store);
	strlist_push(&s->protected_paths, store);
}

/* The tracked roots: --snapshot-path entries (against the invoking
 * directory), or the working directory. */
static void snapshot_roots(const struct session *s, struct strlist *roots)
{
	if (s->o->snapshot_paths.len == 0)
		strlist_push(roots, s->cwd);
	policy_absolute_paths(&s->o->snapshot_paths, s->invoke_cwd, getenv("HOME"), roots);
}

/* --restore promises to leave no trace, but paths the snapshot does not
 * track cannot be rolled back. A repository's .git is one (excluded by
 * default) and the most dangerous: a hook written there runs on the host at
 * the next commit. Under --restore it is read-only, enforced by the kernel. */
static void lock_untracked_git(struct session *s)
{
	struct strlist roots = {0};
	snapshot_roots(s, &roots);
	for (size_t i = 0; i < roots.len; i++) {
		cleanup_free char *git = xasprintf("%s/.git", roots.items[i]);
		struct stat st;
		if (lstat(git, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !strlist_contains(&s->policy.deny_write, git))
			strlist_push(&s->policy.deny_write, git);
	}
	strlist_clear(&roots);
}

/* The face's progress callback, noting whether it stopped the recording. */
struct progress_relay {
	const struct session_open_opts *opts;
	bool stopped;
};

static bool relay_progress(const struct snap_progress *p, void *ctx)
{
	struct progress_relay *r = ctx;
	if (r->opts->snapshot_progress(p, r->opts->ctx))
		return true;
	r->stopped = true;
	return false;
}

/* Opens the store and records checkpoint 0 over the tracked paths. */
static int snapshot_begin(struct session *s, const struct session_open_opts *opts, char *err,
                          size_t errlen)
{
	struct strlist roots = {0};
	snapshot_roots(s, &roots);
	int rc = 0;
	for (size_t i = 0; i < roots.len && rc == 0; i++) {
		struct stat sb;
		int e = stat(roots.items[i], &sb) < 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
		if (e) {
			error_set(err, errlen, "--snapshot-path: %s: %s", roots.items[i], strerror(e));
			rc = 2;
		}
	}
	if (rc == 0 && snap_store_open(NULL, true, &s->snap_store, err, errlen) < 0)
		rc = 125;
	struct snap_session_spec spec = {.id = s->id,
	                                 .cwd = s->cwd,
	                                 .roots = &roots,
	                                 .excludes = &s->o->snapshot_excludes,
	                                 .command = &s->spec.argv};
	struct progress_relay relay = {.opts = opts};
	if (opts && opts->snapshot_progress) {
		spec.progress = relay_progress;
		spec.progress_ctx = &relay;
	}
	if (rc == 0 && snap_session_create(s->snap_store, &spec, &s->snap, err, errlen) < 0) {
		snap_store_close(s->snap_store);
		s->snap_store = NULL;
		rc = relay.stopped ? 130 : 125;
	}
	strlist_clear(&roots);
	return rc;
}

static void emit_session_start(const struct session *s)
{
	const struct policy *p = &s->policy;
	cJSON *d = cJSON_CreateObject();
	cJSON *argv = cJSON_AddArrayToObject(d, "argv");
	for (size_t i = 0; i < s->spec.argv.len; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(s->spec.argv.items[i]));
	cJSON_AddStringToObject(d, "cwd", s->cwd);
	cJSON_AddBoolToObject(d, "sandbox", !p->no_sandbox);
	cJSON *profiles = cJSON_AddArrayToObject(d, "profiles");
	if (s->o->profiles.len == 0)
		cJSON_AddItemToArray(profiles, cJSON_CreateString("workspace"));
	for (size_t i = 0; i < s->o->profiles.len; i++)
		cJSON_AddItemToArray(profiles, cJSON_CreateString(s->o->profiles.items[i]));
	cJSON_AddStringToObject(d, "version", GLASSBOX_VERSION);
	char *policy = profile_policy_to_json(p);
	cJSON *pj = cJSON_Parse(policy);
	free(policy);
	if (pj)
		cJSON_AddItemToObject(d, "policy", pj);
	event_emitf(EV_SESSION_START, d, "session %s: %s in %s%s", s->id, s->spec.argv.items[0],
	            s->cwd, p->no_sandbox ? " (no sandbox)" : "");
}

int session_open(const struct cli_options *o, struct session **out, char *err, size_t errlen)
{
	return session_open_with(o, NULL, out, err, errlen);
}

int session_open_with(const struct cli_options *o, const struct session_open_opts *opts,
                      struct session **out, char *err, size_t errlen)
{
	struct session *s = xcalloc(1, sizeof *s);
	*out = s;
	s->o = o;
	s->epfd = -1;
	s->invoke_cwd = getcwd(NULL, 0);
	if (!s->invoke_cwd)
		s->invoke_cwd = xstrdup("/");
	make_session_id(s->id, sizeof s->id);
	event_set_session(s->id);

	if (resolve_cwd(s, err, errlen) < 0)
		return 2;
	if (o->log_path) {
		if (!(s->log = fopen(o->log_path, "we")))
			return error_set(err, errlen, "--log: %s: %s", o->log_path, strerror(errno)),
			       2;
		event_add_sink(event_sink_jsonl, s->log);
	}
	if (resolve_policy(s, err, errlen) < 0)
		return 2;
	/* The snapshot store is never visible inside, whether or not this run
	 * records: sessions and objects there are restored from later. */
	cleanup_free char *store_path = snap_store_default_path();
	if (store_path && !s->policy.no_sandbox)
		protect_store(s, store_path);
	if (o->restore)
		lock_untracked_git(s);
	if (!s->policy.no_sandbox)
		control_protect(s);

	struct jail_spec *spec = &s->spec;
	spec->policy = &s->policy;
	spec->cwd = s->cwd;
	spec->explicit_deny = &s->explicit_deny;
	spec->pin_paths = &s->pins;
	env_build(&s->policy, environ, &spec->env);
	/* Denied accesses are observed and explained (core/observer.h);
	 * GLASSBOX_OBSERVE=0 turns that off (bench/observe compares). */
	const char *observe = getenv("GLASSBOX_OBSERVE");
	spec->observe = !(observe && strcmp(observe, "0") == 0);
	spec->trace = o->trace;
	if (!s->policy.no_sandbox) {
		/* Every connection goes through the proxy, even with no network
		 * allowed: refusals are answered and reported. */
		env_set_proxy(&s->policy, &spec->env, JAIL_PROXY_PORT);
		spec->want_listener = true;
		if (!(s->proxy = proxy_new(&s->policy, err, errlen)))
			return 125;
		spec->ca_cert_pem = proxy_ca_cert_pem(s->proxy); /* with --secret */
		proxy_set_ask(s->proxy, o->ask_net, o->ask_timeout_s);
	}
	/* Lets the command (and tests) name its session to `glassbox ctl`. */
	cleanup_free char *sid_env = xasprintf("GLASSBOX_SESSION=%s", s->id);
	policy_env_set(&spec->env, sid_env);
	if (o->command.len) {
		strlist_copy(&spec->argv, &o->command);
	} else {
		const char *sh = getenv("SHELL");
		strlist_push(&spec->argv, sh && sh[0] == '/' ? sh : "/bin/sh");
	}
	if (o->snapshot) {
		int rc = snapshot_begin(s, opts, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int session_start(struct session *s, const struct session_io *io, char *err, size_t errlen)
{
	struct jail_spec *spec = &s->spec;
	s->started = true;
	/* pty_only: the command's fds are all the pty's slave, but the jail
	 * arranges three open fds before the slave replaces them. */
	cleanup_fd int devnull = -1;
	if (io->pty_only && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return error_set(err, errlen, "/dev/null: %s", strerror(errno)), 125;
	for (int i = 0; i < 3; i++) {
		spec->stdio[i] = io->pty_only ? devnull : io->stdio[i];
		spec->tty_fds[i] = io->pty_only || io->tty_fds[i];
		spec->tty = spec->tty || spec->tty_fds[i];
	}
	spec->rows = io->rows;
	spec->cols = io->cols;

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return error_set(err, errlen, "epoll: %s", strerror(errno)), 125;
	if (s->proxy && epoll_watch(s->epfd, proxy_fd(s->proxy)) < 0)
		return error_set(err, errlen, "epoll: %s", strerror(errno)), 125;

	emit_session_start(s);
	struct jail_result res;
	if (jail_start(spec, &s->jail, &res) < 0) {
		s->jail = NULL;
		error_set(err, errlen, "%s", res.err);
		return res.status;
	}
	if (epoll_watch(s->epfd, jail_fd(s->jail)) < 0) {
		error_set(err, errlen, "epoll: %s", strerror(errno));
		jail_signal(s->jail, SIGKILL);
		return 125;
	}
	control_open(s);
	return 0;
}

int session_fd(const struct session *s)
{
	return s->epfd;
}

int session_dispatch(struct session *s)
{
	if (!s->jail || s->ended)
		return 1;
	struct epoll_event evs[4];
	int n = epoll_wait(s->epfd, evs, 4, 0);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (s->proxy && fd == proxy_fd(s->proxy)) {
			proxy_dispatch(s->proxy);
		} else if (fd == jail_fd(s->jail)) {
			if (jail_handle_input(s->jail) != 0)
				s->ended = true;
		} else if (s->ctl && fd == ctl_server_fd(s->ctl)) {
			ctl_server_dispatch(s->ctl);
		} else if (jail_observer(s->jail) && fd == observer_fd(jail_observer(s->jail))) {
			observer_dispatch(jail_observer(s->jail));
		}
	}
	if (!s->observer_added && jail_observer(s->jail)) {
		/* The sandbox sent its notification listener: report what it sees. */
		if (epoll_watch(s->epfd, observer_fd(jail_observer(s->jail))) < 0)
			event_emitf(EV_WARNING, NULL, "denied accesses cannot be reported: %s",
			            strerror(errno));
		s->observer_added = true;
		observer_set_ask(jail_observer(s->jail), s->o->ask_write, s->o->ask_timeout_s);
	}
	if (s->proxy && !s->listener_added && jail_proxy_listener(s->jail) >= 0) {
		/* The sandbox sent its proxy listener: start accepting. */
		if (proxy_add_listener(s->proxy, jail_proxy_listener(s->jail)) < 0)
			event_emitf(EV_WARNING, NULL, "the network proxy could not start");
		s->listener_added = true;
	}
	return s->ended ? 1 : 0;
}

int session_pty_master(const struct session *s)
{
	return s->jail ? jail_pty_master(s->jail) : -1;
}

void session_resize(struct session *s, unsigned short rows, unsigned short cols)
{
	session_resize_shell(s, 0, rows, cols);
}

void session_resize_shell(struct session *s, int id, unsigned short rows, unsigned short cols)
{
	int m = session_shell_master(s, id);
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	if (m >= 0)
		ioctl(m, TIOCSWINSZ, &ws);
}

int session_spawn(struct session *s, const struct strlist *argv, unsigned short rows,
                  unsigned short cols, char *err, size_t errlen)
{
	if (!s->jail || s->ended)
		return error_set(err, errlen, "the session has ended");
	if (s->policy.no_sandbox)
		return error_set(err, errlen, "another shell needs the sandbox (--no-sandbox is set)");
	struct strlist shell = {0};
	if (!argv || !argv->len) {
		const char *sh = getenv("SHELL");
		strlist_push(&shell, sh && sh[0] == '/' ? sh : "/bin/sh");
	}
	int id = jail_spawn(s->jail, argv && argv->len ? argv : &shell, rows, cols);
	strlist_clear(&shell);
	if (id < 0)
		return error_set(err, errlen, "cannot start another shell (at most %d)",
		                 JAIL_MAX_SHELLS - 1);
	return id;
}

int session_shell_master(const struct session *s, int id)
{
	return s->jail ? jail_shell_master(s->jail, id) : -1;
}

bool session_shell_alive(const struct session *s, int id)
{
	return s->jail && jail_shell_alive(s->jail, id);
}

void session_signal(struct session *s, int sig)
{
	if (s->jail)
		jail_signal(s->jail, sig);
}

int session_finish(struct session *s, char *err, size_t errlen)
{
	err[0] = '\0';
	/* Open connections end with the command: their events are emitted
	 * before the jail's exit. */
	proxy_free(s->proxy);
	s->proxy = NULL;
	if (!s->jail)
		return 125;
	struct jail_result res;
	jail_finish(s->jail, &res);
	s->jail = NULL;
	/* The exit event has reached subscribers; `glassbox ls` stops listing it. */
	ctl_server_free(s->ctl);
	s->ctl = NULL;
	if (res.setup_failed)
		error_set(err, errlen, "%s", res.err);
	return res.status;
}

void session_abandon(struct session *s)
{
	if (s && s->snap && !s->started) {
		snap_session_discard(s->snap);
		s->snap = NULL;
	}
	session_free(s);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->jail) {
		char err[8];
		jail_signal(s->jail, SIGKILL);
		session_finish(s, err, sizeof err);
	}
	ctl_server_free(s->ctl);
	live_policy_free(s->live);
	strlist_clear(&s->protected_paths);
	proxy_free(s->proxy);
	if (s->snap)
		snap_session_close(s->snap);
	if (s->snap_store)
		snap_store_close(s->snap_store);
	if (s->log) {
		event_remove_sink(event_sink_jsonl, s->log);
		fclose(s->log);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	strlist_clear(&s->spec.argv);
	strlist_clear(&s->spec.env);
	strlist_clear(&s->explicit_deny);
	strlist_clear(&s->pins);
	policy_free(&s->policy);
	free(s->invoke_cwd);
	free(s);
}

pid_t session_sandbox_pid(const struct session *s)
{
	return s->jail ? jail_pid(s->jail) : 0;
}

const char *session_id(const struct session *s)
{
	return s->id;
}

const char *session_cwd(const struct session *s)
{
	return s->cwd;
}

const struct policy *session_policy(const struct session *s)
{
	return &s->policy;
}

const struct strlist *session_argv(const struct session *s)
{
	return &s->spec.argv;
}

struct snap_session *session_snapshot(struct session *s)
{
	return s->snap;
}

struct snap_store *session_snapshot_store(struct session *s)
{
	return s->snap_store;
}

void session_take_snapshot(struct session *s, struct snap_store **st, struct snap_session **sn)
{
	*st = s->snap_store;
	*sn = s->snap;
	s->snap_store = NULL;
	s->snap = NULL;
}

/* ---- live control --------------------------------------------------------
 * The control socket and live changes (live_policy.h), kept apart from the
 * session's life cycle above: they only read the jail and proxy it holds. */

/* The control directory is never visible inside: masked like the snapshot
 * store (and pinned, so the sandbox cannot move the mask away). */
static void control_protect(struct session *s)
{
	char dir[PATH_MAX], err[512];
	if (ctl_dir_get(dir, sizeof dir, true, err, sizeof err) < 0)
		return; /* no socket will be made there: control_open says so */
	if (!strlist_contains(&s->policy.deny_read, dir))
		strlist_push(&s->policy.deny_read, dir);
	strlist_push(&s->pins, dir);
	strlist_push(&s->protected_paths, dir);
}

static struct live_target live_target_of(struct session *s)
{
	return (struct live_target){ .policy = &s->policy,
		                     .init_pid = s->jail && !s->ended && !s->policy.no_sandbox ?
		                                         jail_pid(s->jail) :
		                                         -1,
		                     .proxy = s->proxy,
		                     .observer = s->jail ? jail_observer(s->jail) : NULL,
		                     .protected_paths = &s->protected_paths,
		                     .staging_fd = s->jail && !s->ended ? jail_staging_fd(s->jail) : -1 };
}

cJSON *session_policy_json(const struct session *s)
{
	char *txt = profile_policy_to_json(&s->policy);
	cJSON *o = cJSON_Parse(txt);
	free(txt);
	return o ? o : cJSON_CreateObject();
}

cJSON *session_policy_patch(struct session *s, const cJSON *patch, char *err, size_t errlen)
{
	if (!s->live)
		s->live = live_policy_new();
	struct live_target t = live_target_of(s);
	return live_policy_patch(s->live, &t, patch, err, errlen);
}

/* A held write. "once" is for opens only: the supervisor does the open on
 * the host, verified to reach the file the sandbox sees, and hands the
 * process the fd (nothing runs again, nothing stays writable). "session"
 * makes the path writable live, then the syscall runs again against the
 * new layout; for a file an open would create, that is the file alone: it
 * is created on the host (verified the same way), bound writable, and the
 * open returns it. Other changes (delete, rename, mkdir...) cannot be
 * allowed once: the kernel enforces the mounts, and redoing them outside
 * is not worth the risk. Whatever fails, the write is refused. */
static int answer_write(struct session *s, const char *id, const char *answer, char *err,
                        size_t errlen)
{
	struct observer *obs = s->jail ? jail_observer(s->jail) : NULL;
	bool once = strcmp(answer, "once") == 0, session_wide = strcmp(answer, "session") == 0;
	if (!once && !session_wide && strcmp(answer, "deny") != 0)
		return error_set(err, errlen, "answer must be once, session or deny");
	struct observer_question q;
	if (!obs || observer_question_claim(obs, id, &q) < 0)
		return error_set(err, errlen,
		                 "no pending question %s (answered, timed out, or its process left)",
		                 id);
	if (once && !q.open) {
		/* Not answered: it stays pending for session or deny. */
		observer_question_unclaim(obs, id);
		return error_set(err, errlen,
		                 "allow once is possible for opens only: answer session (%s becomes "
		                 "writable) or deny",
		                 q.grant);
	}
	int fd = -1;
	int rc = 0;
	bool created = false;
	if (once || (session_wide && q.create)) {
		fd = observer_open_held(obs, id, &created, err, errlen);
		if (fd < 0)
			rc = -1;
	}
	if (rc == 0 && session_wide) {
		if (!s->live)
			s->live = live_policy_new();
		struct live_target t = live_target_of(s);
		cJSON *r = live_policy_change(s->live, &t, "add", "allow_write", q.grant, err, errlen);
		if (r)
			cJSON_Delete(r);
		else
			rc = -1;
	}
	int sent = observer_answer(obs, id, rc < 0 ? "deny" : answer, rc < 0 ? -1 : fd);
	if (fd >= 0 && created && (rc < 0 || (once && sent == -ENOENT)))
		observer_discard_created(obs, q.target, fd); /* nobody will write it */
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, "; %s denied", id);
		return -1;
	}
	return sent < 0 ? error_set(err, errlen, "%s: its process left before the answer", id) : 0;
}

int session_decision_answer(struct session *s, const char *id, const char *answer, char *err,
                            size_t errlen)
{
	if (strncmp(id, "write-", 6) == 0)
		return answer_write(s, id, answer, err, errlen);
	if (!s->proxy)
		return error_set(err, errlen, "no question %s: this session has no proxy", id);
	bool session_wide = strcmp(answer, "session") == 0;
	if (!session_wide && strcmp(answer, "once") != 0 && strcmp(answer, "deny") != 0)
		return error_set(err, errlen, "answer must be once, session or deny");
	char rule[300];
	if (proxy_question_rule(s->proxy, id, rule, sizeof rule) < 0)
		return error_set(err, errlen,
		                 "no pending question %s (answered, timed out, or its client left)",
		                 id);
	if (session_wide) {
		if (!s->live)
			s->live = live_policy_new();
		struct live_target t = live_target_of(s);
		cJSON *r = live_policy_change(s->live, &t, "add", "allow_net", rule, err, errlen);
		if (!r)
			return -1;
		cJSON_Delete(r);
	}
	return proxy_answer(s->proxy, id, answer) < 0 ?
	               error_set(err, errlen, "cannot answer %s", id) :
	               0;
}

void session_ask_pause(struct session *s, bool pause)
{
	if (s->proxy)
		proxy_ask_pause(s->proxy, pause);
	struct observer *obs = s->jail ? jail_observer(s->jail) : NULL;
	if (obs)
		observer_ask_pause(obs, pause);
}

const char *session_control_path(const struct session *s)
{
	return s->ctl ? ctl_server_path(s->ctl) : NULL;
}

static cJSON *session_info(const struct session *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "session", s->id);
	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddStringToObject(o, "cwd", s->cwd);
	cJSON *argv = cJSON_AddArrayToObject(o, "argv");
	for (size_t i = 0; i < s->spec.argv.len; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(s->spec.argv.items[i]));
	cJSON_AddNumberToObject(o, "started", (double)(s->started_ns / 1000000000ull));
	cJSON_AddBoolToObject(o, "sandbox", !s->policy.no_sandbox);
	return o;
}

/* The control socket's requests (ctl_server.h). */
static cJSON *control_request(void *arg, const char *cmd, const cJSON *req, char *err,
                              size_t errlen)
{
	struct session *s = arg;
	if (strcmp(cmd, "session.info") == 0)
		return session_info(s);
	if (strcmp(cmd, "policy.get") == 0) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "policy", session_policy_json(s));
		return o;
	}
	if (strcmp(cmd, "policy.patch") == 0) {
		cJSON *o = session_policy_patch(s, req, err, errlen);
		if (o)
			cJSON_AddItemToObject(o, "policy", session_policy_json(s));
		return o;
	}
	if (strcmp(cmd, "decision.answer") == 0) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "decision");
		const cJSON *ans = cJSON_GetObjectItemCaseSensitive(req, "answer");
		if (!cJSON_IsString(id) || !cJSON_IsString(ans)) {
			error_set(err, errlen,
			          "decision.answer needs \"decision\" (an id) and "
			          "\"answer\" (once, session or deny)");
			return NULL;
		}
		if (session_decision_answer(s, id->valuestring, ans->valuestring, err, errlen) < 0)
			return NULL;
		return cJSON_CreateObject();
	}
	error_set(err, errlen,
	          "unknown command %.60s (session.info, policy.get, policy.patch, "
	          "events.subscribe, decision.answer)",
	          cmd);
	return NULL;
}

static void control_open(struct session *s)
{
	s->started_ns = now_real_ns();
	char err[512];
	s->ctl = ctl_server_open(s->id, control_request, s, err, sizeof err);
	if (!s->ctl) {
		event_emitf(EV_WARNING, NULL, "no control socket: %s", err);
		return;
	}
	if (epoll_watch(s->epfd, ctl_server_fd(s->ctl)) < 0) {
		event_emitf(EV_WARNING, NULL, "no control socket: epoll: %s", strerror(errno));
		ctl_server_free(s->ctl);
		s->ctl = NULL;
	}
}
