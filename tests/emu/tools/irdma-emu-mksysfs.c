// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * irdma-emu-mksysfs ROOT: write the emulated sysfs tree for the
 * configuration in the IRDMA_EMU_* environment into the empty directory
 * ROOT. irdma-emu-run calls it once, before starting the command, so every
 * process of the run reads the same tree.
 */
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

int main(int argc, char **argv)
{
	struct emu_config cfg;
	char err[256];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ROOT\n", argv[0]);
		return 2;
	}
	if (emu_config_from_env(&cfg, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}
	ret = emu_sysfs_generate(argv[1], &cfg);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1],
			strerror(-ret));
		return 1;
	}
	return 0;
}
