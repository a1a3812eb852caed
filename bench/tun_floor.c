/*
 * tun_floor: the smallest userspace TUN forwarder, the floor of what any
 * userspace dataplane (iked's among them) can reach on this machine
 * (bench/tun_floor.sh, docs/benchmarks.md "the floor").
 *
 *   tun_floor [-g] [-2] [-t PAGES] TUN LOCAL PEER PORT
 *
 * Creates the TUN device TUN (IFF_TUN, no packet information; the script
 * gives it its address and routes once it exists) and a UDP socket bound
 * to LOCAL:PORT, connected to PEER:PORT, and forwards: what is read from
 * TUN is sent to the peer in one datagram, what comes from the peer is
 * written to TUN.  One thread (-2: two, one per direction, as iked's tx
 * and rx), one epoll (level triggered: one read per readiness, then
 * epoll_wait again), no allocation after start.  A wakeup for one packet
 * costs epoll_wait, read, send (or recv, write): nothing less would do.
 *
 *   -g  AES-128-GCM as ESP does it (RFC 4106: salt | 64-bit IV nonce,
 *       SPI | sequence as AAD, a 16-octet tag), with one EVP context per
 *       direction keyed once at start; only the IV is set per packet.
 *       A datagram whose tag does not verify is dropped and counted.
 *   -t  after each packet, write one octet to each of PAGES distinct
 *       4 KiB pages (prefaulted at start): what touching more memory per
 *       wakeup costs here, a page at a time.
 *
 * The key is a fixed bench key known to both ends (the traffic is the
 * bench's pings inside a lab's namespaces).  Runs until killed; TERM ends
 * it and prints the packets moved and dropped on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define FLOOR_BUF 65536
#define FLOOR_HDR 16 /* SPI, sequence, 8-octet IV: RFC 4106 3.1 */
#define FLOOR_TAG 16
#define FLOOR_SPI 0x00004242u
#define FLOOR_MAX_PAGES 65536
#define FLOOR_PAGE 4096

struct floor {
	int tun, udp;
	bool gcm;
	EVP_CIPHER_CTX *enc, *dec;
	uint8_t salt[4];
	uint64_t seq;
	uint8_t *touch; /* -t: pages written per packet */
	size_t npages;
};

/* one direction's thread: its epoll and its buffer */
struct floor_side {
	struct floor *f;
	int ep;
	uint64_t moved, dropped; /* this thread's; read at exit only */
	uint8_t buf[FLOOR_BUF + FLOOR_HDR + FLOOR_TAG];
};

static void
floor_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* RFC 4106 4: the nonce is salt | the packet's explicit IV. */
static void
floor_nonce(const struct floor *f, const uint8_t *hdr, uint8_t *nonce)
{
	memcpy(nonce, f->salt, 4);
	memcpy(nonce + 4, hdr + 8, 8);
}

