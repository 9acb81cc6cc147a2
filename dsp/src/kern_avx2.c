/* SPDX-License-Identifier: MIT */
/* AVX2 + FMA kernel (built with -mavx2 -mfma, run after a CPU check). */
#define KERN_SYM(x)	mel_avx2_##x
#define KERN_NAME	mel_kern_avx2
#define KERN_STR	"avx2"
#define KERN_ISA	MEL_ISA_AVX2
#define KERN_LANES	4
#define KERN_FLANES	8
#include "kern_body.h"
