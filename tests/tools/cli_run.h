/* cli_run.h - Runs the wakesim executable as a user would and captures what it prints. */
#ifndef WAKESIM_TESTS_CLI_RUN_H
#define WAKESIM_TESTS_CLI_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct cli_result {
    int status;       /* exit code, or 128 + signal */
    char out[16384];  /* stdout */
    char err[16384];  /* stderr */
} cli_result_t;

static inline void cli_slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs `WAKESIM_BIN <args>` through the shell (args are trusted test strings). */
static inline void cli_run(cli_result_t *r, const char *args)
{
    char out_path[] = "/tmp/wakesim-test-out-XXXXXX", err_path[] = "/tmp/wakesim-test-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s %s >%s 2>%s </dev/null", WAKESIM_BIN, args, out_path,
             err_path);
    int st = system(cmd);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    cli_slurp(out_path, r->out, sizeof(r->out));
    cli_slurp(err_path, r->err, sizeof(r->err));
    close(fo);
    close(fe);
    unlink(out_path);
    unlink(err_path);
}

static inline int cli_count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

#endif
