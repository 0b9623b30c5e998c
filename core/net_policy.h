/* net_policy: the network rules of --allow-net / --deny-net and the decision
 * for one destination. Pure: no I/O, no DNS.
 *
 * A rule is an exact host name, a `*.suffix` wildcard (subdomains only, never
 * the apex), an IP literal (v4, v6, or bracketed v6) or `*` (any host), each
 * with an optional `:port`. Names are compared in canonical form: lower case,
 * no trailing dot, IDNA names in their ASCII (xn--) form. IPs are compared as
 * addresses (v4 held as v4-mapped v6).
 *
 * A decision has two steps, because the proxy must judge the address it
 * actually dials (no DNS-rebinding hole): net_policy_check_dest() on the name
 * before resolving, then net_policy_check_addr() on each resolved address.
 * Deny rules win over allow rules; the default is deny; addresses in
 * loopback/private/link-local/CGNAT/multicast/unspecified ranges are refused
 * unless a rule (not bare --allow-net or -A) named that host or address. */
#ifndef GLASSBOX_NET_POLICY_H
#define GLASSBOX_NET_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "policy.h"

#define NET_HOST_MAX 254 /* 253 + NUL */

enum net_rule_kind {
	NET_RULE_NAME,   /* exact host name */
	NET_RULE_SUFFIX, /* *.suffix: host ends in ".suffix" */
	NET_RULE_IP,     /* one address */
	NET_RULE_ANY,    /* "*" */
};

struct net_rule {
	enum net_rule_kind kind;
	char host[NET_HOST_MAX];  /* canonical name, or the suffix without "*." */
	struct in6_addr ip;       /* NET_RULE_IP (v4 as ::ffff:a.b.c.d) */
	uint16_t port;            /* 0: any port */
	char text[NET_HOST_MAX + 16]; /* the flag that holds it, e.g. --allow-net=x:443 */
};

/* One destination as a client asked for it. */
struct net_dest {
	char host[NET_HOST_MAX]; /* canonical name, or the address as text */
	bool is_ip;
	struct in6_addr ip;      /* when is_ip */
	uint16_t port;
};

struct net_decision {
	bool allow;
	bool explicit_rule;  /* an allow rule (not bare/-A) named this host */
	char rule[NET_HOST_MAX + 32]; /* what decided: a flag, "default" or "address:<range>" */
	char reason[400];    /* why, for messages: "no --allow-net rule" ... */
	char hint[NET_HOST_MAX + 32]; /* the flag that would change it, or "" */
};

struct net_policy {
	struct net_rule *allow, *deny;
	size_t n_allow, n_deny;
	bool allow_public; /* bare --allow-net */
	bool allow_all;    /* -A */
};

/* Canonicalises a host name or IP literal (brackets allowed around v6).
 * Returns 0, or -1 when it is not a valid host. */
int net_host_canon(const char *in, size_t len, struct net_dest *out);
/* Parses "host[:port]", "*.suffix[:port]", "[v6]:port", "v6", "*[:port]".
 * flag is "--allow-net" or "--deny-net" (for rule->text and messages).
 * Returns 0, or -1 with one line in err. */
int net_rule_parse(const char *s, const char *flag, struct net_rule *out, char *err,
                   size_t errlen);
/* Does rule r (its host and port) name d? */
bool net_rule_matches(const struct net_rule *r, const struct net_dest *d);
/* Builds the rules from the policy (allow_net, deny_net, allow_net_all,
 * allow_all). Returns 0, or -1 with one line in err. */
int net_policy_init(struct net_policy *np, const struct policy *p, char *err, size_t errlen);
void net_policy_free(struct net_policy *np);

/* Step 1, on the name (or IP literal) asked for. */
void net_policy_check_dest(const struct net_policy *np, const struct net_dest *d,
                           struct net_decision *out);
/* Step 2, on one address the name resolved to (call only when step 1
 * allowed). May turn the decision into a deny. */
void net_policy_check_addr(const struct net_policy *np, const struct net_dest *d,
                           const struct sockaddr *sa, struct net_decision *dec);
/* The special range an address is in ("loopback", "private", "link-local",
 * "CGNAT", "multicast", "unspecified", "reserved"), or NULL when public. */
const char *net_addr_range(const struct in6_addr *a);
/* sockaddr (AF_INET/AF_INET6) -> v4-mapped in6_addr. false for other families. */
bool net_addr_from_sockaddr(const struct sockaddr *sa, struct in6_addr *out);
/* "1.2.3.4" or "::1" (no brackets). */
void net_addr_text(const struct in6_addr *a, char *buf, size_t len);
/* "host:port" with brackets around v6. */
void net_dest_text(const struct net_dest *d, char *buf, size_t len);

#endif
