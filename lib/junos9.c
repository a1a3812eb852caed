/*
 * junos9: the Junos "$9$" secret encoding (an obfuscation, reversible by
 * anyone; publicly described e.g. by the Crypt::Juniper Perl module).
 *
 * Layout: "$9$", one salt character, 0..3 padding characters (how many is
 * given by the salt's family), then one group of characters per plain byte.
 * The alphabet is 65 characters in four families.  Byte i is written with the
 * weights row i mod 7 of junos9_weights: the byte is split greedily into
 * multiples of the weights (largest first), and each multiple (a "gap", 0..63)
 * becomes the character that many places plus one after the previous
 * character in the alphabet, wrapping around.
 *
 * Decoding reads untrusted text: every character is looked up in the
 * alphabet, every group must be complete, and a group that adds up to more
 * than 255 (or repeats the previous character, a gap of -1) is rejected.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/junos9.h"
#include "lib/sb.h"

#define JUNOS9_MAGIC_LEN 3
#define JUNOS9_NALPHA 65
#define JUNOS9_NROWS 7
#define JUNOS9_GROUP_MAX 4
/* Longest well-formed encoding: magic, salt, 3 padding, <= 4 per byte. */
#define JUNOS9_ENC_MAX \
	(JUNOS9_MAGIC_LEN + 1 + 3 + JUNOS9_GROUP_MAX * JUNOS9_PLAIN_MAX)

/* The four families, one after the other. */
static const char junos9_alpha[JUNOS9_NALPHA + 1] = "QzF3n6/9CAtpu0O"
						    "B1IREhcSyrleKvMW8LXx"
						    "7N-dVbwsY2g4oaJZGUDj"
						    "iHkq.mPf5T";

/* Index in junos9_alpha where each family ends (exclusive). */
static const int junos9_family_end[4] = { 15, 35, 55, 65 };

struct junos9_row {
	int n;
	int w[JUNOS9_GROUP_MAX];
};

/* clang-format off */
static const struct junos9_row junos9_weights[JUNOS9_NROWS] = {
	{3, {1, 4, 32}},
	{3, {1, 16, 32}},
	{3, {1, 8, 32}},
	{2, {1, 64}},
	{2, {1, 32}},
	{4, {1, 4, 16, 128}},
	{3, {1, 32, 64}},
};
/* clang-format on */

/* Position of c in the alphabet, -1 when c is not in it. */
static int
junos9_index(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = memchr(junos9_alpha, c, JUNOS9_NALPHA);
	return p == NULL ? -1 : (int)(p - junos9_alpha);
}

/* Padding characters after a salt at alphabet index i: 3 - family. */
static int
junos9_extra(int i)
{
	int f;

	for (f = 0; f < 4; f++)
		if (i < junos9_family_end[f])
			break;
	return 3 - f;
}

void
junos9_salts_init(struct junos9_salts *s)
{
	s->pos = s->len = 0;
	s->draw = 16;
}

void
junos9_salts_wipe(struct junos9_salts *s)
{
	/* (the bytes used are zero already) */
	OPENSSL_cleanse(s->buf + s->pos, s->len - s->pos);
	s->pos = s->len = 0;
}

/* The next random byte of s, drawn ahead from RAND_bytes; -1 when the
 * generator fails. */
static int
junos9_salts_byte(struct junos9_salts *s)
{
	if (s->pos == s->len) {
		size_t n = s->draw < sizeof(s->buf) ? s->draw : sizeof(s->buf);
		if (n == 0)
			n = 16;
		if (RAND_bytes(s->buf, (int)n) != 1)
			return -1;
		s->pos = 0;
		s->len = n;
		s->draw = n * 2;
	}
	int b = s->buf[s->pos];
	s->buf[s->pos++] = 0;
	return b;
}

/* Fills out with n characters drawn uniformly from the alphabet. */
static int
junos9_rand_chars(char *out, size_t n, struct junos9_salts *s)
{
	size_t i = 0;
	int b;

	while (i < n) {
		if ((b = junos9_salts_byte(s)) < 0)
			return -1;
		/* drop bytes >= 195 = 3 * 65: every index equally likely */
		if (b < 3 * JUNOS9_NALPHA)
			out[i++] = junos9_alpha[b % JUNOS9_NALPHA];
	}
	return 0;
}

/* Output length for len plain bytes after a head of head characters. */
static size_t
junos9_enc_len(size_t head, size_t len)
{
	size_t n = JUNOS9_MAGIC_LEN + head, i;

	for (i = 0; i < JUNOS9_NROWS && i < len; i++)
		n += (size_t)junos9_weights[i].n *
		    ((len - i + JUNOS9_NROWS - 1) / JUNOS9_NROWS);
	return n;
}

