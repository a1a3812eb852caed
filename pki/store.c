/*
 * store: the directory that holds the pki objects, one file per object, and
 * the configured CA profiles.  Every write is atomic (a temp file in the same
 * directory, fsync, rename, fsync of the directory) so that a crash or a
 * failed command leaves either the old file or the new one, never half of
 * one.  Names are validated before they become part of a path.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "lib/log.h"
#include "pki/pki_int.h"

struct pki_store {
	char *dir;
	struct pki_ca_profile *profiles;
	size_t nprofiles;
};

static const char *const store_kinds[] = {
	PKI_KIND_KEY,
	PKI_KIND_CERT,
	PKI_KIND_REQ,
	PKI_KIND_CA,
	PKI_KIND_CRL,
	NULL,
};

/* File name suffix of each kind; the marker lives next to the keys. */
static const char *
store_suffix(const char *kind)
{
	if (strcmp(kind, PKI_KIND_KEY) == 0)
		return "key";
	if (strcmp(kind, PKI_KIND_IMPORTED) == 0)
		return "imported";
	if (strcmp(kind, PKI_KIND_CERT) == 0 || strcmp(kind, PKI_KIND_CA) == 0)
		return "crt";
	if (strcmp(kind, PKI_KIND_REQ) == 0)
		return "csr";
	if (strcmp(kind, PKI_KIND_CRL) == 0)
		return "crl";
	return "pem";
}

static const char *
store_subdir(const char *kind)
{
	return strcmp(kind, PKI_KIND_IMPORTED) == 0 ? PKI_KIND_KEY : kind;
}

