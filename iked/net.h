/*
 * net: iked's UDP sockets (RFC 7296 2, RFC 3948): ports 500 and 4500 on
 * IPv4 and IPv6, with IP_PKTINFO / IPV6_RECVPKTINFO so each message is
 * known with the address it came to and a reply leaves from that address.
 *
 * Reading: a datagram on 500 is an IKE message; on 4500 one that starts
 * with the four-octet non-ESP marker is IKE (the marker is removed), a
 * single 0xff octet is a NAT-keepalive (RFC 3948 2.3, dropped), anything
 * else is ESP in UDP, which belongs to the dataplane: once one has the
 * 4500 socket (net_encap_fd / net_handover) net stops reading it and reads
 * IKE on 4500 from a second socket of the port, to which the kernel steers
 * each datagram that starts with the marker (SO_REUSEPORT and a BPF
 * program, net.c net_split); where that cannot be set up, IKE comes back
 * through dp_events.ike_packet.  Datagrams are read
 * NET_RX_BATCH to a recvmmsg, each into a bounded buffer of NET_DGRAM_MAX
 * octets; a larger one is dropped.
 *
 * Order: what arrives for an SA that exists (a liveness check, a rekey,
 * an IKE_AUTH) goes to the engine as it is read; an IKE_SA_INIT request,
 * a new SA's key exchange, is held in a ring of NET_HELD_MAX and
 * NET_HELD_TURN of them are handed over per turn of the loop, after the
 * sockets were read, so established SAs are not served behind a burst of
 * new ones.  The ring full, further requests are dropped as a full
 * socket would drop them (the peer retransmits, RFC 7296 2.1).
 *
 * Sending (the eng_io): a remote port of 4500 (or the NAT-T port net was
 * given) means NAT-T: the 4500 socket, the marker prepended.  The source
 * address is the local one the engine gives (IP_PKTINFO), so replies come from
 * where requests went.
 */
#ifndef QSAFE_IKED_NET_H
#define QSAFE_IKED_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "iked/engine.h"

#define NET_DGRAM_MAX 65535
#define NET_RX_BATCH 16	   /* datagrams per recvmmsg */
#define NET_RX_TURN 64	   /* datagrams read per wake-up of a socket */
#define NET_HELD_MAX 256   /* IKE_SA_INIT requests waiting their turn */
#define NET_HELD_SLOT 2048 /* octets: a longer request is not held */
#define NET_HELD_TURN 8	   /* held requests handed over per turn */

struct event_base;
struct net;

/* Where IKE messages go: eng_input's shape, ctx first. */
typedef void (*net_input_fn)(void *ctx, const uint8_t *p, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local);

/*
 * Binds the sockets (ports: 0 for the standard 500 / 4500).  A socket
 * that cannot be bound is logged and left out: the daemon still takes
 * part in commits.  Never NULL; caller frees.
 */
struct net *net_new(struct event_base *base, uint16_t ike_port,
    uint16_t natt_port, net_input_fn input, void *ctx);
void net_free(struct net *n);
/* How many sockets are bound (0..4). */
int net_nsockets(const struct net *n);

/* The eng_io whose ctx is a struct net. */
extern const struct eng_io net_io;

/* The UDP 4500 socket of family (AF_INET / AF_INET6), or -1. */
int net_encap_fd(const struct net *n, int family);
/* The dataplane reads that socket from now on; net only sends on it,
 * and reads the port's IKE from a socket of its own (see above). */
void net_handover(struct net *n, int family);

/*
 * After binding: keep only CAP_NET_ADMIN (the dataplane: TUN, XFRM,
 * routes) and CAP_NET_RAW (its raw ESP socket), in the bounding set too,
 * and set PR_SET_NO_NEW_PRIVS.  With uid not 0, first become uid / gid
 * (no supplementary groups) keeping those two capabilities
 * (PR_SET_KEEPCAPS): files only root may read, the pki store's private
 * keys, are then out of reach.  0 / -1 (logged; nothing is half done
 * when the uid change fails: the process is then still root).
 */
int net_confine(uid_t uid, gid_t gid);

#endif
