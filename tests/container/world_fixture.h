/* world_fixture.h - Helpers shared by the container tests: a base configuration, running a
 * world, and printing what happened when an assertion fails. */
#ifndef WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H
#define WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <wakesim/manager.h>
#include <wakesim/world.h>

#define MS 1000000LL
#define SEC 1000000000LL

/* A container with one idle process, a suspend loop that sends both fields, a system that
 * never suspends; tests change what they need. */
static const world_thread_config_t fixture_idle_thread = {.name = "idle",
                                                           .kind = WORLD_THREAD_IDLE};
static const world_process_config_t fixture_init = {
    .name = "init", .threads = &fixture_idle_thread, .thread_count = 1};

static inline world_config_t fixture_config(void)
{
    return (world_config_t){
        .system_suspend_delay_ns = -1,
        .system_resume_ns = 1 * MS,
        .container = {
            .name = "starnix",
            .processes = &fixture_init,
            .process_count = 1,
            .suspend = {.send_wake_locks = true, .send_container_job = true},
        },
    };
}

static inline world_run_opts_t fixture_opts(int64_t time_limit_ns)
{
    return (world_run_opts_t){.seed = 1, .strategy = "fifo", .time_limit_ns = time_limit_ns};
}

/* Prints the suspend records, watchers and violations of a run (on stderr). */
static inline void fixture_dump(world_t *w)
{
    const world_results_t *r = world_results(w);
    fprintf(stderr, "end %s at %" PRId64 " ns, %" PRIu64 " events, fingerprint %016" PRIx64 "\n",
            sim_end_name(r->end), r->end_time_ns, r->events, r->fingerprint);
    for (size_t i = 0; i < r->suspend_count; i++) {
        const world_suspend_record_t *s = &r->suspends[i];
        fprintf(stderr, "suspend %zu: sent %" PRId64 " reply %" PRId64 " %s time %" PRId64
                " reason %s\n", i, s->sent_ns, s->reply_received_ns,
                world_suspend_result_name(s->result), s->suspend_time_ns,
                s->has_resume_reason ? s->resume_reason : "(none)");
    }
    sim_t *s = world_sim(w);
    for (size_t i = 0; i < sim_violation_count(s); i++) {
        const sim_violation_t *v = sim_violation_get(s, i);
        fprintf(stderr, "violation %s at %" PRId64 ": %s\n", v->name, v->time_boot_ns,
                v->message);
    }
}

/* Runs `config`; asserts that it ran. */
static inline world_t *fixture_run(const world_config_t *config, const world_run_opts_t *opts)
{
    world_t *w = NULL;
    char err[256] = "";
    int rc = world_run(config, opts, &w, err, sizeof(err));
    cr_assert_eq(rc, 0, "world_run: %d (%s)", rc, err);
    return w;
}

static inline size_t fixture_violations(world_t *w, const char *name)
{
    sim_t *s = world_sim(w);
    size_t n = 0;
    for (size_t i = 0; i < sim_violation_count(s); i++)
        n += !name || !strcmp(sim_violation_get(s, i)->name, name);
    return n;
}

static inline void fixture_watcher_saw(world_t *w, size_t i, const char *want)
{
    const world_watcher_record_t *rec = &world_results(w)->watchers[i];
    char got[257];
    memcpy(got, rec->observations, rec->count);
    got[rec->count] = '\0';
    cr_expect_str_eq(got, want, "watcher %zu saw \"%s\", want \"%s\"", i, got, want);
}

#endif /* WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H */
