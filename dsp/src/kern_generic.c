/* SPDX-License-Identifier: MIT */
/* Baseline kernel: whatever the default target gives (SSE2 on x86-64). */
#define KERN_SYM(x)	mel_generic_##x
#define KERN_NAME	mel_kern_generic
#define KERN_STR	"generic"
#define KERN_ISA	MEL_ISA_GENERIC
#define KERN_LANES	2
#define KERN_FLANES	4
#include "kern_body.h"
