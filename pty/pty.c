/* pty: opens pseudo-terminal pairs and switches the user's terminal to raw
 * mode for a relayed session, restoring it on every way out (normal exit,
 * fatal signal), so the user's shell is never left in raw mode. */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pty_open(int *master, int *slave, const struct winsize *ws)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	char name[128];
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
		int e = errno;
		close(m);
		return -e;
	}
	int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int e = errno;
		close(m);
		return -e;
	}
	if (ws)
		ioctl(m, TIOCSWINSZ, ws);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	*slave = s;
	return 0;
}

void pty_copy_winsize(int from_fd, int master)
{
	struct winsize ws;
	if (ioctl(from_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

static struct termios saved;
static int saved_fd = -1;

void term_restore_saved(void)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSAFLUSH, &saved);
}

static void fatal_signal(int sig)
{
	term_restore_saved();
	signal(sig, SIG_DFL);
	raise(sig);
}

int term_raw(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	saved = t;
	saved_fd = fd;
	atexit(term_restore_saved);
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		signal(fatal[i], fatal_signal);
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
		return -errno;
	return 0;
}
