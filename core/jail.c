/* jail: the supervisor's side of the sandbox.
 *
 * jail_start() plans the mounts, clones a child into fresh user, mount, pid,
 * net, ipc and uts namespaces, and that child maps the real user to uid 0,
 * arranges its fds (0-2 the command's stdio, 3 the control socket, nothing
 * else survives exec) and execs glassbox-init with an empty environment. The
 * supervisor writes the plan as one JSON line on the socket and from then on
 * only reads: init's reports become events, and the socket's end-of-file
 * means init — and with it every process of the sandbox — is gone.
 *
 * With --no-sandbox the command is simply forked; a pidfd stands in for the
 * socket so the caller's loop is the same. */
#include "jail.h"
#include "event.h"
#include "jail_internal.h"
#include "ca.h"
#include "observer.h"
#include "pty.h"
#include "sanitize.h"
#include "seccomp_filter.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

struct jail {
	bool sandboxed;
	pid_t pid;          /* init (or the command without sandbox) */
	int fd;             /* control socket, or pidfd */
	int master;         /* pty master of a tty session, or -1 */
	/* Extra shells (jail_spawn), by id 1..JAIL_MAX_SHELLS-1; [0] unused. */
	int shell_master[JAIL_MAX_SHELLS];
	pid_t shell_pid[JAIL_MAX_SHELLS];
	bool shell_alive[JAIL_MAX_SHELLS];
	uint64_t shell_start_ns[JAIL_MAX_SHELLS];
	struct strlist shell_argv[JAIL_MAX_SHELLS];
	int next_shell;
	int listener;       /* proxy listener inside the sandbox's netns, or -1 */
	int staging;        /* the staging mount namespace (jail_init.c), or -1 */
	struct observer *observer; /* seccomp notifications (its thread waits for them) */
	bool observing;            /* the sandbox sent the listener */
	int pending_fd;     /* fd received with the message being parsed */
	struct jail_plan plan;
	char buf[8192];
	size_t buf_len;
	bool ended;
	bool have_exit;
	int exit_code, exit_signal;
	pid_t inner_pid;
	char err[512];
	uint64_t start_ns;
	const struct jail_spec *spec;
};

static void set_err(struct jail_result *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(struct jail_result *res, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof res->err, fmt, ap);
	va_end(ap);
	res->status = status;
	res->setup_failed = status == 125;
}

static void emit_setup_error(const char *error, const char *hint)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "error", error);
	if (hint)
		cJSON_AddStringToObject(d, "hint", hint);
	event_emitf(EV_SETUP_ERROR, d, "%s%s%s", error, hint ? "; " : "", hint ? hint : "");
}

/* Why a user namespace could not be made, and what to do about it. */
static void explain_userns(int err, char *buf, size_t len)
{
	char *v = NULL;
	if (read_file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 32, &v, NULL) == 0 &&
	    atoi(v) == 1) {
		snprintf(buf, len,
		         "cannot create a user namespace (%s): AppArmor restricts unprivileged user "
		         "namespaces; allow them with 'sudo sysctl -w "
		         "kernel.apparmor_restrict_unprivileged_userns=0' or an AppArmor profile for "
		         "glassbox (or run with --no-sandbox, unconfined)",
		         strerror(err));
	} else if (free(v), v = NULL,
	           read_file("/proc/sys/kernel/unprivileged_userns_clone", 32, &v, NULL) == 0 &&
	                   atoi(v) == 0) {
		snprintf(buf, len,
		         "cannot create a user namespace (%s): unprivileged user namespaces are "
		         "disabled; enable them with 'sudo sysctl -w kernel.unprivileged_userns_clone=1' "
		         "(or run with --no-sandbox, unconfined)",
		         strerror(err));
	} else if (free(v), v = NULL,
	           read_file("/proc/sys/user/max_user_namespaces", 32, &v, NULL) == 0 &&
	                   atoi(v) == 0) {
		snprintf(buf, len,
		         "cannot create a user namespace (%s): user.max_user_namespaces is 0; raise it "
		         "with 'sudo sysctl -w user.max_user_namespaces=15000' (or run with "
		         "--no-sandbox, unconfined)",
		         strerror(err));
	} else {
		snprintf(buf, len,
		         "cannot create the sandbox's namespaces (%s): the kernel or a container "
		         "runtime forbids user namespaces here; run glassbox on a host that allows them "
		         "(or with --no-sandbox, unconfined)",
		         strerror(err));
	}
	free(v);
}

