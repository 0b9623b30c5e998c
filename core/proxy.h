/* proxy: the egress proxy. Programs inside the sandbox reach the network only
 * through a listener the sandbox hands the supervisor (jail_proxy_listener);
 * the proxy accepts there and dials out from the host's network namespace,
 * deciding every attempt with net_policy and reporting it as an EV_NETWORK
 * event.
 *
 * One port serves HTTP forward proxying (absolute-form requests, keep-alive,
 * chunked bodies, Expect: 100-continue), CONNECT tunnels and SOCKS5 (no auth,
 * CONNECT with names, IPv4 or IPv6): a first byte 0x05 means SOCKS5.
 *
 * The owner polls proxy_fd() (an epoll fd) for POLLIN and calls
 * proxy_dispatch(), which never blocks: every socket is non-blocking and DNS
 * is resolved with c-ares on sockets inside the same epoll set. The first
 * proxy_add_listener raises RLIMIT_NOFILE to its hard limit. */
#ifndef GLASSBOX_PROXY_H
#define GLASSBOX_PROXY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct proxy;

/* Counters, for tests and the TUI. */
struct proxy_stats {
	uint64_t accepted, allowed, denied, failed;
	size_t open_conns;
};

/* Builds the rules from p (copied: p may change or go away). Returns NULL with
 * one line in err when a rule is invalid or the resolver cannot start. */
struct proxy *proxy_new(const struct policy *p, char *err, size_t errlen);
/* Replaces the rules with those of p (live changes), the hosts each secret
 * may be sent to included: new attempts, and the next request on a
 * kept-alive connection, are judged by them; open tunnels
 * and requests under way are not cut. Returns 0, or -1 with one line in err
 * (the old rules stay). */
int proxy_set_policy(struct proxy *px, const struct policy *p, char *err, size_t errlen);
/* Ask mode: an attempt no rule decides (the default deny) is held instead of
 * refused — the client gets no answer yet — and an EV_DECISION event
 * announces it (id "net-N", target, the flag that would allow it). The owner
 * answers with proxy_answer(); after timeout_s it is refused. */
void proxy_set_ask(struct proxy *px, bool on, unsigned timeout_s);
/* The allow rule a held attempt asks for ("host:port"), for "allow for the
 * session" (the owner adds it to the policy, then answers). Returns 0, or
 * -ENOENT when id is not pending (answered, timed out, or the client left). */
int proxy_question_rule(const struct proxy *px, const char *id, char *rule, size_t len);
/* Answers a held attempt: answer is "once" (this attempt only), "session"
 * (the rule is in the policy by now: decided again) or "deny". Emits the
 * EV_DECISION that closes the question. Returns 0, -ENOENT as above, or
 * -EINVAL for another answer. */
int proxy_answer(struct proxy *px, const char *id, const char *answer);
/* Starts accepting on a listening socket (duplicated: the caller keeps fd). */
int proxy_add_listener(struct proxy *px, int fd);
/* The fd to poll for POLLIN. */
int proxy_fd(const struct proxy *px);
/* Handles whatever is ready, without blocking. */
void proxy_dispatch(struct proxy *px);
void proxy_get_stats(const struct proxy *px, struct proxy_stats *out);
/* The session CA certificate (PEM) when the policy has secrets, else NULL.
 * The sandbox must trust it: pass it as jail_spec.ca_cert_pem. */
const char *proxy_ca_cert_pem(const struct proxy *px);
/* Closes every connection (emitting their events) and frees px. */
void proxy_free(struct proxy *px);

#endif
