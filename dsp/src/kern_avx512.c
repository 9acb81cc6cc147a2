/* SPDX-License-Identifier: MIT */
/* AVX-512 kernel (built with -mavx512f/dq/vl/bw, run after a CPU check). */
#define KERN_SYM(x)	mel_avx512_##x
#define KERN_NAME	mel_kern_avx512
#define KERN_STR	"avx512"
#define KERN_ISA	MEL_ISA_AVX512
#define KERN_LANES	8
#define KERN_FLANES	16
#include "kern_body.h"
