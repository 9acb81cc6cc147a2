# dsp/ - Whisper log-mel front end (libmel), audio decoding (libmelaudio),
# tools/melbench, tools/xdna-mel and their Check tests.
#
#   make FFT=fftw    also build the FFTW anchor (GPL, never in libmel) into
#                    melbench and the FFTW cross-check test.

SNDFILE_CFLAGS    = $(call lazy_pc,SNDFILE_CFLAGS,--cflags sndfile)
SNDFILE_LIBS      = $(call lazy_pc,SNDFILE_LIBS,--libs sndfile)
SOXR_CFLAGS       = $(call lazy_pc,SOXR_CFLAGS,--cflags soxr)
SOXR_LIBS         = $(call lazy_pc,SOXR_LIBS,--libs soxr)
FFTW_CFLAGS       = $(call lazy_pc,FFTW_CFLAGS,--cflags fftw3f fftw3)
FFTW_LIBS         = $(call lazy_pc,FFTW_LIBS,--libs fftw3f fftw3)

DEBS += libsndfile1-dev libsoxr-dev python3-numpy
ifeq ($(FFT),fftw)
DEBS += libfftw3-dev
endif

MEL_X86 := $(filter x86_64%,$(shell $(CC) -dumpmachine 2>/dev/null))

MEL_OBJS := $(addprefix $(B)/dsp/src/,plan.o filterbank.o stream.o \
	kern_generic.o $(if $(MEL_X86),kern_avx2.o kern_avx512.o))
MELAUDIO_OBJS := $(B)/dsp/src/audio.o
# Not libmel: the benchmark baseline and (FFT=fftw) the FFTW anchor, in
# bench/mel so that no tool sees them through dsp's include paths.
MELTEST_OBJS := $(B)/bench/mel/naive.o $(if $(filter fftw,$(FFT)),$(B)/bench/mel/fftw_mel.o)
MEL_SO      := $(B)/libmel.so.$(VERSION)
MELAUDIO_SO := $(B)/libmelaudio.so.$(VERSION)

LIBS  += $(B)/libmel.a $(B)/libmelaudio.a $(MEL_SO) $(MELAUDIO_SO)
TOOLS += $(B)/tools/melbench $(B)/tools/xdna-mel
TESTS += $(B)/tests/check_mel $(B)/tests/check_audio

$(B)/dsp/%.o: CPPFLAGS += -Idsp/include
$(B)/dsp/src/kern_%.o: OPT = -O3 -g
$(B)/dsp/src/kern_avx2.o: CFLAGS += -mavx2 -mfma
$(B)/dsp/src/kern_avx512.o: CFLAGS += -mavx512f -mavx512dq -mavx512vl \
	-mavx512bw -mavx2 -mfma -mprefer-vector-width=512
$(B)/dsp/src/audio.o: CPPFLAGS += $(SNDFILE_CFLAGS) $(SOXR_CFLAGS)
$(B)/bench/mel/%.o: CPPFLAGS += -Idsp/include
# The FFTW anchor reads libmel's plan tables (white-box): only it sees dsp/src.
$(B)/bench/mel/fftw_mel.o: CPPFLAGS += -Idsp/src $(FFTW_CFLAGS) -DMEL_HAVE_FFTW

# Rebuild what depends on FFT= when it changes between runs.
MEL_FFT_CFG := $(B)/dsp/fft.cfg
$(shell mkdir -p $(B)/dsp && echo '$(FFT)' | cmp -s - $(MEL_FFT_CFG) || \
	echo '$(FFT)' > $(MEL_FFT_CFG))
MEL_FFT_DEFS = $(if $(filter fftw,$(FFT)),-DMEL_HAVE_FFTW)
MEL_FFT_LIBS = $(if $(filter fftw,$(FFT)),$(FFTW_LIBS))

