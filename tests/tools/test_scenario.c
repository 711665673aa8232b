/* test_scenario.c - The scenario loader (tools/scenario.c, scenario_timeline.c, expect.c): good
 * files load into the world_config_t and expectations the world and the judges need, with the
 * documented defaults; every kind of mistake is one problem at the exact line:col and JSON path
 * with "expected ..., got ..."; unknown keys get a hint; names are cross-checked; every action
 * and every expectation kind is parsed with its arguments.
 *
 * Method: load small scenarios written inline with scenario_parse, then either inspect the
 * scenario_t or print the collected problems into memory and compare whole lines. Positions
 * are counted by hand on one-line documents (column 1 is the opening brace). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wakesim/manager.h>
#include <zircon/types.h>

#include "scenario.h"

static json_problems_t probs;
static scenario_t *sc;
static char out[65536];

static void setup(void)
{
    cr_assert_eq(json_problems_init(&probs, 0), 0);
    sc = NULL;
}

static void teardown(void)
{
    scenario_destroy(sc);
    json_problems_deinit(&probs);
}

TestSuite(scenario, .init = setup, .fini = teardown);

static int load(const char *text)
{
    scenario_destroy(sc);
    sc = NULL;
    return scenario_parse("t.json", text, strlen(text), &probs, &sc);
}

static const char *printed(void)
{
    memset(out, 0, sizeof(out));
    FILE *f = fmemopen(out, sizeof(out) - 1, "w");
    cr_assert_not_null(f);
    json_problems_print(&probs, f);
    fclose(f);
    return out;
}

static void load_ok(const char *text)
{
    int rc = load(text);
    cr_assert_eq(rc, 0, "load returned %s:\n%s", sim_err_name(rc), printed());
    cr_assert_not_null(sc);
}

/* The file must be refused with exactly these problem lines. */
static void load_fails(const char *text, const char *want)
{
    int rc = load(text);
    cr_assert_eq(rc, SIM_EINVAL, "load returned %s", sim_err_name(rc));
    cr_assert_null(sc);
    cr_assert_str_eq(printed(), want);
}

#define E(line) "wakesim: error: t.json:" line "\n"

/* ---- Good files and defaults ----------------------------------------------------------------- */

Test(scenario, minimal_file_has_the_documented_defaults)
{
    load_ok("{\"description\": \"nothing happens\"}");
    cr_assert_str_eq(sc->description, "nothing happens");
    cr_assert_str_eq(sc->name, "t");
    cr_assert_eq(sc->seed, SCENARIO_SEED_DEFAULT);
    cr_assert_str_eq(sc->strategy, "fifo");
    cr_assert_eq(sc->time_limit_ns, SCENARIO_TIME_LIMIT_DEFAULT_NS);
    cr_assert_null(sc->manager);
    cr_assert_null(sc->world.variant);
    cr_assert_str_eq(sc->world.container.name, SCENARIO_CONTAINER_NAME);
    cr_assert_eq(sc->world.container.process_count, 0);
    cr_assert_eq(sc->world.container.suspend.mode, WORLD_SUSPEND_ONE_SHOT);
    cr_assert(sc->world.container.suspend.send_wake_locks);
    cr_assert(sc->world.container.suspend.send_container_job);
    cr_assert_eq(sc->world.message_wake_bound_ns, 1000000000);
    cr_assert_eq(sc->world.system_suspend_delay_ns, SCENARIO_SUSPEND_DELAY_DEFAULT_NS);
    cr_assert_eq(sc->world.system_resume_ns, SCENARIO_RESUME_TIME_DEFAULT_NS);
    cr_assert_not(sc->world.disk.present);
    cr_assert_eq(sc->world.timeline_count, 0);
    /* The implicit expectation every run gets. */
    cr_assert_eq(sc->expect_count, 1);
    cr_assert_eq(sc->expects[0].kind, EXPECT_NO_VIOLATIONS);
    cr_assert(sc->expects[0].implicit);
    cr_assert_str_eq(sc->expects[0].description, "no invariant violated");
    cr_assert_str_eq(scenario_manager(sc, NULL), "v5w");
    cr_assert_str_eq(scenario_manager(sc, "v1"), "v1");
}

Test(scenario, name_is_the_file_name_without_directories_and_extension)
{
    const char *text = "{\"description\": \"d\"}";
    cr_assert_eq(scenario_parse("a/b/clean_resume.json", text, strlen(text), &probs, &sc), 0);
    cr_assert_str_eq(sc->name, "clean_resume");
    cr_assert_str_eq(sc->path, "a/b/clean_resume.json");
}

Test(scenario, run_parameters)
{
    load_ok("{\"$schema\": \"../schema.json\", \"description\": \"d\", \"manager\": \"v1\", "
            "\"seed\": 18446744073709551615, \"strategy\": \"random\", \"time_limit\": \"10min\","
            " \"events_max\": 5000}");
    cr_assert_str_eq(sc->manager, "v1");
    cr_assert_str_eq(sc->world.variant, "v1");
    cr_assert_eq(sc->seed, UINT64_MAX);
    cr_assert_str_eq(sc->strategy, "random");
    cr_assert_eq(sc->time_limit_ns, 600LL * 1000000000LL);
    cr_assert_eq(sc->events_max, 5000);
}

Test(scenario, run_on_lists_variants_once)
{
    load_ok("{\"description\": \"d\", \"run_on\": [\"v5w\", \"v1\"]}");
    cr_assert_eq(sc->run_on_count, 2);
    cr_assert_str_eq(sc->run_on[1], "v1");
    load_fails("{\"description\": \"d\", \"run_on\": [\"v1\", \"v1\"]}",
               E("1:39: $.run_on[1]: expected each variant once, got \"v1\" again"));
}

Test(scenario, replay_needs_a_schedule_and_decodes_it)
{
    load_ok("{\"description\": \"d\", \"strategy\": \"replay\", \"schedule\": \"0102\"}");
    cr_assert_eq(sc->schedule_size, 2);
    cr_assert_eq(sc->schedule[0], 1);
    cr_assert_eq(sc->schedule[1], 2);
    load_fails("{\"description\": \"d\", \"strategy\": \"replay\"}",
               E("1:34: $.strategy: expected a \"schedule\" with \"strategy\": \"replay\", got "
                 "none"));
}

Test(scenario, schedule_without_replay_is_refused)
{
    load_fails("{\"description\": \"d\", \"schedule\": \"00\"}",
               E("1:22: $.schedule: expected \"schedule\" only with \"strategy\": \"replay\", "
                 "got it with \"fifo\""));
}

