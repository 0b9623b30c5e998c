/* live_policy: turns policy patches into live changes (see live_policy.h).
 *
 * The mounts glassbox stacks on paths during the run are remembered (path,
 * kind, mount id) so that a revoke takes off exactly the mount it placed —
 * the helper checks the id before unmounting — and never one the sandbox
 * was started with, except a start-time mask that a deny-read removal
 * lifts on purpose. */
#include "live_policy.h"
#include "event.h"
#include "live_mount.h"
#include "net_policy.h"
#include "observer.h"
#include "proxy.h"
#include "sanitize.h"
#include "secrets.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct live_entry {
	char *path;
	enum live_mount_op op;
	uint64_t mnt_id;
};

struct live_policy {
	struct live_entry *m;
	size_t n, cap;
};

struct live_policy *live_policy_new(void)
{
	return xcalloc(1, sizeof(struct live_policy));
}

void live_policy_free(struct live_policy *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->n; i++)
		free(lp->m[i].path);
	free(lp->m);
	free(lp);
}

/* The topmost mount placed live on path, or NULL. */
static struct live_entry *top_at(struct live_policy *lp, const char *path)
{
	for (size_t i = lp->n; i-- > 0;)
		if (strcmp(lp->m[i].path, path) == 0)
			return &lp->m[i];
	return NULL;
}

static void forget(struct live_policy *lp, struct live_entry *e)
{
	free(e->path);
	size_t i = (size_t)(e - lp->m);
	memmove(&lp->m[i], &lp->m[i + 1], (lp->n - i - 1) * sizeof *lp->m);
	lp->n--;
}

static void remember(struct live_policy *lp, const char *path, enum live_mount_op op, uint64_t id)
{
	if (lp->n == lp->cap)
		lp->m = xrealloc(lp->m, (lp->cap = lp->cap ? lp->cap * 2 : 8) * sizeof *lp->m);
	lp->m[lp->n++] = (struct live_entry){ .path = xstrdup(path), .op = op, .mnt_id = id };
}

enum list_id {
	L_ALLOW_READ,
	L_DENY_READ,
	L_ALLOW_WRITE,
	L_DENY_WRITE,
	L_ALLOW_NET,
	L_DENY_NET,
	L_N
};
static const char *const list_names[L_N] = { "allow_read", "deny_read", "allow_write",
	                                     "deny_write", "allow_net", "deny_net" };

