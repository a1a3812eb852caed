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

#include "gen_common.h"

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
	gen_default_out();
}

/* 20 lines: st0.i and the gateway (gen_common.c). */
static void
gen_site(long i)
{
	printf("set interfaces st0 unit %ld family inet\n", i);

	gen_gateway(i, i % GEN_NEXT);
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
		gen_site(i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen_config");
		return 1;
	}
	return 0;
}
