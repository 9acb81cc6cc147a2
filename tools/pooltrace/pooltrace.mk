# tools/pooltrace: the user-space side of bpf/pooltrace.bpf.c, one file per
# responsibility (see pooltrace_tool.h).  Built when bpf/bpf.mk says BPF=1.
POOLTRACE_SRCS := $(wildcard tools/pooltrace/*.c)
# Objects in $(B)/tools/pooltrace-objs: $(B)/tools/pooltrace is the binary
# (and pooltrace.o the old single object in existing build trees).
POOLTRACE_OBJS := $(POOLTRACE_SRCS:tools/pooltrace/%.c=$(B)/tools/pooltrace-objs/%.o)

$(B)/tools/pooltrace-objs/%.o: tools/pooltrace/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

ifeq ($(BPF),1)
TOOLS += $(B)/tools/pooltrace
endif

$(POOLTRACE_OBJS): CPPFLAGS += -Ibpf -I$(B)/bpf -Itools/common
$(POOLTRACE_OBJS): $(B)/bpf/pooltrace.skel.h

$(B)/tools/pooltrace: $(POOLTRACE_OBJS) $(B)/bpf/usdt_notes.o $(TOOL_COMMON_O)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBBPF_LIBS) -lelf -lz

INSTALL_TARGETS += $(if $(filter 1,$(BPF)),install-pooltrace)
UNINSTALL_TARGETS += uninstall-pooltrace
.PHONY: install-pooltrace uninstall-pooltrace
install-pooltrace: $(B)/tools/pooltrace
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $< $(DESTDIR)$(BINDIR)/
uninstall-pooltrace:
	rm -f $(DESTDIR)$(BINDIR)/pooltrace
