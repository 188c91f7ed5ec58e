/* reelsync-fakeapi: a local stand-in for TMDB v3 and OMDB. (Being built: issue 3.) */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "reelsync-fakeapi: not built yet\n");
    return 1;
}
