# bpf/: CO-RE programs on the USDT probes of libpool and libxdna-shim
# (tools/pooltrace/pooltrace.mk builds the tool).
#
# Built when the machine can (clang, bpftool and kernel BTF); BPF=0 turns it
# off, BPF=1 insists.  vmlinux.h is generated from the running kernel's BTF.
DEBS += clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev systemtap-sdt-dev bpftrace

BPF ?= $(if $(and $(shell command -v clang),$(shell command -v bpftool),$(wildcard /sys/kernel/btf/vmlinux)),1,0)
BPF_CLANG ?= clang
# -mcpu=v3: BPF_CMPXCHG for the per-command pool list (Linux 5.12; bookworm has 6.1)
BPF_CFLAGS := -target bpf -mcpu=v3 -g -O2 -Wall -D__TARGET_ARCH_x86 \
	-idirafter /usr/include/x86_64-linux-gnu -I$(B)/bpf -Ibpf
LIBBPF_LIBS = $(call lazy_pc,LIBBPF_LIBS,--libs libbpf)

$(B)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(B)/bpf/%.bpf.o: bpf/%.bpf.c bpf/pooltrace.h $(B)/bpf/vmlinux.h
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	bpftool gen skeleton $< name $(subst .,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(B)/bpf/usdt_notes.o: CPPFLAGS += -Ibpf

# The BPF suite links libpool statically so the probes are in the test binary.
ifeq ($(BPF),1)
TESTS += $(B)/tests/check_bpf
endif
CHECK_BPF_OBJS := $(B)/tests/check_bpf.o $(B)/tests/check_bpf_pipeline.o \
	$(B)/tests/check_bpf_live.o $(B)/tests/check_bpf_census.o $(B)/tests/check_bpf_probes_doc.o
$(CHECK_BPF_OBJS): CPPFLAGS += -Ibpf -I$(B)/bpf -Ilibpool/include $(CHECK_CFLAGS) \
	-DSRC_DIR='"$(CURDIR)"' \
	-DPOOLTRACE_BIN='"$(B)/tools/pooltrace"' -DPIPELINE_BIN='"$(CURDIR)/$(B)/tools/xdna-pipeline"' \
	-DEMU_SO='"$(CURDIR)/$(B)/libxdna-emu.so"' -DDATA_DIR='"$(CURDIR)/$(B)/data"'
$(CHECK_BPF_OBJS): $(B)/bpf/pooltrace.skel.h

# It traces xdna-pipeline on the emulator too (both providers).
$(B)/tests/check_bpf: $(CHECK_BPF_OBJS) $(B)/bpf/usdt_notes.o $(TEST_RUNNER) $(B)/libpool.a \
		$(B)/tools/pooltrace $(B)/tools/xdna-pipeline $(B)/libxdna-emu.so
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) $(LIBBPF_LIBS) -lelf -lz $(CHECK_LIBS)

# Keep the object: the skeleton embeds it, and deleting it forces rebuilds.
.SECONDARY: $(B)/bpf/pooltrace.bpf.o