static int list_from_name(const char *name)
{
	char norm[32];
	size_t n = strlen(name);
	if (n >= sizeof norm)
		return -1;
	for (size_t i = 0; i <= n; i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	for (int i = 0; i < L_N; i++)
		if (strcmp(norm, list_names[i]) == 0)
			return i;
	return -1;
}

static struct strlist *list_of(struct policy *p, int l)
{
	switch (l) {
	case L_ALLOW_READ:
		return &p->allow_read;
	case L_DENY_READ:
		return &p->deny_read;
	case L_ALLOW_WRITE:
		return &p->allow_write;
	case L_DENY_WRITE:
		return &p->deny_write;
	case L_ALLOW_NET:
		return &p->allow_net;
	default:
		return &p->deny_net;
	}
}

static void set_member(struct strlist *l, const char *v, bool in)
{
	if (in && !strlist_contains(l, v))
		strlist_push(l, v);
	else if (!in)
		strlist_remove(l, v);
}

static bool is_protected(const struct live_target *t, const char *path)
{
	if (!t->protected_paths)
		return false;
	size_t n = strlen(path);
	for (size_t i = 0; i < t->protected_paths->len; i++) {
		const char *p = t->protected_paths->items[i];
		if (strcmp(p, path) == 0 ||
		    (strncmp(p, path, n) == 0 && p[n] == '/')) /* path is above it */
			return true;
	}
	return false;
}

static const char *how_text(enum live_unmount_how how)
{
	switch (how) {
	case LIVE_UNMOUNTED:
		return "unmounted";
	case LIVE_MADE_READONLY:
		return "made read-only (in use, so left in place)";
	case LIVE_DETACHED:
		return "detached (files open for writing keep their descriptors until closed)";
	}
	return "?";
}

/* The canonical form of each path of l (policy_canonical_path), as the
 * start-time plan places its mounts. */
static void canonical_list(const struct strlist *l, struct strlist *out)
{
	for (size_t i = 0; l && i < l->len; i++) {
		bool exists;
		char *c = policy_canonical_path(l->items[i], &exists);
		if (!strlist_contains(out, c))
			strlist_push(out, c);
		free(c);
	}
}

/* A deny-write rule at or above path that a write grant would override
 * (deny wins, as at start; the rule on path itself is the user's to lift
 * by granting it), or NULL. */
static const char *deny_write_above(const struct live_target *t, const char *path)
{
	bool exists;
	cleanup_free char *real = policy_canonical_path(path, &exists);
	for (size_t i = 0; i < t->policy->deny_write.len; i++) {
		const char *rule = t->policy->deny_write.items[i];
		cleanup_free char *m = policy_canonical_path(rule, &exists);
		size_t n = strlen(m);
		if (strcmp(rule, path) != 0 && strcmp(m, real) != 0 &&
		    strncmp(real, m, n) == 0 && (real[n] == '/' || strcmp(m, "/") == 0))
			return rule;
	}
	return NULL;
}

/* A host path the sandbox never saw, brought in (see live_policy.h). */
static int bring_in(struct live_policy *lp, const struct live_target *t, const char *path,
                    bool writable, cJSON *d, char *err, size_t errlen)
{
	/* Masks go where the host resolves each rule, as at start (jail_plan.c):
	 * a rule spelt through a symlink, or naming one, hides what it points
	 * to; the helper walks host paths without following any symlink. */
	struct strlist masks = { 0 };
	const struct strlist *lists[2] = { &t->policy->deny_read, t->protected_paths };
	int rc = 0;
	bool exists;
	cleanup_free char *real = policy_canonical_path(path, &exists);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && i < lists[l]->len; i++) {
			const char *rule = lists[l]->items[i];
			char *m = policy_canonical_path(rule, &exists);
			if (!strlist_contains(&masks, m))
				strlist_push(&masks, m);
			if (rc == 0 && path_under(real, m))
				rc = error_set(err, errlen,
				               "%s is hidden (deny-read %s); lift that first", path,
				               rule);
			free(m);
		}
	struct strlist ro = { 0 };
	canonical_list(&t->policy->deny_write, &ro);
	struct live_mount_result res;
	if (rc == 0 && live_mount_bring_in(t->init_pid, t->staging_fd > 0 ? t->staging_fd : -1,
	                                   path, writable, &masks, &ro, &res, err, errlen) < 0)
		rc = -1;
	strlist_clear(&masks);
	strlist_clear(&ro);
	if (rc < 0)
		return -1;
	remember(lp, path, writable ? LIVE_BIND_RW : LIVE_BIND_RO, res.mnt_id);
	cJSON_AddStringToObject(d, "mount", writable ? "host path brought in, writable" :
	                                               "host path brought in, read-only");
	cJSON_AddStringToObject(d, "effect", writable ? "writable" : "readable");
	cJSON_AddNumberToObject(d, "duration_ms", (double)(int64_t)(res.ms * 1000) / 1000);
	return 0;
}

