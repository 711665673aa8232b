/* cli.h - What the wakesim commands share: exit codes, one-line diagnostics, option parsing.
 *
 * Exit codes (documented in README.md and `wakesim --help`):
 *   0 ok, 1 an expectation or invariant failed, 2 usage, 3 invalid input, 4 I/O or internal.
 */
#ifndef WAKESIM_TOOLS_CLI_H
#define WAKESIM_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INVALID = 3,
    CLI_EXIT_INTERNAL = 4,
};

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `wakesim --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command_t;

/* `wakesim: error: <message>` on stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, then `wakesim: try 'wakesim <command> --help'`; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Matches `--name=value` (or `--name value`, consuming the next argument); true if matched.
 * *i is advanced past what was consumed. A missing value sets *value to NULL. */
bool cli_option(int argc, char **argv, int *i, const char *name, const char **value);
/* Parses a decimal unsigned integer; false if it is not one or overflows. */
bool cli_parse_u64(const char *text, uint64_t *out);
/* True if argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif /* WAKESIM_TOOLS_CLI_H */
