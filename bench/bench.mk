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

# bench/resamplebench: libsoxr's recipes (and libsamplerate / libswresample
# when their -dev packages are installed: `make deps-bench`) for speed and
# quality, and the single-stream front end on the speech samples.
# `make bench-resample` runs it (RESAMPLE_ARGS="-r 31").
BENCH_DEBS += libsamplerate0-dev libswresample-dev sox
RS_HAVE_SRC = $(call lazy_sh,RS_HAVE_SRC,pkg-config --exists samplerate && echo 1)
RS_HAVE_SWR = $(call lazy_sh,RS_HAVE_SWR,pkg-config --exists libswresample libavutil && echo 1)
lazy_sh = $(eval $(1) := $$(shell $(2) 2>/dev/null))$($(1))
RESAMPLE_ARGS ?=

$(B)/bench/resample.o: CPPFLAGS += -Idsp/include -Itools/common $(SOXR_CFLAGS) \
	$(if $(RS_HAVE_SRC),-DHAVE_SAMPLERATE $(shell pkg-config --cflags samplerate)) \
	$(if $(RS_HAVE_SWR),-DHAVE_SWRESAMPLE $(shell pkg-config --cflags libswresample libavutil))
$(B)/bench/resamplebench: $(B)/bench/resample.o $(B)/libmelaudio.a $(B)/libmel.a $(B)/tools/common/tool.o
	$(CC) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(SOXR_LIBS) -lm \
		$(if $(RS_HAVE_SRC),$(shell pkg-config --libs samplerate)) \
		$(if $(RS_HAVE_SWR),$(shell pkg-config --libs libswresample libavutil))
TOOLS += $(B)/bench/resamplebench

# 44.1 kHz stereo speech (the two channels at different gains), from the
# bundled sample with sox.
$(B)/data/speech44k_stereo.wav: $(B)/data/speech.wav
	sox $< -r 44100 -c 2 $@ remix 1 1v0.8

.PHONY: bench-resample
bench-resample: $(B)/bench/resamplebench $(B)/data/speech.wav $(B)/data/speech44k_stereo.wav
	$(B)/bench/resamplebench $(RESAMPLE_ARGS) $(B)/data/speech.wav $(B)/data/speech44k_stereo.wav

# xdna-pipeline pooled vs --copy, both kernels, 32 and 50 streams, interleaved
# rounds (bench/pipeline.sh; PIPE_BENCH_ROUNDS, PIPE_BENCH_STREAMS).
PIPE_BENCH_ROUNDS ?= 5
PIPE_BENCH_STREAMS ?= 32 50
.PHONY: bench-pipeline
bench-pipeline: $(B)/tools/xdna-pipeline $(B)/data/speech.wav $(B)/libxdna-emu.so
	./bench/pipeline.sh $(B) $(PIPE_BENCH_ROUNDS) $(PIPE_BENCH_STREAMS)
