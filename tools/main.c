/* main.c - `wakesim <command>`: git-style dispatch to one file per command. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const cli_command_t commands[] = {
    {"run", "run a scenario file and judge its expectations", cmd_run},
    {"check", "validate scenario files without running them", cmd_check},
    {"bench", "measure the engine on the peer benchmarks' workloads (timers, pingpong)",
     cmd_bench},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
    printf("usage: wakesim [--version] [--help] <command> [<args>]\n\n"
           "wakesim is a deterministic discrete-event simulator of the Fuchsia Starnix\n"
           "suspend/wake system.\n\n"
           "commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\n'wakesim <command> --help' describes a command.\n\n"
           "exit codes:\n"
           "  0  ok\n"
           "  1  an expectation or invariant failed\n"
           "  2  usage error\n"
           "  3  invalid input (scenario, options' values)\n"
           "  4  I/O or internal error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(NULL, "no command given");
    const char *name = argv[1];
    if (cli_is_help(name) || strcmp(name, "help") == 0) {
        print_help();
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("wakesim %s\n", WAKESIM_VERSION);
        return CLI_EXIT_OK;
    }
    if (name[0] == '-')
        return cli_usage_error(NULL, "unknown option '%s'", name);
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    return cli_usage_error(NULL, "unknown command '%s'", name);
}