/* One file-system change on path; fills what/effect for the event. */
static int apply_fs(struct live_policy *lp, const struct live_target *t, bool add, int list,
                    const char *path, cJSON *d, char *err, size_t errlen)
{
	if (t->init_pid <= 0)
		return error_set(err, errlen,
		                 "file permissions can change live only in a running "
		                 "sandbox");
	struct live_entry *top = top_at(lp, path);
	enum live_mount_op op;
	bool take_off = false;
	uint64_t expect = 0;
	bool want_rw = (add && list == L_ALLOW_WRITE) || (!add && list == L_DENY_WRITE);
	bool want_ro = (!add && list == L_ALLOW_WRITE) || (add && list == L_DENY_WRITE);
	bool want_mask = (add && list == L_DENY_READ) || (!add && list == L_ALLOW_READ);
	if (want_rw) {
		const char *dw = deny_write_above(t, path);
		if (dw)
			return error_set(err, errlen,
			                 "%s stays read-only (deny-write %s); lift that first", path,
			                 dw);
		take_off = top && top->op == LIVE_BIND_RO && list == L_DENY_WRITE;
		op = LIVE_BIND_RW;
	} else if (want_ro) {
		take_off = top && top->op == LIVE_BIND_RW;
		op = LIVE_BIND_RO;
	} else if (want_mask) {
		take_off = false;
		op = LIVE_MASK;
	} else { /* lift a mask */
		if (is_protected(t, path))
			return error_set(err, errlen,
			                 "%s stays hidden: glassbox keeps its own state there",
			                 path);
		if (top && top->op == LIVE_MASK) {
			take_off = true;
		} else if (strlist_contains(&t->policy->deny_read, path) && !top) {
			take_off = true; /* the start-time mask */
		} else {
			return bring_in(lp, t, path, false, d, err, errlen);
		}
		op = LIVE_UNMASK;
	}
	if (take_off) {
		op = op == LIVE_UNMASK ? LIVE_UNMASK : LIVE_UNMOUNT;
		expect = top ? top->mnt_id : 0;
	} else if (top && top->op == op) {
		/* Asked twice: one mount, so that one revoke undoes it. */
		cJSON_AddStringToObject(d, "effect",
		                        op == LIVE_BIND_RW ? "already writable" :
		                        op == LIVE_BIND_RO ? "already read-only" :
		                                             "already hidden");
		return 0;
	} else if (op != LIVE_MASK && ((top && top->op == LIVE_MASK) ||
	                               (!top && strlist_contains(&t->policy->deny_read, path)))) {
		/* A clone of a mask would be an empty tmpfs, not the host's files. */
		return error_set(err, errlen, "%s is hidden (deny-read); lift that first", path);
	}
	struct live_mount_result res;
	struct strlist ro = { 0 };
	if (op == LIVE_BIND_RW)
		canonical_list(&t->policy->deny_write, &ro);
	int r = live_mount_apply(t->init_pid, op, path, expect, &ro, &res, err, errlen);
	strlist_clear(&ro);
	if (r == -ENOENT && op == LIVE_BIND_RW && !top)
		return bring_in(lp, t, path, true, d, err, errlen);
	if (r < 0)
		return -1;
	const char *effect;
	if (op == LIVE_UNMOUNT || op == LIVE_UNMASK) {
		enum live_mount_op was = top ? top->op : LIVE_MASK;
		if (top)
			forget(lp, top);
		effect = how_text(res.how);
		cJSON_AddStringToObject(d, "mount",
		                        was == LIVE_BIND_RW ? "writable bind removed" :
		                        was == LIVE_BIND_RO ? "read-only bind removed" :
		                                              "mask removed");
		if (res.how == LIVE_MADE_READONLY)
			remember(lp, path, LIVE_BIND_RO, 0);
		cJSON_AddStringToObject(d, "unmount",
		                        res.how == LIVE_UNMOUNTED     ? "unmounted" :
		                        res.how == LIVE_MADE_READONLY ? "read-only" :
		                                                        "detached");
		if (res.how == LIVE_DETACHED)
			cJSON_AddBoolToObject(d, "open_writers_keep_access", true);
	} else {
		remember(lp, path, op, res.mnt_id);
		effect = op == LIVE_BIND_RW ? "writable" :
		         op == LIVE_BIND_RO ? "read-only" :
		                              "hidden";
		cJSON_AddStringToObject(d, "mount",
		                        op == LIVE_BIND_RW ? "writable bind" :
		                        op == LIVE_BIND_RO ? "read-only bind" :
		                                             "mask");
	}
	cJSON_AddStringToObject(d, "effect", effect);
	cJSON_AddNumberToObject(d, "duration_ms", (double)(int64_t)(res.ms * 1000) / 1000);
	return 0;
}

