/* world_fixture.h - Helpers shared by the container tests: a base configuration, running a
 * world, and printing what happened when an assertion fails. */
#ifndef WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H
#define WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* What a run in a child process reports back. */
typedef struct fixture_outcome {
    uint64_t fingerprint;
    uint64_t violations[2]; /* counts of the two invariants the caller asked about */
    int32_t rc;             /* world_run's result */
} fixture_outcome_t;

/* Runs `config` in a forked child and returns its fingerprint and the counts of violations of
 * invariants `a` and `b` (NULL = all). Tests that compare several runs use it so that every run
 * has a process of its own: a second run in one process trips ASan on the stacks of tasks the
 * first run left parked (the engine unmaps coroutine stacks without clearing their shadow;
 * reported with a reproduction, as the manager's tests do in manager_fixture.h). */
static inline fixture_outcome_t fixture_in_child(const world_config_t *config,
                                                 const world_run_opts_t *opts, const char *a,
                                                 const char *b)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        fixture_outcome_t out = {0};
        world_t *w = NULL;
        out.rc = world_run(config, opts, &w, NULL, 0);
        if (out.rc == 0) {
            out.fingerprint = world_results(w)->fingerprint;
            out.violations[0] = fixture_violations(w, a);
            out.violations[1] = fixture_violations(w, b);
        }
        world_destroy(w);
        ssize_t n = write(fds[1], &out, sizeof(out));
        _exit(n == (ssize_t)sizeof(out) ? 0 : 1);
    }
    close(fds[1]);
    fixture_outcome_t out = {.rc = -1};
    ssize_t n = read(fds[0], &out, sizeof(out));
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    cr_assert(n == (ssize_t)sizeof(out) && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
              "the child run failed (status %d)", wstatus);
    cr_assert_eq(out.rc, 0, "world_run in the child: %d", out.rc);
    return out;
}

#endif /* WAKESIM_TESTS_CONTAINER_WORLD_FIXTURE_H */
