/* privsep: the account of iked's network process (privsep.h). */
#include <pwd.h>
#include <stddef.h>

#include "lib/privsep.h"

int
privsep_iked_ids(uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam(PRIVSEP_IKED_USER);

	if (pw == NULL || pw->pw_uid == 0)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}
