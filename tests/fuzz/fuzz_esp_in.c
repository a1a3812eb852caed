/*
 * fuzz_esp_in: libFuzzer entry point for the inbound ESP path (iked/esp.c)
 * on what arrives from the network before anything is authenticated:
 * the SPI, the sequence number against the anti-replay window and ESN
 * inference, the lengths, then the ICV, and after a good ICV the padding
 * and the inner header.  The first byte picks one of four SAs (AES-GCM or
 * AES-CBC + HMAC-SHA-256, with or without ESN and a window), keyed as
 * tests/iked/test_esp.c keys them, so that its known answers are seeds
 * that get through authentication.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iked/esp.h"
#include "iked/ikev2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct encr_alg gcm128 = { ENCR_AES_GCM_16, 128, "aes-128-gcm", 20,
	4, 8, 4, 16, true, NULL, NULL, NULL };
static const struct encr_alg cbc128 = { ENCR_AES_CBC, 128, "aes-128-cbc", 16, 0,
	16, 16, 0, false, NULL, NULL, NULL };
static const struct integ_alg sha256 = { AUTH_HMAC_SHA2_256_128,
	"hmac-sha-256-128", 32, 16, NULL, NULL, NULL };

static struct esp_sa *
fuzz_sa(const struct encr_alg *e, const struct integ_alg *i, bool esn,
    uint32_t window)
{
	struct dp_sa sa = { 0 };

	sa.spi = 4242;
	sa.inbound = true;
	sa.encr = e;
	sa.integ = i;
	sa.esn = esn;
	sa.replay_window = window;
	for (size_t k = 0; k < sizeof(sa.enc_key); k++)
		sa.enc_key[k] = (uint8_t)k;
	memcpy(sa.enc_key + e->key_len - e->salt_len, "\xca\xfe\xba\xbe",
	    e->salt_len);
	for (size_t k = 0; k < sizeof(sa.auth_key); k++)
		sa.auth_key[k] = (uint8_t)(0x20 + k);
	return esp_sa_new(&sa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct esp_sa *sas[4];
	static uint8_t buf[65536 + ESP_HEADROOM + ESP_TAILROOM];
	struct esp_buf b;
	uint32_t spi;

	if (sas[0] == NULL) {
		sas[0] = fuzz_sa(&gcm128, NULL, false, 64);
		sas[1] = fuzz_sa(&gcm128, NULL, true, 1024);
		sas[2] = fuzz_sa(&cbc128, &sha256, false, 64);
		sas[3] = fuzz_sa(&cbc128, &sha256, true, 0);
	}
	if (size < 1 || size - 1 > 65536)
		return 0;
	struct esp_sa *sa = sas[data[0] & 3];
	if (sa == NULL)
		return 0;
	/* the window slides: a packet may find it anywhere */
	if (data[0] & 4)
		esp_sa_set_seq(sa, (uint64_t)data[0] << 29);
	memcpy(buf, data + 1, size - 1);
	b = (struct esp_buf){ buf, sizeof(buf), 0, size - 1 };
	if (esp_peek_spi(buf, b.len, &spi) == -1)
		return 0;
	if (esp_decap(sa, &b) == ESP_OK &&
	    (b.off + b.len > sizeof(buf) || b.len == 0))
		__builtin_trap(); /* the inner packet lies in the buffer */
	return 0;
}
