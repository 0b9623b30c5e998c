/* ctl_dir: the per-user directory of control sockets, created and checked
 * without trusting what is already there (a shared /tmp). */
#include "ctl_dir.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_private_dir(const char *path, bool create, char *err, size_t errlen)
{
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_set(err, errlen, "cannot create %s: %s", path, strerror(errno));
	struct stat st;
	if (lstat(path, &st) < 0)
		return error_set(err, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set(err, errlen, "%s is not a directory (a symlink?); remove it",
		                 path);
	if (st.st_uid != getuid())
		return error_set(err, errlen, "%s belongs to uid %u, not to us; remove it", path,
		                 (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return error_set(err, errlen, "%s is open to other users (mode %03o); chmod 700 it",
		                 path, (unsigned)(st.st_mode & 0777));
	return 0;
}

int ctl_dir_get(char *dir, size_t len, bool create, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg && xdg[0] == '/' && lstat(xdg, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid() && !(st.st_mode & 077)) {
		if ((size_t)snprintf(dir, len, "%s/glassbox", xdg) >= len)
			return error_set(err, errlen, "XDG_RUNTIME_DIR is too long");
	} else {
		snprintf(dir, len, "/tmp/glassbox-%u", (unsigned)getuid());
	}
	return check_private_dir(dir, create, err, errlen);
}

bool ctl_session_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= 'A' && id[i] <= 'Z') || id[i] == '-' || id[i] == '_'))
			return false;
	return true;
}