static int find_init(const struct jail_spec *spec, char *err, size_t errlen)
{
	if (spec->init_path)
		return open(spec->init_path, O_PATH | O_CLOEXEC);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		snprintf(err, errlen, "cannot find glassbox's own executable: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	*slash = '\0';
	static const char *const rel[] = {"/glassbox-init", "/../libexec/glassbox/glassbox-init"};
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *p = xasprintf("%s%s", self, rel[i]);
		int fd = open(p, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	snprintf(err, errlen,
	         "cannot find glassbox-init next to %.300s or in ../libexec/glassbox; reinstall "
	         "glassbox",
	         self);
	return -1;
}

/* Arranges fds for exec: 0-2 from stdio, 3 = ctl, every other fd close-on-exec. */
static int arrange_fds(const int stdio[3], int ctl, int *keep)
{
	int hi_ctl = ctl >= 0 ? fcntl(ctl, F_DUPFD_CLOEXEC, 10) : 10;
	int hi_keep = fcntl(*keep, F_DUPFD_CLOEXEC, 10);
	int hi_std[3];
	for (int i = 0; i < 3; i++)
		hi_std[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 10);
	if (hi_ctl < 0 || hi_keep < 0 || hi_std[0] < 0 || hi_std[1] < 0 || hi_std[2] < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (dup2(hi_std[i], i) < 0)
			return -1;
	if (ctl >= 0 && dup2(hi_ctl, JAIL_CONTROL_FD) < 0)
		return -1;
	if (close_range(ctl >= 0 ? JAIL_CONTROL_FD + 1 : 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return -1;
	*keep = hi_keep;
	return 0;
}

static cJSON *plan_json(const struct jail_spec *spec, const struct jail_plan *plan)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "uid", getuid());
	cJSON_AddNumberToObject(o, "gid", getgid());
	cJSON_AddStringToObject(o, "cwd", spec->cwd);
	cJSON_AddBoolToObject(o, "tty", spec->tty);
	cJSON *tf = cJSON_AddArrayToObject(o, "tty_fds");
	for (int i = 0; i < 3; i++)
		cJSON_AddItemToArray(tf, cJSON_CreateBool(spec->tty_fds[i]));
	cJSON_AddNumberToObject(o, "rows", spec->rows);
	cJSON_AddNumberToObject(o, "cols", spec->cols);
	cJSON_AddBoolToObject(o, "strict", spec->policy->strict_sandbox);
	cJSON_AddBoolToObject(o, "listener", spec->want_listener);
	cJSON *argv = cJSON_AddArrayToObject(o, "argv");
	for (size_t i = 0; i < spec->argv.len; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(spec->argv.items[i]));
	cJSON *env = cJSON_AddArrayToObject(o, "env");
	for (size_t i = 0; i < spec->env.len; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(spec->env.items[i]));
	cJSON_AddItemToObject(o, "mounts", jail_plan_to_json(plan));
	if (spec->ca_cert_pem) {
		/* Certificates only: the CA's key stays in the proxy. */
		cJSON *ca = cJSON_AddObjectToObject(o, "ca_files");
		cJSON_AddStringToObject(ca, "ca.pem", spec->ca_cert_pem);
		char *bundle = ca_bundle_text(spec->ca_cert_pem);
		cJSON_AddStringToObject(ca, "ca-bundle.pem", bundle);
		free(bundle);
	}
	return o;
}

static _Noreturn void child_fail(int ctl, const char *what, int err)
{
	char msg[512];
	if (err == EPERM || err == EACCES)
		explain_userns(err, msg, sizeof msg);
	else
		snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		write_all(ctl, s, strlen(s));
		write_all(ctl, "\n", 1);
	}
	_exit(125);
}

static _Noreturn void child_enter(const struct jail_spec *spec, int ctl, int init_fd, uid_t uid,
                                  gid_t gid)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	char map[64];
	if (write_file_str("/proc/self/setgroups", "deny") < 0)
		child_fail(ctl, "setgroups", errno);
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	int r = write_file_str("/proc/self/uid_map", map);
	if (r < 0)
		child_fail(ctl, "uid_map", -r);
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	r = write_file_str("/proc/self/gid_map", map);
	if (r < 0)
		child_fail(ctl, "gid_map", -r);
	if (arrange_fds(spec->stdio, ctl, &init_fd) < 0)
		child_fail(JAIL_CONTROL_FD, "arranging file descriptors", errno);
	char *const argv[] = {"glassbox-init", NULL};
	char *const envp[] = {NULL};
	execveat(init_fd, "", argv, envp, AT_EMPTY_PATH);
	child_fail(JAIL_CONTROL_FD, "cannot run glassbox-init", errno);
}

static int start_unsandboxed(const struct jail_spec *spec, struct jail *j, struct jail_result *res)
{
	int stdio[3] = {spec->stdio[0], spec->stdio[1], spec->stdio[2]};
	int slave = -1;
	if (spec->tty) {
		struct winsize ws = {.ws_row = spec->rows, .ws_col = spec->cols};
		int r = pty_open(&j->master, &slave, &ws);
		if (r < 0) {
			set_err(res, 125, "cannot open a pseudo-terminal: %s", strerror(-r));
			return -1;
		}
		for (int i = 0; i < 3; i++)
			if (spec->tty_fds[i])
				stdio[i] = slave;
	}
	pid_t pid = fork();
	if (pid < 0) {
		set_err(res, 125, "cannot start the command: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (slave >= 0)
			ioctl(slave, TIOCSCTTY, 0);
		int keep = dup(0);
		if (arrange_fds(stdio, -1, &keep) < 0)
			_exit(125);
		if (chdir(spec->cwd) < 0) {
			char *safe = sanitize_str(spec->cwd);
			dprintf(2, "glassbox: cannot enter %s: %s\n", safe, strerror(errno));
			_exit(125);
		}
		close_range(3, ~0U, 0);
		extern char **environ;
		environ = spec->env.items ? spec->env.items : (char *[]){NULL};
		execvp(spec->argv.items[0], spec->argv.items);
		int e = errno;
		char *safe = sanitize_str(spec->argv.items[0]);
		dprintf(2, "glassbox: %s: %s\n", safe, e == ENOENT ? "command not found" : strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	if (slave >= 0)
		close(slave);
	j->pid = pid;
	j->fd = sys_pidfd_open(pid, 0);
	if (j->fd < 0) {
		set_err(res, 125, "pidfd_open: %s", strerror(errno));
		return -1;
	}
	fcntl(j->fd, F_SETFD, FD_CLOEXEC);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "tty", spec->tty);
	cJSON *argv = cJSON_AddArrayToObject(d, "argv");
	for (size_t i = 0; i < spec->argv.len; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(spec->argv.items[i]));
	struct event ev = {.kind = EV_EXEC, .pid = pid, .data = d,
	                   .message = "command started without sandbox"};
	event_emit(&ev);
	return 0;
}

/* The observation filter follows the deny filter; init answers with the
 * listener fd ("observer") or a warning. Failing to build it only costs the
 * reports, never the run. */
static void send_observe_filter(struct jail *j)
{
	int bpf = -1;
	char err[512];
	if (j->spec->observe) {
		j->observer = observer_start(&j->plan, j->spec->policy, j->spec->trace, err,
		                             sizeof err);
		bpf = j->observer ? seccomp_observe_export(j->spec->trace, err, sizeof err) : -1;
		if (bpf < 0)
			event_emitf(EV_WARNING, NULL, "denied accesses are not reported: %s", err);
	}
	if (bpf >= 0) {
		jail_send_fd(j->fd, "{\"observe\":true}\n", bpf);
		close(bpf);
	} else {
		send(j->fd, "{\"observe\":false}\n", 18, MSG_NOSIGNAL);
	}
}

int jail_start(const struct jail_spec *spec, struct jail **out, struct jail_result *res)
{
	memset(res, 0, sizeof *res);
	struct jail *j = xcalloc(1, sizeof *j);
	j->spec = spec;
	j->fd = -1;
	j->master = -1;
	for (int i = 0; i < JAIL_MAX_SHELLS; i++)
		j->shell_master[i] = -1;
	j->next_shell = 1;
	j->listener = -1;
	j->staging = -1;
	j->pending_fd = -1;
	j->start_ns = now_mono_ns();
	j->sandboxed = !spec->policy->no_sandbox;
	if (!j->sandboxed) {
		if (start_unsandboxed(spec, j, res) < 0) {
			emit_setup_error(res->err, NULL);
			free(j);
			return -1;
		}
		*out = j;
		return 0;
	}

	char err[512];
	int init_fd = -1;
	if (jail_plan_build(spec->policy, spec->cwd, spec->explicit_deny, spec->pin_paths, &j->plan,
	                    err, sizeof err) < 0) {
		set_err(res, 125, "%s", err);
		goto fail;
	}
	init_fd = find_init(spec, err, sizeof err);
	if (init_fd < 0) {
		set_err(res, 125, "%s", err);
		goto fail;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		set_err(res, 125, "socketpair: %s", strerror(errno));
		goto fail;
	}
	uid_t uid = getuid();
	gid_t gid = getgid();
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone,
	                           CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
	                                   CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
	                           NULL, NULL, NULL, NULL);
	if (pid < 0) {
		explain_userns(errno, err, sizeof err);
		set_err(res, 125, "%s", err);
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		child_enter(spec, sv[1], init_fd, uid, gid);
	}
	close(sv[1]);
	close(init_fd);
	jail_plan_watch(&j->plan, pid);
	j->pid = pid;
	j->fd = sv[0];

	cJSON *plan = plan_json(spec, &j->plan);
	char *line = cJSON_PrintUnformatted(plan);
	cJSON_Delete(plan);
	size_t n = strlen(line);
	line[n] = '\n';
	/* A dead child shows up as EPIPE here and as its error report later. */
	for (size_t off = 0; off < n + 1;) {
		ssize_t w = send(j->fd, line + off, n + 1 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	cJSON_free(line);

	/* Compile the seccomp filter while the child builds the root. */
	int bpf = seccomp_filter_export(err, sizeof err);
	if (bpf < 0 || jail_send_fd(j->fd, "{\"filter\":true}\n", bpf) < 0) {
		/* The child waits for the filter: without it, it cannot run. */
		if (bpf >= 0)
			close(bpf);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		set_err(res, 125, "%s", bpf < 0 ? err : "cannot pass the seccomp filter to the sandbox");
		close(j->fd);
		goto fail;
	}
	close(bpf);
	send_observe_filter(j);
	*out = j;
	return 0;

fail:
	if (init_fd >= 0)
		close(init_fd);
	emit_setup_error(res->err, NULL);
	jail_plan_remove_placeholders(&j->plan);
	jail_plan_free(&j->plan);
	free(j);
	return -1;
}

int jail_fd(const struct jail *j) { return j->fd; }
pid_t jail_pid(const struct jail *j) { return j->pid; }
int jail_pty_master(const struct jail *j) { return j->master; }
int jail_proxy_listener(const struct jail *j) { return j->listener; }
int jail_staging_fd(const struct jail *j) { return j->staging; }
struct observer *jail_observer(const struct jail *j) { return j->observing ? j->observer : NULL; }

static void emit_ready(struct jail *j)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *mounts = cJSON_AddArrayToObject(d, "mounts");
	for (size_t i = 0; i < j->plan.n_ops; i++) {
		const struct mount_op *op = &j->plan.ops[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "path", op->dst);
		cJSON_AddStringToObject(m, "mode", mount_kind_name(op->kind));
		if (op->kind == MK_SYMLINK)
			cJSON_AddStringToObject(m, "target", op->src);
		else if (op->src && strcmp(op->src, op->dst) != 0)
			cJSON_AddStringToObject(m, "source", op->src);
		cJSON_AddItemToArray(mounts, m);
	}
	cJSON *sc = cJSON_AddObjectToObject(d, "seccomp");
	cJSON *bl = cJSON_AddArrayToObject(sc, "blocked");
	for (int i = 0; seccomp_blocked_syscalls[i]; i++)
		cJSON_AddItemToArray(bl, cJSON_CreateString(seccomp_blocked_syscalls[i]));
	cJSON_AddStringToObject(sc, "foreign_abi", "ENOSYS");
	cJSON *ns = cJSON_AddArrayToObject(d, "namespaces");
	static const char *const names[] = {"user", "mount", "pid", "net", "ipc", "uts"};
	for (size_t i = 0; i < 6; i++)
		cJSON_AddItemToArray(ns, cJSON_CreateString(names[i]));
	event_emitf(EV_JAIL_READY, d, "jail built: %zu mounts, %s", j->plan.n_ops,
	            "user+mount+pid+net+ipc+uts namespaces, seccomp filter, no capabilities");
}

static void emit_exec(pid_t pid, const struct strlist *argv, bool tty, int shell)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "tty", tty);
	cJSON_AddNumberToObject(d, "shell", shell);
	cJSON *a = cJSON_AddArrayToObject(d, "argv");
	for (size_t i = 0; i < argv->len; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv->items[i]));
	struct event ev = {.kind = EV_EXEC, .pid = pid, .data = d};
	char msg[256];
	snprintf(msg, sizeof msg, "exec %s (pid %d%s)", argv->items[0], pid,
	         shell ? ", another shell" : "");
	ev.message = msg;
	event_emit(&ev);
}

