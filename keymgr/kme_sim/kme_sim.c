/*
 * kme-sim: ETSI GS QKD 014 KMEs for labs and tests (see kme_sim.h).
 *
 *   kme-sim --cert-dir DIR [--ca FILE]
 *           --kme NAME=ADDR:PORT:SAE[,SAE...] [--kme ...]
 *           [--fault NAME:LIST] [--key-size BITS] [--min-key-size BITS]
 *           [--max-key-size BITS] [--max-key-per-request N]
 *           [--max-key-count N] [--stored-keys N] [--key-rate N] [-v]
 *
 * Each KME listens on exactly ADDR:PORT (PORT 0: any free port) and serves
 * the SAEs listed.  Its certificate is DIR/kme-NAME.pem with key
 * DIR/kme-NAME.key; client certificates must chain to --ca (default
 * DIR/ca.pem), as mkcerts.sh lays them out.  When every KME listens,
 * kme-sim prints one line per KME, "kme NAME ADDR PORT", then "ready", on
 * stdout, and nothing more there.  SIGTERM or SIGINT stop it cleanly (exit
 * 0).  Fault lists are described in usage().
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "keymgr/kme_sim/kme_sim.h"
#include "lib/log.h"
#include "lib/sb.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kme-sim --cert-dir DIR [--ca FILE]\n"
	    "         --kme NAME=ADDR:PORT:SAE[,SAE...] [--kme ...]\n"
	    "         [--fault NAME:LIST] [--key-size BITS] [--min-key-size "
	    "BITS]\n"
	    "         [--max-key-size BITS] [--max-key-per-request N]\n"
	    "         [--max-key-count N] [--stored-keys N] [--key-rate N] "
	    "[-v]\n"
	    "fault LIST, comma-separated (also POST /sim/v1/faults at run "
	    "time):\n"
	    "  latency=MS   delay every API reply     unavailable  every call "
	    "503\n"
	    "  exhaust      no keys stored (503)      malformed    broken "
	    "JSON\n"
	    "  html         HTML error bodies         short        one key too "
	    "few\n"
	    "  wrong-size   keys one byte short       huge         4 MiB "
	    "replies\n"
	    "  many         dec_keys keeps keys       once         (default)\n"
	    "  bad-base64   keys not valid base64     close        close after"
	    " each reply\n"
	    "  none         clear all faults\n");
	exit(2);
}

struct sim_kme *
sim_kme_of_sae(struct sim *sim, const char *sae)
{
	size_t i;

	for (i = 0; i < sim->nkmes; i++)
		if (sim_kme_has_sae(&sim->kmes[i], sae))
			return &sim->kmes[i];
	return NULL;
}

bool
sim_kme_has_sae(const struct sim_kme *kme, const char *sae)
{
	size_t i;

	for (i = 0; i < kme->nsaes; i++)
		if (strcmp(kme->saes[i], sae) == 0)
			return true;
	return false;
}

int
sim_faults_parse(const char *list, struct sim_faults *f)
{
	struct sim_faults nf;
	char *copy, *tok, *save = NULL;
	int ret = -1;
	long v;

	memset(&nf, 0, sizeof(nf));
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "latency=", 8) == 0) {
			v = strtol(tok + 8, NULL, 10);
			if (v < 0 || v > 600000)
				goto done;
			nf.latency_ms = v;
		} else if (strcmp(tok, "unavailable") == 0 ||
		    strcmp(tok, "503") == 0)
			nf.unavailable = true;
		else if (strcmp(tok, "exhaust") == 0)
			nf.exhaust = true;
		else if (strcmp(tok, "malformed") == 0)
			nf.malformed = true;
		else if (strcmp(tok, "html") == 0)
			nf.html = true;
		else if (strcmp(tok, "short") == 0)
			nf.short_list = true;
		else if (strcmp(tok, "wrong-size") == 0)
			nf.wrong_size = true;
		else if (strcmp(tok, "huge") == 0)
			nf.huge = true;
		else if (strcmp(tok, "many") == 0)
			nf.many = true;
		else if (strcmp(tok, "bad-base64") == 0)
			nf.bad_base64 = true;
		else if (strcmp(tok, "close") == 0)
			nf.close = true;
		else if (strcmp(tok, "once") == 0)
			nf.many = false;
		else if (strcmp(tok, "none") != 0)
			goto done;
	}
	*f = nf;
	ret = 0;
done:
	free(copy);
	return ret;
}

void
sim_faults_format(const struct sim_faults *f, char *out, size_t outlen)
{
	struct sb sb;

	sb_init(&sb);
	if (f->latency_ms > 0)
		sb_printf(&sb, "latency=%ld,", f->latency_ms);
	if (f->unavailable)
		sb_puts(&sb, "unavailable,");
	if (f->exhaust)
		sb_puts(&sb, "exhaust,");
	if (f->malformed)
		sb_puts(&sb, "malformed,");
	if (f->html)
		sb_puts(&sb, "html,");
	if (f->short_list)
		sb_puts(&sb, "short,");
	if (f->wrong_size)
		sb_puts(&sb, "wrong-size,");
	if (f->huge)
		sb_puts(&sb, "huge,");
	if (f->many)
		sb_puts(&sb, "many,");
	if (f->bad_base64)
		sb_puts(&sb, "bad-base64,");
	if (f->close)
		sb_puts(&sb, "close,");
	if (sb.len == 0)
		sb_puts(&sb, "none,");
	sb.buf[--sb.len] = '\0';
	snprintf(out, outlen, "%s", sb.buf);
	sb_free(&sb);
}

/* NAME=ADDR:PORT:SAE[,SAE...]; ADDR may be [v6]. */
static int
sim_parse_kme(struct sim *sim, const char *arg)
{
	struct sim_kme *kme;
	char *copy, *p, *addr, *port, *saes, *tok, *save = NULL;
	int ret = -1;

	if (sim->nkmes == SIM_MAX_KMES)
		return -1;
	kme = &sim->kmes[sim->nkmes];
	copy = xstrdup(arg);
	if ((p = strchr(copy, '=')) == NULL || p == copy ||
	    p - copy > SIM_ID_MAX)
		goto done;
	*p++ = '\0';
	addr = p;
	if (*addr == '[') {
		addr++;
		if ((p = strchr(addr, ']')) == NULL || p[1] != ':')
			goto done;
		*p = '\0';
		port = p + 2;
	} else {
		if ((p = strchr(addr, ':')) == NULL)
			goto done;
		*p = '\0';
		port = p + 1;
	}
	if ((saes = strchr(port, ':')) == NULL)
		goto done;
	*saes++ = '\0';
	kme->port = (int)strtol(port, &p, 10);
	if (*p != '\0' || kme->port < 0 || kme->port > 65535 ||
	    strlen(addr) >= sizeof(kme->addr) || *addr == '\0')
		goto done;
	snprintf(kme->name, sizeof(kme->name), "%s", copy);
	snprintf(kme->addr, sizeof(kme->addr), "%s", addr);
	for (tok = strtok_r(saes, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (kme->nsaes == SIM_MAX_SAES || strlen(tok) > SIM_ID_MAX ||
		    sim_kme_of_sae(sim, tok) != NULL)
			goto done;
		kme->saes[kme->nsaes++] = xstrdup(tok);
	}
	if (kme->nsaes == 0)
		goto done;
	kme->sim = sim;
	TAILQ_INIT(&kme->delays);
	sim->nkmes++;
	ret = 0;
done:
	free(copy);
	return ret;
}

static int
sim_parse_fault(struct sim *sim, const char *arg)
{
	const char *colon = strchr(arg, ':');
	size_t i;

	if (colon == NULL)
		return -1;
	for (i = 0; i < sim->nkmes; i++)
		if (strlen(sim->kmes[i].name) == (size_t)(colon - arg) &&
		    strncmp(sim->kmes[i].name, arg, (size_t)(colon - arg)) == 0)
			return sim_faults_parse(
			    colon + 1, &sim->kmes[i].faults);
	return -1;
}

static int
sim_listen(struct sim_kme *kme)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	evutil_socket_t fd;

	if ((kme->http = evhttp_new(kme->sim->base)) == NULL)
		return -1;
	/* Every method reaches sim_api_cb, which answers 405 in JSON. */
	evhttp_set_allowed_methods(kme->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
		EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(kme->http, SIM_MAX_BODY);
	evhttp_set_max_headers_size(kme->http, SIM_MAX_HEADERS);
	evhttp_set_timeout(kme->http, 120);
	evhttp_set_gencb(kme->http, sim_api_cb, kme);
	if (sim_tls_kme(kme) == -1)
		return -1;
	kme->bound = evhttp_bind_socket_with_handle(
	    kme->http, kme->addr, (ev_uint16_t)kme->port);
	if (kme->bound == NULL) {
		log_err("KME %s: cannot listen on %s port %d", kme->name,
		    kme->addr, kme->port);
		return -1;
	}
	fd = evhttp_bound_socket_get_fd(kme->bound);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		kme->bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		kme->bound_port =
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static void
sim_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sim *sim = arg;

	log_info("signal %d: stopping", (int)sig);
	event_base_loopexit(sim->base, NULL);
}

static void
sim_free(struct sim *sim)
{
	struct sim_kme *kme;
	size_t i, j;

	for (i = 0; i < sim->nkmes; i++) {
		kme = &sim->kmes[i];
		sim_api_shutdown(kme);
		log_info("KME %s: %llu connections, %llu handshakes, %llu "
			 "requests, %llu keys",
		    kme->name, (unsigned long long)kme->stats.connections,
		    (unsigned long long)kme->stats.handshakes,
		    (unsigned long long)kme->stats.requests,
		    (unsigned long long)kme->stats.keys_out);
		if (kme->http != NULL)
			evhttp_free(kme->http);
		sim_tls_kme_free(kme);
		for (j = 0; j < kme->nsaes; j++)
			free(kme->saes[j]);
	}
	if (sim->ev_term != NULL)
		event_free(sim->ev_term);
	if (sim->ev_int != NULL)
		event_free(sim->ev_int);
	sim_pool_free(sim->pool);
	if (sim->base != NULL)
		event_base_free(sim->base);
}

static const struct option sim_opts[] = {
	{ "cert-dir", required_argument, NULL, 'd' },
	{ "ca", required_argument, NULL, 'c' },
	{ "kme", required_argument, NULL, 'k' },
	{ "fault", required_argument, NULL, 'f' },
	{ "key-size", required_argument, NULL, 1 },
	{ "min-key-size", required_argument, NULL, 2 },
	{ "max-key-size", required_argument, NULL, 3 },
	{ "max-key-per-request", required_argument, NULL, 4 },
	{ "max-key-count", required_argument, NULL, 5 },
	{ "stored-keys", required_argument, NULL, 6 },
	{ "key-rate", required_argument, NULL, 7 },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static long
sim_optnum(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "kme-sim: bad number %s\n", s);
		usage();
	}
	return v;
}

