/*
 * qkd-bench: keys per second and per-key latency through the qkd014 client
 * against a KME (kme-sim in bench/qkd_keys.sh), on one reused connection.
 *
 *   qkd-bench URL CA CERT KEY SLAVE_SAE_ID [COUNT [SIZE [BATCH [get|post]]]]
 *
 * Fetches COUNT keys (default 10000) of SIZE bits (256), BATCH keys per
 * enc_keys request (1), and prints the median and 99th percentile latency
 * per key, the sustained keys/s and the number of connections made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"
#include "keymgr/qkd014.h"
#include "lib/sb.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct qkd_client_config cfg;
	struct qkd_client_stats st;
	struct qkd_client *qc;
	struct qkd_error err;
	struct qkd_keys *ks;
	enum qkd_method method = QKD_METHOD_GET;
	unsigned count = 10000, size = 256, batch = 1, nreq, i;
	double *lat, t0, t1, start, total;

	if (argc < 6 || argc > 10) {
		fprintf(stderr,
		    "usage: qkd-bench URL CA CERT KEY SLAVE "
		    "[COUNT [SIZE [BATCH [get|post]]]]\n");
		return 2;
	}
	if (argc > 6)
		count = (unsigned)strtoul(argv[6], NULL, 10);
	if (argc > 7)
		size = (unsigned)strtoul(argv[7], NULL, 10);
	if (argc > 8)
		batch = (unsigned)strtoul(argv[8], NULL, 10);
	if (argc > 9 && strcmp(argv[9], "post") == 0)
		method = QKD_METHOD_POST;
	if (count == 0 || batch == 0 || count % batch != 0) {
		fprintf(stderr,
		    "qkd-bench: COUNT must be a multiple of "
		    "BATCH\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = argv[1];
	cfg.ca_file = argv[2];
	cfg.cert_file = argv[3];
	cfg.key_file = argv[4];
	if ((qc = qkd_client_new(&cfg, &err)) == NULL) {
		fprintf(stderr, "qkd-bench: %s\n", err.reason);
		return 1;
	}
	nreq = count / batch;
	lat = xcalloc(nreq, sizeof(*lat));
	start = now_ms();
	for (i = 0; i < nreq; i++) {
		t0 = now_ms();
		ks = qkd_get_key(qc, argv[5], batch, size, method, &err);
		t1 = now_ms();
		if (ks == NULL) {
			fprintf(stderr, "qkd-bench: request %u: %s: %s\n", i,
			    qkd_err_name(err.code), err.reason);
			return 1;
		}
		qkd_keys_free(ks);
		lat[i] = (t1 - t0) / batch;
	}
	total = now_ms() - start;
	bench_sort(lat, nreq);
	qkd_client_stats(qc, &st);
	printf("keys %u size %u batch %u method %s\n", count, size, batch,
	    method == QKD_METHOD_GET ? "get" : "post");
	printf("median_ms_per_key %.3f\n", lat[nreq / 2]);
	printf("p99_ms_per_key %.3f\n", lat[(size_t)nreq * 99 / 100]);
	printf("keys_per_s %.0f\n", count / (total / 1e3));
	printf("connections %llu\n", (unsigned long long)st.connects);
	free(lat);
	qkd_client_free(qc);
	return 0;
}