/* hdr | ciphertext of len | tag, in place; -1 if the cipher fails. */
static int
floor_seal(struct floor *f, uint8_t *hdr, size_t len)
{
	uint8_t nonce[12], *data = hdr + FLOOR_HDR;
	uint64_t s = ++f->seq;
	int n;

	floor_put32(hdr, FLOOR_SPI);
	floor_put32(hdr + 4, (uint32_t)s);
	for (int i = 7; i >= 0; i--, s >>= 8)
		hdr[8 + i] = (uint8_t)s;
	floor_nonce(f, hdr, nonce);
	if (EVP_EncryptInit_ex(f->enc, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(f->enc, NULL, &n, hdr, 8) != 1 ||
	    EVP_EncryptUpdate(f->enc, data, &n, data, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(f->enc, data + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(
		f->enc, EVP_CTRL_AEAD_GET_TAG, FLOOR_TAG, data + len) != 1)
		return -1;
	return 0;
}

/* The inner length of a sealed datagram of len octets, or -1. */
static ssize_t
floor_open(struct floor *f, uint8_t *hdr, size_t len)
{
	uint8_t nonce[12], *data = hdr + FLOOR_HDR;
	size_t dlen;
	int n;

	if (len < FLOOR_HDR + FLOOR_TAG)
		return -1;
	dlen = len - FLOOR_HDR - FLOOR_TAG;
	floor_nonce(f, hdr, nonce);
	if (EVP_DecryptInit_ex(f->dec, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(f->dec, NULL, &n, hdr, 8) != 1 ||
	    EVP_DecryptUpdate(f->dec, data, &n, data, (int)dlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(
		f->dec, EVP_CTRL_AEAD_SET_TAG, FLOOR_TAG, data + dlen) != 1 ||
	    EVP_DecryptFinal_ex(f->dec, data + dlen, &n) != 1)
		return -1;
	return (ssize_t)dlen;
}

static void
floor_touch(struct floor *f)
{
	for (size_t i = 0; i < f->npages; i++)
		f->touch[i * FLOOR_PAGE]++;
}

/* One packet from the TUN device to the peer. */
static void
floor_tun_in(struct floor_side *s)
{
	struct floor *f = s->f;
	uint8_t *buf = s->buf;
	ssize_t r = read(f->tun, buf + FLOOR_HDR, FLOOR_BUF);
	size_t len;

	if (r <= 0)
		return;
	len = (size_t)r;
	if (f->gcm) {
		if (floor_seal(f, buf, len) == -1) {
			s->dropped++;
			return;
		}
		if (send(f->udp, buf, FLOOR_HDR + len + FLOOR_TAG, 0) < 0)
			s->dropped++;
	} else if (send(f->udp, buf + FLOOR_HDR, len, 0) < 0)
		s->dropped++;
	s->moved++;
	floor_touch(f);
}

/* One datagram from the peer to the TUN device. */
static void
floor_udp_in(struct floor_side *s)
{
	struct floor *f = s->f;
	uint8_t *buf = s->buf;
	ssize_t r = recv(f->udp, buf, FLOOR_BUF + FLOOR_HDR + FLOOR_TAG, 0);

	if (r <= 0)
		return;
	if (f->gcm) {
		if ((r = floor_open(f, buf, (size_t)r)) < 0) {
			s->dropped++;
			return;
		}
		buf += FLOOR_HDR;
	}
	if (write(f->tun, buf, (size_t)r) < 0)
		s->dropped++;
	s->moved++;
	floor_touch(f);
}

static void *
floor_run(void *arg)
{
	struct floor_side *s = arg;
	struct epoll_event evs[2];
	int n;

	for (;;) {
		n = epoll_wait(s->ep, evs, 2, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == s->f->tun)
				floor_tun_in(s);
			else
				floor_udp_in(s);
		}
		if (n < 0 && errno != EINTR)
			return NULL;
	}
}

static int
floor_tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		perror("tun_floor: /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("tun_floor: TUNSETIFF");
		close(fd);
		return -1;
	}
	return fd;
}

static int
floor_udp_open(const char *local, const char *peer, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)port) };
	struct sockaddr_in b = a;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || inet_pton(AF_INET, local, &a.sin_addr) != 1 ||
	    inet_pton(AF_INET, peer, &b.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    connect(fd, (struct sockaddr *)&b, sizeof(b)) < 0) {
		perror("tun_floor: UDP socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The fixed bench key (AES-128 and the 4-octet salt, RFC 4106 8.1). */
static int
floor_keys(struct floor *f)
{
	static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
		0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

	memcpy(f->salt, "\x10\x11\x12\x13", 4);
	if ((f->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (f->dec = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(f->enc, EVP_aes_128_gcm(), NULL, key, NULL) !=
		1 ||
	    EVP_DecryptInit_ex(f->dec, EVP_aes_128_gcm(), NULL, key, NULL) != 1)
		return -1;
	return 0;
}

static int
floor_epoll(int fd1, int fd2)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	ev.data.fd = fd1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd1, &ev) < 0)
		return -1;
	ev.data.fd = fd2;
	if (fd2 >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev) < 0)
		return -1;
	return ep;
}

static void
floor_usage(void)
{
	fprintf(stderr,
	    "usage: tun_floor [-g] [-2] [-t PAGES] TUN LOCAL PEER PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct floor f;
	static struct floor_side one, two;
	bool threads2 = false;
	pthread_t t;
	sigset_t set;
	int c, sig;

	while ((c = getopt(argc, argv, "g2t:")) != -1) {
		if (c == 'g')
			f.gcm = true;
		else if (c == '2')
			threads2 = true;
		else if (c == 't')
			f.npages = strtoul(optarg, NULL, 10);
		else
			floor_usage();
	}
	if (argc - optind != 4 || f.npages > FLOOR_MAX_PAGES)
		floor_usage();
	if (f.npages > 0 &&
	    (f.touch = mmap(NULL, f.npages * FLOOR_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)) ==
		MAP_FAILED) {
		perror("tun_floor: mmap");
		return 1;
	}
	if ((f.tun = floor_tun_open(argv[optind])) < 0 ||
	    (f.udp = floor_udp_open(argv[optind + 1], argv[optind + 2],
		 atoi(argv[optind + 3]))) < 0)
		return 1;
	if (f.gcm && floor_keys(&f) == -1) {
		fprintf(stderr, "tun_floor: AES-128-GCM\n");
		return 1;
	}
	/* TERM is taken by sigwait in main; the packet threads block it */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	one.f = two.f = &f;
	if (threads2) {
		one.ep = floor_epoll(f.tun, -1);
		two.ep = floor_epoll(f.udp, -1);
	} else
		one.ep = floor_epoll(f.tun, f.udp);
	if (one.ep < 0 || (threads2 && two.ep < 0) ||
	    pthread_create(&t, NULL, floor_run, &one) != 0 ||
	    (threads2 && pthread_create(&t, NULL, floor_run, &two) != 0)) {
		perror("tun_floor: start");
		return 1;
	}
	printf("tun_floor: %s up\n", argv[optind]);
	fflush(stdout);
	sigwait(&set, &sig);
	fprintf(stderr, "tun_floor: %llu moved, %llu dropped\n",
	    (unsigned long long)(one.moved + two.moved),
	    (unsigned long long)(one.dropped + two.dropped));
	EVP_CIPHER_CTX_free(f.enc);
	EVP_CIPHER_CTX_free(f.dec);
	return 0;
}
