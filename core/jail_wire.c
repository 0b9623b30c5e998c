/* jail_wire: names shared by the supervisor and glassbox-init on the wire. */
#include "jail_internal.h"

const char *mount_kind_name(enum mount_kind k)
{
	static const char *const names[] = {"ro", "rw", "mask", "tmpfs", "proc", "dev", "symlink"};
	return (unsigned)k <= MK_SYMLINK ? names[k] : "?";
}
