# Man pages, written in scdoc (doc/NAME.SECTION.scd) and generated at build
# into $(B)/doc/NAME.SECTION: one per tool and an overview per library.
# `make install` installs those of installed programs, `make uninstall`
# removes them.  tests/tools/check_man.sh checks that each tool's --help
# options appear in its page.
DEBS += scdoc man-db
MANDIR ?= $(DATADIR)/man

DOC_SRCS  := $(wildcard doc/*.scd)
DOC_PAGES := $(patsubst doc/%.scd,$(B)/doc/%,$(DOC_SRCS))

$(B)/doc/%: doc/%.scd
	@mkdir -p $(@D)
	@command -v scdoc >/dev/null || { echo "doc: scdoc is not installed (make deps)"; exit 1; }
	scdoc < $< > $@

TOOLS += $(DOC_PAGES)

# Pages of what `make install` installs (melbench, poolbench and the
# examples are not installed).
DOC_INSTALL := xdna-info.1 xdna-bench.1 xdna-run.1 xdna-mel.1 xdna-pipeline.1 \
	$(if $(filter 1,$(BPF)),pooltrace.8) \
	libxdna-shim.3 libpool.3 libmel.3 libxdna-emu.7

INSTALL_TARGETS += install-doc
UNINSTALL_TARGETS += uninstall-doc
.PHONY: install-doc uninstall-doc
install-doc: $(addprefix $(B)/doc/,$(DOC_INSTALL))
	@for p in $(DOC_INSTALL); do \
		s=$${p##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s || exit 1; \
		echo "install -m 644 $(B)/doc/$$p $(DESTDIR)$(MANDIR)/man$$s/"; \
		install -m 644 $(B)/doc/$$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done

uninstall-doc:
	@for p in $(DOC_INSTALL); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p"; \
		rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p; \
	done