/* Keeps the policy's lists saying what now holds. Reads are special: a
 * non-empty allow_read limits all user data, so lifting one mask must not
 * start such a list; hiding a path is a deny_read entry. */
static void record_fs(struct policy *p, bool add, int list, const char *path)
{
	switch (list) {
	case L_ALLOW_READ:
		if (add) {
			if (p->allow_read.len)
				set_member(&p->allow_read, path, true);
			set_member(&p->deny_read, path, false);
		} else {
			set_member(&p->allow_read, path, false);
			set_member(&p->deny_read, path, true);
		}
		break;
	case L_DENY_READ:
		set_member(&p->deny_read, path, add);
		if (add)
			set_member(&p->allow_read, path, false);
		break;
	case L_ALLOW_WRITE:
		set_member(&p->allow_write, path, add);
		if (add)
			set_member(&p->deny_write, path, false);
		break;
	case L_DENY_WRITE:
		set_member(&p->deny_write, path, add);
		if (add)
			set_member(&p->allow_write, path, false);
		break;
	}
}

static int apply_net(const struct live_target *t, bool add, int list, const char *value, cJSON *d,
                     char *err, size_t errlen)
{
	if (!t->proxy)
		return error_set(err, errlen,
		                 "network rules change live only in a sandbox (its "
		                 "proxy decides)");
	struct strlist *l = list_of(t->policy, list);
	bool had = strlist_contains(l, value);
	observer_policy_lock(t->observer);
	set_member(l, value, add);
	int r = proxy_set_policy(t->proxy, t->policy, err, errlen);
	if (r < 0)
		set_member(l, value, had);
	observer_policy_unlock(t->observer);
	if (r < 0)
		return -1;
	cJSON_AddStringToObject(d, "effect", "proxy rules updated for new requests");
	return 0;
}

/* Does rule a (what the user names) cover rule b (an entry of the list):
 * the same host however spelt (both are canonical: case, trailing dot,
 * IDN, address forms), a name under a *.suffix, and any port when a has
 * none? */
static bool rule_covers(const struct net_rule *a, const struct net_rule *b)
{
	if (a->port && a->port != b->port)
		return false;
	if (a->kind == NET_RULE_IP)
		return b->kind == NET_RULE_IP && memcmp(&a->ip, &b->ip, sizeof a->ip) == 0;
	if (a->kind == NET_RULE_SUFFIX && b->kind == NET_RULE_NAME) {
		size_t n = strlen(b->host), k = strlen(a->host);
		return n > k && b->host[n - k - 1] == '.' && strcmp(b->host + n - k, a->host) == 0;
	}
	return a->kind == b->kind && strcmp(a->host, b->host) == 0;
}

/* Removes every NAME=... entry of l that want covers; how many. */
static size_t remove_covered(struct strlist *l, const char *name, size_t nl,
                             const struct net_rule *want)
{
	size_t removed = 0;
	for (size_t i = l->len; i-- > 0;) {
		const char *e = l->items[i];
		struct net_rule r;
		char err[256];
		if (strncmp(e, name, nl) != 0 || e[nl] != '=' ||
		    net_rule_parse(e + nl + 1, "secret_hosts", &r, err, sizeof err) < 0 ||
		    !rule_covers(want, &r))
			continue;
		cleanup_free char *gone = xstrdup(e); /* strlist_remove frees e */
		strlist_remove(l, gone);
		removed++;
		if (i > l->len)
			i = l->len;
	}
	return removed;
}

/* A rule of NAME left in l that still matches want's host (a *.suffix over a
 * removed name), or NULL. */
