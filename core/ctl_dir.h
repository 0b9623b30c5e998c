/* ctl_dir: where the control sockets of running sessions live. One
 * directory per user, owner-only: $XDG_RUNTIME_DIR/glassbox/ when that is set
 * (and is an absolute, owner-only directory of ours), else /tmp/glassbox-UID/.
 * Each session's socket is SESSION.sock in it, mode 0600.
 *
 * The directory is never visible inside a sandbox: the session masks it in the
 * jail plan (as it does the snapshot store) — /tmp and /run are private to the
 * sandbox anyway, but -A binds the host's /tmp. */
#ifndef GLASSBOX_CTL_DIR_H
#define GLASSBOX_CTL_DIR_H
#include <stdbool.h>
#include <stddef.h>

/* Fills dir with the control directory. With create, makes it (0700) when
 * missing. Either way checks that it is a real directory (not a symlink)
 * owned by us with no group/other access. Returns 0, or -1 with one line. */
int ctl_dir_get(char *dir, size_t len, bool create, char *err, size_t errlen);
/* Is id a well-formed session id (what a socket name may be built from)? */
bool ctl_session_id_ok(const char *id);

#endif