Test(scenario, durations_take_units_or_integer_nanoseconds)
{
    load_ok("{\"description\": \"d\", \"time_limit\": \"1.5s\", \"system\": {\"suspend_delay\": "
            "2000, \"resume_time\": \"150us\"}, \"proxies\": [{\"name\": \"p\", \"handle_time\":"
            " \"2ms\", \"register_at\": \"0.5ms\"}]}");
    cr_assert_eq(sc->time_limit_ns, 1500000000);
    cr_assert_eq(sc->world.system_suspend_delay_ns, 2000);
    cr_assert_eq(sc->world.system_resume_ns, 150000);
    cr_assert_eq(sc->world.proxies[0].handle_ns, 2000000);
    cr_assert_eq(sc->world.proxies[0].register_at_ns, 500000);
}

Test(scenario, a_system_that_never_suspends)
{
    load_ok("{\"description\": \"d\", \"system\": {\"suspend_delay\": \"never\"}}");
    cr_assert_eq(sc->world.system_suspend_delay_ns, -1);
}

Test(scenario, lease_failures_are_distinct_request_indices)
{
    load_ok("{\"description\": \"d\", \"system\": {\"lease_failures\": [1, 3]}}");
    cr_assert_eq(sc->world.lease_failure_count, 2);
    cr_assert_eq(sc->world.lease_failures[0], 1);
    cr_assert_eq(sc->world.lease_failures[1], 3);
    load_ok("{\"description\": \"d\"}");
    cr_assert_eq(sc->world.lease_failure_count, 0);
    load_fails("{\"description\": \"d\", \"system\": {\"lease_failures\": [1, -1, 1]}}",
               E("1:55: $.system.lease_failures[1]: expected an integer between 0 and 4294967295, "
                 "got -1")
               E("1:59: $.system.lease_failures[2]: expected distinct request indices, got 1 "
                 "twice"));
}

Test(scenario, counter_at_the_end_needs_no_sample)
{
    load_ok("{\"description\": \"d\", \"proxies\": [{\"name\": \"p\"}], \"expectations\": "
            "[{\"counter\": \"p\", \"at\": \"end\", \"value\": 0}]}");
    cr_assert(sc->expects[0].u.counter.at_end);
    cr_assert_eq(sc->sample_count, 0);
    cr_assert_str_eq(sc->expects[0].description, "counter of p at the end = 0");
}

Test(scenario, bad_durations_are_one_problem_each)
{
    load_fails("{\"description\": \"d\", \"time_limit\": \"ten\", \"system\": {\"resume_time\": "
               "-5}}",
               E("1:36: $.time_limit: expected a duration like \"150ms\", got \"ten\"")
               E("1:69: $.system.resume_time: expected a duration like \"150ms\", got a number -5 "
                 "(durations cannot be negative)"));
}

Test(scenario, zero_time_limit_is_refused)
{
    load_fails("{\"description\": \"d\", \"time_limit\": 0}",
               E("1:36: $.time_limit: expected a time limit above zero, got 0"));
}

Test(scenario, costs_and_invariant_bound)
{
    load_ok("{\"description\": \"d\", \"costs\": {\"jitter_permille\": 50, \"syscalls\": "
            "{\"zx_port_wait\": \"2us\", \"channel_write\": 300}}, \"invariants\": "
            "{\"message_wake_bound\": \"10s\"}}");
    cr_assert_eq(sc->world.cost_jitter_permille, 50);
    cr_assert_eq(sc->world.cost_count, 2);
    cr_assert_str_eq(sc->world.costs[0].syscall, "zx_port_wait");
    cr_assert_eq(sc->world.costs[0].cost_ns, 2000);
    cr_assert_str_eq(sc->world.costs[1].syscall, "channel_write");
    cr_assert_eq(sc->world.costs[1].cost_ns, 300);
    cr_assert_eq(sc->world.message_wake_bound_ns, 10000000000LL);
}

Test(scenario, bad_cost_names_and_jitter)
{
    load_fails("{\"description\": \"d\", \"costs\": {\"jitter_permille\": 1001, \"syscalls\": "
               "{\"Port Wait\": \"2us\"}}}",
               E("1:51: $.costs.jitter_permille: expected an integer between 0 and 1000, got "
                 "1001")
               E("1:70: $.costs.syscalls[\"Port Wait\"]: expected a syscall name such as "
                 "\"zx_port_wait\", got \"Port Wait\""));
}

/* ---- The container --------------------------------------------------------------------------- */

Test(scenario, container_with_processes_threads_and_wake_locks)
{
    load_ok("{\"description\": \"d\", \"disk\": {\"block_count\": 4}, \"files\": [{\"name\": "
            "\"lib\", \"size\": 8192}], \"container\": {\"name\": \"k\", \"wake_locks_held\": "
            "[\"boot\"], \"processes\": [{\"name\": \"init\"}, {\"name\": \"app\", "
            "\"start_later\": true, \"threads\": [{\"kind\": \"busy\", \"burst\": \"1ms\", "
            "\"sleep\": \"4ms\"}, {\"name\": \"r\", \"kind\": \"reader\", \"file\": \"lib\", "
            "\"offset\": 4096}, {\"kind\": \"idle\"}]}, {\"name\": \"empty\", \"threads\": "
            "[]}]}}");
    const world_container_config_t *c = &sc->world.container;
    cr_assert_str_eq(c->name, "k");
    cr_assert_eq(c->wake_locks_held_count, 1);
    cr_assert_str_eq(c->wake_locks_held[0], "boot");
    cr_assert_eq(c->process_count, 3);
    /* A process without "threads" has one idle thread named after it. */
    cr_assert_eq(c->processes[0].thread_count, 1);
    cr_assert_str_eq(c->processes[0].threads[0].name, "init");
    cr_assert_eq(c->processes[0].threads[0].kind, WORLD_THREAD_IDLE);
    cr_assert_not(c->processes[0].start_later);
    const world_process_config_t *app = &c->processes[1];
    cr_assert(app->start_later);
    cr_assert_eq(app->thread_count, 3);
    cr_assert_str_eq(app->threads[0].name, "app-0");
    cr_assert_eq(app->threads[0].kind, WORLD_THREAD_BUSY);
    cr_assert_eq(app->threads[0].burst_ns, 1000000);
    cr_assert_eq(app->threads[0].sleep_ns, 4000000);
    cr_assert_str_eq(app->threads[1].name, "r");
    cr_assert_eq(app->threads[1].kind, WORLD_THREAD_READER);
    cr_assert_eq(app->threads[1].file, 0);
    cr_assert_eq(app->threads[1].offset, 4096);
    cr_assert_eq(app->threads[1].length, 4096); /* the rest of the file */
    cr_assert_str_eq(app->threads[2].name, "app-2");
    /* A container job with no processes at all is expressible too. */
    cr_assert_eq(c->processes[2].thread_count, 0);
}