static int
sim_parse_args(struct sim *sim, int argc, char **argv)
{
	struct sim_limits *lim = &sim->lim;
	const char *faults[SIM_MAX_KMES * 4];
	size_t nfaults = 0, i;
	int ch;

	while ((ch = getopt_long(argc, argv, "v", sim_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': sim->cert_dir = optarg; break;
		case 'c': sim->ca_file = optarg; break;
		case 'k':
			if (sim_parse_kme(sim, optarg) == -1) {
				fprintf(
				    stderr, "kme-sim: bad --kme %s\n", optarg);
				usage();
			}
			break;
		case 'f':
			if (nfaults == sizeof(faults) / sizeof(faults[0]))
				usage();
			faults[nfaults++] = optarg;
			break;
		case 1:
			lim->key_size = sim_optnum(optarg, SIM_MAX_KEY_BITS);
			break;
		case 2:
			lim->min_key_size =
			    sim_optnum(optarg, SIM_MAX_KEY_BITS);
			break;
		case 3:
			lim->max_key_size =
			    sim_optnum(optarg, SIM_MAX_KEY_BITS);
			break;
		case 4:
			lim->max_key_per_request = sim_optnum(optarg, 100000);
			break;
		case 5:
			lim->max_key_count = sim_optnum(optarg, SIM_POOL_MAX);
			break;
		case 6:
			lim->stored_keys = sim_optnum(optarg, SIM_POOL_MAX);
			break;
		case 7: lim->key_rate = sim_optnum(optarg, 100000000); break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		default: usage();
		}
	}
	if (optind != argc || sim->nkmes == 0 || sim->cert_dir == NULL)
		usage();
	for (i = 0; i < nfaults; i++)
		if (sim_parse_fault(sim, faults[i]) == -1) {
			fprintf(stderr, "kme-sim: bad --fault %s\n", faults[i]);
			usage();
		}
	if (lim->min_key_size > lim->key_size ||
	    lim->key_size > lim->max_key_size || lim->min_key_size < 8 ||
	    lim->key_size % 8 != 0 || lim->max_key_per_request < 1) {
		fprintf(stderr, "kme-sim: inconsistent key sizes\n");
		usage();
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sim sim;
	char ca[4096];
	size_t i;
	int ret = 1;

	log_init("kme-sim", stderr);
	memset(&sim, 0, sizeof(sim));
	/* ETSI GS QKD 014 6.1 example values, but a 256-bit default key. */
	sim.lim = (struct sim_limits){ .key_size = 256,
		.min_key_size = 64,
		.max_key_size = 1024,
		.max_key_per_request = 128,
		.max_key_count = 100000,
		.stored_keys = 25000,
		.key_rate = 10000,
		.max_sae_id_count = 0 };
	sim_parse_args(&sim, argc, argv);
	if (sim.ca_file == NULL) {
		snprintf(ca, sizeof(ca), "%s/ca.pem", sim.cert_dir);
		sim.ca_file = ca;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sim.base = event_base_new()) == NULL || sim_tls_init(&sim) == -1)
		goto done;
	sim.pool = sim_pool_new(&sim.lim);
	sim.ev_term = evsignal_new(sim.base, SIGTERM, sim_signal_cb, &sim);
	sim.ev_int = evsignal_new(sim.base, SIGINT, sim_signal_cb, &sim);
	if (sim.ev_term == NULL || sim.ev_int == NULL ||
	    evsignal_add(sim.ev_term, NULL) == -1 ||
	    evsignal_add(sim.ev_int, NULL) == -1)
		goto done;
	for (i = 0; i < sim.nkmes; i++)
		if (sim_listen(&sim.kmes[i]) == -1)
			goto done;
	for (i = 0; i < sim.nkmes; i++)
		printf("kme %s %s %d\n", sim.kmes[i].name, sim.kmes[i].addr,
		    sim.kmes[i].bound_port);
	printf("ready\n");
	fflush(stdout);
	if (event_base_dispatch(sim.base) == -1)
		goto done;
	ret = 0;
done:
	sim_free(&sim);
	return ret;
}
