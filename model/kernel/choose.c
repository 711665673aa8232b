/* choose.c - kernel_choose: a choice among alternatives whose order the modelled program leaves
 * unspecified, drawn from the run's schedule stream.
 *
 * Upstream code has a few places where the order of events is not decided by the program:
 * `futures::select!` picks at random among branches that are ready at the same poll, and Rust's
 * HashMap iterates in an order seeded per process. The model asks the run's strategy instead
 * (sim_choose), so that exploration covers every order and a replay reproduces the one taken.
 */
#include <wakesim/kernel.h>

uint32_t kernel_choose(uint32_t n)
{
    SIM_ASSERT(n >= 1);
    kernel_t *k = kernel_current();
    SIM_ASSERT(k != NULL);
    uint32_t choice = sim_choose(kernel_sim(k), n);
    SIM_ASSERT(choice < n);
    return choice;
}
