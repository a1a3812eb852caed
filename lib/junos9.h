/*
 * junos9: the Junos "$9$" secret encoding.
 *
 * Junos stores and shows secrets (pre-shared keys, RADIUS secrets, ...) as
 * "$9$..." strings: a reversible obfuscation, not encryption.  A secret may be
 * entered either as plain text or already encoded; it is always shown
 * encoded.  The encoding of one secret differs each time (random salt).
 */
#ifndef QSAFE_JUNOS9_H
#define QSAFE_JUNOS9_H

#include <stdbool.h>
#include <stddef.h>

#define JUNOS9_MAGIC "$9$"
/* Longest plain secret encoded or decoded, in bytes. */
#define JUNOS9_PLAIN_MAX 8192

/*
 * Encodes len bytes of plain (any byte values, NUL included) with a random
 * salt and padding from RAND_bytes.  Returns a new NUL-terminated string
 * "$9$..." (caller frees), or NULL when len > JUNOS9_PLAIN_MAX or the random
 * generator fails.
 */
char *junos9_encode(const char *plain, size_t len);

/*
 * Salts drawn ahead for many encodings (a `load` of thousands of secrets):
 * the bytes still come from RAND_bytes, in draws that double from 16 up to
 * JUNOS9_SALTS_MAX bytes as they are used, so one encoding draws what
 * junos9_encode draws and a large load one call per ~190 secrets.  Every
 * salt stays as unpredictable as junos9_encode's; the bytes not yet used
 * are wiped by junos9_salts_wipe.  Zero-initialise (junos9_salts_init).
 */
#define JUNOS9_SALTS_MAX 1024
struct junos9_salts {
	unsigned char buf[JUNOS9_SALTS_MAX];
	size_t pos, len; /* buf[pos..len) not yet used */
	size_t draw;	 /* the size of the next draw */
};

void junos9_salts_init(struct junos9_salts *s);

/* Wipes the bytes drawn and not used; s may be used again after it. */
void junos9_salts_wipe(struct junos9_salts *s);

/* junos9_encode with its salt and padding from s (NULL: junos9_encode). */
char *junos9_encode_from(const char *plain, size_t len, struct junos9_salts *s);

/*
 * As junos9_encode, with the salt and padding given: salt[0] is the salt
 * character and the padding characters follow it (as many as the salt
 * requires; more are ignored).  For reproducible output in tests.  Returns
 * NULL when salt is too short or holds a character outside the alphabet.
 */
char *junos9_encode_salted(const char *plain, size_t len, const char *salt);

/*
 * Decodes an untrusted "$9$..." string.  Returns a new buffer holding the
 * plain bytes followed by a NUL (caller wipes with OPENSSL_cleanse and frees),
 * its length in *lenp (lenp may be NULL); NULL when enc is not a well-formed
 * encoding: wrong prefix, a character outside the alphabet, a truncated
 * group, a value that is not a byte, or a plain text longer than
 * JUNOS9_PLAIN_MAX.
 */
char *junos9_decode(const char *enc, size_t *lenp);

/* True when s starts with "$9$" and decodes cleanly. */
bool junos9_is_encoded(const char *s);

#endif
