/* SPDX-License-Identifier: MIT */
#ifndef XCLBIN_INFO_H
#define XCLBIN_INFO_H

#include <stdbool.h>

/* Print the design in @path; 0, or 2 after one line on stderr. */
int xclbin_info(const char *path, bool json);

#endif
