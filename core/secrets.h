/* secrets: --secret NAME=VALUE / --secret-host NAME=HOST,... The sandbox sees
 * only a placeholder (GLASSBOX_SECRET_ + 64 hex digits) in $NAME; the proxy
 * swaps the placeholder for the value in request *headers* bound for one of
 * the secret's hosts, and leaves it unchanged (and reports it) anywhere else.
 *
 * The policy carries the raw lists (core/policy.h); secrets_load() turns them
 * into the table the proxy and env.c use. Values never leave this table
 * except through secrets_subst() into a request for an allowed host. */
#ifndef GLASSBOX_SECRETS_H
#define GLASSBOX_SECRETS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "net_policy.h"
#include "policy.h"

#define SECRET_PREFIX "GLASSBOX_SECRET_"
#define SECRET_PLACEHOLDER_LEN (sizeof SECRET_PREFIX - 1 + 64)
/* Sets of secrets are bitmasks (uint64_t): at most this many per session. */
#define SECRETS_MAX 64

struct secret {
	char *name, *value, *placeholder;
	size_t value_len;
	struct net_rule *hosts;
	size_t n_hosts;
};

struct secrets {
	struct secret *v;
	size_t n;
};

/* A valid environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool secret_name_valid(const char *s, size_t len);
/* A fresh placeholder (SECRET_PLACEHOLDER_LEN chars). Caller frees. */
char *secret_new_placeholder(void);

/* Builds the table from p. Returns 0, or -1 with one line in err (which
 * never contains a value). */
int secrets_load(const struct policy *p, struct secrets *out, char *err, size_t errlen);
void secrets_free(struct secrets *s);
/* Replaces every secret's hosts by p's secret_hosts (a live change; the
 * names and values stay). Returns 0, or -1 with one line in err and the
 * table unchanged. */
int secrets_set_hosts(struct secrets *s, const struct policy *p, char *err, size_t errlen);

/* May secret i be sent to d? */
bool secrets_host_allowed(const struct secrets *s, size_t i, const struct net_dest *d);
/* Is d a host of any secret (the proxy intercepts TLS to it)? */
bool secrets_any_host(const struct secrets *s, const struct net_dest *d);

/* Rewrites one header value for a request to d: placeholders of secrets
 * allowed for d become their values (bits set in *used), others stay and
 * are set in *withheld. Returns the new value (caller frees, *out_len set)
 * or NULL when the value holds no placeholder. */
char *secrets_subst(const struct secrets *s, const struct net_dest *d, const char *val, size_t len,
                    size_t *out_len, uint64_t *used, uint64_t *withheld);
/* Marks in *seen the secrets whose placeholder occurs in [p, p+len). */
void secrets_scan(const struct secrets *s, const char *p, size_t len, uint64_t *seen);
/* Overwrites every occurrence of a secret's value in [p, p+len) with '*'
 * (same length: message framing stays valid). Returns how many. */
size_t secrets_mask(const struct secrets *s, char *p, size_t len);
/* The longest value: a match may straddle two reads by this many bytes - 1. */
size_t secrets_max_value_len(const struct secrets *s);
/* A stream split at p: sent (sent_len bytes) went out just before it. The
 * bytes at the start of p that finish a value whose first bytes end sent
 * become '*'; returns how many values were cut so. */
size_t secrets_mask_rest(const struct secrets *s, const char *sent, size_t sent_len, char *p,
                         size_t len);
/* The longest tail of p (at least min bytes, shorter than the value) that
 * is how a value begins, or 0: bytes to hold back until the rest arrives. */
size_t secrets_value_begins(const struct secrets *s, const char *p, size_t len, size_t min);
/* "A,B" for the secrets in mask (names only), into buf. */
void secrets_names(const struct secrets *s, uint64_t mask, char *buf, size_t len);

/* Adds "secrets", "secrets_withheld" (names) and "secrets_masked" (a count)
 * to a network event's data, and a readable suffix for its message. */
void secrets_report(const struct secrets *s, uint64_t used, uint64_t withheld, uint64_t masked,
                    cJSON *d, char *msg, size_t len);

#endif
