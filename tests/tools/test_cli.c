/* test_cli.c - The wakesim command line: git-style subcommands, --help on each, one-line
 * errors on stderr and the documented exit codes (0 ok, 2 usage, 4 internal).
 *
 * Method: run the built executable as a user would and look at its exit status, stdout and
 * stderr. */
#include <criterion/criterion.h>

#include "cli_run.h"

static cli_result_t r;

Test(cli, no_command_is_a_usage_error)
{
    cli_run(&r, "");
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "wakesim: error: no command given\n") == r.err, "stderr: %s", r.err);
    cr_assert(strstr(r.err, "wakesim: try 'wakesim --help'"), "stderr: %s", r.err);
}

Test(cli, unknown_command_and_option)
{
    cli_run(&r, "frobnicate");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown command 'frobnicate'"), "stderr: %s", r.err);
    cli_run(&r, "--frob");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown option '--frob'"), "stderr: %s", r.err);
}

Test(cli, help_lists_commands_and_exit_codes)
{
    cli_run(&r, "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "bench"), "stdout: %s", r.out);
    cr_assert(strstr(r.out, "exit codes"), "stdout: %s", r.out);
    cr_assert_str_eq(r.err, "");
}

Test(cli, version)
{
    cli_run(&r, "--version");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "wakesim ", 8) == 0, "stdout: %s", r.out);
    cr_assert_eq(cli_count_lines(r.out), 1);
}

Test(cli, bench_help)
{
    cli_run(&r, "bench --help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: wakesim bench timers"), "stdout: %s", r.out);
}

Test(cli, bench_usage_errors_are_one_line_plus_hint)
{
    static const char *const bad[] = {
        "bench",
        "bench sideways",
        "bench timers --actors=-3",
        "bench timers --actors=12x",
        "bench timers --iters",
        "bench pingpong --prim=mutex",
        "bench timers --strategy=clairvoyant",
        "bench timers --bogus=1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cli_run(&r, bad[i]);
        cr_assert_eq(r.status, 2, "'%s' exited %d", bad[i], r.status);
        cr_assert_str_eq(r.out, "", "'%s' printed on stdout: %s", bad[i], r.out);
        cr_assert_eq(cli_count_lines(r.err), 2, "'%s' stderr: %s", bad[i], r.err);
        cr_assert(strncmp(r.err, "wakesim: error: ", 16) == 0, "'%s' stderr: %s", bad[i], r.err);
        cr_assert(strstr(r.err, "wakesim: try 'wakesim bench --help'"), "stderr: %s", r.err);
    }
}

Test(cli, bench_prints_exactly_one_result_line)
{
    cli_run(&r, "bench timers --actors=10 --iters=100 --seed=1");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_eq(cli_count_lines(r.out), 1, "stdout: %s", r.out);
    cr_assert(strncmp(r.out, "events=1000 sim_time_ns=", 24) == 0, "stdout: %s", r.out);
    cr_assert(strstr(r.out, " wall_s=") && strstr(r.out, " events_per_s="), "stdout: %s", r.out);
}
