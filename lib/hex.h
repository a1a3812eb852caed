/*
 * hex: hexadecimal text to bytes, for keys typed in the configuration
 * (`hexadecimal`, manual SA keys) and keys keymgr hands over.  One
 * decoder, so every caller refuses the same inputs.
 */
#ifndef QSAFE_HEX_H
#define QSAFE_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes s[0..n) (pairs of [0-9a-fA-F]) into out (cap octets); *len the
 * octets written.  0, or -1 for an odd length, a non-hex character or
 * more than cap octets (out may then hold a prefix: the caller wipes it).
 */
int hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len);

#endif
