#pragma once
#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

/// Keeps the k entries of largest magnitude, ties to the lower index, signs kept
/// (DESIGN §7); indices ascending. NaN counts as the largest magnitude so a diverging run
/// still has a well-defined (and visible) output.
///
/// Selection without sorting indices: the k-th largest magnitude tau (with multiplicity),
/// then, in index order, the entries above tau and the lowest-index ones equal to it. Three
/// ways to tau, chosen from k and d for speed only:
///  - heap (small k, large d): one pass with a min-heap of k keys, a comparison per entry on
///    random inputs; the last step reads only the entries that entered the heap;
///  - block maxima (k <= d/8): the k-th largest of ~4k block maxima bounds tau from below,
///    so only the few entries reaching it are candidates;
///  - nth_element over a copy of the magnitudes (larger k).
/// The choices are those of a stable sort by decreasing magnitude, bit for bit (tested
/// against reference::top_k_indices_by_nth_element, the previous implementation). k = 1 is
/// a vectorized arg-max.
class TopK final : public Compressor {
 public:
  /// How k > 1 entries are selected (see above); all three make the same choices.
  enum class Selection { heap, block_maxima, nth_element };
  /// The fastest selection for this k and d (top_k.cpp: the measured crossovers).
  static Selection selection_for(std::int64_t k, Eigen::Index dim);

  TopK(std::int64_t k, Eigen::Index dim);
  /// With a given selection, whatever k and d (tests and benchmarks compare the three).
  TopK(std::int64_t k, Eigen::Index dim, Selection selection);
  std::string_view name() const override { return "top-k"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  /// d from which overlays are prepared whatever the number of replaced coordinates (below
  /// it, only while k + max_replaced <= d/16).
  static constexpr Eigen::Index kOverlayAnyReplacedDim = 32768;
  std::optional<double> alpha() const override { return static_cast<double>(k_) / static_cast<double>(dim_); }
  std::int64_t entries() const override { return k_; }
  bool lossless() const override { return k_ == dim_; }
  /// The base's k + max_replaced leading coordinates in keep order (a selection over the base
  /// and a sort of those, once a round).
  void prepare_overlay(const Eigen::VectorXd& base, std::size_t max_replaced,
                       OverlayPreparation& prepared) const override;
  /// The k kept among the replaced values alone (a selection over them, O(|replaced|)) and
  /// the first k of the prepared order that are not replaced: every coordinate TopK keeps is
  /// among those 2k (in the keep order, a kept one outside the replaced set has at most k - 1
  /// unreplaced ones before it). Declines only when the prepared order holds fewer than k
  /// unreplaced coordinates (possible only with more than max_replaced replaced).
  bool compress_overlay(const OverlayInput& in, const OverlayPreparation& prepared, SparseVector& out,
                        CompressorWorkspace& workspace) const override;

 private:
  std::int64_t k_;
  Eigen::Index dim_;
  Selection selection_ = Selection::nth_element;
  Eigen::Index block_ = 8;  // entries per block of the block-maxima selection
};

struct CompressorInfo;
const CompressorInfo& top_k_registration();

}  // namespace ef21::compressors
