/* cmd_check.c - `wakesim check FILE...`: validates scenario files without running them.
 *
 * Every file is loaded by the same loader `run` uses, so a file that checks also loads for a
 * run; each problem is one line on stderr (`wakesim: error: FILE:LINE:COL: PATH: ...`) and all
 * files are checked before the exit code is chosen: 0 all valid, 3 some file is invalid, 4 some
 * file could not be read (or memory ran out), which wins over 3.
 */
#include "cli.h"
#include "scenario.h"

#include <stdio.h>
#include <string.h>

static void check_help(void)
{
    printf("usage: wakesim check [--quiet] FILE...\n\n"
           "Validates scenario files (format: scenarios/README.md) without running them:\n"
           "JSON syntax, keys, types, durations, names and cross-references. Prints\n"
           "`FILE: ok (...)` on stdout for each valid file and one line per problem on\n"
           "stderr, as `wakesim: error: FILE:LINE:COL: $.json.path: expected ..., got ...`.\n\n"
           "  --quiet, -q   print nothing for valid files\n\n"
           "exit codes: 0 every file is valid, 2 usage, 3 a file is invalid,\n"
           "            4 a file cannot be read\n");
}

/* Loads one file; returns the exit code it alone would give. */
static int check_one(const char *path, json_problems_t *probs, bool quiet)
{
    scenario_t *sc;
    int rc = scenario_load(path, probs, &sc);
    if (rc == SIM_EINVAL)
        return CLI_EXIT_INVALID;
    if (rc != 0)
        return CLI_EXIT_INTERNAL;
    if (!quiet)
        printf("%s: ok (%zu actions, %zu expectations)\n", path, sc->world.timeline_count,
               sc->expect_count);
    scenario_destroy(sc);
    return CLI_EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
    bool quiet = false;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            check_help();
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (strcmp(argv[i], "--") == 0) {
            files += argc - i - 1;
            break;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error("check", "unknown option '%s'", argv[i]);
        } else {
            files++;
        }
    }
    if (files == 0)
        return cli_usage_error("check", "no scenario file given");
    json_problems_t probs;
    json_problems_init(&probs, 0);
    int code = CLI_EXIT_OK;
    bool after_dashes = false;
    for (int i = 1; i < argc; i++) {
        if (!after_dashes && strcmp(argv[i], "--") == 0) {
            after_dashes = true;
            continue;
        }
        if (!after_dashes && argv[i][0] == '-' && argv[i][1] != '\0')
            continue;
        int rc = check_one(argv[i], &probs, quiet);
        code = rc > code ? rc : code;
    }
    fflush(stdout);
    json_problems_print(&probs, stderr);
    json_problems_deinit(&probs);
    return code;
}
