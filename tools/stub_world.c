/* stub_world.c - Stands in for model/container's world_run while that library is not built, so
 * that the loader, `wakesim check` and the code of `wakesim run` build and are tested first.
 * Compiled only when the wakesim_container target does not exist (tools/CMakeLists.txt). */
#include <stdio.h>

#include <wakesim/world.h>

int world_run(const world_config_t *config, const world_run_opts_t *opts, world_t **out,
              char *err, size_t err_size)
{
    *out = NULL;
    snprintf(err, err_size, "this wakesim was built without the container world "
             "(model/container), so scenarios can be checked but not run");
    return SIM_ENOENT;
}

const world_results_t *world_results(const world_t *w)
{
    return NULL;
}

sim_t *world_sim(const world_t *w)
{
    return NULL;
}

int64_t world_sample(const world_t *w, size_t i)
{
    return INT64_MIN;
}

void world_destroy(world_t *w)
{
}
