/*
 * pvpn: how transit traffic reaches a policy-based VPN (Junos `then
 * permit tunnel ipsec-vpn V`) in the userspace dataplane, the constants
 * that hostd and iked agree on (docs/architecture.md, "Policy-based
 * VPNs").  Each kernel object has one owner:
 *
 *   hostd  the nftables rules that mark a flow a tunnel policy matched
 *          (ct mark, then the packet's mark, PVPN_MARK);
 *   iked   the TUN device PVPN_IFNAME that carries every policy-based
 *          SA, the `ip rule fwmark PVPN_MARK lookup PVPN_TABLE` and the
 *          default routes into the device in that table (IPv4, IPv6).
 *
 * A marked packet is routed into the device; the dataplane picks the SA
 * whose selectors hold the packet.  Decrypted packets come out of the
 * device and are routed (and checked by the policies) as usual.
 */
#ifndef QSAFE_PVPN_H
#define QSAFE_PVPN_H

#define PVPN_IFNAME "ipsec-policy" /* what an operator sees in `ip link` */
#define PVPN_MARK 0x00100000u	   /* one bit of the mark */
#define PVPN_MARK_TEXT "0x00100000"
#define PVPN_TABLE 4510u
#define PVPN_RULE_PRIO 4510u

#endif