/* Messages about the extra shells started with jail_spawn. */
static void handle_shell_message(struct jail *j, const cJSON *o, int shell)
{
	const cJSON *v;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "pty")) && cJSON_IsTrue(v)) {
		if (j->shell_master[shell] < 0 && j->pending_fd >= 0) {
			j->shell_master[shell] = j->pending_fd;
			j->pending_fd = -1;
			fcntl(j->shell_master[shell], F_SETFL,
			      fcntl(j->shell_master[shell], F_GETFL) | O_NONBLOCK);
		}
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "started")) && cJSON_IsNumber(v)) {
		j->shell_pid[shell] = (pid_t)v->valuedouble;
		j->shell_start_ns[shell] = now_mono_ns();
		emit_exec(j->shell_pid[shell], &j->shell_argv[shell], true, shell);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "exit")) && cJSON_IsNumber(v)) {
		j->shell_alive[shell] = false;
		const cJSON *sg = cJSON_GetObjectItemCaseSensitive(o, "signal");
		int sig = cJSON_IsNumber(sg) ? (int)sg->valuedouble : 0;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "code", (int)v->valuedouble);
		cJSON_AddNumberToObject(d, "signal", sig);
		cJSON_AddNumberToObject(d, "shell", shell);
		double ms = j->shell_start_ns[shell]
		                    ? (double)(now_mono_ns() - j->shell_start_ns[shell]) / 1e6
		                    : 0;
		cJSON_AddNumberToObject(d, "duration_ms", (double)(int64_t)(ms * 1000) / 1000);
		struct event ev = {.kind = EV_EXIT, .pid = j->shell_pid[shell], .data = d};
		char msg[128];
		snprintf(msg, sizeof msg, "shell %d exited with status %d", shell, (int)v->valuedouble);
		ev.message = msg;
		event_emit(&ev);
	}
}

