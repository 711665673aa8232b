/* test_expect.c - Judging expectations (tools/expect_judge.c) on a run's results: each kind
 * holds on matching results and fails with a one-line detail naming what was found; resume
 * reasons compare as sets whatever upstream's HashMap order; percentiles are nearest-rank;
 * the implicit "no invariant violated" tolerates only violations expected by name for the
 * run's manager; expectations for other managers are skipped.
 *
 * Method: load a scenario with scenario_parse for its expectations, build a world_results_t by
 * hand (what world_run would leave), judge, and compare verdicts and details. No world runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <wakesim/manager.h>
#include <zircon/errors.h>

#include "expect.h"
#include "scenario.h"

static json_problems_t probs;
static scenario_t *sc;
static world_results_t res;
static world_suspend_record_t suspends[4];
static world_watcher_record_t watchers[2];
static world_message_record_t messages[8];
static world_file_read_record_t reads[2];
static bool peer_closed[2];
static uint64_t received[2];
static int64_t counter_end[2];
static int64_t samples[4];
static sim_violation_t violations[2];
static run_outcome_t outcome;

static world_suspend_record_t suspend_ok(int64_t sent, const char *reason)
{
    world_suspend_record_t s = {.sent_ns = sent, .result = WORLD_SUSPEND_OK,
                                .reply_received_ns = sent + 5000000, .has_suspend_time = true,
                                .suspend_time_ns = 4000000, .has_resume_reason = reason != NULL};
    for (int k = 0; k < 16; k++)
        s.phase_ns[k] = -1;
    for (int k = 1; k <= MANAGER_PHASE_THAWED; k++)
        s.phase_ns[k] = sent + k * 1000;
    s.phase_ns[MANAGER_PHASE_WOKEN] = sent + 4500000;
    if (reason)
        snprintf(s.resume_reason, sizeof(s.resume_reason), "%s", reason);
    return s;
}

static void setup(void)
{
    cr_assert_eq(json_problems_init(&probs, 0), 0);
    sc = NULL;
    memset(&res, 0, sizeof(res));
    suspends[0] = suspend_ok(1000000, "b,a");
    suspends[1] = suspend_ok(20000000, NULL);
    res.suspends = suspends;
    res.suspend_count = 2;
    memset(watchers, 0, sizeof(watchers));
    memcpy(watchers[0].observations, "ASA", 3);
    watchers[0].count = watchers[0].total = 3;
    res.watchers = watchers;
    for (int i = 0; i < 4; i++) {
        /* Messages of proxy 0 handled 1, 2, 3 and 4 ms after they were sent. */
        messages[i] = (world_message_record_t){
            .proxy = 0, .sent_ns = 100, .counter_incremented_ns = 200, .forwarded_ns = 210,
            .read_by_container_ns = 300, .handled_ns = 100 + (i + 1) * 1000000LL,
            .decremented_ns = -1, .container_resumed_ns = 250};
    }
    messages[4] = (world_message_record_t){.proxy = 1, .sent_ns = 100, .handled_ns = -1,
                                           .counter_incremented_ns = -1, .forwarded_ns = -1,
                                           .read_by_container_ns = -1, .decremented_ns = -1,
                                           .container_resumed_ns = -1};
    res.messages = messages;
    res.message_count = 5;
    reads[0] = (world_file_read_record_t){.file = 0, .offset = 0, .length = 4, .status = 0,
                                          .checksum = 0xabcdef, .head = "hi!"};
    reads[1] = (world_file_read_record_t){.file = 0, .status = ZX_ERR_IO};
    res.file_reads = reads;
    res.file_read_count = 2;
    peer_closed[0] = true;
    received[0] = 3;
    res.remote_saw_peer_closed = peer_closed;
    res.remote_received = received;
    counter_end[0] = 0;
    counter_end[1] = INT64_MIN;
    res.counter_end = counter_end;
    res.success_count = 2;
    res.has_last_resume_reason = true;
    snprintf(res.last_resume_reason, sizeof(res.last_resume_reason), "0 b,a");
    res.last_time_in_sleep_ns = 4000000;
    samples[0] = 1;
    samples[1] = INT64_MIN;
    outcome = (run_outcome_t){.results = &res, .samples = samples, .manager = "v5w"};
}

static void teardown(void)
{
    scenario_destroy(sc);
    json_problems_deinit(&probs);
}

TestSuite(expect, .init = setup, .fini = teardown);

