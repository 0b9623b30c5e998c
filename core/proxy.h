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