static void handle_message(struct jail *j, const char *line)
{
	cJSON *o = cJSON_Parse(line);
	if (!o)
		return;
	const cJSON *v;
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "shell");
	int shell = cJSON_IsNumber(sh) && sh->valuedouble > 0 && sh->valuedouble < JAIL_MAX_SHELLS
	                    ? (int)sh->valuedouble
	                    : 0;
	if (shell) {
		handle_shell_message(j, o, shell);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "pty")) && cJSON_IsTrue(v)) {
		if (j->master < 0 && j->spec->tty && j->pending_fd >= 0) {
			j->master = j->pending_fd;
			j->pending_fd = -1;
			fcntl(j->master, F_SETFL, fcntl(j->master, F_GETFL) | O_NONBLOCK);
		}
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "listener")) && cJSON_IsTrue(v)) {
		if (j->listener < 0 && j->pending_fd >= 0) {
			j->listener = j->pending_fd;
			j->pending_fd = -1;
		}
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "staging")) && cJSON_IsTrue(v)) {
		if (j->staging < 0 && j->pending_fd >= 0) {
			j->staging = j->pending_fd;
			j->pending_fd = -1;
		}
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "observer")) && cJSON_IsTrue(v)) {
		if (j->observer && j->pending_fd >= 0) {
			observer_attach(j->observer, j->pending_fd);
			j->pending_fd = -1;
			j->observing = true;
		}
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "ready")) && cJSON_IsTrue(v)) {
		emit_ready(j);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "started")) && cJSON_IsNumber(v)) {
		j->inner_pid = (pid_t)v->valuedouble;
		emit_exec(j->inner_pid, &j->spec->argv, j->spec->tty, 0);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "exit")) && cJSON_IsNumber(v)) {
		j->have_exit = true;
		j->exit_code = (int)v->valuedouble;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "signal");
		j->exit_signal = cJSON_IsNumber(s) ? (int)s->valuedouble : 0;
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "warning")) && cJSON_IsString(v)) {
		event_emitf(EV_WARNING, NULL, "%s", v->valuestring);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "error")) && cJSON_IsString(v)) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hint");
		snprintf(j->err, sizeof j->err, "%s%s%s", v->valuestring,
		         cJSON_IsString(h) ? "; " : "", cJSON_IsString(h) ? h->valuestring : "");
		emit_setup_error(v->valuestring, cJSON_IsString(h) ? h->valuestring : NULL);
	}
	cJSON_Delete(o);
}