$(B)/libmel.a: $(MEL_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/libmelaudio.a: $(MELAUDIO_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# Shared libraries, as libpool's: soname, version script, no undefined symbols.
$(MEL_SO): $(MEL_OBJS) dsp/libmel.map
	$(CC) -shared -o $@ $(MEL_OBJS) $(LDFLAGS) -Wl,-soname,libmel.so.$(ABI_MAJOR) \
		-Wl,--version-script=dsp/libmel.map $(if $(SAN),,-Wl,--no-undefined) -lm
	ln -sf $(notdir $@) $(B)/libmel.so.$(ABI_MAJOR)
	ln -sf libmel.so.$(ABI_MAJOR) $(B)/libmel.so

$(MELAUDIO_SO): $(MELAUDIO_OBJS) dsp/libmelaudio.map
	$(CC) -shared -o $@ $(MELAUDIO_OBJS) $(LDFLAGS) -Wl,-soname,libmelaudio.so.$(ABI_MAJOR) \
		-Wl,--version-script=dsp/libmelaudio.map $(if $(SAN),,-Wl,--no-undefined) \
		$(SNDFILE_LIBS) $(SOXR_LIBS) -lm
	ln -sf $(notdir $@) $(B)/libmelaudio.so.$(ABI_MAJOR)
	ln -sf libmelaudio.so.$(ABI_MAJOR) $(B)/libmelaudio.so

$(B)/dsp/libmeltest.a: $(MELTEST_OBJS) $(MEL_FFT_CFG)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $(MELTEST_OBJS)

# Canonical reference outputs, regenerated (and sha256-checked) from the
# inputs in tests/data/mel by Debian's python3 + numpy.
MEL_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
MEL_REF_DIR := $(B)/tests/data/mel
$(MEL_REF_DIR)/.stamp: tests/gen_mel_ref.py tests/mel_reference.py \
		$(wildcard tests/data/mel/*)
	$(MEL_PYTHON) tests/gen_mel_ref.py $(MEL_REF_DIR)
	@touch $@

CHECK_MEL_OBJS := $(B)/tests/check_mel.o $(B)/tests/check_mel_maths.o $(B)/tests/check_mel_stream.o
$(CHECK_MEL_OBJS): CPPFLAGS += -DMEL_REF_DIR='"$(MEL_REF_DIR)"'

$(B)/tools/melbench.o $(CHECK_MEL_OBJS): $(MEL_FFT_CFG)
$(B)/tools/melbench.o $(CHECK_MEL_OBJS): CPPFLAGS += -Idsp/include -Ibench/mel $(MEL_FFT_DEFS)
# The suite also tests libmel's internals (mel_impl.h); melbench does not.
$(CHECK_MEL_OBJS): CPPFLAGS += -Idsp/src
$(B)/tools/xdna-mel.o $(B)/tests/check_audio.o: CPPFLAGS += -Idsp/include
$(CHECK_MEL_OBJS) $(B)/tests/check_audio.o: CPPFLAGS += $(CHECK_CFLAGS)

$(B)/tools/melbench: $(B)/tools/melbench.o $(B)/dsp/libmeltest.a $(B)/libmel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MEL_FFT_LIBS) -lm

$(B)/tools/xdna-mel: $(B)/tools/xdna-mel.o $(B)/libmelaudio.a $(B)/libmel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(SOXR_LIBS) -lm

$(B)/tests/check_mel: $(CHECK_MEL_OBJS) $(TEST_RUNNER) $(B)/dsp/libmeltest.a $(B)/libmel.a \
		| $(MEL_REF_DIR)/.stamp
	$(CC) $(LDFLAGS) -o $@ $^ $(MEL_FFT_LIBS) $(CHECK_LIBS) -lm

$(B)/tests/check_audio: $(B)/tests/check_audio.o $(TEST_RUNNER) $(B)/libmelaudio.a $(B)/libmel.a
	$(CC) $(LDFLAGS) -o $@ $^ $(SNDFILE_LIBS) $(SOXR_LIBS) $(CHECK_LIBS) -lm


# Installation: both libraries (shared and static), their headers, their .pc
# (written for the install's paths) and xdna-mel.
MEL_HDRS := dsp/include/mel/mel.h dsp/include/mel/audio.h
INSTALL_TARGETS += install-dsp
UNINSTALL_TARGETS += uninstall-dsp
.PHONY: install-dsp uninstall-dsp
install-dsp: $(B)/libmel.a $(B)/libmelaudio.a $(MEL_SO) $(MELAUDIO_SO) $(B)/tools/xdna-mel
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/mel $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libmel.a $(B)/libmelaudio.a $(DESTDIR)$(LIBDIR)/
	$(call install_so,$(MEL_SO),libmel)
	$(call install_so,$(MELAUDIO_SO),libmelaudio)
	install -m 644 $(MEL_HDRS) $(DESTDIR)$(INCLUDEDIR)/mel/
	$(call install_pc,dsp/libmel.pc.in)
	$(call install_pc,dsp/libmelaudio.pc.in)
	install -m 755 $(B)/tools/xdna-mel $(DESTDIR)$(BINDIR)/

uninstall-dsp:
	$(call uninstall_so,libmel)
	$(call uninstall_so,libmelaudio)
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/mel/,$(notdir $(MEL_HDRS))) \
		$(DESTDIR)$(PKGCONFIGDIR)/libmel.pc $(DESTDIR)$(PKGCONFIGDIR)/libmelaudio.pc \
		$(DESTDIR)$(BINDIR)/xdna-mel
	$(call rmdir_empty,$(DESTDIR)$(INCLUDEDIR)/mel)
