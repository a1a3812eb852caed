/*
 * keystore: where key bytes live in keymgr, and how they leave it.
 *
 * keymgr keeps no store of quantum keys: a key exists from the KME's reply
 * (struct qkd_keys, wiped by qkd_keys_free) to the reply that hands it to
 * iked or the operator, once, and is wiped on every path after that:
 *   - the hex text is built in a buffer we wipe;
 *   - jansson allocations are wiped when freed (wipe_init), so the
 *     JSON reply tree holding the key leaves nothing behind;
 *   - the framed reply, to iked (api.c) or to mgd for the operator
 *     (rpc.c, link_reply), is serialised into a buffer that the socket's
 *     output buffer references (no copy) and that is wiped when the bytes
 *     are written (lib/msg.c msg_bev_send_wiped).
 * The static profiles' configured keys stay for the life of the profile
 * (they are the configuration) and are wiped when it goes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keymgr/keymgr.h"

json_t *
keystore_hex_json(const unsigned char *buf, size_t len, const char *prefix)
{
	static const char hex[] = "0123456789abcdef";
	size_t plen = prefix ? strlen(prefix) : 0;
	size_t n = plen + 2 * len + 1;
	char *s = xmalloc(n);
	json_t *j;

	memcpy(s, prefix ? prefix : "", plen);
	for (size_t i = 0; i < len; i++) {
		s[plen + 2 * i] = hex[buf[i] >> 4];
		s[plen + 2 * i + 1] = hex[buf[i] & 15];
	}
	s[n - 1] = '\0';
	j = json_stringn(s, n - 1);
	OPENSSL_cleanse(s, n);
	free(s);
	return j;
}
