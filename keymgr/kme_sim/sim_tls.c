/*
 * sim_tls: the TLS side of each simulated KME.
 *
 * ETSI GS QKD 014 5 asks for TLS with mutual authentication.  Each KME has
 * its own SSL_CTX with its server certificate (cert_dir/kme-NAME.pem and
 * .key) and requires a client certificate that chains to the configured CA
 * (SSL_VERIFY_FAIL_IF_NO_PEER_CERT: no certificate, no connection).  The
 * verified certificate's subject CN is the calling SAE's ID.
 *
 * evhttp gets its connections through evhttp_set_bevcb(): each accepted
 * socket becomes an OpenSSL bufferevent in accepting state.  Connections
 * and completed handshakes are counted per KME, so tests can check that a
 * client reuses one connection for many keys.
 */
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "keymgr/kme_sim/kme_sim.h"
#include "lib/log.h"

int
sim_tls_init(struct sim *sim)
{
	sim->ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	return sim->ssl_idx < 0 ? -1 : 0;
}

/* Count each connection's first completed handshake once. */
static void
sim_tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct sim_kme *kme;
	int fd, one = 1;

	if (!(where & SSL_CB_HANDSHAKE_DONE))
		return;
	kme = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (kme == NULL || SSL_get_ex_data(ssl, kme->sim->ssl_idx) != NULL)
		return;
	SSL_set_ex_data((SSL *)ssl, kme->sim->ssl_idx, kme);
	/*
	 * A reply leaves as several TLS records; without TCP_NODELAY the
	 * later ones wait for the client's delayed ACK (40 ms a key).
	 */
	if ((fd = SSL_get_fd(ssl)) >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	kme->stats.handshakes++;
	if (SSL_session_reused(ssl))
		kme->stats.resumed++;
}

static struct bufferevent *
sim_tls_bevcb(struct event_base *base, void *arg)
{
	struct sim_kme *kme = arg;
	struct bufferevent *bev;
	SSL *ssl;

	if ((ssl = SSL_new(kme->ssl_ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	kme->stats.connections++;
	return bev;
}

static void
sim_tls_log_errors(const char *what, const char *file)
{
	char buf[256];
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_err("%s %s: %s", what, file, buf);
	}
}

int
sim_tls_kme(struct sim_kme *kme)
{
	char cert[4096], key[4096];
	SSL_CTX *ctx;

	snprintf(
	    cert, sizeof(cert), "%s/kme-%s.pem", kme->sim->cert_dir, kme->name);
	snprintf(
	    key, sizeof(key), "%s/kme-%s.key", kme->sim->cert_dir, kme->name);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return -1;
	kme->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_app_data(ctx, kme);
	SSL_CTX_set_info_callback(ctx, sim_tls_info_cb);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		sim_tls_log_errors("server certificate", cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sim_tls_log_errors("server key", key);
		return -1;
	}
	/* ETSI GS QKD 014 5: the SAE authenticates with its certificate. */
	if (SSL_CTX_load_verify_locations(ctx, kme->sim->ca_file, NULL) != 1) {
		sim_tls_log_errors("CA", kme->sim->ca_file);
		return -1;
	}
	SSL_CTX_set_verify(
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_session_id_context(
	    ctx, (const unsigned char *)kme->name, (unsigned)strlen(kme->name));
	evhttp_set_bevcb(kme->http, sim_tls_bevcb, kme);
	return 0;
}

void
sim_tls_kme_free(struct sim_kme *kme)
{
	SSL_CTX_free(kme->ssl_ctx);
	kme->ssl_ctx = NULL;
}

int
sim_tls_peer_sae(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	unsigned char *utf8 = NULL;
	X509_NAME_ENTRY *ne;
	X509 *peer;
	SSL *ssl;
	int idx, n, i, ret = -1;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return -1;
	peer = SSL_get0_peer_certificate(ssl);
	if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return -1;
	idx = X509_NAME_get_index_by_NID(
	    X509_get_subject_name(peer), NID_commonName, -1);
	if (idx < 0)
		return -1;
	ne = X509_NAME_get_entry(X509_get_subject_name(peer), idx);
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ne));
	if (n <= 0 || (size_t)n >= outlen || n > SIM_ID_MAX)
		goto done;
	for (i = 0; i < n; i++)
		if (utf8[i] <= 0x20 || utf8[i] >= 0x7f)
			goto done;
	memcpy(out, utf8, (size_t)n);
	out[n] = '\0';
	ret = 0;
done:
	OPENSSL_free(utf8);
	return ret;
}
