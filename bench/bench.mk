# bench/peers: libpool against DPDK rte_mempool, FFmpeg AVBufferPool,
# GstBufferPool and a mutex pool (see bench/peers.c).  Not part of `all`,
# `check` or `deps`: `make deps-bench` installs its Debian packages,
# `make bench-peers` builds and runs it (PEERS_ARGS="-r 9", "-q").
BENCH_DEBS := dpdk-dev libavutil-dev libgstreamer1.0-dev
PEERS_CFLAGS = $(call lazy_pc,PEERS_CFLAGS,--cflags libdpdk libavutil gstreamer-1.0)
PEERS_LIBS = $(call lazy_pc,PEERS_LIBS,--libs libdpdk libavutil gstreamer-1.0)
PEERS_ARGS ?=

.PHONY: deps-bench bench-peers bench-peers-build
deps-bench:
	@./mk/deps.sh $(sort $(BENCH_DEBS))

bench-peers-build: $(B)/bench/peers

bench-peers: $(B)/bench/peers
	$(B)/bench/peers $(PEERS_ARGS)

$(B)/bench/peers.o: CPPFLAGS += -Ilibpool/include -Itools/common
$(B)/bench/peers.o: CFLAGS += $(PEERS_CFLAGS) -Wno-shadow
$(B)/bench/peers: $(B)/bench/peers.o $(B)/libpool.a $(B)/tools/common/tool.o
	$(CC) $(LDFLAGS) -o $@ $< $(B)/tools/common/tool.o $(B)/libpool.a $(PEERS_LIBS)
