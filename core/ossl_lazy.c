/* ossl_lazy: one tiny trampoline per OpenSSL function in ossl_symbols.h,
 * defined here with the function's own name (hidden, so never exported to
 * the libraries loaded later). Each jumps through a pointer that holds
 * ossl_unloaded until ossl_load_* fills it from dlsym, so the rest of
 * glassbox calls OpenSSL exactly as its headers declare and the compiler
 * still checks every call. Built only where the trampoline assembly exists
 * (x86-64, AArch64); elsewhere CMake links OpenSSL directly and the loads
 * are no-ops (see ossl_direct in CMakeLists.txt). */
#include "ossl_lazy.h"
#include "ossl_symbols.h"
#include "util.h"

#include <dlfcn.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#define OSSL_STR2(x) #x
#define OSSL_STR(x) OSSL_STR2(x)

#ifdef GLASSBOX_OSSL_LAZY

static void ossl_unloaded(void)
{
	static const char msg[] = "glassbox: internal error: OpenSSL called before ossl_load\n";
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	abort();
}

#define OSSL_POINTER(name) \
	__attribute__((visibility("hidden"))) void *ossl_ptr_##name = (void *)ossl_unloaded;
OSSL_CRYPTO_SYMBOLS(OSSL_POINTER)
OSSL_SSL_SYMBOLS(OSSL_POINTER)

#if defined(__x86_64__)
#define OSSL_JUMP(name) "\tendbr64\n\tjmp *ossl_ptr_" #name "(%rip)\n"
#elif defined(__aarch64__)
#define OSSL_JUMP(name) \
	"\tadrp x16, ossl_ptr_" #name "\n" \
	"\tldr x16, [x16, #:lo12:ossl_ptr_" #name "]\n" \
	"\tbr x16\n"
#else
#error "no OpenSSL trampolines for this architecture: configure links OpenSSL directly"
#endif

#define OSSL_TRAMPOLINE(name) \
	__asm__(".pushsection .text\n" \
	        ".globl " #name "\n" \
	        ".hidden " #name "\n" \
	        ".type " #name ", %function\n" \
	        ".p2align 4\n" #name ":\n" OSSL_JUMP(name) ".size " #name ", .-" #name "\n" \
	        ".popsection\n");
OSSL_CRYPTO_SYMBOLS(OSSL_TRAMPOLINE)
OSSL_SSL_SYMBOLS(OSSL_TRAMPOLINE)

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static bool crypto_loaded, ssl_loaded;

/* dlopen lib (its soname for this OpenSSL major version) and fill the
 * pointers of its symbols; nothing is filled unless all resolve. */
static int load_library(const char *soname, bool ssl, char *err, size_t errlen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return error_set(err, errlen, "cannot load %s: %s", soname, dlerror());
#define OSSL_CHECK(name) \
	if (!dlsym(h, #name)) \
		return error_set(err, errlen, "%s has no %s", soname, #name);
#define OSSL_FILL(name) ossl_ptr_##name = dlsym(h, #name);
	if (ssl) {
		OSSL_SSL_SYMBOLS(OSSL_CHECK)
		OSSL_SSL_SYMBOLS(OSSL_FILL)
	} else {
		OSSL_CRYPTO_SYMBOLS(OSSL_CHECK)
		OSSL_CRYPTO_SYMBOLS(OSSL_FILL)
	}
	return 0; /* the handle stays open for the life of the process */
}

static int load(bool want_ssl, char *err, size_t errlen)
{
	pthread_mutex_lock(&load_lock);
	int rc = 0;
	if (!crypto_loaded)
		crypto_loaded = (rc = load_library("libcrypto.so." OSSL_STR(OPENSSL_VERSION_MAJOR),
		                                   false, err, errlen)) == 0;
	if (rc == 0 && want_ssl && !ssl_loaded)
		ssl_loaded = (rc = load_library("libssl.so." OSSL_STR(OPENSSL_VERSION_MAJOR), true,
		                                err, errlen)) == 0;
	pthread_mutex_unlock(&load_lock);
	return rc;
}

int ossl_load_crypto(char *err, size_t errlen) { return load(false, err, errlen); }
int ossl_load_ssl(char *err, size_t errlen) { return load(true, err, errlen); }

#else /* OpenSSL linked directly */

int ossl_load_crypto(char *err, size_t errlen) { return 0; }
int ossl_load_ssl(char *err, size_t errlen) { return 0; }

#endif
