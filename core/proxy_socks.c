/* proxy_socks: the SOCKS5 handshake (RFC 1928), no authentication, CONNECT
 * only. Pure parsing: the proxy feeds the bytes it has and gets back how many
 * made up a complete message. Names (ATYP 3) are canonicalised like every
 * other destination so the policy sees one form. */
#include "proxy_internal.h"

#include <arpa/inet.h>
#include <string.h>

ssize_t socks5_parse_greeting(const unsigned char *p, size_t len, bool *no_auth)
{
	*no_auth = false;
	if (len < 2)
		return 0;
	if (p[0] != 5 || p[1] == 0)
		return -1;
	size_t n = 2 + (size_t)p[1];
	if (len < n)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] == 0)
			*no_auth = true;
	return (ssize_t)n;
}

ssize_t socks5_parse_request(const unsigned char *p, size_t len, struct socks5_req *out)
{
	memset(out, 0, sizeof *out);
	if (len < 5)
		return 0;
	if (p[0] != 5 || p[2] != 0)
		return -1;
	out->cmd = p[1];
	out->atyp = p[3];
	size_t need;
	switch (p[3]) {
	case 1:
		need = 4 + 4 + 2;
		break;
	case 3:
		if (p[4] == 0)
			return -1;
		need = 4 + 1 + p[4] + 2;
		break;
	case 4:
		need = 4 + 16 + 2;
		break;
	default:
		/* Unknown type: the length is unknowable; the caller replies 0x08
		 * and closes. */
		return (ssize_t)len;
	}
	if (len < need)
		return 0;
	out->dest_ok = true;
	if (p[3] == 1) {
		struct in_addr a;
		memcpy(&a, p + 4, 4);
		char t[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, t, sizeof t);
		out->dest_ok = net_host_canon(t, strlen(t), &out->dest) == 0;
	} else if (p[3] == 4) {
		char t[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, p + 4, t, sizeof t);
		out->dest_ok = net_host_canon(t, strlen(t), &out->dest) == 0;
	} else {
		memcpy(out->host, p + 5, p[4]);
		out->host[p[4]] = '\0';
		out->dest_ok = net_host_canon(out->host, p[4], &out->dest) == 0;
	}
	out->dest.port = (uint16_t)(p[need - 2] << 8 | p[need - 1]);
	if (out->dest.port == 0)
		out->dest_ok = false;
	return (ssize_t)need;
}

size_t socks5_reply(unsigned char *buf, uint8_t rep)
{
	static const unsigned char tmpl[10] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(buf, tmpl, sizeof tmpl);
	buf[1] = rep;
	return sizeof tmpl;
}
