/* perms_patch: patches for the Permissions dialog and "allow now" (see
 * perms_patch.h). */
#include "perms_patch.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static bool in(const struct strlist *l, const char *v)
{
	return strlist_contains(l, v);
}

enum perm_state perms_state(const struct policy *p, const char *item)
{
	if (perms_is_secret_host(item))
		return in(&p->secret_hosts, item) ? PERM_SECRET_HOST : PERM_NONE;
	if (!perms_is_path(item))
		return in(&p->deny_net, item)    ? PERM_NET_DENY
		       : in(&p->allow_net, item) ? PERM_NET_ALLOW
		                                 : PERM_NONE;
	if (in(&p->deny_read, item))
		return PERM_DENY;
	if (in(&p->allow_write, item))
		return PERM_WRITE;
	if (in(&p->deny_write, item))
		return PERM_READONLY;
	if (in(&p->allow_read, item))
		return PERM_READ;
	return PERM_NONE;
}

const char *perms_state_name(enum perm_state s)
{
	switch (s) {
	case PERM_WRITE: return "write";
	case PERM_READONLY: return "read-only";
	case PERM_READ: return "read";
	case PERM_DENY: return "deny";
	case PERM_NET_ALLOW: return "allow";
	case PERM_NET_DENY: return "deny";
	case PERM_SECRET_HOST: return "host";
	default: return "-";
	}
}

enum perm_state perms_next_state(enum perm_state s)
{
	switch (s) {
	case PERM_WRITE: return PERM_READONLY;
	case PERM_READONLY:
	case PERM_READ: return PERM_DENY;
	case PERM_DENY: return PERM_WRITE;
	case PERM_NET_ALLOW: return PERM_NET_DENY;
	case PERM_NET_DENY: return PERM_NET_ALLOW;
	default: return PERM_NONE;
	}
}

static void push(cJSON *patch, const char *section, const char *list, const char *value)
{
	cJSON *sec = cJSON_GetObjectItemCaseSensitive(patch, section);
	if (!sec)
		sec = cJSON_AddObjectToObject(patch, section);
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(sec, list);
	if (!arr)
		arr = cJSON_AddArrayToObject(sec, list);
	cJSON_AddItemToArray(arr, cJSON_CreateString(value));
}

/* Adds "remove LIST item" when item is in it. */
static void drop(cJSON *patch, const struct strlist *l, const char *list, const char *item)
{
	if (in(l, item))
		push(patch, "remove", list, item);
}

static cJSON *done(cJSON *patch, char *err, size_t errlen, const char *item)
{
	if (cJSON_GetArraySize(patch) == 0) {
		cJSON_Delete(patch);
		error_set(err, errlen, "%s: nothing to change", item);
		return NULL;
	}
	return patch;
}

cJSON *perms_patch_set(const struct policy *p, const char *item, enum perm_state target,
                       char *err, size_t errlen)
{
	if (perms_is_secret_host(item)) {
		error_set(err, errlen, "a secret's host is added or removed, not toggled");
		return NULL;
	}
	bool path = perms_is_path(item);
	bool net_target = target == PERM_NET_ALLOW || target == PERM_NET_DENY;
	if (target == PERM_NONE || path == net_target || target == PERM_READ) {
		error_set(err, errlen, "%s cannot be made %s", item, perms_state_name(target));
		return NULL;
	}
	cJSON *patch = cJSON_CreateObject();
	switch (target) {
	case PERM_WRITE:
		drop(patch, &p->deny_read, "deny_read", item);
		drop(patch, &p->deny_write, "deny_write", item);
		if (!in(&p->allow_write, item))
			push(patch, "add", "allow_write", item);
		break;
	case PERM_READONLY:
		drop(patch, &p->deny_read, "deny_read", item);
		drop(patch, &p->allow_write, "allow_write", item);
		if (!in(&p->deny_write, item))
			push(patch, "add", "deny_write", item);
		break;
	case PERM_DENY:
		/* the mask covers whatever is below; a writable clone comes off */
		drop(patch, &p->allow_write, "allow_write", item);
		if (!in(&p->deny_read, item))
			push(patch, "add", "deny_read", item);
		break;
	case PERM_NET_ALLOW:
		drop(patch, &p->deny_net, "deny_net", item);
		if (!in(&p->allow_net, item))
			push(patch, "add", "allow_net", item);
		break;
	case PERM_NET_DENY:
		drop(patch, &p->allow_net, "allow_net", item);
		if (!in(&p->deny_net, item))
			push(patch, "add", "deny_net", item);
		break;
	default:
		break;
	}
	return done(patch, err, errlen, item);
}

