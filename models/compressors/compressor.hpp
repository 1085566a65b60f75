#pragma once
// Compression operators C: R^d -> R^d applied by workers before sending (DESIGN §7), and the
// message contract between a compressor and the methods that use it:
//  * the message says whether it is dense (every coordinate present: no index bits) and,
//    separately, whether it is exact (equal to the input, bit for bit): a dense quantized
//    message (natural, sign, qsgd) is dense but not exact, and EF21 may shortcut only an
//    exact one;
//  * the compressor bills its own messages (payload_bits), with BitAccounting's value_bits
//    and index_bits as the defaults it may override (natural: 9 bits a value);
//  * it declares alpha (contractive: E||C(x) - x||^2 <= (1 - alpha)||x||^2) or omega
//    (unbiased: E C(x) = x, E||C(x) - x||^2 <= omega ||x||^2), or both.
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/sparse_vector.hpp"
#include "models/support/params.hpp"
#include "models/support/rng.hpp"

namespace ef21::compressors {

/// A compressor as the scenario names it: a registered kind, its k (for the kinds that keep k
/// entries; resolved against d before make_compressor) and its other declared keys.
struct CompressorSpec {
  std::string kind = "top-k";
  std::int64_t k = 1;  // entries kept (kinds with k); 1 <= k <= d
  ParamSet params;     // the kind's declared keys (scaled, levels, then, ...), defaults filled in
};

/// Per-thread scratch so compressors stay const and allocation-free after warm-up.
struct CompressorWorkspace {
  std::vector<std::int32_t> order;
  std::vector<double> values;
  std::vector<std::int32_t> positions;
  std::vector<double> candidate_values;
  std::vector<std::uint64_t> mask;  // a bit per coordinate, all zero between uses (TopK overlays)
};

/// A compressor input given as a shared base vector with a few coordinates replaced: EF21's
/// compact workers, whose inputs in a round are all the round's D^t except on their own E_i.
struct OverlayInput {
  const Eigen::VectorXd* base = nullptr;
  std::span<const std::int32_t> at;  // the replaced coordinates, strictly increasing
  std::span<const double> replaced;  // their values
  /// Optional: `at` as d bits (bit l of word l / 64 set iff l is in `at`), kept by a caller
  /// that reuses the same coordinates round after round (EF21's E_i), so the compressor need
  /// not build it. Empty: the compressor builds what it needs.
  std::span<const std::uint64_t> at_mask;
};

/// What a compressor prepares once a round from the shared base, for every compress_overlay
/// of that round (read concurrently by the workers' threads).
struct OverlayPreparation {
  bool usable = false;
  std::size_t max_replaced = 0;     // inputs replacing at most this many coordinates never fall back
  std::vector<std::int32_t> order;  // TopK: the base's leading coordinates in keep order
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::string_view name() const = 0;
  /// out = C(in). `rng` is the calling worker's own stream (only random compressors use it).
  /// Sets out.dense and out.exact.
  virtual void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                        CompressorWorkspace& workspace) const = 0;
  /// Prepares compress_overlay for inputs that are `base` with some coordinates replaced:
  /// those replacing at most `max_replaced` must succeed, others may decline. Default:
  /// nothing (compress_overlay declines).
  virtual void prepare_overlay(const Eigen::VectorXd& /*base*/, std::size_t /*max_replaced*/,
                               OverlayPreparation& prepared) const {
    prepared.usable = false;
  }
  /// out = C(v) for v = `in` read densely, bit for bit what compress(v) gives, in time that
  /// follows the replaced coordinates rather than d; false when it cannot (the caller then
  /// builds v and calls compress).
  virtual bool compress_overlay(const OverlayInput& /*in*/, const OverlayPreparation& /*prepared*/,
                                SparseVector& /*out*/, CompressorWorkspace& /*workspace*/) const {
    return false;
  }
  /// alpha in (0, 1] with E||C(x) - x||^2 <= (1 - alpha)||x||^2 for every x, or nullopt.
  virtual std::optional<double> alpha() const = 0;
  /// omega >= 0 with E C(x) = x and E||C(x) - x||^2 <= omega ||x||^2, or nullopt (biased).
  virtual std::optional<double> omega() const { return std::nullopt; }
  /// Values per message (k, or d for dense kinds).
  virtual std::int64_t entries() const = 0;
  /// Payload bits of `message` (one this compressor made, or an exact dense replacement of
  /// the same dimension) under `accounting`. Default: value_bits per value plus index bits
  /// unless dense.
  virtual std::uint64_t payload_bits(const SparseVector& message, const BitAccounting& accounting) const {
    return accounting.payload_bits(message);
  }
  /// Payload bits of any message it makes (every registered kind's size is data-independent):
  /// lets a sender bill a message before it exists (a broadcast billed with its round).
  virtual std::uint64_t message_bits(const BitAccounting& accounting, Eigen::Index dim) const {
    return accounting.payload_bits(entries(), dim, entries() == dim);
  }
  /// Whether every message it makes is exact and dense (identity, top-k or rand-k with k = d):
  /// what a dense-only protocol (ring all-reduce) can carry.
  virtual bool lossless() const { return false; }
  /// Whether it draws which coordinates to keep (rand-k): run.record_samples writes them.
  virtual bool draws_indices() const { return false; }

  /// The contraction parameter the theory uses: alpha(), or 1 - omega for an unbiased
  /// compressor with omega < 1 (then E||C(x) - x||^2 <= omega||x||^2 < ||x||^2); nullopt
  /// when neither holds.
  std::optional<double> contraction() const;
};

/// Builds a registered kind (compressor_registry.hpp) for dimension `dim`; throws
/// std::invalid_argument naming the offending key (the scenario layer adds the location).
std::unique_ptr<Compressor> make_compressor(const CompressorSpec& spec, Eigen::Index dim);

}  // namespace ef21::compressors