Test(scenario, thread_keys_depend_on_the_kind)
{
    load_fails("{\"description\": \"d\", \"container\": {\"processes\": [{\"name\": \"p\", "
               "\"threads\": [{\"kind\": \"idle\", \"burst\": \"1ms\"}]}]}}",
               E("1:93: $.container.processes[0].threads[0].burst: unknown key \"burst\"; "
                 "expected one of \"kind\", \"name\""));
}

Test(scenario, reader_thread_naming_a_missing_file)
{
    load_fails("{\"description\": \"d\", \"container\": {\"processes\": [{\"name\": \"p\", "
               "\"threads\": [{\"kind\": \"reader\", \"file\": \"lib\"}]}]}}",
               E("1:103: $.container.processes[0].threads[0].file: expected the name of a file, "
                 "got \"lib\" (no file is declared)"));
}

Test(scenario, suspend_loop_one_shot_and_autosuspend)
{
    load_ok("{\"description\": \"d\", \"container\": {\"suspend\": {\"wake_locks\": false, "
            "\"container_job\": false}}}");
    const world_suspend_config_t *s = &sc->world.container.suspend;
    cr_assert_eq(s->mode, WORLD_SUSPEND_ONE_SHOT);
    cr_assert_not(s->send_wake_locks);
    cr_assert_not(s->send_container_job);
    load_ok("{\"description\": \"d\", \"container\": {\"suspend\": {\"mode\": \"autosuspend\", "
            "\"start\": \"1s\", \"delay\": \"5ms\", \"backoff\": \"10ms\", \"backoff_max\": "
            "\"1s\"}}}");
    s = &sc->world.container.suspend;
    cr_assert_eq(s->mode, WORLD_SUSPEND_AUTO);
    cr_assert_eq(s->auto_start_ns, 1000000000);
    cr_assert_eq(s->auto_delay_ns, 5000000);
    cr_assert_eq(s->auto_backoff_ns, 10000000);
    cr_assert_eq(s->auto_backoff_max_ns, 1000000000);
    cr_assert(s->send_wake_locks);
}

Test(scenario, autosuspend_keys_need_autosuspend)
{
    load_fails("{\"description\": \"d\", \"container\": {\"suspend\": {\"delay\": \"5ms\"}}}",
               E("1:48: $.container.suspend.delay: unknown key \"delay\"; expected one of "
                 "\"container_job\", \"mode\", \"wake_locks\""));
}

/* ---- Proxies, sources, watchers, files ------------------------------------------------------- */

Test(scenario, proxies_with_every_knob)
{
    load_ok("{\"description\": \"d\", \"proxies\": [{\"name\": \"a\"}, {\"name\": \"b\", "
            "\"counter_start\": 1, \"counter_decrement\": \"on_next_read\", \"handle_time\": "
            "\"1ms\", \"register_at\": \"5ms\", \"omit_counter\": true, \"reply\": true}]}");
    cr_assert_eq(sc->world.proxy_count, 2);
    const world_proxy_config_t *a = &sc->world.proxies[0], *b = &sc->world.proxies[1];
    cr_assert_str_eq(a->name, "a");
    cr_assert_eq(a->counter_start, 0);
    cr_assert_eq(a->decrement, WORLD_DECREMENT_AFTER_HANDLE);
    cr_assert_eq(a->handle_ns, 100000);
    cr_assert_eq(a->register_at_ns, 0);
    cr_assert_not(a->omit_counter);
    cr_assert_not(a->reply);
    cr_assert(b->reply);
    cr_assert_eq(b->counter_start, 1);
    cr_assert_eq(b->decrement, WORLD_DECREMENT_ON_NEXT_READ);
    cr_assert_eq(b->handle_ns, 1000000);
    cr_assert_eq(b->register_at_ns, 5000000);
    cr_assert(b->omit_counter);
}

Test(scenario, wake_sources_with_signals_and_counts)
{
    load_ok("{\"description\": \"d\", \"wake_sources\": [{\"name\": \"irq\", \"count\": 65}, "
            "{\"name\": \"hub\", \"kind\": \"eventpair\", \"signals\": [\"USER_0\", "
            "\"EVENTPAIR_SIGNALED\"], \"add_at\": \"never\", \"omit_signals\": true}, {\"name\": "
            "\"c\", \"kind\": \"counter\"}, {\"name\": \"m\", \"signals\": 16777216}, {\"name\": "
            "\"s\", \"signals\": \"USER_1\"}]}");
    cr_assert_eq(sc->world.source_count, 69);
    cr_assert_str_eq(sc->world.sources[0].name, "irq-0");
    cr_assert_str_eq(sc->world.sources[64].name, "irq-64");
    cr_assert_eq(sc->world.sources[64].signals, ZX_EVENT_SIGNALED);
    cr_assert_eq(sc->world.sources[64].add_at_ns, 0);
    const world_source_config_t *hub = &sc->world.sources[65];
    cr_assert_str_eq(hub->name, "hub");
    cr_assert_eq(hub->kind, WORLD_SOURCE_EVENTPAIR);
    cr_assert_eq(hub->signals, ZX_USER_SIGNAL_0 | ZX_EVENTPAIR_SIGNALED);
    cr_assert_eq(hub->add_at_ns, -1);
    cr_assert(hub->omit_signals);
    cr_assert_eq(sc->world.sources[66].signals, ZX_COUNTER_POSITIVE);
    cr_assert_eq(sc->world.sources[67].signals, ZX_USER_SIGNAL_0);
    cr_assert_eq(sc->world.sources[68].signals, ZX_USER_SIGNAL_1);
}

Test(scenario, names_with_commas_and_duplicates_are_refused)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"a,b\"}, {\"name\": \"c\"}, "
               "{\"name\": \"c\"}]}",
               E("1:43: $.proxies[0].name: expected a name without \",\", got \"a,b\" (resume "
                 "reasons join names with \",\")")
               E("1:75: $.proxies[2].name: expected a proxy name not declared before, got \"c\" "
                 "(first declared at line 1, column 60)"));
}

Test(scenario, watchers_register_at_a_time_or_never)
{
    load_ok("{\"description\": \"d\", \"watchers\": [{\"name\": \"hal\"}, {\"name\": \"late\", "
            "\"register_at\": \"never\"}, {\"name\": \"t\", \"register_at\": \"3ms\"}]}");
    cr_assert_eq(sc->world.watcher_count, 3);
    cr_assert_eq(sc->world.watchers[0].register_at_ns, 0);
    cr_assert_eq(sc->world.watchers[1].register_at_ns, -1);
    cr_assert_eq(sc->world.watchers[2].register_at_ns, 3000000);
}

