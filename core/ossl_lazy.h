/* ossl_lazy: libcrypto and libssl are loaded with dlopen the first time a
 * feature needs them (snapshots: SHA-256; secrets: the CA and TLS
 * interception), not by the dynamic linker at every start. Relocating
 * libcrypto costs more than half of what a plain `glassbox -- cmd` executes.
 * The libraries stay shared (distribution security updates apply); callers
 * keep using the OpenSSL API as declared in its headers. */
#ifndef GLASSBOX_OSSL_LAZY_H
#define GLASSBOX_OSSL_LAZY_H
#include <stddef.h>

/* Load libcrypto (and, for the second, libssl too). Call before the first
 * OpenSSL function of a feature; cheap once loaded, thread-safe. Return 0,
 * or -1 with one line in err. A call into OpenSSL without a load first
 * aborts with a message (a programming error, never undefined behaviour). */
int ossl_load_crypto(char *err, size_t errlen);
int ossl_load_ssl(char *err, size_t errlen);

#endif
