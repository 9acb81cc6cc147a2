# tools/xdna-pipeline: joins dsp/, libpool/ and libxdna-shim (the main job).
DEBS += espeak-ng

PIPE_OBJS := $(addprefix $(B)/tools/pipeline/,pipeline.o design.o setup.o front.o npu.o \
	consume.o copy.o report.o reference.o metrics.o) $(B)/tools/common/tool.o
PIPE_CPPFLAGS = -Itools -Idsp/include -Ilibpool/include -Idriver-shim/include \
	-Idriver-shim/emu/include
$(PIPE_OBJS) $(B)/tools/xdna-pipeline.o $(B)/tests/check_pipeline.o: \
	CPPFLAGS += $(PIPE_CPPFLAGS)
$(B)/tests/check_pipeline.o: CPPFLAGS += $(CHECK_CFLAGS)
PIPE_LIBS = $(B)/libpool.a $(B)/libmelaudio.a $(B)/libmel.a $(SHIM_A)
# /metrics and /health (tools/pipeline/metrics.c)
MHD_CFLAGS = $(call lazy_pc,MHD_CFLAGS,--cflags libmicrohttpd)
MHD_LIBS   = $(call lazy_pc,MHD_LIBS,--libs libmicrohttpd)
$(B)/tools/pipeline/metrics.o: CPPFLAGS += $(MHD_CFLAGS)
DEBS += libmicrohttpd-dev
PIPE_LDLIBS = $(DRM_LIBS) $(EXPAT_LIBS) $(SNDFILE_LIBS) $(SOXR_LIBS) $(MHD_LIBS) -lm -ldl

TOOLS += $(B)/tools/xdna-pipeline $(B)/data/speech.wav
EMU_TESTS += $(B)/tests/check_pipeline

$(B)/tools/xdna-pipeline: $(B)/tools/xdna-pipeline.o $(PIPE_OBJS) $(PIPE_LIBS) | $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(PIPE_LDLIBS)

$(B)/tests/check_pipeline: $(B)/tests/check_pipeline.o $(TEST_RUNNER) $(PIPE_OBJS) $(PIPE_LIBS) \
		| $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(PIPE_LDLIBS) $(CHECK_LIBS)

# Bundled sample: espeak-ng speech (22.05 kHz, so the resampler is exercised).
# Without espeak-ng the pipeline runs on generated audio instead (--seconds).
PIPE_SAMPLE_TEXT := And so, my fellow Americans: ask not what your country can do \
	for you, ask what you can do for your country. The buffers are pooled, the \
	spectrogram is written in place, and the accelerator reads it without a copy.
$(B)/data/speech.wav:
	@mkdir -p $(@D)
	@if command -v espeak-ng >/dev/null; then \
		espeak-ng -s 150 -w $@ "$(PIPE_SAMPLE_TEXT)"; \
	else \
		echo "pipeline: espeak-ng not installed; make run uses generated audio"; : > $@; \
	fi


INSTALL_TARGETS += install-pipeline
UNINSTALL_TARGETS += uninstall-pipeline
.PHONY: install-pipeline uninstall-pipeline
install-pipeline: $(B)/tools/xdna-pipeline
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $< $(DESTDIR)$(BINDIR)/
uninstall-pipeline:
	rm -f $(DESTDIR)$(BINDIR)/xdna-pipeline

# The command line: usage errors, --isa, the CPU figures (a script).
$(B)/tests/check_pipeline_cli: tests/tools/check_pipeline_cli.sh | $(B)/tools/xdna-pipeline \
		$(B)/data/speech.wav $(XCLBIN_FILES)
	@mkdir -p $(@D)
	cp $< $@
EMU_TESTS += $(B)/tests/check_pipeline_cli
