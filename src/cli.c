/* cli: the reelsync command line. (Being built: issue 7.) */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "reelsync/reelsync.h"

int cli_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("reelsync %s\n", RS_VERSION);
        return 0;
    }
    fprintf(stderr, "reelsync: no command given (try 'reelsync --help')\n");
    return 2;
}
