/* sanitize: renders untrusted bytes as text that is inert on a terminal.
 * Printable ASCII and valid UTF-8 sequences of printable code points pass;
 * everything else — C0 controls, DEL, C1 controls (U+0080..U+009F, which some
 * terminals treat as CSI), malformed UTF-8 — becomes a visible escape. A
 * backslash is doubled so the output is unambiguous. */
#include "sanitize.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of a valid, printable UTF-8 sequence at s, or 0. */
static size_t utf8_printable_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { n = 2; cp = s[0] & 0x1f; }
	else if (s[0] >= 0xe0 && s[0] <= 0xef) { n = 3; cp = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { n = 4; cp = s[0] & 0x07; }
	else return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp >= 0x80 && cp <= 0x9f) /* C1 controls */
		return 0;
	if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069)) /* line separators, bidi overrides */
		return 0;
	return n;
}

char *sanitize_text(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	char *out = xmalloc(len * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			if (c == '\\')
				out[o++] = '\\';
			out[o++] = (char)c;
			i++;
			continue;
		}
		size_t n = c >= 0x80 ? utf8_printable_len(s + i, len - i) : 0;
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		const char *named = NULL;
		switch (c) {
		case '\n': named = "\\n"; break;
		case '\r': named = "\\r"; break;
		case '\t': named = "\\t"; break;
		case 0x1b: named = "\\e"; break;
		}
		if (named) {
			memcpy(out + o, named, 2);
			o += 2;
		} else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
		i++;
	}
	out[o] = '\0';
	return out;
}

char *sanitize_str(const char *s) { return sanitize_text(s, strlen(s)); }