cJSON *perms_patch_toggle(const struct policy *p, const char *item, char *err, size_t errlen)
{
	enum perm_state s = perms_state(p, item);
	if (s == PERM_NONE) /* not listed: the first step of the cycle */
		s = perms_is_path(item) ? PERM_DENY : PERM_NET_DENY;
	return perms_patch_set(p, item, perms_next_state(s), err, errlen);
}

cJSON *perms_patch_remove(const struct policy *p, const char *item, char *err, size_t errlen)
{
	cJSON *patch = cJSON_CreateObject();
	if (perms_is_secret_host(item)) {
		drop(patch, &p->secret_hosts, "secret_hosts", item);
	} else if (perms_is_path(item)) {
		drop(patch, &p->allow_write, "allow_write", item);
		drop(patch, &p->deny_write, "deny_write", item);
		drop(patch, &p->deny_read, "deny_read", item);
		drop(patch, &p->allow_read, "allow_read", item);
	} else {
		drop(patch, &p->allow_net, "allow_net", item);
		drop(patch, &p->deny_net, "deny_net", item);
	}
	return done(patch, err, errlen, item);
}

/* A copy of s without surrounding blanks, NULL (err set) when it holds
 * control characters or blanks inside, or nothing. */
static char *clean_input(const char *s, char *err, size_t errlen)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n) {
		error_set(err, errlen, "type a path (/...) or a host");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) {
			error_set(err, errlen, "no blanks or control characters in a path or host");
			return NULL;
		}
	return xasprintf("%.*s", (int)n, s);
}

cJSON *perms_patch_add(const char *input, char *err, size_t errlen)
{
	cleanup_free char *item = clean_input(input, err, errlen);
	if (!item)
		return NULL;
	if (item[0] == '.' || item[0] == '~' || (item[0] != '/' && strchr(item, '/'))) {
		error_set(err, errlen, "%s: give an absolute path (starting with /)", item);
		return NULL;
	}
	cJSON *patch = cJSON_CreateObject();
	push(patch, "add",
	     perms_is_path(item)          ? "allow_write"
	     : perms_is_secret_host(item) ? "secret_hosts"
	                                  : "allow_net",
	     item);
	return patch;
}

cJSON *perms_patch_from_flag(const char *flag, char *err, size_t errlen)
{
	static const struct {
		const char *prefix, *list;
	} flags[] = { { "--allow-write=", "allow_write" },
		      { "--allow-read=", "allow_read" },
		      { "--allow-net=", "allow_net" } };
	if (!flag) {
		error_set(err, errlen, "no flag allows it");
		return NULL;
	}
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		size_t pl = strlen(flags[i].prefix);
		if (strncmp(flag, flags[i].prefix, pl) == 0 && flag[pl]) {
			cJSON *patch = cJSON_CreateObject();
			push(patch, "add", flags[i].list, flag + pl);
			return patch;
		}
	}
	if (strncmp(flag, "remove ", 7) == 0 && flag[7]) {
		cJSON *patch = cJSON_CreateObject();
		push(patch, "remove", "deny_net", flag + 7);
		return patch;
	}
	error_set(err, errlen, "cannot be allowed live: %s", flag);
	return NULL;
}

void perms_applied_text(const cJSON *item, char *buf, size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, "action");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(item, "list");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "value");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(item, "effect");
	char list[32];
	snprintf(list, sizeof list, "%s", cJSON_IsString(l) ? l->valuestring : "?");
	for (char *c = list; *c; c++)
		if (*c == '_')
			*c = '-';
	snprintf(buf, len, "applied: %s %s %s%s%s", cJSON_IsString(a) ? a->valuestring : "?", list,
	         cJSON_IsString(v) ? v->valuestring : "?", cJSON_IsString(e) ? ": " : "",
	         cJSON_IsString(e) ? e->valuestring : "");
}
