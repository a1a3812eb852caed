/*
 * kme_harness: kme-sim as a child process of a test (see kme_harness.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "tests/keymgr/kme_harness.h"

static const char *
kmeh_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "kme_harness: %s not set\n", name);
		return NULL;
	}
	return v;
}

static int
kmeh_wait(pid_t pid, int timeout_ms)
{
	int st, waited;

	for (waited = 0; waited <= timeout_ms; waited += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	return -1;
}

int
kmeh_certs(char *dir, size_t len, const char *saes)
{
	const char *mk = kmeh_env("MKCERTS"), *tmp = getenv("TMPDIR");
	pid_t pid;
	int st;

	if (mk == NULL)
		return -1;
	snprintf(dir, len, "%s/qkd014-test.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", mk, "-k", "A B F X", "-s", saes, dir,
		    (char *)NULL);
		_exit(127);
	}
	st = kmeh_wait(pid, 60000);
	return (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

static int
kmeh_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
kmeh_rmdir(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, kmeh_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read "kme NAME ADDR PORT" lines until "ready". */
static int
kmeh_read_ports(struct kme_harness *h, int fd)
{
	char buf[4096], name[32], addr[64], *line, *nl;
	size_t len = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int port, left;

	for (left = 10000; left > 0; left -= 100) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		for (line = buf; (nl = strchr(line, '\n')) != NULL;
		     line = nl + 1) {
			*nl = '\0';
			if (strcmp(line, "ready") == 0)
				return 0;
			if (sscanf(line, "kme %31s %63s %d", name, addr,
				&port) == 3 &&
			    h->nkmes < KMEH_MAX) {
				snprintf(h->kmes[h->nkmes].name,
				    sizeof(h->kmes[0].name), "%s", name);
				h->kmes[h->nkmes++].port = port;
			}
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
	}
	return -1;
}

int
kmeh_start(struct kme_harness *h, const char *certdir, const char *const *args)
{
	const char *sim = kmeh_env("KME_SIM");
	const char *argv[64];
	size_t n = 0;
	int p[2], ret;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	snprintf(h->certdir, sizeof(h->certdir), "%s", certdir);
	if (sim == NULL || pipe(p) == -1)
		return -1;
	argv[n++] = sim;
	argv[n++] = "--cert-dir";
	argv[n++] = certdir;
	while (args != NULL && *args != NULL && n < 62)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((h->pid = fork()) == -1)
		return -1;
	if (h->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execv(sim, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	ret = kmeh_read_ports(h, p[0]);
	close(p[0]);
	if (ret == -1)
		kmeh_stop(h);
	return ret;
}

int
kmeh_stop(struct kme_harness *h)
{
	int st;

	if (h->pid <= 0)
		return -1;
	kill(h->pid, SIGTERM);
	if ((st = kmeh_wait(h->pid, 10000)) == -1) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &st, 0);
		h->pid = -1;
		return -1;
	}
	h->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
kmeh_port(const struct kme_harness *h, const char *kme)
{
	size_t i;

	for (i = 0; i < h->nkmes; i++)
		if (strcmp(h->kmes[i].name, kme) == 0)
			return h->kmes[i].port;
	return -1;
}

struct qkd_client *
kmeh_client(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *ca, long timeout_ms)
{
	struct qkd_client_config cfg;
	struct qkd_error err;
	struct qkd_client *qc;
	char url[128], cafile[512], cert[512], key[512];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", kmeh_port(h, kme));
	snprintf(
	    cafile, sizeof(cafile), "%s/%s.pem", h->certdir, ca ? ca : "ca");
	snprintf(cert, sizeof(cert), "%s/%s.pem", h->certdir, prefix);
	snprintf(key, sizeof(key), "%s/%s.key", h->certdir, prefix);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = url;
	cfg.ca_file = cafile;
	cfg.cert_file = cert;
	cfg.key_file = key;
	cfg.connect_timeout_ms = timeout_ms;
	cfg.timeout_ms = timeout_ms;
	if ((qc = qkd_client_new(&cfg, &err)) == NULL)
		fprintf(stderr, "kmeh_client: %s\n", err.reason);
	return qc;
}

struct kmeh_buf {
	char *out;
	size_t len, cap;
};

static size_t
kmeh_write(char *p, size_t sz, size_t n, void *arg)
{
	struct kmeh_buf *b = arg;
	size_t take = n;

	if (take > b->cap - 1 - b->len)
		take = b->cap - 1 - b->len;
	memcpy(b->out + b->len, p, take);
	b->len += take;
	b->out[b->len] = '\0';
	return n;
}

int
kmeh_http(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *method, const char *path, const char *body, char *out,
    size_t outlen)
{
	struct kmeh_buf b = { out, 0, outlen };
	char url[512], f[512];
	long status = -1;
	CURL *c;

	if (outlen == 0 || (c = curl_easy_init()) == NULL)
		return -1;
	out[0] = '\0';
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", kmeh_port(h, kme),
	    path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	snprintf(f, sizeof(f), "%s/ca.pem", h->certdir);
	curl_easy_setopt(c, CURLOPT_CAINFO, f);
	snprintf(f, sizeof(f), "%s/%s.pem", h->certdir, prefix);
	curl_easy_setopt(c, CURLOPT_SSLCERT, f);
	snprintf(f, sizeof(f), "%s/%s.key", h->certdir, prefix);
	curl_easy_setopt(c, CURLOPT_SSLKEY, f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, kmeh_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return (int)status;
}

int
kmeh_ctl(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *path, const char *body, char *out, size_t outlen)
{
	char p[256];

	snprintf(p, sizeof(p), "/sim/v1/%s", path);
	return kmeh_http(h, kme, prefix, NULL, p, body, out, outlen);
}

long
kmeh_stat(const struct kme_harness *h, const char *kme, const char *prefix,
    const char *name)
{
	char out[1024];
	json_t *root;
	long v = -1;

	if (kmeh_ctl(h, kme, prefix, "stats", NULL, out, sizeof(out)) != 200)
		return -1;
	if ((root = json_loads(out, 0, NULL)) != NULL &&
	    json_is_integer(json_object_get(root, name)))
		v = (long)json_integer_value(json_object_get(root, name));
	json_decref(root);
	return v;
}
