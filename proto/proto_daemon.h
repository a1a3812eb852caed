/*
 * proto_daemon: the protocol between mgd and the daemons it supervises
 * (iked, keymgr, hostd), over a socketpair that mgd hands the daemon as
 * file descriptor 3 (`--mgd-fd 3`).  Framed by lib/msg.h; mgd asks, the
 * daemon answers, one reply per request with the request's "id".
 *
 * Requests (mgd -> daemon), member "op":
 *   "check"  config: editing commands (`set ...`, `delete ...`, `insert ...`,
 *            `deactivate ...`) that turn the daemon's running configuration
 *            into the candidate, restricted to the daemon's subtrees; "full":
 *            true when they start from an empty configuration (the daemon
 *            just started).  Reply: ok, or ok false with "errors": [{edit,
 *            stmt, msg}] in Junos form ("[edit security ike gateway G]",
 *            "ppk-profile P", "...").
 *   "check-part"  config: the next whole lines of a large change (about a
 *            MB each) that mgd sends while it still builds the rest; "full"
 *            on the first as on "check".  Never answered: the daemon parses
 *            each into the change it will check as it comes, and ends with
 *            the "check" that follows, which has "parts": true and the last
 *            lines as its config (maybe none).  An error's line counts from
 *            the start of the whole change, across parts.  Parts replace a
 *            checked change as a check does.  Anything but an rpc between a
 *            part and that check (an abort, an apply, a check without
 *            "parts") drops the parts, and is then handled as usual (an
 *            apply finds nothing to apply); a "check" with "parts" that
 *            finds none refuses the change.  Sent only to daemons whose
 *            part of a change is a plain filter of it (hostd, keymgr):
 *            iked's view needs the whole change (mgd/backend_check.c).
 *   "apply"  make the checked configuration the running one.  A daemon may
 *            refuse in check, never in apply.
 *   "abort"  forget the checked configuration.
 *   "rpc"    name: an operational rpc of the daemon (qc:handler), input: its
 *            arguments.  Reply: data (structured, rendered by the cli), or
 *            ok false with "error": one operator line.  Data that reports
 *            a failure (a KME that did not give a key) has the member
 *            RPC_DATA_FAILED (below) true: it is rendered, and the
 *            command fails (ok false to the cli).
 *
 * Deactivated statements reach the daemon marked inactive; daemons act only
 * on statements that are in effect (cnode_is_inactive()).
 */
#ifndef QSAFE_PROTO_DAEMON_H
#define QSAFE_PROTO_DAEMON_H

#define DAEMON_OP_CHECK "check"
#define DAEMON_OP_CHECK_PART "check-part"
#define DAEMON_OP_APPLY "apply"
#define DAEMON_OP_ABORT "abort"
#define DAEMON_OP_RPC "rpc"

/* The descriptor mgd gives a daemon. */
#define DAEMON_MGD_FD 3

/* How long mgd waits for a daemon's reply before treating it as down. */
#define DAEMON_REPLY_TIMEOUT_MS 10000

/*
 * An rpc's data (a daemon's or the pki library's) that reports a failure
 * carries this member, true: keymgr's `get profile-keys` answering
 * `Status: FAILED`.  The data is rendered as usual; mgd takes the member out
 * and answers the cli with ok false, so `cli -c` exits non-zero (README).
 */
#define RPC_DATA_FAILED "command-failed"

/*
 * Large data (at least MSG_ATTACH_MIN of JSON: `show security ike
 * security-associations` at 10,000 SAs is 1.6 MB) leaves the daemon as its
 * JSON text in this member instead of "data" (proto/link.c): the frame
 * carries it as an attachment, mgd hands it on to the cli untouched
 * (parsing and dumping it again cost mgd as much as the daemon's own
 * reply), and the cli parses it once to render.  mgd parses it only for
 * `| display json|xml`.  Never with RPC_DATA_FAILED, never for secrets.
 */
#define RPC_DATA_JSON "data-json"

#endif
