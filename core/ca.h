/* ca: the proxy's per-session certificate authority. Generated in memory
 * when a session has secrets (an EC P-256 key that never touches a disk);
 * issues leaf certificates for the hosts whose TLS the proxy intercepts,
 * cached per host for the session. Only the CA *certificate* is exported
 * (to the sandbox's trust bundle). */
#ifndef GLASSBOX_CA_H
#define GLASSBOX_CA_H
#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

struct ca;

struct ca *ca_new(char *err, size_t errlen);
void ca_free(struct ca *ca);
/* The CA certificate as PEM (owned by ca). */
const char *ca_cert_pem(const struct ca *ca);
/* Puts a certificate for host (a DNS name, or an IP literal when is_ip) and
 * its key on ssl. Returns 0, or -1 with one line in err. */
int ca_use_leaf(struct ca *ca, SSL *ssl, const char *host, bool is_ip, char *err, size_t errlen);

/* The trust bundle for inside the sandbox: the roots this process trusts
 * (the file named by $SSL_CERT_FILE, else OpenSSL's default file; skipped
 * when unreadable) followed by ca_pem. Caller frees. */
char *ca_bundle_text(const char *ca_pem);

#endif
