/* test_files.c - Goal: the Starnix kernel mounts pager-backed files through the runner
 * (CreatePager, RegisterFile) and container threads read them through page faults, holes
 * reading as zeros. Method: a small disk with the deterministic pattern and a text block, one
 * file with two extents and a hole; a read_file action reads the whole file and a READER
 * thread of a Linux process reads across the hole; both are compared with the bytes computed
 * here from the layout. */
#include <stdlib.h>

#include "world_fixture.h"

enum { BLOCK = 4096, BLOCKS = 8, FILE_SIZE = 5 * BLOCK + 100 };

static const world_extent_config_t extents[] = {
    {.logical_start = 0, .logical_end = 2, .physical_block = 3},
    {.logical_start = 4, .logical_end = 6, .physical_block = 5},
};
static const world_file_config_t file = {
    .name = "data", .inode = 12, .size = FILE_SIZE, .extents = extents, .extent_count = 2};
static const char *const block_text[] = {NULL, NULL, NULL, "HELLO"};

/* The byte at `offset` of the file, from the disk pattern and the extents. */
static uint8_t expected_byte(uint64_t offset)
{
    uint64_t logical = offset / BLOCK, i = offset % BLOCK;
    for (size_t e = 0; e < 2; e++) {
        if (logical < extents[e].logical_start || logical >= extents[e].logical_end)
            continue;
        uint64_t b = extents[e].physical_block + (logical - extents[e].logical_start);
        if (b < 4 && block_text[b] && i < strlen(block_text[b]))
            return (uint8_t)block_text[b][i];
        return (uint8_t)((b * 31 + i) & 0xff);
    }
    return 0; /* a hole */
}

static uint64_t expected_checksum(uint64_t offset, uint64_t length)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint64_t k = 0; k < length; k++)
        h = (h ^ expected_byte(offset + k)) * 0x100000001b3ULL;
    return h;
}

static void expect_read(const world_file_read_record_t *rec, uint64_t offset, uint64_t length)
{
    cr_expect_eq(rec->status, 0, "read at %llu: status %d", (unsigned long long)offset,
                 rec->status);
    cr_expect_eq(rec->offset, offset);
    cr_expect_eq(rec->length, length);
    cr_expect_geq(rec->finished_ns, rec->started_ns);
    cr_expect_eq(rec->checksum, expected_checksum(offset, length), "checksum of read at %llu",
                 (unsigned long long)offset);
    for (size_t k = 0; k < sizeof(rec->head); k++)
        cr_expect_eq(rec->head[k], expected_byte(offset + k), "head[%zu]", k);
}

Test(files, pager_backed_reads_with_holes)
{
    world_thread_config_t threads[] = {
        {.name = "idle", .kind = WORLD_THREAD_IDLE},
        {.name = "reader", .kind = WORLD_THREAD_READER, .file = 0, .offset = 2 * BLOCK - 16,
         .length = 3 * BLOCK},
    };
    world_process_config_t procs[] = {{.name = "app", .threads = threads, .thread_count = 2}};
    world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_READ_FILE, .target = 0, .offset = 0,
         .length = FILE_SIZE},
    };
    world_config_t c = fixture_config();
    c.container.processes = procs;
    c.container.process_count = 1;
    c.disk = (world_disk_config_t){.present = true, .block_size = BLOCK, .block_count = BLOCKS,
                                   .block_text = block_text, .block_text_count = 4};
    c.files = &file;
    c.file_count = 1;
    c.timeline = timeline;
    c.timeline_count = 1;
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_assert_eq(r->file_read_count, 2);
    /* The READER thread starts as soon as the files are mounted, before the action at 100 ms. */
    expect_read(&r->file_reads[0], 2 * BLOCK - 16, 3 * BLOCK);
    expect_read(&r->file_reads[1], 0, FILE_SIZE);
    cr_expect_eq(memcmp(r->file_reads[1].head, "HELLO", 5), 0);
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* A read past the end of a registered file: the reader gets an error (OUT_OF_RANGE), never a
 * hang, and the run stays clean. */
Test(files, read_past_the_end_fails)
{
    world_file_config_t bad = file;
    bad.size = 0; /* RegisterFile succeeds with an empty VMO */
    world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_READ_FILE, .target = 0, .offset = 0,
         .length = 16},
    };
    world_config_t c = fixture_config();
    c.disk = (world_disk_config_t){.present = true, .block_size = BLOCK, .block_count = BLOCKS};
    c.files = &bad;
    c.file_count = 1;
    c.timeline = timeline;
    c.timeline_count = 1;
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_assert_eq(r->file_read_count, 1);
    cr_expect_neq(r->file_reads[0].status, 0);
    cr_expect_geq(r->file_reads[0].finished_ns, 0);
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* A process spawned later with a READER thread gets its file (the launcher moves a duplicate
 * into it); the process then dies, and a later suspend of the container is unaffected. */
Test(files, reader_in_a_spawned_process)
{
    world_thread_config_t threads[] = {
        {.name = "reader", .kind = WORLD_THREAD_READER, .file = 0, .offset = 4 * BLOCK,
         .length = 64},
    };
    world_process_config_t procs[] = {
        {.name = "init", .threads = threads, .thread_count = 0},
        {.name = "app", .threads = threads, .thread_count = 1, .start_later = true},
    };
    world_action_t timeline[] = {
        {.at_ns = 200 * MS, .kind = WORLD_ACTION_SPAWN_PROCESS, .target = 1},
        {.at_ns = 300 * MS, .kind = WORLD_ACTION_KILL_PROCESS, .target = 1},
        {.at_ns = 400 * MS, .kind = WORLD_ACTION_SUSPEND},
    };
    world_config_t c = fixture_config();
    c.container.processes = procs;
    c.container.process_count = 2;
    c.disk = (world_disk_config_t){.present = true, .block_size = BLOCK, .block_count = BLOCKS};
    c.files = &file;
    c.file_count = 1;
    c.timeline = timeline;
    c.timeline_count = 3;
    world_run_opts_t o = fixture_opts(15 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_assert_eq(r->file_read_count, 1);
    cr_expect_geq(r->file_reads[0].started_ns, 200 * MS);
    cr_expect_eq(r->file_reads[0].status, 0);
    cr_expect_eq(r->file_reads[0].head[0], (uint8_t)((5 * 31) & 0xff)); /* block 4 -> 5 */
    cr_assert_eq(r->suspend_count, 1);
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_OK); /* no sources: immediate resume */
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}