int jail_handle_input(struct jail *j)
{
	if (j->ended)
		return 1;
	if (!j->sandboxed) {
		j->ended = true; /* the pidfd became readable: the command exited */
		return 1;
	}
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = j->buf + j->buf_len,
	                    .iov_len = sizeof j->buf - 1 - j->buf_len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
	                     .msg_controllen = sizeof cbuf};
	ssize_t n = recvmsg(j->fd, &msg, MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
			/* An fd ends a read: it belongs to the last line of it. */
			if (j->pending_fd >= 0)
				close(j->pending_fd);
			j->pending_fd = fd;
		}
	}
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : (j->ended = true, 1);
	if (n == 0) {
		j->ended = true;
		return 1;
	}
	j->buf_len += (size_t)n;
	j->buf[j->buf_len] = '\0';
	char *start = j->buf, *nl;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		handle_message(j, start);
		start = nl + 1;
	}
	j->buf_len = strlen(start);
	memmove(j->buf, start, j->buf_len);
	if (j->buf_len == sizeof j->buf - 1)
		j->buf_len = 0; /* an over-long line from init: drop it */
	return j->ended ? 1 : 0;
}

int jail_spawn(struct jail *j, const struct strlist *argv, unsigned short rows,
               unsigned short cols)
{
	if (!j->sandboxed || j->ended || j->next_shell >= JAIL_MAX_SHELLS || !argv->len)
		return -1;
	int id = j->next_shell++;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "spawn", id);
	cJSON *a = cJSON_AddArrayToObject(o, "argv");
	for (size_t i = 0; i < argv->len; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv->items[i]));
	cJSON_AddNumberToObject(o, "rows", rows);
	cJSON_AddNumberToObject(o, "cols", cols);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cleanup_free char *line = xasprintf("%s\n", text);
	free(text);
	if (write_all(j->fd, line, strlen(line)) < 0)
		return -1;
	strlist_copy(&j->shell_argv[id], argv);
	j->shell_alive[id] = true;
	return id;
}

