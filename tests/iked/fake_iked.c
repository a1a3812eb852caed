/*
 * fake_iked: stands in for iked in the show-command transcript test
 * (show_e2e.sh), so that the commands go the whole way — the cli, mgd's
 * parsing against qsafe-rpc-ike.yang, the routing to the "iked" handler,
 * the reply, the cli's renderer and mgd's `| display xml|json` — before
 * the engine exists.  mgd starts it as iked (QSAFE_LIBEXEC).  Each rpc is
 * answered with a fixture: the key is the rpc name followed by the input's
 * members in name order, `+name` for a flag and `+name=value` otherwise
 * (show-security-ike-security-associations+detail+index=5); the map file
 * $IKE_SHOW_MAP has lines `KEY FIXTURE`, and the answer is
 * $IKE_SHOW_DIR/FIXTURE.json.  A key the map lacks is an error line naming
 * it, so the transcript shows what mgd sent.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/sb.h"
#include "proto/link.h"

static int
fake_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
fake_key(const char *name, const json_t *input, struct sb *key)
{
	const char *names[32], *k;
	json_t *v;
	size_t n = 0, i;

	sb_puts(key, name);
	json_object_foreach((json_t *)input, k, v) if (n < 32) names[n++] = k;
	qsort(names, n, sizeof(names[0]), fake_cmp);
	for (i = 0; i < n; i++) {
		v = json_object_get(input, names[i]);
		if (json_is_string(v))
			sb_printf(
			    key, "+%s=%s", names[i], json_string_value(v));
		else
			sb_printf(key, "+%s", names[i]);
	}
}

/* The fixture the map names for key, or NULL. */
static char *
fake_lookup(const char *key)
{
	const char *map = getenv("IKE_SHOW_MAP");
	FILE *f = map ? fopen(map, "r") : NULL;
	char line[512], k[256], fx[256];
	char *found = NULL;

	if (f == NULL)
		return NULL;
	while (found == NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%255s %255s", k, fx) == 2 &&
		    strcmp(k, key) == 0)
			found = xstrdup(fx);
	fclose(f);
	return found;
}

static json_t *
fake_rpc(void *ctx, const char *name, const json_t *input, struct sb *err)
{
	struct sb key, path;
	char *fx;
	json_t *data = NULL;
	json_error_t jerr;

	sb_init(&key);
	sb_init(&path);
	fake_key(name, input, &key);
	if ((fx = fake_lookup(sb_str(&key))) == NULL) {
		sb_printf(err, "error: fake iked has no fixture for %s",
		    sb_str(&key));
		goto done;
	}
	sb_printf(&path, "%s/%s.json",
	    getenv("IKE_SHOW_DIR") ? getenv("IKE_SHOW_DIR") : ".", fx);
	if ((data = json_load_file(sb_str(&path), JSON_DECODE_ANY, &jerr)) ==
	    NULL)
		sb_printf(err, "error: %s: %s", sb_str(&path), jerr.text);
	free(fx);
done:
	sb_free(&key);
	sb_free(&path);
	return data;
}

static const struct link_ops fake_ops = {
	.name = "iked",
	.rpc = fake_rpc,
};

static void
fake_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct link *l;
	struct event *term;
	const char *state_dir;
	int fd;

	if (link_args(argc, argv, "iked", &fd, &state_dir) == -1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if ((l = link_new(base, fd, &fake_ops, NULL)) == NULL)
		return 1;
	term = evsignal_new(base, SIGTERM, fake_signal, base);
	event_add(term, NULL);
	event_base_dispatch(base);
	event_free(term);
	link_free(l);
	event_base_free(base);
	return 0;
}
