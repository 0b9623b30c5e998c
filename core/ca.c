/* ca: a throwaway CA per session (see ca.h). Certificates carry what strict
 * verifiers (OpenSSL's X509_STRICT, Python 3.13+, Go) require: a critical
 * basicConstraints and keyUsage, subject/authority key identifiers, and a
 * subjectAltName naming the host on every leaf. One leaf key serves every
 * host; leaves are cached by host name. */
#include "ca.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ossl_lazy.h"
#include "util.h"

#define CA_DAYS 30
#define LEAF_CACHE_MAX 256

struct leaf {
	char *host;
	X509 *cert;
};

struct ca {
	EVP_PKEY *key, *leaf_key;
	X509 *cert;
	char *pem;
	struct leaf *leaves;
	size_t n_leaves;
};

static void ossl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	snprintf(err, errlen, "%s: %s", what, buf);
}

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return false;
	bool ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* Version 3, a random 127-bit serial, valid from an hour ago. */
static X509 *cert_base(EVP_PKEY *pub, int days)
{
	X509 *x = X509_new();
	BIGNUM *bn = BN_new();
	bool ok = x && bn && X509_set_version(x, 2) &&
	          BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	          BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	          X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	          X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) &&
	          X509_set_pubkey(x, pub);
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

struct ca *ca_new(char *err, size_t errlen)
{
	if (ossl_load_ssl(err, errlen) < 0)
		return NULL;
	struct ca *ca = xcalloc(1, sizeof *ca);
	ca->key = EVP_EC_gen("P-256");
	ca->leaf_key = EVP_EC_gen("P-256");
	if (!ca->key || !ca->leaf_key) {
		ossl_err(err, errlen, "cannot generate the session CA key");
		ca_free(ca);
		return NULL;
	}
	X509 *x = cert_base(ca->key, CA_DAYS);
	X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
	bool ok = name &&
	          X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	                                     (const unsigned char *)"glassbox", -1, -1, 0) &&
	          X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                                     (const unsigned char *)"glassbox session CA", -1, -1,
	                                     0) &&
	          X509_set_issuer_name(x, name) &&
	          add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
	          add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") &&
	          add_ext(x, x, NID_subject_key_identifier, "hash") &&
	          add_ext(x, x, NID_authority_key_identifier, "keyid:always") &&
	          X509_sign(x, ca->key, EVP_sha256()) > 0;
	ca->cert = x;
	BIO *b = ok ? BIO_new(BIO_s_mem()) : NULL;
	if (b && PEM_write_bio_X509(b, x)) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		ca->pem = xasprintf("%.*s", (int)n, p);
	}
	BIO_free(b);
	if (!ca->pem) {
		ossl_err(err, errlen, "cannot create the session CA certificate");
		ca_free(ca);
		return NULL;
	}
	return ca;
}

void ca_free(struct ca *ca)
{
	if (!ca)
		return;
	for (size_t i = 0; i < ca->n_leaves; i++) {
		free(ca->leaves[i].host);
		X509_free(ca->leaves[i].cert);
	}
	free(ca->leaves);
	EVP_PKEY_free(ca->key);
	EVP_PKEY_free(ca->leaf_key);
	X509_free(ca->cert);
	free(ca->pem);
	free(ca);
}

const char *ca_cert_pem(const struct ca *ca)
{
	return ca->pem;
}

static X509 *issue_leaf(struct ca *ca, const char *host, bool is_ip)
{
	X509 *x = cert_base(ca->leaf_key, CA_DAYS - 1);
	if (!x)
		return NULL;
	X509_NAME *name = X509_get_subject_name(x);
	/* A CN is limited to 64 bytes; the SAN is what clients check. */
	char cn[65];
	snprintf(cn, sizeof cn, "%s", host);
	cleanup_free char *san = xasprintf("%s:%s", is_ip ? "IP" : "DNS", host);
	bool ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
	                                     -1, -1, 0) &&
	          X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) &&
	          add_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE") &&
	          add_ext(x, ca->cert, NID_key_usage, "critical,digitalSignature") &&
	          add_ext(x, ca->cert, NID_ext_key_usage, "serverAuth") &&
	          add_ext(x, ca->cert, NID_subject_key_identifier, "hash") &&
	          add_ext(x, ca->cert, NID_authority_key_identifier, "keyid:always") &&
	          add_ext(x, ca->cert, NID_subject_alt_name, san) &&
	          X509_sign(x, ca->key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int ca_use_leaf(struct ca *ca, SSL *ssl, const char *host, bool is_ip, char *err, size_t errlen)
{
	X509 *cert = NULL;
	for (size_t i = 0; i < ca->n_leaves && !cert; i++)
		if (strcmp(ca->leaves[i].host, host) == 0)
			cert = ca->leaves[i].cert;
	if (!cert) {
		cert = issue_leaf(ca, host, is_ip);
		if (!cert) {
			ossl_err(err, errlen, "cannot issue a certificate");
			return -1;
		}
		if (ca->n_leaves == LEAF_CACHE_MAX) { /* drop the oldest */
			free(ca->leaves[0].host);
			X509_free(ca->leaves[0].cert);
			memmove(ca->leaves, ca->leaves + 1, --ca->n_leaves * sizeof *ca->leaves);
		}
		ca->leaves = xrealloc(ca->leaves, (ca->n_leaves + 1) * sizeof *ca->leaves);
		ca->leaves[ca->n_leaves++] = (struct leaf){ .host = xstrdup(host), .cert = cert };
	}
	if (SSL_use_certificate(ssl, cert) != 1 || SSL_use_PrivateKey(ssl, ca->leaf_key) != 1 ||
	    SSL_add1_chain_cert(ssl, ca->cert) != 1) {
		ossl_err(err, errlen, "cannot use the certificate");
		return -1;
	}
	return 0;
}

char *ca_bundle_text(const char *ca_pem)
{
	char ignored[1];
	const char *sys = getenv("SSL_CERT_FILE");
	if ((!sys || !*sys) && ossl_load_crypto(ignored, sizeof ignored) == 0)
		sys = X509_get_default_cert_file();
	char *roots = NULL;
	size_t len = 0;
	if (!sys || read_file(sys, 16 << 20, &roots, &len) < 0) {
		roots = NULL;
		len = 0;
	}
	char *out = xasprintf("%.*s%s%s", (int)len, roots ? roots : "",
	                      len && roots[len - 1] != '\n' ? "\n" : "", ca_pem);
	free(roots);
	return out;
}