/* Loads a scenario whose "expectations" are `list` and judges expectation 0. */
static expect_verdict_t judge_first(const char *list)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "{\"description\": \"d\", \"disk\": {\"block_count\": 1}, \"files\": [{\"name\": "
             "\"f\", \"size\": 4}], \"proxies\": [{\"name\": \"a\"}, {\"name\": \"b\"}], "
             "\"watchers\": [{\"name\": \"w\"}], \"expectations\": [%s]}", list);
    scenario_destroy(sc);
    sc = NULL;
    int rc = scenario_parse("t.json", text, strlen(text), &probs, &sc);
    cr_assert_eq(rc, 0, "%s: %s", list, sim_err_name(rc));
    expect_verdict_t v;
    expect_judge(&sc->expects[0], &outcome, &v);
    return v;
}

static void holds(const char *list)
{
    expect_verdict_t v = judge_first(list);
    cr_assert(v.applies, "%s", list);
    cr_assert(v.ok, "%s: %s", list, v.detail);
}

static void fails(const char *list, const char *detail)
{
    expect_verdict_t v = judge_first(list);
    cr_assert(v.applies, "%s", list);
    cr_assert_not(v.ok, "%s held", list);
    cr_assert_str_eq(v.detail, detail, "%s: got \"%s\"", list, v.detail);
}

Test(expect, suspend_result_and_reasons_as_a_set)
{
    holds("{\"suspend\": 0, \"result\": \"ok\", \"resume_reason\": [\"a\", \"b\"]}");
    holds("{\"suspend\": 0, \"resume_reason\": \"a,b\"}");
    holds("{\"suspend\": 1, \"resume_reason\": null}");
    holds("{\"suspend\": \"last\", \"resume_reason\": null}");
    fails("{\"suspend\": 0, \"resume_reason\": [\"a\"]}",
          "suspend 0: resume_reason \"b,a\" (expected the set {a})");
    fails("{\"suspend\": 0, \"resume_reason\": null}",
          "suspend 0: resume_reason \"b,a\" (expected null)");
    fails("{\"suspend\": 1, \"resume_reason\": \"a\"}",
          "suspend 1: resume_reason null (expected the set {a})");
    fails("{\"suspend\": \"all\", \"result\": \"wake_locks_exist\"}",
          "suspend 0: result ok (expected wake_locks_exist)");
    fails("{\"suspend\": 2, \"result\": \"ok\"}", "there were only 2 suspend attempts");
}

Test(expect, suspend_time_and_phases)
{
    holds("{\"suspend\": \"all\", \"suspend_time\": {\"min\": \"4ms\", \"max\": \"4ms\"}}");
    holds("{\"suspend\": 0, \"phases\": {\"received\": {\"max\": \"1us\"}, \"woken\": {\"min\": "
          "\"4.5ms\"}, \"reply_received\": {\"max\": \"5ms\"}}}");
    fails("{\"suspend\": 0, \"suspend_time\": {\"max\": \"1ms\"}}",
          "suspend 0: suspend_time 4ms (expected <= 1ms)");
    fails("{\"suspend\": 0, \"phases\": {\"woken\": {\"max\": \"1ms\"}}}",
          "suspend 0: woken at +4.5ms (expected <= 1ms)");
    fails("{\"suspend\": 0, \"phases\": {\"woken\": null}}",
          "suspend 0: phase woken happened, at +4.5ms");
    suspends[0].phase_ns[MANAGER_PHASE_WOKEN] = -1;
    holds("{\"suspend\": 0, \"phases\": {\"woken\": null}}");
    fails("{\"suspend\": 0, \"phases\": {\"woken\": {\"max\": \"1ms\"}}}",
          "suspend 0: phase woken did not happen");
    suspends[0].has_suspend_time = false;
    fails("{\"suspend\": 0, \"suspend_time\": {\"max\": \"1ms\"}}",
          "suspend 0: the reply has no suspend_time");
    res.suspend_count = 0;
    fails("{\"suspend\": \"all\", \"result\": \"ok\"}", "no suspend attempt happened");
}

Test(expect, watcher_exact_and_prefix)
{
    holds("{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\", \"AWAKE\"]}");
    holds("{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\"], \"prefix\": true}");
    fails("{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\"]}",
          "the watcher saw AWAKE ASLEEP AWAKE");
    fails("{\"watcher\": \"w\", \"saw\": [\"ASLEEP\"], \"prefix\": true}",
          "the watcher saw AWAKE ASLEEP AWAKE");
}

