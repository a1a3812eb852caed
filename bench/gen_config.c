/*
 * gen_config: writes the `set` lines of an N-gateway site-to-site
 * configuration for the config engine benchmark (bench/config_engine.sh).
 *
 *   gen_config [N]        (default 10000; 20 lines per gateway + 16)
 *
 * The shape is that of the reference quantum-safe example
 * (site-to-site-ppk-static.RECONSTRUCTED.set) repeated N times: per
 * gateway i an st0 unit, an IKE proposal and policy (pre-shared key), an
 * IKE gateway with a static PPK key-manager profile, an IPsec proposal,
 * policy and VPN bound to st0.i.  The gateways share four external
 * interfaces in zone untrust.  Every cross-reference resolves, so the
 * output commits.  The output depends on N only.
 */
#include <stdio.h>
#include <stdlib.h>

#define GEN_MAX_GATEWAYS 1000000
#define GEN_NEXT 4 /* external interfaces ge-0/0/0..3 */

static void
gen_header(void)
{
	printf("set system host-name bench-gw\n");
	for (int e = 0; e < GEN_NEXT; e++) {
		printf("set interfaces ge-0/0/%d unit 0 family inet address "
		       "198.51.%d.1/24\n",
		    e, 100 + e);
		printf("set security zones security-zone untrust interfaces "
		       "ge-0/0/%d.0 host-inbound-traffic system-services ike\n",
		    e);
	}
	printf(
	    "set security zones security-zone trust interfaces ge-0/0/%d.0\n",
	    GEN_NEXT);
	printf("set interfaces ge-0/0/%d unit 0 family inet address "
	       "10.255.0.1/24\n",
	    GEN_NEXT);
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

/* 20 lines. */
static void
gen_gateway(long i)
{
	/* Peer 10.b.c.d, d in 1..254: unique for i < 254 * 65536. */
	long d = i % 254 + 1, c = (i / 254) % 256, b = (i / 254 / 256) % 256;

	printf("set interfaces st0 unit %ld family inet\n", i);

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
	    i, i % GEN_NEXT);
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

int
main(int argc, char **argv)
{
	long n = 10000;

	if (argc > 2 || (argc == 2 && (n = strtol(argv[1], NULL, 10)) <= 0) ||
	    n > GEN_MAX_GATEWAYS) {
		fprintf(stderr, "usage: gen_config [N]  (1..%d gateways)\n",
		    GEN_MAX_GATEWAYS);
		return 2;
	}
	gen_header();
	for (long i = 0; i < n; i++)
		gen_gateway(i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen_config");
		return 1;
	}
	return 0;
}
