/*
 * publish: Parquet snapshots of the data tables for readers that must never wait on the
 * database file, and for engines that read Parquet (Spark, Trino, DuckDB over object
 * storage): `reelsync collect --publish DIR` (README, "Publishing"; docs/reelsync.1).
 *
 *   DIR/current -> snapshots/<stamp>      a symbolic link, replaced with rename(2)
 *   DIR/snapshots/<stamp>/movies.parquet, tmdb_movies.parquet, omdb_movies.parquet
 *
 * A reader that opens files under DIR/current/ sees the previous set or the new one, never
 * a mix of the two (a reader that resolves the link once keeps its set even if a publish
 * switches it meanwhile, until the next publish after that removes it).
 */
#ifndef REELSYNC_PUBLISH_H
#define REELSYNC_PUBLISH_H

#include "reelsync/store.h"

/*
 * Writes a new set of ST's data tables into DIR (created if absent; its parent must exist) as
 * DIR/snapshots/<stamp>/ (stamp: NOW as 20261125T020000Z, "-2", "-3" added when taken),
 * through a DIR/.tmp-<pid> directory, then points DIR/current at it with one rename(2)
 * and removes every older snapshot but the previous one (and .tmp- leftovers of a
 * publish that crashed). *SNAPSHOT (malloc'd) gets DIR/snapshots/<stamp>, only on success.
 * RS_ERR_IO names the path that failed; the current set is then left as it was.
 */
enum rs_err publish_snapshot(struct store *st, const char *dir, rs_time_t now, char **snapshot,
                             struct rs_error *err);

#endif