static const char *still_matching(const struct strlist *l, const char *name, size_t nl,
                                  const struct net_rule *want)
{
	if (want->kind == NET_RULE_SUFFIX)
		return NULL;
	struct net_dest d = { .is_ip = want->kind == NET_RULE_IP, .ip = want->ip };
	snprintf(d.host, sizeof d.host, "%s", want->host);
	static const uint16_t ports[] = { 0, 80, 443 };
	for (size_t i = 0; i < l->len; i++) {
		const char *e = l->items[i];
		struct net_rule r;
		char err[256];
		if (strncmp(e, name, nl) != 0 || e[nl] != '=' ||
		    net_rule_parse(e + nl + 1, "secret_hosts", &r, err, sizeof err) < 0)
			continue;
		for (size_t k = 0; k < sizeof ports / sizeof *ports; k++) {
			d.port = k == 0 ? want->port : ports[k];
			if (d.port && net_rule_matches(&r, &d))
				return e;
		}
	}
	return NULL;
}

/* Secret hosts: "NAME=HOST" for a secret the session was started with (its
 * placeholder is in the sandbox's environment since the start, so no new
 * secret can appear live). The proxy substitutes it for requests to the
 * new hosts from now on, and no longer for removed ones. */
static cJSON *change_secret_host(const struct live_target *t, bool add, const char *value,
                                 char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');
	size_t nl = eq ? (size_t)(eq - value) : 0;
	if (!eq || !secret_name_valid(value, nl) || !eq[1]) {
		cleanup_free char *s = sanitize_str(value);
		error_set(err, errlen, "secret_hosts: expected NAME=HOST, got '%s'", s);
		return NULL;
	}
	if (policy_env_find(&t->policy->secrets, value, nl) < 0) {
		cleanup_free char *s = sanitize_str(value);
		error_set(err, errlen,
		          "no secret %.*s in this session (a secret cannot be added to a running "
		          "sandbox: its environment is fixed at start; restart with --secret)",
		          (int)nl, s);
		return NULL;
	}
	if (!t->proxy) {
		error_set(err, errlen, "secret hosts change live only in a sandbox (its proxy "
		                       "substitutes them)");
		return NULL;
	}
	const char *entry = value; /* spelt as --secret-host records it */
	struct strlist *l = &t->policy->secret_hosts;
	struct net_rule want;
	if (net_rule_parse(eq + 1, "secret_hosts", &want, err, errlen) < 0)
		return NULL;
	/* A removal takes every entry naming that host, however spelt (and
	 * narrower ports of it): what the reply says must hold. */
	struct strlist before = { 0 };
	strlist_copy(&before, l);
	observer_policy_lock(t->observer);
	size_t removed = 0;
	if (add)
		set_member(l, entry, true);
	else
		removed = remove_covered(l, value, nl, &want);
	int r = 0;
	if (!add && removed == 0) {
		cleanup_free char *s = sanitize_str(entry);
		r = error_set(err, errlen, "%s is not a host of that secret", s);
	} else {
		r = proxy_set_policy(t->proxy, t->policy, err, errlen);
	}
	if (r < 0)
		strlist_copy(l, &before);
	observer_policy_unlock(t->observer);
	strlist_clear(&before);
	if (r < 0)
		return NULL;
	const char *left = add ? NULL : still_matching(l, value, nl, &want);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", add ? "add" : "remove");
	cJSON_AddStringToObject(d, "list", "secret_hosts");
	cJSON_AddStringToObject(d, "value", entry);
	cleanup_free char *effect =
	        add  ? xstrdup("the proxy substitutes the secret for this host from now on") :
	        left ? xasprintf("removed, but %s still covers this host", left) :
	               xstrdup("the proxy no longer substitutes the secret for this host");
	cJSON_AddStringToObject(d, "effect", effect);
	cJSON *reply = cJSON_Duplicate(d, true);
	event_emitf(EV_POLICY_CHANGE, d, "%s secret-host %s: %s", add ? "add" : "remove", entry,
	            effect);
	return reply;
}