Test(scenario, disk_and_files_with_extents)
{
    load_ok("{\"description\": \"d\", \"disk\": {\"block_size\": 1024, \"block_count\": 16, "
            "\"contents\": [{\"block\": 2, \"text\": \"hello\"}]}, \"files\": [{\"name\": \"f\", "
            "\"inode\": 12, \"size\": 5000, \"extents\": [{\"logical_start\": 0, \"logical_end\":"
            " 2, \"physical_block\": 2}, {\"logical_start\": 3, \"logical_end\": 5, "
            "\"physical_block\": 8}]}, {\"name\": \"g\", \"size\": 0}]}");
    const world_disk_config_t *d = &sc->world.disk;
    cr_assert(d->present);
    cr_assert_eq(d->block_size, 1024);
    cr_assert_eq(d->block_count, 16);
    cr_assert_eq(d->block_text_count, 3);
    cr_assert_null(d->block_text[0]);
    cr_assert_str_eq(d->block_text[2], "hello");
    cr_assert_eq(sc->world.file_count, 2);
    const world_file_config_t *f = &sc->world.files[0];
    cr_assert_eq(f->inode, 12);
    cr_assert_eq(f->size, 5000);
    cr_assert_eq(f->extent_count, 2);
    cr_assert_eq(f->extents[1].logical_start, 3);
    cr_assert_eq(f->extents[1].logical_end, 5);
    cr_assert_eq(f->extents[1].physical_block, 8);
    cr_assert_eq(sc->world.files[1].inode, 2); /* default: position + 1 */
}

Test(scenario, files_need_a_disk_and_sorted_extents)
{
    load_fails("{\"description\": \"d\", \"files\": [{\"name\": \"f\", \"size\": 1, \"extents\":"
               " [{\"logical_start\": 4, \"logical_end\": 6, \"physical_block\": 0}, "
               "{\"logical_start\": 5, \"logical_end\": 5, \"physical_block\": 0}]}]}",
               E("1:31: $.files: expected a \"disk\" for the files to live on, got none")
               E("1:166: $.files[0].extents[1].logical_end: expected a logical_end above "
                 "logical_start (5), got 5"));
}

/* ---- Timeline -------------------------------------------------------------------------------- */

static const char *world_kind_text(world_action_kind_t kind)
{
    return scenario_action_names[kind];
}

/* One action of every kind, written out of order: the loader sorts by time, stably. */
static const char every_action[] =
    "{\"description\": \"every action\","
    " \"disk\": {\"block_count\": 8}, \"files\": [{\"name\": \"f\", \"size\": 100}],"
    " \"container\": {\"processes\": [{\"name\": \"init\"}, {\"name\": \"late\", "
    "\"start_later\": true}]},"
    " \"proxies\": [{\"name\": \"p\"}], \"wake_sources\": [{\"name\": \"s\"}],"
    " \"watchers\": [{\"name\": \"w\"}],"
    " \"timeline\": ["
    "{\"at\": \"9ms\", \"action\": \"counter_add\", \"proxy\": \"p\", \"delta\": -1},"
    "{\"at\": \"1ms\", \"action\": \"suspend\"},"
    "{\"at\": \"2ms\", \"action\": \"send\", \"proxy\": \"p\", \"count\": 3, \"bytes\": 64},"
    "{\"at\": \"2ms\", \"action\": \"wake_lock_acquire\", \"name\": \"l\"},"
    "{\"at\": \"3ms\", \"action\": \"wake_lock_release\", \"name\": \"l\"},"
    "{\"at\": \"3ms\", \"action\": \"signal\", \"source\": \"s\", \"set\": [\"USER_0\"], "
    "\"clear\": \"EVENT_SIGNALED\"},"
    "{\"at\": \"4ms\", \"action\": \"add_wake_source\", \"source\": \"s\"},"
    "{\"at\": \"4ms\", \"action\": \"remove_wake_source\", \"source\": \"s\"},"
    "{\"at\": \"5ms\", \"action\": \"register_watcher\", \"watcher\": \"w\"},"
    "{\"at\": \"5ms\", \"action\": \"close_watcher\", \"watcher\": \"w\"},"
    "{\"at\": \"6ms\", \"action\": \"close_peer\", \"proxy\": \"p\", \"side\": \"container\"},"
    "{\"at\": \"6ms\", \"action\": \"close_peer\", \"proxy\": \"p\"},"
    "{\"at\": \"7ms\", \"action\": \"spawn_process\", \"process\": \"late\"},"
    "{\"at\": \"7ms\", \"action\": \"kill_process\", \"process\": \"init\"},"
    "{\"at\": \"8ms\", \"action\": \"read_file\", \"file\": \"f\", \"offset\": 10},"
    "{\"at\": \"8ms\", \"action\": \"read_file\", \"file\": \"f\", \"offset\": 0, \"length\": 4}"
    "]}";

Test(scenario, every_action_is_parsed_and_sorted_stably)
{
    load_ok(every_action);
    const world_action_t *a = sc->world.timeline;
    cr_assert_eq(sc->world.timeline_count, 16);
    static const world_action_kind_t kinds[] = {
        WORLD_ACTION_SUSPEND, WORLD_ACTION_SEND, WORLD_ACTION_WAKE_LOCK_ACQUIRE,
        WORLD_ACTION_WAKE_LOCK_RELEASE, WORLD_ACTION_SIGNAL, WORLD_ACTION_ADD_WAKE_SOURCE,
        WORLD_ACTION_REMOVE_WAKE_SOURCE, WORLD_ACTION_REGISTER_WATCHER,
        WORLD_ACTION_CLOSE_WATCHER, WORLD_ACTION_CLOSE_PEER, WORLD_ACTION_CLOSE_PEER,
        WORLD_ACTION_SPAWN_PROCESS, WORLD_ACTION_KILL_PROCESS, WORLD_ACTION_READ_FILE,
        WORLD_ACTION_READ_FILE, WORLD_ACTION_COUNTER_ADD,
    };
    for (size_t i = 0; i < 16; i++) {
        cr_assert_eq(a[i].kind, kinds[i], "timeline[%zu] is %s", i, world_kind_text(a[i].kind));
        if (i > 0)
            cr_assert_geq(a[i].at_ns, a[i - 1].at_ns);
    }
    cr_assert_eq(a[0].at_ns, 1000000);
    cr_assert_eq(a[1].target, 0);
    cr_assert_eq(a[1].count, 3);
    cr_assert_eq(a[1].bytes, 64);
    cr_assert_str_eq(a[2].name, "l");
    cr_assert_str_eq(a[3].name, "l");
    cr_assert_eq(a[4].target, 0);
    cr_assert_eq(a[4].set, ZX_USER_SIGNAL_0);
    cr_assert_eq(a[4].clear, ZX_EVENT_SIGNALED);
    cr_assert_eq(a[5].target, 0);
    cr_assert_eq(a[8].target, 0);
    cr_assert_not(a[9].remote_side);
    cr_assert(a[10].remote_side); /* the default side is the remote peer */
    cr_assert_eq(a[11].target, 1);
    cr_assert_eq(a[12].target, 0);
    cr_assert_eq(a[13].offset, 10);
    cr_assert_eq(a[13].length, 90); /* the rest of the file */
    cr_assert_eq(a[14].offset, 0);
    cr_assert_eq(a[14].length, 4);
    cr_assert_eq(a[15].delta, -1);
    cr_assert_eq(a[15].at_ns, 9000000);
}

