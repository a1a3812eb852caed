/*
 * wipe: every heap block that libevent or jansson frees is wiped first.
 *
 * Frames arrive in libevent's evbuffers and are parsed by jansson; both copy
 * the bytes into blocks of their own (evbuffer chains, the lexer's string
 * buffer, the parsed strings), so a PSK typed at the cli, the `$9$` secrets
 * of a delta or a key keymgr hands over would stay in freed heap if only
 * msg.c's own buffers were wiped.  wipe_init() installs allocators that
 * explicit_bzero a block before it is released, and the old block when a
 * realloc moves it, in both libraries.
 *
 * Called once, first thing in main(), by every program that receives
 * frames: mgd, cli, iked, keymgr, hostd.  It must run before any libevent
 * call (libevent refuses new functions once it has allocated); blocks
 * jansson allocated before it are still freed correctly, as the size comes
 * from the allocator (malloc_usable_size), not from a header of ours.
 */
#ifndef QSAFE_WIPE_H
#define QSAFE_WIPE_H

void wipe_init(void);

/*
 * Zeroes n bytes at p (NULL or 0 bytes: nothing) in a way the compiler
 * keeps: explicit_bzero, not OpenSSL's cleanse, so that what links only
 * lib/ (the cli, started for every `cli -c`) loads no libcrypto.
 */
void wipe_bytes(void *p, size_t n);

#endif
