/* sanitize: makes untrusted text (file names, host names, arguments) safe to
 * write to a terminal. Control bytes, DEL, C1 controls and invalid UTF-8 are
 * rendered as visible escapes (\e, \x9b, \n...), so nothing coming from the
 * sandbox or the command line can move the cursor or talk to the terminal. */
#ifndef GLASSBOX_SANITIZE_H
#define GLASSBOX_SANITIZE_H
#include <stddef.h>

/* Returns a newly allocated sanitised copy of s (at most len bytes read). */
char *sanitize_text(const char *s, size_t len);
/* Same, for NUL-terminated input. */
char *sanitize_str(const char *s);

#endif
