// SPDX-License-Identifier: MIT
/*
 * xrt_handoff: hand a libxdna-shim buffer to XRT in another process.
 *
 *   process A (exporter)                     process B (importer)
 *   xdna_dev_open, xdna_bo_create(SHARE),
 *   fill, xdna_bo_sync, xdna_bo_export
 *           -- dma-buf fd over a Unix socket (SCM_RIGHTS) -->
 *                                            pool_backend_xrt (xrtDeviceOpen),
 *                                            pool_xrt_import_fd (xrtBOImport),
 *                                            sync, check the bytes
 *           <-- one status byte -----------------------------
 *
 * A GEM handle is only valid on the DRM fd that made it: a dma-buf fd is
 * what crosses drivers and processes.  A keeps its BO until B answers.
 *
 *   xrt_handoff [BYTES]     (default 65536, at most HANDOFF_MAX_BYTES: 1 GiB;
 *                            K, M, G suffixes)
 *
 * Needs an amdxdna device for A (or the xdna-emu interposer: see
 * mk/run.sh) and a usable XRT for B.  XRT's noop shim cannot import: B then
 * says so in one line and the exit status is 1.  Exit 0 only when B
 * imported the buffer and read back what A wrote.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pool/pool_xrt.h>
#include <xdna/shim.h>

#include "tool.h"

#define PROG	"xrt_handoff"

struct handoff_msg {
	uint64_t size;
	uint64_t seed;
};

static unsigned char pattern(uint64_t seed, size_t i)
{
	return (unsigned char)(seed + i * 7);
}

/* ------------------------------------------------------------ fd passing */

static int send_fd(int sock, int fd, const struct handoff_msg *m)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -errno;
}

/* 0 and *fd, -EPIPE if the peer closed without sending, or -errno. */
static int recv_fd(int sock, int *fd, struct handoff_msg *m)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if (n != sizeof(*m) || !c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* ---------------------------------------------------------- B: importer */

static int check_bytes(struct pool_xrt_bo *bo, const struct handoff_msg *m)
{
	const unsigned char *p = pool_xrt_bo_map(bo);
	size_t i;

	if (!p) {
		fprintf(stderr, "%s: B: the imported BO has no CPU mapping\n", PROG);
		return 1;
	}
	for (i = 0; i < m->size; i++) {
		if (p[i] != pattern(m->seed, i)) {
			fprintf(stderr, "%s: B: byte %zu is 0x%02x, A wrote 0x%02x\n", PROG, i,
				p[i], pattern(m->seed, i));
			return 1;
		}
	}
	return 0;
}

static int import_and_check(struct pool_backend *be, int fd, const struct handoff_msg *m)
{
	struct pool_xrt_bo *bo;
	int err, rc;

	err = pool_xrt_import_fd(be, fd, &bo);
	if (err) {
		fprintf(stderr, "%s: B: import failed: %s\n", PROG, pool_xrt_errmsg());
		return 1;
	}
	rc = 1;
	if (pool_xrt_bo_size(bo) < m->size)
		fprintf(stderr, "%s: B: imported %zu bytes, A sent %" PRIu64 "\n", PROG,
			pool_xrt_bo_size(bo), m->size);
	else if (pool_xrt_bo_sync(bo, POOL_SYNC_FROM_DEVICE, 0, 0))
		fprintf(stderr, "%s: B: %s\n", PROG, pool_xrt_errmsg());
	else
		rc = check_bytes(bo, m);
	if (!rc)
		printf("%s: B: imported fd %d into XRT: %zu bytes, device address 0x%" PRIx64
		       ", contents as written by A\n", PROG, fd, pool_xrt_bo_size(bo),
		       pool_xrt_bo_dev_addr(bo));
	pool_xrt_bo_free(bo);
	return rc;
}

static int importer(int sock)
{
	struct pool_backend *be;
	struct handoff_msg m;
	unsigned char status;
	int fd = -1, err, rc = 1;

	err = recv_fd(sock, &fd, &m);
	if (err)
		return 1;	/* A failed and said why */
	be = pool_backend_xrt(NULL);
	if (!be)
		fprintf(stderr, "%s: B: %s\n", PROG, pool_xrt_errmsg());
	else
		rc = import_and_check(be, fd, &m);
	pool_backend_put(be);
	close(fd);
	status = (unsigned char)rc;
	if (send(sock, &status, 1, MSG_NOSIGNAL) != 1)
		rc = 1;
	return rc;
}

/* ---------------------------------------------------------- A: exporter */

static int export_bo(int sock, struct xdna_bo *bo, size_t size)
{
	struct handoff_msg m = { .size = size, .seed = (uint64_t)getpid() };
	unsigned char *p = xdna_bo_map(bo), status = 1;
	size_t i;
	int fd, err;

	for (i = 0; i < size; i++)
		p[i] = pattern(m.seed, i);
	err = xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0);
	if (!err)
		err = xdna_bo_export(bo, &fd);
	if (err) {
		fprintf(stderr, "%s: A: %s\n", PROG, xdna_errmsg());
		return 1;
	}
	printf("%s: A: sending a %zu-byte SHARE BO (GEM handle %u, device address 0x%" PRIx64
	       ") as dma-buf fd %d\n", PROG, size, xdna_bo_handle(bo), xdna_bo_dev_addr(bo), fd);
	fflush(stdout);
	err = send_fd(sock, fd, &m);
	close(fd);		/* the message in flight holds the dma-buf */
	if (err) {
		fprintf(stderr, "%s: A: sendmsg: %s\n", PROG, strerror(-err));
		return 1;
	}
	/* Keep the BO until B is done with it. */
	if (recv(sock, &status, 1, 0) != 1)
		status = 1;
	return status;
}

