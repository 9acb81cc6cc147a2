// SPDX-License-Identifier: MIT
/*
 * The one table of the XDNA_EMU_* variables the emulator reads (README.md's
 * environment table lists the same).  A name of the prefix that is not one
 * of them -- XDNA_EMU_DELAYUS=5 for XDNA_EMU_DELAY_US -- is refused like a
 * bad value (RULES.md ENV_VALUES): one line naming it, the device does not
 * open, never a silently ignored setting.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu.h"

extern char **environ;

#define EMU_ENV_PREFIX	"XDNA_EMU_"

static const char *const emu_env_names[] = {
	"XDNA_EMU_QUIET",		/* emu_core.c: the banner */
	"XDNA_EMU_FLAVOUR",		/* emu_flavour.c: the released driver */
	"XDNA_EMU_DEVICE",		/* emu_flavour.c: the part */
	"XDNA_EMU_DELAY_US",		/* emu_core.c: command latency */
	"XDNA_EMU_JOB_TIMEOUT_MS",	/* emu_flavour.c: the job timeout */
	"XDNA_EMU_FAIL",		/* emu_core.c: fault injection */
	"XDNA_EMU_CENSUS_FILE",		/* emu_core.c: the census at exit */
	"XDNA_EMU_SHM_NAME",		/* emu_devshm.c: the device segment */
};

static bool emu_env_known(const char *var, size_t len)
{
	for (size_t i = 0; i < sizeof(emu_env_names) / sizeof(emu_env_names[0]); i++)
		if (strlen(emu_env_names[i]) == len && !strncmp(emu_env_names[i], var, len))
			return true;
	return false;
}

/* One line naming an unknown variable and its value, and the names there are. */
static void emu_env_refuse(const char *var, size_t len)
{
	char list[256];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < sizeof(emu_env_names) / sizeof(emu_env_names[0]); i++)
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
					      emu_env_names[i] + strlen(EMU_ENV_PREFIX));
	fprintf(stderr, "xdna-emu: %.*s=\"%s\" is not a variable of the emulator (XDNA_EMU_: "
		"%s); the device will not open\n", (int)len, var, var[len] ? var + len + 1 : "",
		list);
}

int emu_env_check_names(void)
{
	if (!environ)
		return 0;
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);

		if (strncmp(*e, EMU_ENV_PREFIX, strlen(EMU_ENV_PREFIX)) || emu_env_known(*e, len))
			continue;
		emu_env_refuse(*e, len);
		return -EINVAL;
	}
	return 0;
}