Test(expect, watcher_observation_times)
{
    watchers[0].observed_ns[0] = 1000000;
    watchers[0].observed_ns[1] = 5000000;
    watchers[0].observed_ns[2] = 9000000;
    holds("{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\", \"AWAKE\"], "
          "\"saw_at\": [null, {\"min\": \"5ms\", \"max\": \"5ms\"}]}");
    holds("{\"watcher\": \"w\", \"saw\": [\"AWAKE\"], \"prefix\": true, "
          "\"saw_at\": [{\"max\": \"1ms\"}]}");
    fails("{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\", \"AWAKE\"], "
          "\"saw_at\": [null, null, {\"max\": \"8ms\"}]}",
          "observation 2 (AWAKE) at 9ms (expected <= 8ms)");
    /* The order is checked first: times of a wrong sequence are not compared. */
    fails("{\"watcher\": \"w\", \"saw\": [\"ASLEEP\"], \"prefix\": true, "
          "\"saw_at\": [{\"max\": \"1ms\"}]}",
          "the watcher saw AWAKE ASLEEP AWAKE");
}

Test(expect, counter_at_a_time_and_at_the_end)
{
    holds("{\"counter\": \"a\", \"at\": \"1ms\", \"value\": 1}");
    holds("{\"counter\": \"a\", \"at\": \"end\", \"max\": 0}");
    fails("{\"counter\": \"a\", \"at\": \"1ms\", \"value\": 0}", "the counter was 1 (expected 0)");
    fails("{\"counter\": \"b\", \"at\": \"end\", \"value\": 0}",
          "the counter did not exist at the end");
}

Test(expect, channel_received_and_peer_closed)
{
    holds("{\"channel\": \"a\", \"received\": 3, \"peer_closed\": true}");
    holds("{\"channel\": \"b\", \"received\": {\"max\": 0}, \"peer_closed\": false}");
    fails("{\"channel\": \"a\", \"received\": {\"min\": 4}}",
          "the remote end received 3 (expected >= 4) messages");
    fails("{\"channel\": \"b\", \"peer_closed\": true}", "the remote end did not see PEER_CLOSED");
}

Test(expect, file_read_status_head_and_checksum)
{
    holds("{\"file_read\": \"f\", \"status\": \"ZX_OK\", \"starts_with\": \"hi\", \"checksum\": "
          "\"0000000000abcdef\"}");
    holds("{\"file_read\": \"f\", \"starts_with_hex\": \"68 69 21\"}");
    holds("{\"file_read\": \"f\", \"read\": 1, \"status\": \"ZX_ERR_IO\"}");
    fails("{\"file_read\": \"f\", \"read\": 1, \"starts_with\": \"hi\"}",
          "the read returned ZX_ERR_IO: no bytes to check");
    fails("{\"file_read\": \"f\", \"status\": \"ZX_ERR_IO\"}",
          "the read returned ZX_OK (expected ZX_ERR_IO)");
    fails("{\"file_read\": \"f\", \"read\": 2, \"status\": \"ZX_OK\"}",
          "the file was read 2 times");
    fails("{\"file_read\": \"f\", \"checksum\": 1}",
          "the checksum is 0000000000abcdef (expected 0000000000000001)");
}

Test(expect, latency_percentiles_are_nearest_rank)
{
    /* sent_to_handled of proxy a: 1, 2, 3 and 4 ms (+0): p50 is the 2nd, p90 and p99 the 4th. */
    holds("{\"latency\": \"sent_to_handled\", \"p50\": {\"min\": \"2ms\", \"max\": \"2ms\"}, "
          "\"p90\": {\"min\": \"4ms\", \"max\": \"4ms\"}, \"min\": {\"max\": \"1ms\"}, \"count\": "
          "4}");
    holds("{\"latency\": \"read_to_handled\", \"proxy\": \"a\", \"max\": {\"max\": \"4ms\"}}");
    fails("{\"latency\": \"sent_to_handled\", \"p99\": {\"max\": \"3ms\"}}",
          "p99 is 4ms (expected <= 3ms) over 4 messages");
    fails("{\"latency\": \"sent_to_handled\", \"proxy\": \"b\", \"p50\": {\"max\": \"3ms\"}}",
          "no message has both times of sent_to_handled");
    holds("{\"latency\": \"sent_to_counted\", \"max\": {\"min\": 100, \"max\": 100}}");
    holds("{\"latency\": \"sent_to_forwarded\", \"max\": {\"min\": 110, \"max\": 110}}");
    fails("{\"latency\": \"sent_to_decremented\", \"count\": {\"min\": 1}}",
          "0 (expected >= 1) messages were measured");
}

