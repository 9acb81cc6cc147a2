/* SPDX-License-Identifier: MIT */
/*
 * The log-mel code path of the tools that compute it (xdna-mel, melbench,
 * xdna-pipeline): --isa and XDNAPOOL_MEL_ISA refused alike, one line and
 * exit 2.  Inline, so tool.o (in every tool) does not need libmel.
 */
#ifndef TOOLS_COMMON_TOOL_ISA_H
#define TOOLS_COMMON_TOOL_ISA_H

#include <errno.h>
#include <stdlib.h>

#include "mel/mel.h"
#include "tool.h"

/* Why mel_isa_parse() refused a code path's name, from its -errno. */
static inline const char *tool_isa_reason(int err)
{
	return err == -ENOTSUP ? "this CPU (or build) has no such code path" :
				 "not auto, generic, avx2 or avx512";
}

/* --isa NAME: the code path, or the usage error naming it. */
static inline enum mel_isa tool_parse_isa(const char *name)
{
	enum mel_isa isa = MEL_ISA_AUTO;
	int err = mel_isa_parse(name, &isa);

	if (err)
		tool_usage_error("--isa '%s': %s", name, tool_isa_reason(err));
	return isa;
}

/*
 * XDNAPOOL_MEL_ISA, which libmel reads when --isa left the path to it
 * (chosen is MEL_ISA_AUTO): checked as --isa is, before any work.
 */
static inline void tool_check_isa_env(enum mel_isa chosen)
{
	const char *v = getenv(MEL_ISA_ENV);
	enum mel_isa isa;
	int err;

	if (chosen != MEL_ISA_AUTO || !v || !*v)
		return;
	err = mel_isa_parse(v, &isa);
	if (err)
		tool_usage_error("%s='%s': %s", MEL_ISA_ENV, v, tool_isa_reason(err));
}

#endif /* TOOLS_COMMON_TOOL_ISA_H */
