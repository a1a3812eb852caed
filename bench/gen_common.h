/*
 * gen_common: the `set` lines both configuration generators write the same
 * way (bench/gen_config.c, bench/gen_shapes.c).
 */
#ifndef QSAFE_BENCH_GEN_COMMON_H
#define QSAFE_BENCH_GEN_COMMON_H

/*
 * gen_default_out: 5 lines, the default route via 198.51.100.254 and
 * policy t2u permitting everything from zone trust to zone untrust.
 */
void gen_default_out(void);

/*
 * gen_gateway: gateway i's 19 lines (after its `set interfaces st0 unit i`,
 * which the caller writes): IKE proposal and policy (pre-shared key), an
 * IKE gateway on external interface ge-0/0/EXT.0 with a static PPK
 * key-manager profile, an IPsec proposal, policy and VPN bound to st0.i.
 */
void gen_gateway(long i, long ext);

#endif
