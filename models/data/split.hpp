#pragma once
// Splitting a dataset into worker shards (DESIGN §7).
//
// Every split deals rows out in some order, then cuts that order into contiguous shards of
// the paper's sizes: m = N div n rows for each worker, the remainder N mod n appended to the
// LAST worker (8124 rows / 20 workers: 19 shards of 406 and one of 410).
//   sequential  file order (the paper's; w8a's sorted file makes workers very heterogeneous)
//   shuffled    a seeded uniform permutation (our Fisher-Yates on Rng::below), for i.i.d. shards
//   label_skew  rows stable-sorted by label (ascending), so workers see mostly one class
// Shards keep the full dimension d (a shard may have all-zero columns), the storage kind
// (sparse stays sparse) and the dataset's name.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "models/data/dataset.hpp"

namespace ef21::data {

enum class SplitKind { sequential, shuffled, label_skew };

struct SplitSpec {
  SplitKind kind = SplitKind::sequential;
  std::uint64_t seed = 1;  // shuffled only: the permutation is Rng::stream(seed, "split.shuffle")
};

/// Scenario spelling of a split kind: "sequential", "shuffled", "label-skew".
std::string_view to_string(SplitKind kind);
/// Inverse of to_string (also accepts "label_skew"); nullopt for anything else.
std::optional<SplitKind> parse_split_kind(std::string_view text);

/// Rows per worker: N div n each, the remainder to the last. Throws InputError (no
/// location) when workers < 1 or workers > rows ("20 workers but only 7 samples").
std::vector<Eigen::Index> shard_sizes(Eigen::Index rows, std::int64_t workers);

/// The order in which `split_dataset` deals rows out: a permutation of 0..rows-1.
std::vector<Eigen::Index> split_order(const Dataset& data, const SplitSpec& spec);

/// The given rows, in the given order, as a new dataset of the same storage kind and dim.
/// Each entry must be in [0, data.rows()); repeats are allowed.
Dataset gather_rows(const Dataset& data, std::span<const Eigen::Index> rows);

/// The workers' shards, worker 0 first. Concatenating them in order gives back the rows of
/// `data` in split_order. Throws InputError as shard_sizes does.
std::vector<Dataset> split_dataset(const Dataset& data, std::int64_t workers, const SplitSpec& spec);

}  // namespace ef21::data
