/* test_cmd_check.c - `wakesim check FILE...`: exit 0 with one "ok" line per valid file, 3 with
 * one stderr line per problem (file:line:col: $.path: ...) after checking every file, 4 when a
 * file cannot be read, 2 for usage errors; every example under scenarios/examples/ checks.
 *
 * Method: run the built executable as a user would (cli_run.h) on the examples and on the
 * files under data/scenarios/, and compare exit codes and whole output lines. */
#include <criterion/criterion.h>

#include "cli_run.h"

#define DATA     WAKESIM_SOURCE_DIR "/tests/tools/data/scenarios/"
#define EXAMPLES WAKESIM_SOURCE_DIR "/scenarios/examples/"

static cli_result_t r;

Test(cmd_check, every_example_is_valid)
{
    cli_run(&r, "check " EXAMPLES "*.json");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert_geq(cli_count_lines(r.out), 24, "stdout: %s", r.out);
    cr_assert(strstr(r.out, "action_send.json: ok ("), "stdout: %s", r.out);
}

Test(cmd_check, a_typo_is_one_line_with_line_and_column)
{
    cli_run(&r, "check " DATA "typo.json");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "wakesim: error: " DATA "typo.json:4:33: $.proxies[0].handle_tme: "
                            "unknown key \"handle_tme\"; expected one of \"count\", "
                            "\"counter_decrement\", \"counter_start\", \"handle_time\", \"name\", "
                            "\"omit_counter\", \"register_at\", \"reply\" (did you mean "
                            "\"handle_time\"?)\n");
}

Test(cmd_check, every_file_is_checked_and_every_problem_reported)
{
    cli_run(&r, "check " DATA "two_problems.json " EXAMPLES "action_send.json " DATA "typo.json");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, EXAMPLES "action_send.json: ok (2 actions, 3 expectations)\n");
    cr_assert_eq(cli_count_lines(r.err), 3, "stderr: %s", r.err);
    cr_assert(strstr(r.err, "two_problems.json:3:17: $.time_limit: expected a duration like "
                            "\"150ms\", got \"10\" (a unit is required"),
              "stderr: %s", r.err);
    cr_assert(strstr(r.err, "two_problems.json:4:57: $.timeline[0].proxy: expected the name of a "
                            "proxy, got \"touch\" (no proxy is declared)\n"),
              "stderr: %s", r.err);
    cr_assert(strstr(r.err, "typo.json:4:33: "), "stderr: %s", r.err);
}

Test(cmd_check, syntax_error)
{
    cli_run(&r, "check " DATA "syntax.json");
    cr_assert_eq(r.status, 3);
    cr_assert_eq(cli_count_lines(r.err), 1, "stderr: %s", r.err);
    cr_assert(strstr(r.err, "syntax.json:4:1: $: expected a string key after ',', found '}'"),
              "stderr: %s", r.err);
}

Test(cmd_check, an_unreadable_file_is_exit_4_and_the_others_are_still_checked)
{
    cli_run(&r, "check " DATA "typo.json /nonexistent.json");
    cr_assert_eq(r.status, 4);
    cr_assert_eq(cli_count_lines(r.err), 2, "stderr: %s", r.err);
    cr_assert(strstr(r.err, "wakesim: error: /nonexistent.json: cannot read: No such file or "
                            "directory\n"),
              "stderr: %s", r.err);
}

Test(cmd_check, quiet_prints_nothing_for_valid_files)
{
    cli_run(&r, "check -q " EXAMPLES "action_send.json");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "");
}

Test(cmd_check, usage)
{
    cli_run(&r, "check");
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "wakesim: error: no scenario file given\n"
                            "wakesim: try 'wakesim check --help'\n");
    cli_run(&r, "check --frob x.json");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown option '--frob'"), "stderr: %s", r.err);
    cli_run(&r, "check --help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: wakesim check"), "stdout: %s", r.out);
}
