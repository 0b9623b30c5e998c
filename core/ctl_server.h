/* ctl_server: a session's control socket. JSON lines both ways: each request
 * is one object {"cmd": "...", "id": any, ...} and gets one reply
 * {"id": same, "ok": true, ...} or {"id": same, "ok": false, "error": "..."};
 * after "events.subscribe" every event the session emits follows as one line
 * (the --log format, with a "kind" key and no "ok").
 *
 * Only the session's own uid may talk to it: the directory is 0700, the
 * socket 0600, and each connection's SO_PEERCRED uid is checked (root can
 * pass the file modes; it is refused there). The owner polls ctl_server_fd()
 * and calls ctl_server_dispatch(); requests other than events.subscribe go to
 * the owner's handler on the same thread. */
#ifndef GLASSBOX_CTL_SERVER_H
#define GLASSBOX_CTL_SERVER_H
#include <stddef.h>
#include <cjson/cJSON.h>

struct ctl_server;

/* Handles one request: returns an object whose fields go into the reply
 * (owned by the server afterwards), or NULL with one line in err. */
typedef cJSON *(*ctl_handler_fn)(void *arg, const char *cmd, const cJSON *req, char *err,
                                 size_t errlen);

/* Creates the socket for session_id in the control directory (ctl_dir.h) and
 * subscribes to the event bus. Returns NULL with one line in err. */
struct ctl_server *ctl_server_open(const char *session_id, ctl_handler_fn fn, void *arg, char *err,
                                   size_t errlen);
int ctl_server_fd(const struct ctl_server *s);
void ctl_server_dispatch(struct ctl_server *s);
const char *ctl_server_path(const struct ctl_server *s);
/* Flushes what it can without blocking, closes every client, removes the
 * socket and leaves the event bus. */
void ctl_server_free(struct ctl_server *s);

#endif