int jail_shell_master(const struct jail *j, int shell)
{
	if (shell == 0)
		return j->master;
	return shell > 0 && shell < JAIL_MAX_SHELLS ? j->shell_master[shell] : -1;
}

bool jail_shell_alive(const struct jail *j, int shell)
{
	if (shell == 0)
		return !j->have_exit && !j->ended;
	return shell > 0 && shell < JAIL_MAX_SHELLS && j->shell_alive[shell];
}

int jail_signal(struct jail *j, int sig)
{
	if (!j->sandboxed)
		return kill(-j->pid, sig) < 0 ? kill(j->pid, sig) : 0;
	return kill(j->pid, sig);
}

void jail_finish(struct jail *j, struct jail_result *res)
{
	memset(res, 0, sizeof *res);
	while (!j->ended && jail_handle_input(j) == 0)
		;
	int status = 0;
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!j->sandboxed) {
		j->have_exit = true;
		j->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		j->exit_code = WIFSIGNALED(status) ? 128 + j->exit_signal : WEXITSTATUS(status);
	}
	/* The sandbox is gone: what the observer still holds comes before exit. */
	observer_stop(j->observer);
	j->observer = NULL;
	if (j->have_exit) {
		res->status = j->exit_code;
		res->signal = j->exit_signal;
	} else if (j->err[0]) {
		set_err(res, 125, "%s", j->err);
	} else {
		set_err(res, 125, "the sandbox's init died unexpectedly (%s %d)",
		        WIFSIGNALED(status) ? "signal" : "status",
		        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		emit_setup_error(res->err, NULL);
	}
	if (j->have_exit) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "code", res->status);
		cJSON_AddNumberToObject(d, "signal", res->signal);
		double ms = (double)(now_mono_ns() - j->start_ns) / 1e6;
		cJSON_AddNumberToObject(d, "duration_ms", (double)(int64_t)(ms * 1000) / 1000);
		struct event ev = {.kind = EV_EXIT, .pid = j->sandboxed ? j->inner_pid : j->pid,
		                   .data = d};
		char msg[128];
		if (res->signal)
			snprintf(msg, sizeof msg, "killed by signal %d (status %d) after %.1f ms",
			         res->signal, res->status, ms);
		else
			snprintf(msg, sizeof msg, "exited with status %d after %.1f ms", res->status, ms);
		ev.message = msg;
		event_emit(&ev);
	}
	if (j->fd >= 0)
		close(j->fd);
	if (j->master >= 0)
		close(j->master);
	for (int i = 0; i < JAIL_MAX_SHELLS; i++)
		if (j->shell_master[i] >= 0)
			close(j->shell_master[i]);
	for (int i = 0; i < JAIL_MAX_SHELLS; i++)
		strlist_clear(&j->shell_argv[i]);
	if (j->listener >= 0)
		close(j->listener);
	if (j->staging >= 0)
		close(j->staging);
	if (j->pending_fd >= 0)
		close(j->pending_fd);
	jail_plan_remove_placeholders(&j->plan);
	jail_plan_free(&j->plan);
	free(j);
}

int jail_run(const struct jail_spec *spec, struct jail_result *res)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	struct jail *j;
	if (jail_start(spec, &j, res) < 0) {
		if (sfd >= 0)
			close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	for (;;) {
		struct observer *obs = jail_observer(j);
		struct pollfd p[3] = {{.fd = jail_fd(j), .events = POLLIN}, {.fd = sfd, .events = POLLIN},
		                      {.fd = obs ? observer_fd(obs) : -1, .events = POLLIN}};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si)
				jail_signal(j, (int)si.ssi_signo);
		}
		if (obs && p[2].revents)
			observer_dispatch(obs);
		if (p[0].revents && jail_handle_input(j) != 0)
			break;
	}
	jail_finish(j, res);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
