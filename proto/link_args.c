/*
 * link_args: the command line every daemon mgd starts shares (link.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/log.h"
#include "proto/link.h"

int
link_args(
    int argc, char **argv, const char *name, int *fd, const char **state_dir)
{
	static const struct option opts[] = {
		{ "mgd-fd", required_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *logfile = NULL;
	int c;

	*fd = -1;
	*state_dir = NULL;
	while ((c = getopt_long(argc, argv, "f:s:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': *fd = atoi(optarg); break;
		case 's': *state_dir = optarg; break;
		case 'l': logfile = optarg; break;
		default:
			fprintf(stderr,
			    "usage: %s --mgd-fd N --state-dir D"
			    " [--log FILE]\n",
			    name);
			return -1;
		}
	}
	if (*fd < 0 || *state_dir == NULL) {
		fprintf(stderr,
		    "usage: %s --mgd-fd N --state-dir D [--log FILE]"
		    "\n(%s is started by mgd)\n",
		    name, name);
		return -1;
	}
	log_init(name, logfile ? fopen(logfile, "a") : NULL);
	return 0;
}
