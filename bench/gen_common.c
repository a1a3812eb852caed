/*
 * gen_common: the lines the configuration generators share
 * (gen_common.h).
 */
#include <stdio.h>

#include "gen_common.h"

void
gen_default_out(void)
{
	printf("set routing-options static route 0.0.0.0/0 next-hop "
	       "198.51.100.254\n");
	printf("set security policies from-zone trust to-zone untrust policy "
	       "t2u match source-address any\n");
	printf("set security policies from-zone trust to-zone untrust policy "
	       "t2u match destination-address any\n");
	printf("set security policies from-zone trust to-zone untrust policy "
	       "t2u match application any\n");
	printf("set security policies from-zone trust to-zone untrust policy "
	       "t2u then permit\n");
}

void
gen_gateway(long i, long ext)
{
	/* Peer 10.b.c.d, d in 1..254: unique for i < 254 * 65536. */
	long d = i % 254 + 1, c = (i / 254) % 256, b = (i / 254 / 256) % 256;

	printf("set security ike proposal IKE-P-%ld authentication-method "
	       "pre-shared-keys\n",
	    i);
	printf("set security ike proposal IKE-P-%ld dh-group group14\n", i);
	printf("set security ike proposal IKE-P-%ld authentication-algorithm "
	       "sha-256\n",
	    i);
	printf("set security ike proposal IKE-P-%ld encryption-algorithm "
	       "aes-256-cbc\n",
	    i);

	printf(
	    "set security ike policy IKE-POL-%ld proposals IKE-P-%ld\n", i, i);
	printf("set security ike policy IKE-POL-%ld pre-shared-key ascii-text "
	       "\"psk-%ld-secret\"\n",
	    i, i);

	printf(
	    "set security ike gateway GW-%ld ike-policy IKE-POL-%ld\n", i, i);
	printf("set security ike gateway GW-%ld address 10.%ld.%ld.%ld\n", i, b,
	    c, d);
	printf(
	    "set security ike gateway GW-%ld external-interface ge-0/0/%ld.0\n",
	    i, ext);
	printf("set security ike gateway GW-%ld version v2-only\n", i);
	printf("set security ike gateway GW-%ld ppk-profile KM-%ld\n", i, i);

	printf("set security key-manager profiles KM-%ld static key-id "
	       "ascii-text key-id-%ld\n",
	    i, i);
	printf("set security key-manager profiles KM-%ld static key ascii-text "
	       "ppk%08ldqjwbdip139u5mcy89m28pcgow\n",
	    i, i);

	printf("set security ipsec proposal IPSEC-P-%ld protocol esp\n", i);
	printf("set security ipsec proposal IPSEC-P-%ld encryption-algorithm "
	       "aes-256-gcm\n",
	    i);

	printf(
	    "set security ipsec policy IPSEC-POL-%ld proposals IPSEC-P-%ld\n",
	    i, i);

	printf("set security ipsec vpn VPN-%ld bind-interface st0.%ld\n", i, i);
	printf("set security ipsec vpn VPN-%ld ike gateway GW-%ld\n", i, i);
	printf(
	    "set security ipsec vpn VPN-%ld ike ipsec-policy IPSEC-POL-%ld\n",
	    i, i);
}