static int exporter(int sock, size_t size)
{
	struct xdna_dev *dev;
	struct xdna_bo *bo;
	int err, rc;

	err = xdna_dev_open(NULL, &dev);
	if (err)
		return tool_device_error(err, "A", xdna_errmsg());
	err = xdna_bo_create(dev, XDNA_BO_SHARE, size, &bo);
	if (err) {
		fprintf(stderr, "%s: A: %s\n", PROG, xdna_errmsg());
		xdna_dev_close(dev);
		return 1;
	}
	rc = export_bo(sock, bo, size);
	xdna_bo_destroy(bo);
	xdna_dev_close(dev);
	return rc;
}

/* ----------------------------------------------------------------- main */

#define HANDOFF_DEFAULT_BYTES	(64ULL << 10)
/* An example, not a stress test: A fills every byte and B reads them back. */
#define HANDOFF_MAX_BYTES	(1ULL << 30)

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [BYTES]\n"
		   "  BYTES      size of the buffer handed over (1..%llu, K/M/G allowed;\n"
		   "             default %llu)\n"
		   "  -h, --help this text\n"
		   "  --version  print the version\n"
		   "Exit status: 0 B imported the buffer and read back what A wrote, 1 it did\n"
		   "not (named on stderr), 2 bad usage, 3 no device.\n",
		PROG, HANDOFF_MAX_BYTES, HANDOFF_DEFAULT_BYTES);
}

static size_t parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	size_t size = HANDOFF_DEFAULT_BYTES;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1)
		tool_common_option(c, argv, usage);
	if (optind < argc)
		size = tool_parse_bytes("BYTES", argv[optind++], 1, HANDOFF_MAX_BYTES);
	tool_no_more_args(argc, argv, optind);
	return size;
}

int main(int argc, char **argv)
{
	int sv[2], status, rc;
	size_t size;
	bool b_ok;
	pid_t pid;

	tool_init(argv[0]);
	size = parse_args(argc, argv);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror(PROG ": socketpair");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror(PROG ": fork");
		return 1;
	}
	if (!pid) {
		close(sv[0]);
		rc = importer(sv[1]);
		close(sv[1]);
		return rc;
	}
	close(sv[1]);
	rc = exporter(sv[0], size);
	close(sv[0]);	/* B, still waiting when A failed, sees the end and exits 1 */
	b_ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	/* A's own failure is the one to report: 3 when there is no device */
	if (!rc && !b_ok)
		rc = 1;
	return rc;
}