Test(scenario, action_names_follow_world_actions)
{
    for (int k = 0; k < WORLD_ACTION_COUNT; k++)
        cr_assert_not_null(scenario_action_names[k]);
    cr_assert_null(scenario_action_names[WORLD_ACTION_COUNT]);
    cr_assert_str_eq(scenario_action_names[WORLD_ACTION_READ_FILE], "read_file");
}

Test(scenario, timeline_references_must_be_declared)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"touch\"}], \"timeline\": "
               "[{\"at\": 0, \"action\": \"send\", \"proxy\": \"tuch\"}]}",
               E("1:104: $.timeline[0].proxy: expected the name of a proxy, got \"tuch\" "
                 "(declared: \"touch\"; did you mean \"touch\"?)"));
}

Test(scenario, a_bad_declaration_is_not_reported_again_at_each_reference)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"\"}], \"timeline\": [{\"at\":"
               " 0, \"action\": \"send\", \"proxy\": \"p\"}]}",
               E("1:43: $.proxies[0].name: expected a name of 1 to 1024 bytes, got \"\""));
}

Test(scenario, unknown_action_reports_only_the_action)
{
    load_fails("{\"description\": \"d\", \"timeline\": [{\"at\": \"1ms\", \"action\": \"sned\", "
               "\"proxy\": \"p\"}]}",
               E("1:59: $.timeline[0].action: expected one of \"suspend\", \"send\", "
                 "\"wake_lock_acquire\", \"wake_lock_release\", \"signal\", \"add_wake_source\", "
                 "\"remove_wake_source\", \"register_watcher\", \"close_watcher\", "
                 "\"close_peer\", \"spawn_process\", \"kill_process\", \"read_file\", "
                 "\"counter_add\", \"stop_container\", got \"sned\" (did you mean \"send\"?)"));
}

Test(scenario, an_argument_of_another_action_is_an_unknown_key)
{
    load_fails("{\"description\": \"d\", \"timeline\": [{\"at\": \"1ms\", \"action\": "
               "\"suspend\", \"proxy\": \"p\"}]}",
               E("1:70: $.timeline[0].proxy: unknown key \"proxy\"; expected one of \"action\", "
                 "\"at\", \"client\""));
}

Test(scenario, suspend_client_and_stop_container)
{
    load_ok("{\"description\": \"d\", \"timeline\": [{\"at\": \"1ms\", \"action\": "
            "\"suspend\"}, {\"at\": \"2ms\", \"action\": \"suspend\", \"client\": \"tool\"}, "
            "{\"at\": \"3ms\", \"action\": \"suspend\", \"client\": \"kernel\"}, "
            "{\"at\": \"4ms\", \"action\": \"stop_container\"}]}");
    cr_assert_eq(sc->world.timeline_count, 4);
    cr_assert(!sc->world.timeline[0].from_tool);
    cr_assert(sc->world.timeline[1].from_tool);
    cr_assert(!sc->world.timeline[2].from_tool);
    cr_assert_eq(sc->world.timeline[3].kind, WORLD_ACTION_STOP_CONTAINER);
    load_fails("{\"description\": \"d\", \"timeline\": [{\"at\": \"1ms\", \"action\": "
               "\"suspend\", \"client\": \"hal\"}, {\"at\": \"2ms\", \"action\": "
               "\"stop_container\", \"client\": \"tool\"}]}",
               E("1:80: $.timeline[0].client: expected one of \"kernel\", \"tool\", got \"hal\"")
               E("1:130: $.timeline[1].client: unknown key \"client\"; expected one of "
                 "\"action\", \"at\""));
}

Test(scenario, actions_after_the_time_limit_never_happen)
{
    load_fails("{\"description\": \"d\", \"time_limit\": \"1s\", \"timeline\": [{\"at\": \"2s\", "
               "\"action\": \"suspend\"}]}",
               E("1:62: $.timeline[0].at: expected a time within the time limit (1s), got "
                 "\"2s\""));
}

Test(scenario, signal_needs_settable_signals)
{
    load_fails("{\"description\": \"d\", \"wake_sources\": [{\"name\": \"c\", \"kind\": "
               "\"counter\"}], \"timeline\": [{\"at\": 0, \"action\": \"signal\", \"source\": "
               "\"c\", \"set\": [\"COUNTER_POSITIVE\"]}, {\"at\": 0, \"action\": \"signal\", "
               "\"source\": \"c\"}]}",
               E("1:139: $.timeline[0].set: expected signals that zx_object_signal can change "
                 "(USER_0 to USER_7, EVENT_SIGNALED), got COUNTER_POSITIVE")
               E("1:162: $.timeline[1]: expected \"set\" or \"clear\" signals, got none"));
}

Test(scenario, spawn_needs_a_process_that_starts_later)
{
    load_fails("{\"description\": \"d\", \"container\": {\"processes\": [{\"name\": \"init\"}]},"
               " \"timeline\": [{\"at\": 0, \"action\": \"spawn_process\", \"process\": "
               "\"init\"}]}",
               E("1:131: $.timeline[0].process: expected a process declared with "
                 "\"start_later\": true, got \"init\", which starts with the container"));
}

Test(scenario, send_bounds)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"p\"}], \"timeline\": [{\"at\":"
               " 0, \"action\": \"send\", \"proxy\": \"p\", \"count\": 0, \"bytes\": 65537}]}",
               E("1:114: $.timeline[0].count: expected an integer between 1 and 1000000, got 0")
               E("1:126: $.timeline[0].bytes: expected an integer between 0 and 65536, got "
                 "65537"));
}

