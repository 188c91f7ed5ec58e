/* cli: the reelsync command line over libreelsync. */
#ifndef RS_CLI_H
#define RS_CLI_H

/* Parses ARGV, runs the command, and returns SPEC's exit status. */
int cli_main(int argc, char **argv);

#endif
