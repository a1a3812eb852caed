/*
 * manual: Junos manual SAs (`security ipsec vpn V manual { gateway; spi;
 * protocol esp; authentication { algorithm; key }; encryption {
 * algorithm; key } }` with `bind-interface st0.N`).  Each such VPN is two
 * dp_sa, inbound and outbound, with the same SPI and the same keys, as a
 * Junos device installs them; no IKE is involved.
 */
#ifndef QSAFE_MANUAL_H
#define QSAFE_MANUAL_H

#include "iked/dp.h"
#include "schema/conf.h"
#include "schema/validate.h"

struct manual;

/* The installed manual SAs of one dataplane (borrowed; may be NULL). */
struct manual *manual_new(const struct dp_ops *ops, struct dp *dp);
/* Deletes every SA it installed and wipes their keys. */
void manual_free(struct manual *m);
/* Refuses the manual VPNs of next that cannot run, with Junos's paths. */
void manual_check(struct conf *next, struct verrs *errs);
/*
 * Makes the manual VPNs of next run: SAs that changed or went are
 * deleted, new or changed ones installed; unchanged ones keep running
 * (their counters and sequence numbers).
 */
void manual_apply(struct manual *m, struct conf *next);
/* The tunnel index of a VPN (500001 on, in configuration order). */
uint32_t manual_tunnel_id(size_t ordinal);

#endif
