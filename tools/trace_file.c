/* trace_file.c - The engine's SQLite sink wired to reports/derive.h (trace_file.h).
 *
 * The sink knows nothing of the layers' kinds; the derive core knows nothing of the engine's
 * types. This adapter turns each sim_trace_event_t into the `events` row the sink writes for
 * it (so the core sees exactly what a rebuild from the file would read) and tells the core a
 * kind's spelling the first time the kind appears in a run, as the `kinds` table does. */
#include "trace_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wakesim/derive.h>

/* Kinds below this are remembered in a bitmap; the layers number theirs far below it (the
 * X-macro tables of kernel.h, manager.h, world.h), and a kind above it is looked up in a
 * short list instead. */
#define KIND_BITMAP_BITS 4096u

struct trace_deriver {
    derive_t *run;                           /* the open run's core, NULL between runs */
    uint64_t seen[KIND_BITMAP_BITS / 64];    /* kinds spelled to `run` */
    int64_t *seen_high;                      /* kinds >= KIND_BITMAP_BITS spelled to `run` */
    size_t seen_high_count, seen_high_capacity;
};

static int status_message(int rc, char *err, size_t err_size)
{
    if (rc != 0 && err_size && !err[0])
        snprintf(err, err_size, "%s", rc == DERIVE_ENOMEM ? "out of memory" : "derive failed");
    return rc;
}

static int deriver_begin(void *ctx, char *err, size_t err_size)
{
    trace_deriver_t *d = ctx;
    derive_destroy(d->run);
    d->run = NULL;
    memset(d->seen, 0, sizeof(d->seen));
    d->seen_high_count = 0;
    return status_message(derive_create(&d->run), err, err_size);
}

/* Whether `kind` was already spelled to the core in this run; notes it if not. */
static int kind_seen(trace_deriver_t *d, uint32_t kind, bool *seen)
{
    if (kind < KIND_BITMAP_BITS) {
        uint64_t bit = UINT64_C(1) << (kind % 64);
        *seen = d->seen[kind / 64] & bit;
        d->seen[kind / 64] |= bit;
        return 0;
    }
    for (size_t i = 0; i < d->seen_high_count; i++) {
        if (d->seen_high[i] == kind) {
            *seen = true;
            return 0;
        }
    }
    if (d->seen_high_count == d->seen_high_capacity) {
        size_t capacity = d->seen_high_capacity ? 2 * d->seen_high_capacity : 16;
        int64_t *p = realloc(d->seen_high, capacity * sizeof(*p));
        if (!p)
            return DERIVE_ENOMEM;
        d->seen_high = p;
        d->seen_high_capacity = capacity;
    }
    d->seen_high[d->seen_high_count++] = kind;
    *seen = false;
    return 0;
}

static int deriver_event(void *ctx, const sim_trace_event_t *ev, char *err, size_t err_size)
{
    trace_deriver_t *d = ctx;
    bool seen = false;
    int rc = kind_seen(d, ev->kind, &seen);
    if (rc == 0 && !seen)
        rc = derive_kind(d->run, ev->kind, ev->kind_name);
    if (rc != 0)
        return status_message(rc, err, err_size);
    /* The values as the sink stores them (trace_sqlite_writer.c, chunk_add). */
    derive_row_t row = {
        .idx = (int64_t)ev->index,
        .time_mono_ns = ev->time_mono_ns,
        .time_boot_ns = ev->time_boot_ns,
        .thread_id = ev->thread_id,
        .kind = ev->kind,
        .object = (int64_t)ev->object,
        .arg = {ev->arg[0], ev->arg[1], ev->arg[2], ev->arg[3]},
        .status = ev->status,
        .text = ev->text,
    };
    return status_message(derive_row(d->run, &row), err, err_size);
}

static int deriver_write(void *ctx, struct sqlite3 *db, int64_t run_id, char *err,
                         size_t err_size)
{
    trace_deriver_t *d = ctx;
    int rc = d->run ? derive_write(d->run, db, run_id, err, err_size) : DERIVE_EINVAL;
    derive_destroy(d->run);
    d->run = NULL;
    return status_message(rc, err, err_size);
}

static int deriver_rebuild(void *ctx, struct sqlite3 *db, int64_t run_id, char *err,
                           size_t err_size)
{
    (void)ctx;
    return status_message(derive_run(db, run_id, err, err_size), err, err_size);
}

int trace_file_open(trace_file_t *f, const char *path, char *err, size_t err_size)
{
    *f = (trace_file_t){0};
    if (!(f->deriver = calloc(1, sizeof(*f->deriver)))) {
        if (err_size)
            snprintf(err, err_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    const sim_trace_sqlite_deriver_t ops = {
        .ctx = f->deriver,
        .begin = deriver_begin,
        .event = deriver_event,
        .write = deriver_write,
        .rebuild = deriver_rebuild,
    };
    int rc = sim_trace_sqlite_open(path, &ops, &f->db, err, err_size);
    if (rc != 0) {
        free(f->deriver);
        f->deriver = NULL;
    }
    return rc;
}

int trace_file_close(trace_file_t *f, char *err, size_t err_size)
{
    int rc = sim_trace_sqlite_close(f->db, err, err_size);
    if (f->deriver) {
        derive_destroy(f->deriver->run);
        free(f->deriver->seen_high);
        free(f->deriver);
    }
    *f = (trace_file_t){0};
    return rc;
}
