/*
 * km-client: a client of keymgr's key API (proto_keymgr.h) for tests, labs
 * and bench/keymgr_keys.sh — what iked will do, from the command line.
 *
 *   km-client SOCK get PROFILE [PEER [COUNT]]  COUNT keys (default 1; PEER
 *                                              "" for the profile's first)
 *   km-client SOCK get-id PROFILE KEY_ID [PEER]
 *   km-client SOCK bench PROFILE N [PEER [DEPTH]]
 *       N keys, DEPTH requests outstanding (default 1): prints the median
 *       and p99 latency per request and keys/s of the requests that got a
 *       key, and how many failed (exit status 1 when any did).
 *
 * Every reply line is the reply JSON, followed by "elapsed_ms=T" on a line
 * of its own (tests time requests with it).  Exit status 0 when the reply
 * was ok, 1 when not, 2 on usage or socket errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/proto_keymgr.h"
#include "lib/msg.h"

static double
kc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static json_t *
kc_req(const char *op, const char *profile, const char *peer, const char *kid,
    json_int_t id)
{
	json_t *r = json_object();

	json_object_set_new(r, "id", json_integer(id));
	json_object_set_new(r, "op", json_string(op));
	json_object_set_new(r, "profile", json_string(profile));
	if (peer != NULL)
		json_object_set_new(r, "peer_sae_id", json_string(peer));
	if (kid != NULL)
		json_object_set_new(r, "key_id", json_string(kid));
	return r;
}

static int
kc_one(int fd, json_t *req)
{
	double t0 = kc_now();
	json_t *rep;
	char *s;
	int ok;

	if (msg_send(fd, req) == -1 || (rep = msg_recv(fd, 60000)) == NULL) {
		fprintf(stderr, "km-client: no reply\n");
		return 2;
	}
	s = json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\nelapsed_ms=%.1f\n", s, kc_now() - t0);
	free(s);
	ok = json_is_true(json_object_get(rep, "ok"));
	json_decref(rep);
	return ok ? 0 : 1;
}

static int
kc_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * N requests, depth outstanding.  The figures are those of the requests
 * that got a key: a failed request is counted beside them, never in a
 * latency or a rate (issue 15).  Exit status 1 when any failed.
 */
static int
kc_bench(int fd, const char *profile, long n, const char *peer, long depth)
{
	double *lat = calloc((size_t)n, sizeof(*lat));
	double *sent = calloc((size_t)n, sizeof(*sent));
	long next = 0, done = 0, good = 0, bad = 0;
	double t0 = kc_now(), total;
	int rc = 2;

	if (lat == NULL || sent == NULL)
		goto done;
	while (done < n) {
		while (next < n && next - done < depth) {
			json_t *r =
			    kc_req(KM_OP_GET_KEY, profile, peer, NULL, next);
			sent[next] = kc_now();
			int sr = msg_send(fd, r);
			json_decref(r);
			if (sr == -1)
				goto done;
			next++;
		}
		json_t *rep = msg_recv(fd, 60000);
		if (rep == NULL)
			goto done;
		json_int_t id = json_integer_value(json_object_get(rep, "id"));
		if (json_is_true(json_object_get(rep, "ok")) && id >= 0 &&
		    id < n)
			lat[good++] = kc_now() - sent[id];
		else
			bad++;
		json_decref(rep);
		done++;
	}
	total = kc_now() - t0;
	if (good == 0) {
		printf("keys=0 failed=%ld depth=%ld (no figures: every request"
		       " failed)\n",
		    bad, depth);
		rc = 1;
		goto done;
	}
	qsort(lat, (size_t)good, sizeof(*lat), kc_cmp);
	printf("keys=%ld failed=%ld depth=%ld median_ms=%.3f p99_ms=%.3f"
	       " keys_per_s=%.0f\n",
	    good, bad, depth, lat[good / 2], lat[(size_t)((double)good * 0.99)],
	    (double)good / (total / 1e3));
	rc = bad ? 1 : 0;
done:
	free(lat);
	free(sent);
	return rc;
}

int
main(int argc, char **argv)
{
	int fd, rc;

	if (argc < 4) {
		fprintf(stderr,
		    "usage: km-client SOCK get PROFILE [PEER [COUNT]]\n"
		    "       km-client SOCK get-id PROFILE KEY_ID [PEER]\n"
		    "       km-client SOCK bench PROFILE N [PEER [DEPTH]]\n");
		return 2;
	}
	if ((fd = msg_connect(argv[1])) == -1) {
		perror(argv[1]);
		return 2;
	}
	if (strcmp(argv[2], "get") == 0) {
		json_t *r = kc_req(KM_OP_GET_KEY, argv[3],
		    argc > 4 && *argv[4] != '\0' ? argv[4] : NULL, NULL, 1);
		if (argc > 5)
			json_object_set_new(r, "count",
			    json_integer(strtol(argv[5], NULL, 10)));
		rc = kc_one(fd, r);
		json_decref(r);
	} else if (strcmp(argv[2], "get-id") == 0 && argc > 4) {
		json_t *r = kc_req(KM_OP_GET_KEY_BY_ID, argv[3],
		    argc > 5 ? argv[5] : NULL, argv[4], 1);
		rc = kc_one(fd, r);
		json_decref(r);
	} else if (strcmp(argv[2], "bench") == 0 && argc > 4) {
		long n = strtol(argv[4], NULL, 10);
		rc = n > 0 ? kc_bench(fd, argv[3], n, argc > 5 ? argv[5] : NULL,
				 argc > 6 ? strtol(argv[6], NULL, 10) : 1)
			   : 2;
	} else {
		rc = 2;
	}
	close(fd);
	return rc;
}
