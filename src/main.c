/* reelsync: the program. Global library set-up, then the command line (cli.c). */
#include <curl/curl.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        fprintf(stderr, "reelsync: cannot start libcurl: %s (check the libcurl installation)\n",
                curl_easy_strerror(rc));
        return 1;
    }
    int status = cli_main(argc, argv);
    curl_global_cleanup();
    return status;
}