cJSON *live_policy_change(struct live_policy *lp, const struct live_target *t, const char *action,
                          const char *list_name, const char *value, char *err, size_t errlen)
{
	bool add = strcmp(action, "add") == 0;
	if (!add && strcmp(action, "remove") != 0) {
		error_set(err, errlen, "unknown action %s (add or remove)", action);
		return NULL;
	}
	if (strcmp(list_name, "secret_hosts") == 0 || strcmp(list_name, "secret-hosts") == 0)
		return change_secret_host(t, add, value, err, errlen);
	int list = list_from_name(list_name);
	if (list < 0) {
		if (strcmp(list_name, "secrets") == 0)
			error_set(err, errlen,
			          "secrets cannot be added or removed live (the sandbox's "
			          "environment is fixed at start); their hosts can: secret_hosts "
			          "NAME=HOST");
		else
			error_set(err, errlen,
			          "unknown list %s (allow_read deny_read allow_write deny_write "
			          "allow_net deny_net secret_hosts)",
			          list_name);
		return NULL;
	}
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", action);
	cJSON_AddStringToObject(d, "list", list_names[list]);
	cleanup_free char *path = NULL;
	int r;
	if (list == L_ALLOW_NET || list == L_DENY_NET) {
		cJSON_AddStringToObject(d, "value", value);
		r = apply_net(t, add, list, value, d, err, errlen);
	} else {
		if (value[0] != '/') {
			cJSON_Delete(d);
			error_set(err, errlen, "%s: paths must be absolute", value);
			return NULL;
		}
		path = policy_normalize_path(value);
		if (strcmp(path, "/") == 0) {
			cJSON_Delete(d);
			error_set(err, errlen, "/ cannot change live");
			return NULL;
		}
		cJSON_AddStringToObject(d, "value", path);
		r = apply_fs(lp, t, add, list, path, d, err, errlen);
		if (r == 0) {
			observer_policy_lock(t->observer);
			record_fs(t->policy, add, list, path);
			observer_policy_unlock(t->observer);
		}
	}
	if (r < 0) {
		cJSON_Delete(d);
		return NULL;
	}
	char flag[32];
	snprintf(flag, sizeof flag, "%s", list_names[list]);
	for (char *c = flag; *c; c++)
		if (*c == '_')
			*c = '-';
	const cJSON *eff = cJSON_GetObjectItemCaseSensitive(d, "effect");
	cJSON *reply = cJSON_Duplicate(d, true);
	event_emitf(EV_POLICY_CHANGE, d, "%s %s %s: %s", action, flag, path ? path : value,
	            cJSON_IsString(eff) ? eff->valuestring : "applied");
	return reply;
}

cJSON *live_policy_patch(struct live_policy *lp, const struct live_target *t, const cJSON *patch,
                         char *err, size_t errlen)
{
	static const char *const actions[] = { "remove", "add" };
	const cJSON *sections[2];
	bool any = false;
	for (int a = 0; a < 2; a++) {
		sections[a] = cJSON_GetObjectItemCaseSensitive(patch, actions[a]);
		if (sections[a] && !cJSON_IsObject(sections[a])) {
			error_set(err, errlen, "\"%s\" must be an object of lists", actions[a]);
			return NULL;
		}
		const cJSON *l;
		cJSON_ArrayForEach(l, sections[a]) {
			if (!cJSON_IsArray(l)) {
				error_set(err, errlen, "\"%s\".\"%s\" must be an array of strings",
				          actions[a], l->string);
				return NULL;
			}
			const cJSON *v;
			cJSON_ArrayForEach(v, l) {
				if (!cJSON_IsString(v) || !v->valuestring[0]) {
					error_set(err, errlen,
					          "\"%s\".\"%s\" must hold non-empty strings",
					          actions[a], l->string);
					return NULL;
				}
				any = true;
			}
		}
	}
	if (!any) {
		error_set(err, errlen, "empty patch: give \"add\" and/or \"remove\" lists");
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *applied = cJSON_AddArrayToObject(out, "applied");
	for (int a = 0; a < 2; a++) {
		const cJSON *l;
		cJSON_ArrayForEach(l, sections[a]) {
			const cJSON *v;
			cJSON_ArrayForEach(v, l) {
				cJSON *one = live_policy_change(lp, t, actions[a], l->string,
				                                v->valuestring, err, errlen);
				if (!one) {
					cJSON_Delete(out);
					return NULL;
				}
				cJSON_AddItemToArray(applied, one);
			}
		}
	}
	return out;
}