bool
pki_name_is_valid(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return false;
	n = strlen(name);
	if (n < 1 || n > PKI_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (i == 0 && !alnum)
			return false;
		if (!alnum && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

const char *
pki_key_type_name(enum pki_key_type t)
{
	switch (t) {
	case PKI_KEY_RSA: return "rsa";
	case PKI_KEY_ECDSA: return "ecdsa";
	}
	return "?";
}

const char *
pki_ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

/*
 * Directories: keys/ 0700 (only root reads a private key: iked's network
 * process, another uid, cannot), the public kinds 0755 and the store 0711
 * so that it can read certificates, CA certificates and CRLs (files 0644).
 * A store made before is brought to these modes when we own it.
 */
static int
store_mkdir(const char *path, mode_t mode, struct sb *err)
{
	struct stat sbuf;

	if (mkdir(path, mode) == 0 || errno == EEXIST) {
		if (lstat(path, &sbuf) == 0 && S_ISDIR(sbuf.st_mode) &&
		    sbuf.st_uid == geteuid() && (sbuf.st_mode & 07777) != mode)
			(void)chmod(path, mode);
		return 0;
	}
	sb_printf(err, "error: cannot create %s: %s", path, strerror(errno));
	return -1;
}

struct pki_store *
pki_store_new(const char *dir, struct sb *err)
{
	struct pki_store *st;
	size_t i;

	if (store_mkdir(dir, 0711, err) == -1)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	for (i = 0; store_kinds[i] != NULL; i++) {
		char *p = pki_store_path(st, store_kinds[i], NULL);
		int rc = store_mkdir(p,
		    strcmp(store_kinds[i], PKI_KIND_KEY) == 0 ? 0700 : 0755,
		    err);

		free(p);
		if (rc == -1) {
			pki_store_free(st);
			return NULL;
		}
	}
	return st;
}

static void
store_profiles_free(struct pki_store *st)
{
	size_t i;

	for (i = 0; i < st->nprofiles; i++) {
		struct pki_ca_profile *p = &st->profiles[i];

		free((char *)p->name);
		free((char *)p->ca_identity);
		free((char *)p->crl_url);
		free((char *)p->enrollment_url);
	}
	free(st->profiles);
	st->profiles = NULL;
	st->nprofiles = 0;
}

void
pki_store_free(struct pki_store *st)
{
	if (st == NULL)
		return;
	store_profiles_free(st);
	free(st->dir);
	free(st);
}

static char *
store_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

size_t
pki_store_set_ca_profiles(
    struct pki_store *st, const struct pki_ca_profile *profs, size_t n)
{
	size_t i, bad = 0;

	store_profiles_free(st);
	st->profiles = xcalloc(n ? n : 1, sizeof(*st->profiles));
	for (i = 0; i < n; i++) {
		struct pki_ca_profile *p = &st->profiles[st->nprofiles];

		/* A bad name costs that profile only (the schema refuses it).
		 */
		if (!pki_name_is_valid(profs[i].name)) {
			log_warn("pki: ca-profile '%s' left out: not a valid "
				 "name",
			    profs[i].name ? profs[i].name : "");
			bad++;
			continue;
		}
		p->name = xstrdup(profs[i].name);
		p->ca_identity = store_dup(profs[i].ca_identity);
		p->revocation = profs[i].revocation;
		p->crl_url = store_dup(profs[i].crl_url);
		p->enrollment_url = store_dup(profs[i].enrollment_url);
		st->nprofiles++;
	}
	return bad;
}

const struct pki_ca_profile *
pki_store_ca_profile(const struct pki_store *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nprofiles; i++)
		if (strcmp(st->profiles[i].name, name) == 0)
			return &st->profiles[i];
	return NULL;
}

char *
pki_store_path(const struct pki_store *st, const char *kind, const char *name)
{
	struct sb p;

	sb_init(&p);
	sb_printf(&p, "%s/%s", st->dir, store_subdir(kind));
	if (name != NULL)
		sb_printf(&p, "/%s.%s", name, store_suffix(kind));
	return sb_steal(&p);
}

void
pki_buf_free(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

uint8_t *
pki_file_read(const char *path, size_t *len, struct sb *err)
{
	uint8_t *buf = NULL;
	struct stat sbuf;
	size_t got = 0, cap = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		sb_printf(
		    err, "error: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sbuf) == -1 || !S_ISREG(sbuf.st_mode)) {
		sb_printf(err, "error: %s is not a regular file", path);
		goto done;
	}
	if (sbuf.st_size > PKI_FILE_MAX) {
		sb_printf(err, "error: %s is larger than %d bytes", path,
		    PKI_FILE_MAX);
		goto done;
	}
	/* One byte more than the size tells a file that grew meanwhile. */
	cap = (size_t)sbuf.st_size + 1;
	buf = xmalloc(cap + 1);
	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			sb_printf(err, "error: cannot read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == cap) {
		sb_printf(err, "error: %s changed while it was read", path);
		goto fail;
	}
	buf[got] = '\0';
	*len = got;
	goto done;
fail:
	pki_buf_free(buf, cap + 1);
	buf = NULL;
done:
	close(fd);
	return buf;
}

int
pki_obj_write(struct pki_store *st, const char *kind, const char *name,
    const void *buf, size_t len, mode_t mode, struct sb *err)
{
	char *path;
	int rc;

	if (!pki_name_is_valid(name)) {
		sb_puts(err, "error: invalid name");
		return -1;
	}
	path = pki_store_path(st, kind, name);
	rc = file_write_atomic(path, buf, len, mode, err);
	free(path);
	return rc;
}

uint8_t *
pki_obj_read(struct pki_store *st, const char *kind, const char *name,
    size_t *len, struct sb *err)
{
	uint8_t *buf;
	char *path;

	if (!pki_name_is_valid(name)) {
		sb_puts(err, "error: invalid name");
		return NULL;
	}
	path = pki_store_path(st, kind, name);
	buf = pki_file_read(path, len, err);
	free(path);
	return buf;
}

bool
pki_obj_exists(struct pki_store *st, const char *kind, const char *name)
{
	struct stat sbuf;
	char *path;
	bool ok;

	if (!pki_name_is_valid(name))
		return false;
	path = pki_store_path(st, kind, name);
	ok = lstat(path, &sbuf) == 0 && S_ISREG(sbuf.st_mode);
	free(path);
	return ok;
}

int
pki_obj_remove(struct pki_store *st, const char *kind, const char *name)
{
	char *path;
	int rc;

	if (!pki_name_is_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	path = pki_store_path(st, kind, name);
	rc = unlink(path);
	if (rc == 0)
		file_fsync_dir(path);
	free(path);
	return rc;
}

static int
store_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
pki_store_list(struct pki_store *st, const char *kind)
{
	const char *suffix = store_suffix(kind);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char *path;
	DIR *d;

	path = pki_store_path(st, kind, NULL);
	d = opendir(path);
	free(path);
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		char *name;

		if (dot == NULL || strcmp(dot + 1, suffix) != 0)
			continue;
		name = xstrndup(de->d_name, (size_t)(dot - de->d_name));
		if (!pki_name_is_valid(name)) {
			free(name);
			continue;
		}
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = name;
	}
	closedir(d);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	names[n] = NULL;
	qsort(names, n, sizeof(*names), store_name_cmp);
	return names;
}

void
pki_names_free(char **names)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

char *
pki_cert_pem(X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	BUF_MEM *m;

	if (b == NULL)
		fatal("out of memory");
	if (PEM_write_bio_X509(b, cert) == 1) {
		BIO_get_mem_ptr(b, &m);
		out = xstrndup(m->data, m->length);
	}
	BIO_free(b);
	return out;
}

char *
pki_key_pem(EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	BUF_MEM *m;

	if (b == NULL)
		fatal("out of memory");
	/* PKCS#8, unencrypted: the file itself is 0600 (RFC 5958). */
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) == 1) {
		BIO_get_mem_ptr(b, &m);
		out = xstrndup(m->data, m->length);
		*len = m->length;
		OPENSSL_cleanse(m->data, m->length);
	}
	BIO_free(b);
	return out;
}

bool
pki_has_local_cert(struct pki_store *st, const char *id)
{
	return pki_obj_exists(st, PKI_KIND_CERT, id);
}

bool
pki_has_key(struct pki_store *st, const char *id)
{
	return pki_obj_exists(st, PKI_KIND_KEY, id);
}

bool
pki_has_ca_cert(struct pki_store *st, const char *profile)
{
	return pki_obj_exists(st, PKI_KIND_CA, profile);
}

bool
pki_key_is_imported(struct pki_store *st, const char *id)
{
	return pki_obj_exists(st, PKI_KIND_IMPORTED, id);
}
