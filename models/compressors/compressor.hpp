#pragma once
// Compression operators C: R^d -> R^d applied by workers before sending (DESIGN §7).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/compressors/sparse_vector.hpp"
#include "models/support/rng.hpp"

namespace ef21::compressors {

enum class CompressorKind { identity, top_k, rand_k };

struct CompressorSpec {
  CompressorKind kind = CompressorKind::top_k;
  std::int64_t k = 1;   // entries kept (top-k, rand-k); 1 <= k <= d
  bool scaled = false;  // rand-k only: multiply by d/k to make it unbiased (then not contractive)
};

std::string_view to_string(CompressorKind kind);
std::optional<CompressorKind> compressor_kind_from_string(std::string_view name);
std::vector<std::string> compressor_kind_names();

/// Per-thread scratch so compressors stay const and allocation-free after warm-up.
struct CompressorWorkspace {
  std::vector<std::int32_t> order;
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::string_view name() const = 0;
  /// out = C(in). `rng` is the calling worker's own stream (only random compressors use it).
  virtual void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                        CompressorWorkspace& workspace) const = 0;
  /// alpha in (0, 1] with ||C(x) - x||^2 <= (1 - alpha) ||x||^2 for every x (contractive
  /// compressors), the quantity EF and EF21's theory stepsizes need.
  virtual double alpha() const = 0;
  virtual bool is_contractive() const { return true; }
  /// Entries per message (k, or d for identity).
  virtual std::int64_t entries() const = 0;
};

/// Validates k against d (1 <= k <= d) and builds the compressor; throws std::invalid_argument
/// with a message naming `compressor.k` (the scenario layer adds the file location).
std::unique_ptr<Compressor> make_compressor(const CompressorSpec& spec, Eigen::Index dim);

}  // namespace ef21::compressors
