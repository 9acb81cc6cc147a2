# XRT 2.13's xrt::xclbin reads the packaged designs as our reader does
# (tests/xrt/xclbin_xrt.cpp).  Built when XRT's headers are there (XRT=1,
# decided by libpool/xrt/xrt.mk); links libxrt_coreutil, as FACTS.md says.
ifeq ($(XRT),1)
CXX ?= c++
$(B)/tests/xclbin_xrt: tests/xrt/xclbin_xrt.cpp $(SHIM_A) | $(XCLBIN_FILES)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 -g -Wall -Wextra -Werror $(SANFLAGS) -Idriver-shim/include -I$(XRT_INCDIR) \
		-o $@ $< $(SHIM_A) $(DRM_LIBS) $(EXPAT_LIBS) -lxrt_coreutil -luuid -pthread
# A plain test: mk/run-tests.sh runs it with no argument.
$(B)/tests/check_xclbin_xrt: $(B)/tests/xclbin_xrt
	printf '#!/bin/sh\nexec "$$(dirname "$$0")/xclbin_xrt" $(abspath $(XCLBIN_FILES))\n' > $@
	chmod +x $@
TESTS += $(B)/tests/check_xclbin_xrt
endif