Test(scenario, workloads)
{
    load_ok("{\"description\": \"d\", \"time_limit\": \"10min\", \"proxies\": [{\"name\": "
            "\"p\"}], \"workloads\": [{\"proxy\": \"p\", \"mean_interval\": \"2s\"}, {\"proxy\": "
            "\"p\", \"mean_interval\": \"1ms\", \"start\": \"1s\", \"stop\": \"2s\", \"bytes\": "
            "100}]}");
    cr_assert_eq(sc->world.poisson_count, 2);
    const world_poisson_config_t *w = sc->world.poisson;
    cr_assert_eq(w[0].proxy, 0);
    cr_assert_eq(w[0].mean_interval_ns, 2000000000);
    cr_assert_eq(w[0].start_ns, 0);
    cr_assert_eq(w[0].stop_ns, 600LL * 1000000000LL); /* the time limit */
    cr_assert_eq(w[0].bytes, 16);
    cr_assert_eq(w[1].start_ns, 1000000000);
    cr_assert_eq(w[1].stop_ns, 2000000000);
    cr_assert_eq(w[1].bytes, 100);
}

Test(scenario, workload_stop_after_start)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"p\"}], \"workloads\": "
               "[{\"proxy\": \"p\", \"mean_interval\": 0, \"start\": \"2s\", \"stop\": \"1s\"}]}",
               E("1:96: $.workloads[0].mean_interval: expected a mean interval above zero, got 0")
               E("1:122: $.workloads[0].stop: expected a stop after the start, got one at or "
                 "before it"));
}

/* ---- Expectations ---------------------------------------------------------------------------- */

static const char every_expectation[] =
    "{\"description\": \"every expectation\","
    " \"disk\": {\"block_count\": 8}, \"files\": [{\"name\": \"f\", \"size\": 100}],"
    " \"proxies\": [{\"name\": \"p\"}], \"wake_sources\": [{\"name\": \"s\"}],"
    " \"watchers\": [{\"name\": \"w\"}],"
    " \"expectations\": ["
    "{\"suspend\": 0, \"result\": \"ok\", \"resume_reason\": [\"s\", \"p\", \"s\"], "
    "\"suspend_time\": {\"min\": \"1ms\"}, \"phases\": {\"woken\": {\"max\": \"9s\"}, "
    "\"reply_received\": {\"min\": 0, \"max\": \"10s\"}}, \"description\": \"first\"},"
    "{\"suspend\": \"all\", \"resume_reason\": \"p,s\"},"
    "{\"suspend\": \"last\", \"resume_reason\": null, \"managers\": [\"v1\", \"v6\"]},"
    "{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\"], \"prefix\": true},"
    "{\"counter\": \"p\", \"at\": \"5ms\", \"value\": -1},"
    "{\"counter\": \"p\", \"at\": \"6ms\", \"min\": 1},"
    "{\"channel\": \"p\", \"received\": 3, \"peer_closed\": true},"
    "{\"file_read\": \"f\", \"read\": 1, \"status\": \"ZX_ERR_IO\"},"
    "{\"file_read\": \"f\", \"starts_with\": \"hi\", \"checksum\": \"00000000000000ff\"},"
    "{\"file_read\": \"f\", \"starts_with_hex\": \"68 69\", \"checksum\": 255},"
    "{\"latency\": \"sent_to_handled\", \"proxy\": \"p\", \"p50\": {\"max\": \"1ms\"}, "
    "\"p99\": {\"max\": \"2ms\"}, \"max\": {\"max\": \"3ms\"}, \"count\": {\"min\": 1}},"
    "{\"suspend_count\": {\"min\": 2, \"max\": 3}, \"result\": \"ok\"},"
    "{\"suspend_count\": 1},"
    "{\"stats\": {\"success_count\": 1, \"fail_count\": {\"max\": 0}, \"last_resume_reason\": "
    "\"0 p\", \"last_time_in_sleep\": {\"min\": \"1ms\"}}},"
    "{\"stats\": {\"last_resume_reason\": null}},"
    "{\"no_violations\": true, \"managers\": [\"v5w\"]},"
    "{\"violation\": \"message_wakes_container\"}"
    "]}";

