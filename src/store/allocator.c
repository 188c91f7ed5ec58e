/*
 * DuckDB's allocator, its jemalloc, tuned for the process: how soon it gives pages it freed
 * back to the system (store_allocator_decay).
 */
#include <stdio.h>

#include "store_int.h"

/*
 * DuckDB's jemalloc's control entry, exported by libduckdb.so though not in its C API: weak,
 * so a library without it leaves the decay as it was.
 */
extern int duckdb_je_mallctl(const char *name, void *old, size_t *oldlen, void *new_value,
                             size_t newlen) __attribute__((weak));

/*
 * How long that jemalloc keeps a freed page: DuckDB 1.4 starts it with 5 s "dirty", then as
 * long again "muzzy" (given back lazily, still counted in the RSS). This sets DIRTY ms and
 * no muzzy time for the arenas DuckDB's jemalloc has and for those it makes later; the
 * arenas are the process's, so a call covers every instance. Every open sets
 * STORE_ALLOCATOR_DECAY_MS, which its background thread keeps to; a writer's DETACH, whose
 * checkpoint and merges free and take pages by the hundred within a second, runs with 0
 * (pages go back as they are freed: merge_checkpoint in open.c). A 300,000-movie catch-up of a
 * 1,000,000-movie file peaked at 219 MB instead of 229 (in 383 s instead of 354), a 100,000-
 * movie collect at 166 instead of 173; 0 everywhere made that collect 15 % slower
 * (docs/benchmarks.md, "Freed pages back sooner").
 */
void store_allocator_decay(ssize_t dirty)
{
    if (!duckdb_je_mallctl)
        return;
    ssize_t muzzy = 0;
    duckdb_je_mallctl("arenas.dirty_decay_ms", NULL, NULL, &dirty, sizeof(dirty));
    duckdb_je_mallctl("arenas.muzzy_decay_ms", NULL, NULL, &muzzy, sizeof(muzzy));
    unsigned arenas = 0;
    size_t len = sizeof(arenas);
    if (duckdb_je_mallctl("arenas.narenas", &arenas, &len, NULL, 0) != 0)
        return;
    for (unsigned i = 0; i < arenas; i++) { /* an arena not made yet says so: it takes the above */
        char name[48];
        snprintf(name, sizeof(name), "arena.%u.dirty_decay_ms", i);
        duckdb_je_mallctl(name, NULL, NULL, &dirty, sizeof(dirty));
        snprintf(name, sizeof(name), "arena.%u.muzzy_decay_ms", i);
        duckdb_je_mallctl(name, NULL, NULL, &muzzy, sizeof(muzzy));
    }
}
