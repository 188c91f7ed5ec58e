/* reelsync: the program. Global library set-up, then the command line (cli.c). */
#include <curl/curl.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    int status = cli_main(argc, argv);
    curl_global_cleanup();
    return status;
}
