/* env: builds the sandboxed command's environment from the parent's and the
 * policy: the essentials (PATH HOME USER SHELL TERM LANG) are inherited, plus
 * --allow-env names (NAME or prefix NAME*; bare: everything), minus
 * --deny-env (deny wins over inheritance), then explicit --env KEY=VALUE. */
#ifndef GLASSBOX_ENV_H
#define GLASSBOX_ENV_H
#include "policy.h"
#include "strlist.h"

/* parent: NULL-terminated KEY=VALUE array (e.g. environ). out receives copies. */
void env_build(const struct policy *p, char *const *parent, struct strlist *out);
/* Secrets: drops entries holding a secret's value and sets each secret's
 * NAME to its placeholder (env_build does this last). */
void env_apply_secrets(const struct policy *p, struct strlist *env);
/* Points HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and their lowercase twins at the
 * proxy on 127.0.0.1:port (unless --env set them) and drops NO_PROXY and
 * no_proxy (unless --env set them). With secrets, also points SSL_CERT_FILE,
 * REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO and
 * PIP_CERT at the CA bundle (JAIL_CA_BUNDLE). */
void env_set_proxy(const struct policy *p, struct strlist *env, unsigned port);
/* True when NAME matches a pattern list entry (exact, or prefix for "P*"). */
bool env_name_matches(const struct strlist *patterns, const char *name, size_t name_len);

#endif
