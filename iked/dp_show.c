/*
 * dp_show: struct dp_stats as the reply data of `show security ipsec
 * statistics` (dp_show.h); the element names are those of Junos's XML, the
 * last four qsafe's own for the drops its text layout prints after them.
 */
#include <stdlib.h>
#include <string.h>

#include "iked/dp_show.h"

static json_t *
dp_int(uint64_t v)
{
	return json_integer(
	    v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *
dp_show_statistics(const struct dp_stats *s)
{
	json_t *esp = json_object(), *ah = json_object();
	json_t *err = json_object(), *top = json_object();

	json_object_set_new(esp, "esp-encrypted-bytes", dp_int(s->enc_bytes));
	json_object_set_new(esp, "esp-decrypted-bytes", dp_int(s->dec_bytes));
	json_object_set_new(
	    esp, "esp-encrypted-packets", dp_int(s->enc_packets));
	json_object_set_new(
	    esp, "esp-decrypted-packets", dp_int(s->dec_packets));
	/* no AH here: its counters stay at zero */
	json_object_set_new(ah, "ah-input-bytes", dp_int(0));
	json_object_set_new(ah, "ah-output-bytes", dp_int(0));
	json_object_set_new(ah, "ah-input-packets", dp_int(0));
	json_object_set_new(ah, "ah-output-packets", dp_int(0));
	json_object_set_new(err, "ah-authentication-failures", dp_int(0));
	json_object_set_new(err, "replay-errors", dp_int(s->err_replay));
	json_object_set_new(
	    err, "esp-authentication-failures", dp_int(s->err_auth));
	json_object_set_new(
	    err, "esp-decryption-failures", dp_int(s->err_decrypt));
	json_object_set_new(err, "bad-headers", dp_int(s->err_bad_header));
	json_object_set_new(err, "bad-trailers", dp_int(s->err_bad_trailer));
	json_object_set_new(err, "invalid-spi", dp_int(s->err_invalid_spi));
	json_object_set_new(err, "ts-check-fail", dp_int(s->err_ts));
	json_object_set_new(err, "exceeds-tunnel-mtu", dp_int(s->err_mtu));
	json_object_set_new(err, "discarded", dp_int(s->discarded));
	json_object_set_new(top, "esp-statistics", esp);
	json_object_set_new(top, "ah-statistics", ah);
	json_object_set_new(top, "error-statistics", err);
	json_t *data = json_object();
	json_object_set_new(
	    data, "usp-ipsec-total-statistics-information", top);
	return data;
}

json_t *
dp_show_rpc(const struct dp_ops *ops, struct dp *dp, const char *name,
    const json_t *input, struct sb *err, bool *handled)
{
	struct dp_stats s;
	const json_t *idx = input ? json_object_get(input, "index") : NULL;
	uint32_t tunnel = 0;

	*handled = strcmp(name, "show-security-ipsec-statistics") == 0 ||
	    strcmp(name, "clear-security-ipsec-statistics") == 0;
	if (!*handled)
		return NULL;
	if (dp == NULL) {
		sb_puts(err, "error: the IPsec dataplane is not running");
		return NULL;
	}
	if (strcmp(name, "clear-security-ipsec-statistics") == 0) {
		ops->stats_clear(dp);
		return json_object();
	}
	if (json_is_integer(idx))
		tunnel = (uint32_t)json_integer_value(idx);
	else if (json_is_string(idx))
		tunnel = (uint32_t)strtoul(json_string_value(idx), NULL, 10);
	if (ops->stats(dp, tunnel, &s) == -1) {
		sb_puts(err, "error: no statistics for that index");
		return NULL;
	}
	return dp_show_statistics(&s);
}
