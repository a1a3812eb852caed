/*
 * fuzz_qkd014_json: libFuzzer entry point for the ETSI GS QKD 014 reply
 * parsers (keys container, status, error object) in keymgr/qkd014_json.c.
 * The first byte picks the expected key count and size, as the client
 * would pass them; the rest is the reply body.
 */
#include <stddef.h>
#include <stdint.h>

#include "keymgr/qkd014.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[4] = { 0, 64, 256, 1024 };
	struct qkd_error err;
	struct qkd_status st;
	struct qkd_keys *ks;
	char msg[QKD_REASON_MAX];
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	ks = qkd_parse_keys(
	    (const char *)data, size, sel & 0x0f, sizes[(sel >> 4) & 3], &err);
	qkd_keys_free(ks);
	(void)qkd_parse_status((const char *)data, size, &st, &err);
	qkd_parse_error((const char *)data, size, msg, sizeof(msg));
	return 0;
}
