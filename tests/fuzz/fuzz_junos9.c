/*
 * fuzz_junos9: libFuzzer entry point for junos9_decode (untrusted "$9$" text
 * from configuration files and the CLI).  A successful decode must re-encode
 * and decode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/junos9.h"
#include "lib/sb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *plain, *enc, *again;
	size_t n, m;

	s = xstrndup((const char *)data, size);
	plain = junos9_decode(s, &n);
	if (plain != NULL) {
		if ((enc = junos9_encode(plain, n)) == NULL)
			abort();
		again = junos9_decode(enc, &m);
		if (again == NULL || m != n || memcmp(again, plain, n) != 0)
			abort();
		OPENSSL_cleanse(again, m);
		free(again);
		free(enc);
		OPENSSL_cleanse(plain, n);
		free(plain);
	}
	(void)junos9_is_encoded(s);
	free(s);
	return 0;
}
