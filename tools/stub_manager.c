/* stub_manager.c - The manager variants' names while model/manager is not built, so that the
 * loader checks "manager" against the same list (issue 4: v5w, the default, v1 and v6).
 * Compiled only when the wakesim_manager target does not exist (tools/CMakeLists.txt). */
#include <stdbool.h>
#include <string.h>

#include <wakesim/manager.h>

const char *const *manager_variant_names(void)
{
    static const char *const names[] = {"v5w", "v1", "v6", NULL};
    return names;
}

bool manager_variant_exists(const char *name)
{
    for (const char *const *n = manager_variant_names(); *n; n++) {
        if (strcmp(*n, name) == 0)
            return true;
    }
    return false;
}
