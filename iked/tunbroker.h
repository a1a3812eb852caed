/*
 * tunbroker: the process of iked that opens /dev/net/tun for the network
 * process (docs/architecture.md, "Which process holds what").
 *
 * The userspace dataplane makes an st0.N TUN device whenever a commit
 * names a new unit, long after the network process became the
 * qsafe-iked account; the device node is root's and 0600 on some hosts,
 * out of that account's reach.  The broker, forked by iked before the
 * drop, keeps uid 0 with no capability at all (it opens the node as its
 * owner) and does one thing: for each request byte read from its
 * socketpair it opens the node and passes the descriptor back
 * (SCM_RIGHTS, unix(7)) with a zero byte, or sends one byte of errno.
 * It reads nothing else and never names a device: TUNSETIFF, which needs
 * CAP_NET_ADMIN, is the network process's, and the device is made in the
 * namespace of the process that opened the node (tun_chr_open), iked's.
 */
#ifndef QSAFE_IKED_TUNBROKER_H
#define QSAFE_IKED_TUNBROKER_H

#include <sys/types.h>

/* Forks the broker; its pid, *fd our end of the socketpair.  -1: none. */
pid_t tunb_spawn(int *fd);
/* A descriptor of /dev/net/tun (O_RDWR, O_NONBLOCK, close-on-exec) from
 * the broker at fd, or -1 with errno set. */
int tunb_open(int fd);

#endif
