/*
 * gen_shapes: writes the `set` lines of a configuration of a given shape
 * and about a given number of lines, for bench/config_shapes.sh (issue 13
 * section 1: commit cost must follow the change whatever the shape).
 *
 *   gen_shapes SHAPE LINES
 *
 * Shapes (each line count is approximate: whole units only):
 *   vpn       route-based VPNs, 22 lines each: bench/gen_config's 20 lines
 *             of gateway, proposals, policies and key profile, plus st0.i
 *             in security zone vpn and a static route through st0.i (an
 *             AutoVPN hub or a large site-to-site head end)
 *   zones     VLAN units, 4 lines each: vlan-id, an address, membership of
 *             one of 8 zones, a static route through the unit's subnet;
 *             ge-0/0/p units 1..4094, as many ports as it takes
 *   firewall  an address book and one policy per address between zones
 *             trust and untrust, 5 lines each
 *
 * Every reference resolves, so the output commits.  The devices named do
 * not exist on the bench's host: hostd keeps their addresses and routes
 * waiting (docs/host.md), its ruleset names them anyway.  The output
 * depends on the arguments only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"

#define GEN_MAX_LINES 10000000L
#define GEN_VLANS 4094 /* units per port in shape zones */
#define GEN_ZONES 8

/* Interfaces, zones and a policy every shape has: 12 lines. */
static void
gen_base(void)
{
	printf("set system host-name bench-shapes\n");
	printf("set interfaces ge-0/0/0 unit 0 family inet address "
	       "198.51.100.1/24\n");
	printf("set interfaces ge-0/0/1 unit 0 family inet address "
	       "10.255.0.1/24\n");
	printf("set security zones security-zone untrust interfaces ge-0/0/0.0 "
	       "host-inbound-traffic system-services ike\n");
	printf("set security zones security-zone trust interfaces ge-0/0/1.0 "
	       "host-inbound-traffic system-services ping\n");
	gen_default_out();
	printf("set security policies default-policy deny-all\n");
	printf("set security zones security-zone vpn host-inbound-traffic "
	       "system-services ike\n");
}

/* The gateway of bench/gen_config (20 lines) + zone and route (2). */
static void
gen_vpn(long i)
{
	printf("set interfaces st0 unit %ld family inet\n", i);
	printf("set security zones security-zone vpn interfaces st0.%ld\n", i);
	printf("set routing-options static route 172.%ld.%ld.0/24 next-hop "
	       "st0.%ld\n",
	    16 + (i / 256) % 16, i % 256, i);
	gen_gateway(i, 0);
}

/* Unit i: ge-0/0/(2 + i / 4094) unit (1 + i % 4094); subnet 10.a.b.0/30. */
static void
gen_zone_unit(long i)
{
	long port = 2 + i / GEN_VLANS, unit = 1 + i % GEN_VLANS;
	long a = 1 + (i / 16384) % 250, b = (i / 64) % 256, c = (i % 64) * 4;

	printf("set interfaces ge-0/0/%ld unit %ld vlan-id %ld\n", port, unit,
	    unit);
	printf("set interfaces ge-0/0/%ld unit %ld family inet address "
	       "10.%ld.%ld.%ld/30\n",
	    port, unit, a, b, c + 1);
	printf(
	    "set security zones security-zone z%ld interfaces ge-0/0/%ld.%ld\n",
	    i % GEN_ZONES, port, unit);
	printf("set routing-options static route 100.%ld.%ld.%ld/30 next-hop "
	       "10.%ld.%ld.%ld\n",
	    64 + (i / 16384) % 64, b, c, a, b, c + 2);
}

static void
gen_firewall(long i)
{
	printf(
	    "set security address-book global address A-%ld 10.%ld.%ld.0/24\n",
	    i, 1 + (i / 256) % 250, i % 256);
	printf("set security policies from-zone trust to-zone untrust policy "
	       "P-%ld match source-address A-%ld\n",
	    i, i);
	printf("set security policies from-zone trust to-zone untrust policy "
	       "P-%ld match destination-address any\n",
	    i);
	printf("set security policies from-zone trust to-zone untrust policy "
	       "P-%ld match application junos-https\n",
	    i);
	printf("set security policies from-zone trust to-zone untrust policy "
	       "P-%ld then permit\n",
	    i);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int lines;
		void (*unit)(long);
	} shapes[] = {
		{ "vpn", 22, gen_vpn },
		{ "zones", 4, gen_zone_unit },
		{ "firewall", 5, gen_firewall },
	};
	long lines = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	size_t s;

	for (s = 0; argc == 3 && s < sizeof(shapes) / sizeof(shapes[0]); s++)
		if (strcmp(shapes[s].name, argv[1]) == 0)
			break;
	if (argc != 3 || s == sizeof(shapes) / sizeof(shapes[0]) ||
	    lines < 100 || lines > GEN_MAX_LINES) {
		fprintf(stderr,
		    "usage: gen_shapes vpn|zones|firewall LINES"
		    "  (100..%ld)\n",
		    GEN_MAX_LINES);
		return 2;
	}
	gen_base();
	for (long i = 0; i < (lines - 12) / shapes[s].lines; i++)
		shapes[s].unit(i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen_shapes");
		return 1;
	}
	return 0;
}
