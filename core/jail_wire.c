/* jail_wire: names shared by the supervisor and glassbox-init on the wire. */
#include "jail_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

const char *mount_kind_name(enum mount_kind k)
{
	static const char *const names[] = {"ro", "rw", "mask", "tmpfs", "proc", "dev", "symlink"};
	return (unsigned)k <= MK_SYMLINK ? names[k] : "?";
}

int jail_send_fd(int sock, const char *line, int fd)
{
	struct iovec iov = {.iov_base = (void *)line, .iov_len = strlen(line)};
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
	                     .msg_controllen = sizeof cbuf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ssize_t n;
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)iov.iov_len ? 0 : -1;
}