Test(scenario, every_expectation_is_parsed)
{
    load_ok(every_expectation);
    const expect_t *e = sc->expects;
    cr_assert_eq(sc->expect_count, 18); /* 17 and the implicit one */

    const expect_suspend_t *s = &e[0].u.suspend;
    cr_assert_eq(e[0].kind, EXPECT_SUSPEND);
    cr_assert_str_eq(e[0].description, "first");
    cr_assert_eq(s->index, 0);
    cr_assert(s->has_result);
    cr_assert_eq(s->result, WORLD_SUSPEND_OK);
    cr_assert(s->has_reason);
    cr_assert_eq(s->reason_count, 2); /* a set: "s" once */
    cr_assert_str_eq(s->reasons[0], "s");
    cr_assert_str_eq(s->reasons[1], "p");
    cr_assert(s->suspend_time.has_min);
    cr_assert_not(s->suspend_time.has_max);
    cr_assert_eq(s->suspend_time.min, 1000000);
    cr_assert(s->phases[MANAGER_PHASE_WOKEN].has_max);
    cr_assert_eq(s->phases[MANAGER_PHASE_WOKEN].max, 9000000000LL);
    cr_assert(s->phases[EXPECT_PHASE_REPLY_RECEIVED].has_min);
    cr_assert_not(s->phases[MANAGER_PHASE_RECEIVED].has_min);

    cr_assert_eq(e[1].u.suspend.index, EXPECT_SUSPEND_ALL);
    cr_assert_eq(e[1].u.suspend.reason_count, 2);
    cr_assert_str_eq(e[1].description, "every suspend: resume_reason {p,s}");
    cr_assert_eq(e[2].u.suspend.index, EXPECT_SUSPEND_LAST);
    cr_assert(e[2].u.suspend.has_reason);
    cr_assert_eq(e[2].u.suspend.reason_count, 0);
    cr_assert_eq(e[2].manager_count, 2);
    cr_assert_str_eq(e[2].managers[1], "v6");
    cr_assert(expect_applies(&e[2], "v1"));
    cr_assert_not(expect_applies(&e[2], "v5w"));

    cr_assert_eq(e[3].kind, EXPECT_WATCHER);
    cr_assert_eq(e[3].u.watcher.saw_count, 2);
    cr_assert_eq(memcmp(e[3].u.watcher.saw, "AS", 2), 0);
    cr_assert(e[3].u.watcher.prefix);
    cr_assert_str_eq(e[3].description, "watcher w saw AWAKE ASLEEP first");

    cr_assert_eq(e[4].kind, EXPECT_COUNTER);
    cr_assert_eq(e[4].u.counter.value.min, -1);
    cr_assert_eq(e[4].u.counter.value.max, -1);
    cr_assert_eq(e[4].u.counter.sample, 0);
    cr_assert(e[5].u.counter.value.has_min);
    cr_assert_not(e[5].u.counter.value.has_max);
    cr_assert_eq(e[5].u.counter.sample, 1);
    cr_assert_eq(sc->sample_count, 2);
    cr_assert_eq(sc->samples[1].at_ns, 6000000);
    cr_assert_eq(sc->samples[1].proxy, 0);

    cr_assert_eq(e[6].kind, EXPECT_CHANNEL);
    cr_assert(e[6].u.channel.has_received);
    cr_assert_eq(e[6].u.channel.received.min, 3);
    cr_assert(e[6].u.channel.peer_closed);

    cr_assert_eq(e[7].u.file_read.read, 1);
    cr_assert_eq(e[7].u.file_read.status, -40);
    cr_assert_eq(e[8].u.file_read.head_size, 2);
    cr_assert_eq(memcmp(e[8].u.file_read.head, "hi", 2), 0);
    cr_assert_eq(e[8].u.file_read.checksum, 255);
    cr_assert_eq(e[9].u.file_read.head_size, 2);
    cr_assert_eq(memcmp(e[9].u.file_read.head, "hi", 2), 0);
    cr_assert_eq(e[9].u.file_read.checksum, 255);

    const expect_latency_t *l = &e[10].u.latency;
    cr_assert_eq(l->metric, EXPECT_METRIC_SENT_TO_HANDLED);
    cr_assert_eq(l->proxy, 0);
    cr_assert_eq(l->stat[EXPECT_STAT_P99].max, 2000000);
    cr_assert_not(l->stat[EXPECT_STAT_P90].has_max);
    cr_assert_eq(l->count.min, 1);

    cr_assert_eq(e[11].u.suspend_count.count.min, 2);
    cr_assert_eq(e[11].u.suspend_count.count.max, 3);
    cr_assert(e[11].u.suspend_count.has_result);
    cr_assert_eq(e[12].u.suspend_count.count.min, 1);
    cr_assert_eq(e[12].u.suspend_count.count.max, 1);

    cr_assert_eq(e[13].u.stats.success.min, 1);
    cr_assert_eq(e[13].u.stats.fail.max, 0);
    cr_assert_str_eq(e[13].u.stats.last_reason, "0 p");
    cr_assert_eq(e[13].u.stats.sleep_ns.min, 1000000);
    cr_assert(e[14].u.stats.has_last_reason);
    cr_assert_null(e[14].u.stats.last_reason);

    cr_assert_eq(e[15].kind, EXPECT_NO_VIOLATIONS);
    cr_assert_eq(e[16].kind, EXPECT_VIOLATION);
    cr_assert_str_eq(e[16].u.violations.name, "message_wakes_container");
    /* The explicit no_violations is for v5w only: the implicit one still comes, tolerating the
     * violation expected by name. */
    cr_assert(e[17].implicit);
    cr_assert_eq(e[17].u.violations.tolerated_count, 1);
    cr_assert_eq(e[17].u.violations.tolerated[0], &e[16]);
    cr_assert_str_eq(e[17].description, "no other invariant violated");
}

Test(scenario, an_expectation_checks_one_thing)
{
    load_fails("{\"description\": \"d\", \"watchers\": [{\"name\": \"w\"}], \"expectations\": "
               "[{\"suspend\": 0, \"watcher\": \"w\"}, {\"result\": \"ok\"}]}",
               E("1:83: $.expectations[0].watcher: expected one check per expectation, got "
                 "\"watcher\" after \"suspend\"")
               E("1:100: $.expectations[1]: expected one of the keys \"channel\", \"counter\", "
                 "\"file_read\", \"latency\", \"no_violations\", \"stats\", \"suspend\", "
                 "\"suspend_count\", \"violation\", \"watcher\", got none"));
}

Test(scenario, watcher_times_are_bounds_or_null_one_per_observation)
{
    load_ok("{\"description\": \"d\", \"watchers\": [{\"name\": \"w\"}], \"expectations\": "
            "[{\"watcher\": \"w\", \"saw\": [\"AWAKE\", \"ASLEEP\"], \"saw_at\": [null, "
            "{\"min\": \"2s\"}]}]}");
    const expect_watcher_t *w = &sc->expects[0].u.watcher;
    cr_assert_eq(w->saw_at_count, 2);
    cr_assert(!w->saw_at[0].has_min && !w->saw_at[0].has_max);
    cr_assert(w->saw_at[1].has_min && !w->saw_at[1].has_max);
    cr_assert_eq(w->saw_at[1].min, 2000000000);
    cr_assert_str_eq(sc->expects[0].description, "watcher w saw AWAKE ASLEEP, at the times given");
    load_fails("{\"description\": \"d\", \"watchers\": [{\"name\": \"w\"}], \"expectations\":"
               " [{\"watcher\": \"w\", \"saw\": [\"AWAKE\"], \"saw_at\": [null, null]},"
               " {\"watcher\": \"w\", \"saw\": [\"AWAKE\"], \"saw_at\": [{}]}]}",
               E("1:113: $.expectations[0].saw_at: expected at most one time per observation "
                 "of \"saw\" (1), got 2")
               E("1:174: $.expectations[1].saw_at[0]: expected \"min\", \"max\" or both, got "
                 "neither"));
}

Test(scenario, an_expectation_needs_something_to_check)
{
    load_fails("{\"description\": \"d\", \"expectations\": [{\"suspend\": \"last\"}]}",
               E("1:39: $.expectations[0]: expected something to check: \"phases\", \"result\", "
                 "\"resume_reason\" or \"suspend_time\", got none"));
}

Test(scenario, expectation_keys_and_names_are_checked)
{
    load_fails("{\"description\": \"d\", \"proxies\": [{\"name\": \"touch\"}], \"expectations\":"
               " [{\"suspend\": 0, \"reslt\": \"ok\", \"resume_reason\": \"touch,irq\", "
               "\"phases\": {\"wokn\": {\"max\": \"1s\"}}}]}",
               E("1:86: $.expectations[0].reslt: unknown key \"reslt\"; expected one of "
                 "\"description\", \"managers\", \"phases\", \"result\", \"resume_reason\", "
                 "\"suspend\", \"suspend_time\" (did you mean \"result\"?)")
               E("1:118: $.expectations[0].resume_reason: expected names of proxies or wake "
                 "sources (or \"starnix-container-timeout\"), got \"irq\"")
               E("1:142: $.expectations[0].phases.wokn: unknown key \"wokn\"; expected one of "
                 "\"job_frozen\", \"lease_acquired\", \"lease_dropped\", \"received\", \"reply\", "
                 "\"reply_received\", \"thawed\", \"wait_begun\", \"wake_lock_check\", "
                 "\"watchers_asleep\", \"watchers_awake\", \"woken\", \"worker_picked\" (did you "
                 "mean \"woken\"?)"));
}