char *
junos9_encode_salted(const char *plain, size_t len, const char *salt)
{
	const struct junos9_row *row;
	char *out;
	size_t head, o, i;
	int gaps[JUNOS9_GROUP_MAX];
	int prev, v, k, s;

	if (len > JUNOS9_PLAIN_MAX || salt == NULL)
		return NULL;
	if ((s = junos9_index(salt[0])) < 0)
		return NULL;
	head = 1 + (size_t)junos9_extra(s);
	for (i = 1; i < head; i++)
		if (junos9_index(salt[i]) < 0)
			return NULL;

	out = xmalloc(junos9_enc_len(head, len) + 1);
	memcpy(out, JUNOS9_MAGIC, JUNOS9_MAGIC_LEN);
	memcpy(out + JUNOS9_MAGIC_LEN, salt, head);
	o = JUNOS9_MAGIC_LEN + head;
	prev = s;
	for (i = 0; i < len; i++) {
		row = &junos9_weights[i % JUNOS9_NROWS];
		v = (unsigned char)plain[i];
		for (k = row->n - 1; k >= 0; k--) {
			gaps[k] = v / row->w[k];
			v %= row->w[k];
		}
		for (k = 0; k < row->n; k++) {
			prev = (prev + gaps[k] + 1) % JUNOS9_NALPHA;
			out[o++] = junos9_alpha[prev];
		}
	}
	out[o] = '\0';
	OPENSSL_cleanse(gaps, sizeof(gaps));
	return out;
}

char *
junos9_encode_from(const char *plain, size_t len, struct junos9_salts *s)
{
	struct junos9_salts own;
	char salt[4];
	char *out = NULL;

	/* The first character says how many follow (at most 3): all four
	 * drawn at once.  Alone, one RAND_bytes call of 16 bytes per secret;
	 * with s, one call per ~190 secrets (a `load` of 36,000 secrets
	 * spent a quarter of its parse in RAND_bytes, a call each). */
	if (s == NULL) {
		junos9_salts_init(&own);
		s = &own;
	}
	if (junos9_rand_chars(salt, sizeof(salt), s) == 0)
		out = junos9_encode_salted(plain, len, salt);
	OPENSSL_cleanse(salt, sizeof(salt));
	if (s == &own)
		junos9_salts_wipe(&own);
	return out;
}

char *
junos9_encode(const char *plain, size_t len)
{
	return junos9_encode_from(plain, len, NULL);
}

/*
 * Decodes one group of row->n characters at p, following the character at
 * alphabet index *prev.  Returns the byte, or -1.
 */
static int
junos9_decode_group(const char *p, const struct junos9_row *row, int *prev)
{
	int k, c, gap, v = 0;

	for (k = 0; k < row->n; k++) {
		if ((c = junos9_index(p[k])) < 0)
			return -1;
		gap = (c - *prev + JUNOS9_NALPHA) % JUNOS9_NALPHA - 1;
		if (gap < 0)
			return -1;
		v += gap * row->w[k];
		*prev = c;
	}
	return v > UINT8_MAX ? -1 : v;
}

char *
junos9_decode(const char *enc, size_t *lenp)
{
	const struct junos9_row *row;
	char *out = NULL, *ret = NULL;
	size_t enclen, pos, head, cap, n = 0, i;
	int prev, v;

	if (enc == NULL || strncmp(enc, JUNOS9_MAGIC, JUNOS9_MAGIC_LEN) != 0)
		return NULL;
	enclen = strnlen(enc, JUNOS9_ENC_MAX + 1);
	if (enclen > JUNOS9_ENC_MAX)
		return NULL;
	pos = JUNOS9_MAGIC_LEN;
	if (pos >= enclen || (prev = junos9_index(enc[pos])) < 0)
		return NULL;
	head = 1 + (size_t)junos9_extra(prev);
	if (head > enclen - pos)
		return NULL;
	for (i = 1; i < head; i++)
		if (junos9_index(enc[pos + i]) < 0)
			return NULL;
	pos += head;

	/* Each byte takes at least two characters. */
	cap = (enclen - pos) / 2 + 1;
	out = xmalloc(cap);
	while (pos < enclen) {
		row = &junos9_weights[n % JUNOS9_NROWS];
		if ((size_t)row->n > enclen - pos || n >= JUNOS9_PLAIN_MAX)
			goto done;
		if ((v = junos9_decode_group(enc + pos, row, &prev)) < 0)
			goto done;
		out[n++] = (char)v;
		pos += (size_t)row->n;
	}
	out[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	ret = out;
	out = NULL;

done:
	if (out != NULL) {
		OPENSSL_cleanse(out, cap);
		free(out);
	}
	return ret;
}

bool
junos9_is_encoded(const char *s)
{
	char *p;
	size_t n;

	if ((p = junos9_decode(s, &n)) == NULL)
		return false;
	OPENSSL_cleanse(p, n);
	free(p);
	return true;
}