Test(expect, percentile_by_rank)
{
    static const int64_t v[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    cr_assert_eq(expect_percentile(v, 10, 0), 10);
    cr_assert_eq(expect_percentile(v, 10, 50), 50);
    cr_assert_eq(expect_percentile(v, 10, 90), 90);
    cr_assert_eq(expect_percentile(v, 10, 99), 100);
    cr_assert_eq(expect_percentile(v, 10, 100), 100);
    cr_assert_eq(expect_percentile(v, 1, 50), 10);
    cr_assert_eq(expect_percentile(v, 3, 50), 20); /* ceil(1.5) = 2 */
}

Test(expect, suspend_count_and_stats)
{
    holds("{\"suspend_count\": 2}");
    holds("{\"suspend_count\": {\"min\": 2}, \"result\": \"ok\"}");
    fails("{\"suspend_count\": 0, \"result\": \"ok\"}", "2 (expected 0) ok suspend attempts");
    holds("{\"stats\": {\"success_count\": 2, \"fail_count\": 0, \"last_resume_reason\": \"0 b,a\","
          " \"last_time_in_sleep\": {\"min\": \"4ms\"}}}");
    fails("{\"stats\": {\"fail_count\": {\"min\": 1}}}", "fail_count is 0 (expected >= 1)");
    fails("{\"stats\": {\"last_resume_reason\": null}}",
          "last_resume_reason is \"0 b,a\" (expected null)");
    res.has_last_resume_reason = false;
    fails("{\"stats\": {\"last_resume_reason\": \"0 a\"}}",
          "last_resume_reason is null (expected \"0 a\")");
}

Test(expect, violations_by_name_and_the_implicit_expectation)
{
    violations[0] = (sim_violation_t){.name = "message_wakes_container", .message = "late",
                                      .time_boot_ns = 9000000000LL};
    outcome.violations = violations;
    outcome.violation_count = 1;
    holds("{\"violation\": \"message_wakes_container\"}");
    fails("{\"violation\": \"no_deadlock\"}", "no_deadlock was not violated (1 other violation)");
    fails("{\"no_violations\": true}", "message_wakes_container violated at 9s: late");
    /* The implicit one tolerates what is expected by name, for the managers it applies to. */
    judge_first("{\"violation\": \"message_wakes_container\", \"managers\": [\"v5w\"]}");
    const expect_t *implicit = &sc->expects[sc->expect_count - 1];
    cr_assert(implicit->implicit);
    expect_verdict_t v;
    expect_judge(implicit, &outcome, &v);
    cr_assert(v.ok, "%s", v.detail);
    outcome.manager = "v1";
    expect_judge(implicit, &outcome, &v);
    cr_assert_not(v.ok);
    expect_judge(&sc->expects[0], &outcome, &v);
    cr_assert_not(v.applies); /* skipped on v1 */
}

Test(expect, formatting)
{
    char b[64];
    expect_format_ns(0, b, sizeof(b));
    cr_assert_str_eq(b, "0ns");
    expect_format_ns(850, b, sizeof(b));
    cr_assert_str_eq(b, "850ns");
    expect_format_ns(12345, b, sizeof(b));
    cr_assert_str_eq(b, "12.345us");
    expect_format_ns(1500000, b, sizeof(b));
    cr_assert_str_eq(b, "1.5ms");
    expect_format_ns(9000012000LL, b, sizeof(b));
    cr_assert_str_eq(b, "9.000012s");
    expect_format_ns(-2000, b, sizeof(b));
    cr_assert_str_eq(b, "-2us");
    expect_format_watcher("ASA", 3, b, sizeof(b));
    cr_assert_str_eq(b, "AWAKE ASLEEP AWAKE");
    expect_format_watcher("", 0, b, sizeof(b));
    cr_assert_str_eq(b, "nothing");
    cr_assert_str_eq(expect_status_name(ZX_ERR_TIMED_OUT), "ZX_ERR_TIMED_OUT");
    cr_assert_str_eq(expect_status_name(12345), "(UNKNOWN)");
}
