/* cli: the reelsync command line over libreelsync. */
#ifndef RS_CLI_H
#define RS_CLI_H

/* Parses ARGV, runs the command, and returns the exit status (README, "Exit statuses"). */
int cli_main(int argc, char **argv);

/*
 * Checks ARGV as cli_main would (global options, the environment, then every option and
 * operand of the command) and returns the exit status cli_main would use for that check:
 * 0 when the command would run, 2 for a bad command line, 3 for missing configuration.
 * Opens no database, makes no request and prints nothing on stdout (--help and --version
 * are 0, silently); a rejected line still gets its one stderr line. Uses getopt's globals,
 * like cli_main: not for concurrent use. For the fuzzer and tests of the command line.
 */
int cli_parse_only(int argc, char **argv);

#endif
