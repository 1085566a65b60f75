#pragma once
// `ef21sim sweep`: the grid (--grid KEY=V1,V2,... and --seeds A..B), its cartesian product
// and the run directory names (DESIGN §3). Pure functions, unit-tested in tests/tools/sweep.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"

namespace ef21::cli {

/// One value of a grid axis.
struct GridValue {
  std::string toml;   // as written (trimmed): what is passed on as the override's TOML value
  std::string label;  // for sweep.csv and progress lines: a TOML string literal unquoted, else `toml`
};

/// One varied key. The seed axis (--seeds) has key "run.seed" and column "seed".
struct GridAxis {
  std::string key;     // dotted scenario key
  std::string column;  // sweep.csv column and name prefix: the key, or "seed" for --seeds
  std::vector<GridValue> values;
};

/// One grid point: an index into each axis' values.
struct GridPoint {
  std::vector<std::size_t> index;
  std::string name;  // run directory name, see run_name()
};

/// Splits on commas outside quotes ("...", '...'), brackets and braces; trims blanks.
/// Throws InputError on an empty item, an unbalanced quote or bracket.
std::vector<std::string> split_top_level(std::string_view text, std::string_view origin);

/// Parses `KEY=V1,V2,...`. KEY must be a known scenario key (else InputError with a
/// "did you mean"); the list must not be empty. Keys that cannot be swept (run.output, the
/// [[workers]] groups) are rejected.
GridAxis parse_grid_axis(const std::string& text);

/// Parses `A..B` (inclusive, A <= B, non-negative integers) into the seed axis.
GridAxis parse_seed_axis(const std::string& text);

/// Checks the axes together: no key twice. Throws InputError.
void check_axes(const std::vector<GridAxis>& axes);

/// The cartesian product, first axis slowest (the last axis varies fastest), with names.
/// Throws InputError when two points would get the same directory name.
std::vector<GridPoint> expand_grid(const std::vector<GridAxis>& axes);

/// The overrides of one point, in axis order.
std::vector<sim::Override> point_overrides(const std::vector<GridAxis>& axes, const GridPoint& point);

/// "algorithm.kind=ef21,seed=3": the point as a human reads it (progress lines, errors).
std::string point_description(const std::vector<GridAxis>& axes, const GridPoint& point);

/// The directory-name fragment of one value: blanks dropped, characters outside
/// [A-Za-z0-9.+-] replaced by '~', "~" for an empty result.
std::string sanitize_name_part(std::string_view label);

/// `COLUMN-VALUE` pairs joined by '_', e.g. algorithm.kind-ef21_algorithm.multiplier-8_seed-3.
/// Names longer than 200 bytes keep their first 183 bytes plus "~" and 16 hex digits of a
/// 64-bit FNV-1a hash of the full name.
std::string run_name(const std::vector<GridAxis>& axes, const std::vector<std::size_t>& index);

/// --shard I/N: this process takes the grid points (or, in a tune, the groups) whose index is
/// I modulo N, I = 0..N-1, e.g. one per task of a job array.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool takes(std::size_t i) const { return i % count == index; }
};
/// Parses "I/N" (integers, N >= 1, 0 <= I < N); throws InputError naming --shard.
Shard parse_shard(const std::string& text);

/// 64-bit FNV-1a.
std::uint64_t fnv1a64(std::string_view bytes);

}  // namespace ef21::cli
