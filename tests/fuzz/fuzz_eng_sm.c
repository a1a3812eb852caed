/*
 * fuzz_eng_sm: libFuzzer entry point for the IKEv2 engine's state machine
 * (iked/engine.c and the exchange files on top of the codec): two real
 * engines brought to the state the first octet picks (no SA, half-open,
 * up, a Child SA or IKE SA rekey or a liveness check in flight), then
 * datagrams and events from the records that follow (tests/fuzz/fuzz_eng.h:
 * sealed with the live SA's keys, they reach the exchange handlers in
 * whatever state the SA is).  The invariants are checked after each
 * record, and a fresh SA must come up after the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_eng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size);
	return 0;
}