Test(scenario, bounds_need_a_side_in_order)
{
    load_fails("{\"description\": \"d\", \"expectations\": [{\"suspend\": 0, \"suspend_time\": "
               "{}}, {\"suspend\": 0, \"suspend_time\": {\"min\": \"2s\", \"max\": \"1s\"}}]}",
               E("1:70: $.expectations[0].suspend_time: expected \"min\", \"max\" or both, got "
                 "neither")
               E("1:106: $.expectations[1].suspend_time: expected \"min\" <= \"max\", got min > "
                 "max"));
}

Test(scenario, no_violations_must_be_true_and_violation_named)
{
    load_fails("{\"description\": \"d\", \"expectations\": [{\"no_violations\": false}, "
               "{\"violation\": \"no_deadlok\"}]}",
               E("1:57: $.expectations[0].no_violations: expected true (use \"violation\" to "
                 "expect one), got false")
               E("1:79: $.expectations[1].violation: expected one of \"message_wakes_container\","
                 " \"suspend_gets_reply\", \"watcher_agrees\", \"counter_non_negative\", "
                 "\"no_deadlock\", \"no_manager_panic\", got \"no_deadlok\" (did you mean "
                 "\"no_deadlock\"?)"));
}

Test(scenario, explicit_no_violations_replaces_the_implicit_one)
{
    load_ok("{\"description\": \"d\", \"expectations\": [{\"no_violations\": true, "
            "\"description\": \"clean\"}]}");
    cr_assert_eq(sc->expect_count, 1);
    cr_assert_not(sc->expects[0].implicit);
}

Test(scenario, file_read_contents_checks)
{
    load_fails("{\"description\": \"d\", \"disk\": {\"block_count\": 1}, \"files\": [{\"name\": "
               "\"f\", \"size\": 1}], \"expectations\": [{\"file_read\": \"f\", \"starts_with\": "
               "\"a\", \"starts_with_hex\": \"61\"}, {\"file_read\": \"f\", \"checksum\": "
               "\"xyz\"}, "
               "{\"file_read\": \"f\", \"status\": \"ZX_ERR_OI\"}]}",
               E("1:143: $.expectations[0].starts_with_hex: expected \"starts_with\" or "
                 "\"starts_with_hex\", got both")
               E("1:200: $.expectations[1].checksum: expected 16 hex digits (FNV-1a 64) such as "
                 "\"cbf29ce484222325\", got \"xyz\"")
               E("1:237: $.expectations[2].status: expected a zx_status_t name such as \"ZX_OK\" "
                 "or \"ZX_ERR_IO\", got \"ZX_ERR_OI\" (did you mean \"ZX_ERR_IO\"?)"));
}

/* ---- Top level and robustness ---------------------------------------------------------------- */

Test(scenario, unknown_top_level_key_gets_a_hint)
{
    load_fails("{\"description\": \"d\", \"wake_source\": []}",
               E("1:22: $.wake_source: unknown key \"wake_source\"; expected one of \"$schema\", "
                 "\"container\", \"costs\", \"description\", \"disk\", \"events_max\", "
                 "\"expectations\", \"files\", \"invariants\", \"manager\", \"proxies\", "
                 "\"run_on\", \"schedule\", \"seed\", \"strategy\", \"system\", \"time_limit\", "
                 "\"timeline\", "
                 "\"wake_sources\", \"watchers\", \"workloads\" (did you mean "
                 "\"wake_sources\"?)"));
}

Test(scenario, description_is_required)
{
    load_fails("{}", E("1:1: $: missing required key \"description\""));
}

Test(scenario, unknown_manager_gets_a_hint)
{
    load_fails("{\"description\": \"d\", \"manager\": \"v5\"}",
               E("1:33: $.manager: expected one of \"v5w\", \"v1\", \"v6\", got \"v5\" (did you "
                 "mean \"v5w\"?)"));
}

Test(scenario, syntax_error_is_one_problem)
{
    load_fails("{\"description\": \"d\",}",
               E("1:21: $: expected a string key after ',', found '}' (trailing commas are not "
                 "allowed)"));
}

Test(scenario, wrong_types_everywhere_do_not_crash)
{
    static const char *const texts[] = {
        "[]", "\"x\"", "{\"description\": 1}", "{\"description\": \"d\", \"proxies\": {}}",
        "{\"description\": \"d\", \"proxies\": [1, \"x\", null]}",
        "{\"description\": \"d\", \"container\": []}",
        "{\"description\": \"d\", \"container\": {\"processes\": [{}, 3]}}",
        "{\"description\": \"d\", \"timeline\": [{}, [], {\"at\": 0}]}",
        "{\"description\": \"d\", \"expectations\": [1, {}, {\"suspend\": {}}]}",
        "{\"description\": \"d\", \"disk\": {\"block_count\": 0, \"contents\": [{}]}}",
        "{\"description\": \"d\", \"files\": [{\"extents\": [1]}]}",
        "{\"description\": \"d\", \"wake_sources\": [{\"name\": \"s\", \"count\": 0}]}",
        "{\"description\": \"d\", \"wake_sources\": [{\"name\": \"s\", \"count\": 5000}]}",
        "{\"description\": \"d\", \"expectations\": [{\"stats\": {}}]}",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_problems_deinit(&probs);
        json_problems_init(&probs, 0);
        cr_assert_eq(load(texts[i]), SIM_EINVAL, "%s", texts[i]);
        cr_assert_gt(probs.count, 0, "%s", texts[i]);
    }
}

Test(scenario, the_format_ns_spelling_is_exact)
{
    char buf[32];
    scenario_format_ns(0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0ns");
    scenario_format_ns(60000000000LL, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1min");
    scenario_format_ns(1500000, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1500us");
    scenario_format_ns(9000000000LL, buf, sizeof(buf));
    cr_assert_str_eq(buf, "9s");
}

Test(scenario, load_reads_files_and_reports_missing_ones)
{
    cr_assert_eq(scenario_load("/nonexistent/x.json", &probs, &sc), SIM_EIO);
    cr_assert_str_eq(printed(), "wakesim: error: /nonexistent/x.json: cannot read: No such file "
                                "or directory\n");
}
