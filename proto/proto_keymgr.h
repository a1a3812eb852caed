/*
 * proto_keymgr: the key API keymgr offers iked, on the unix socket
 * <state-dir>/keymgr.sock (mode 0600), framed by lib/msg.h (an 8-byte
 * header — JSON length and attachment length, 4 bytes each, big endian —
 * then one JSON object and its attachments).  Any number of requests may be
 * outstanding on one connection; each reply repeats its request's "id"
 * (any JSON value) and replies come in the order they are ready, not the
 * order asked (a slow KME does not hold up a fast one's answer).
 *
 * How the keys map to IKEv2 (RFC 8784 3): the
 * initiator asks "get-key" and sends key_id as PPK_ID (type PPK_ID_FIXED)
 * and key as the PPK; the responder asks "get-key-by-id" with the PPK_ID it
 * received.  For a quantum-key-manager profile that is ETSI GS QKD 014
 * enc_keys (5.2, we are the master SAE) and dec_keys (5.3, the peer was);
 * for a static profile both return the configured key-id and key.
 *
 * Requests (iked -> keymgr), member "op":
 *
 *   "get-key"        profile      string  `security key-manager profiles P`
 *                    peer_sae_id  string  optional: the slave SAE; default
 *                                         the profile's first peer-sae-ids;
 *                                         must be one of them when any are
 *                                         configured (ignored: static)
 *                    count        int     optional, 1..64 (default 1; 1 for
 *                                         static profiles)
 *
 *   "get-key-by-id"  profile      string
 *                    key_id       string  the PPK_ID received (<= 128 bytes)
 *                    peer_sae_id  string  optional: the master SAE; default
 *                                         as above
 *
 * Reply, success:
 *   id, ok: true, profile, peer_sae_id (quantum profiles),
 *   key_size  int     bits
 *   key_id    string  the first (usually only) key's ID
 *   key       string  lower-case hex of the key bytes
 *   keys      array   only when count > 1: [{key_id, key}, ...]
 * Each key is handed out once: keymgr wipes its copies after the reply is
 * written.  The receiver owns the key and wipes it after use.
 *
 * Reply, failure:
 *   id, ok: false,
 *   error    string  a stable token: "bad-request", "unknown-profile", a
 *                    qkd_err_name() ("timeout", "connect", "http-503",
 *                    "short", ...) or keymgr's own ("queue-timeout",
 *                    "busy", "not-configured", "unknown-key-id");
 *                    "unknown-key-id": a get-key-by-id whose key_id is
 *                    not the static key-id, or that the KME refused (ETSI
 *                    GS QKD 014 400/401: unknown, used, another pair's):
 *                    that negotiation fails, the profile stays up
 *   message  string  one sentence for the log (never key bytes)
 *
 * Timing: a request is answered within the profile's timeout (`timeout`,
 * default 5 s) after it reaches the KME, and fails with "queue-timeout" if
 * it waited longer than that behind other requests to the same KME.
 */
#ifndef QSAFE_PROTO_KEYMGR_H
#define QSAFE_PROTO_KEYMGR_H

#define KEYMGR_SOCKET_NAME "keymgr.sock"

#define KM_OP_GET_KEY "get-key"
#define KM_OP_GET_KEY_BY_ID "get-key-by-id"

#endif
