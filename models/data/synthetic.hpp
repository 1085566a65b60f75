#pragma once
// Synthetic datasets with a known ground truth and tunable worker heterogeneity.
//
// Rows are split into `workers` blocks with the sizes of the sequential split (N div n
// each, remainder to the last block), so split kind "sequential" with the same worker
// count gives worker i exactly block i. Block b has its own ground-truth model
//     w_b = sqrt(1 - h) * w_shared + sqrt(h) * w_own(b),   w_shared, w_own(b) ~ N(0, I_d),
// so every w_b ~ N(0, I_d) whatever h is; h = 0 means one model for all rows, h = 1 means
// independent models per block (the workers' optimal models differ).
//
// Features: each row has k = max(1, round(density * d)) nonzeros (k = d for density 1) at
// uniformly chosen columns, with values N(0, 1) / sqrt(k), so E||a||^2 = 1 and
// a^T w_b ~ N(0, 1): the logistic and least-squares problems are well-conditioned
// whatever d and density are (L stays O(1)). density = 1 gives dense storage; density < 1
// sparse CSR (compressed).
// Labels: classification: sign(a^T w_b) in {-1, +1} (0 -> +1), each flipped with
// probability label_noise; regression: a^T w_b + label_noise * N(0, 1) (label_noise is then
// the noise standard deviation, against a signal of standard deviation 1).
//
// Determinism: row r's features come from Rng::stream(seed, "synthetic.features", r), its
// label noise from Rng::stream(seed, "synthetic.labels", r), w_shared from
// ("synthetic.model.shared", 0) and w_own(b) from ("synthetic.model.own", b). So features do
// not depend on `workers`, `heterogeneity` or the label settings, and the same spec always
// gives the same dataset, bit for bit.
#include <Eigen/Dense>
#include <cstdint>

#include "models/data/dataset.hpp"

namespace ef21::data {

struct SyntheticSpec {
  std::int64_t rows = 2000;  // N >= 1 (and >= workers)
  std::int64_t dim = 50;     // d >= 1
  double density = 1.0;  // in (0, 1]; 1 = dense storage, < 1 = sparse CSR with that fraction of nonzeros per
                         // row (at least 1)
  double heterogeneity =
      0.0;  // h in [0, 1]; 0 = all rows from one model, 1 = each block from its own independent model
  std::int64_t workers = 1;  // blocks for heterogeneity, in sequential order, 1 <= workers <= rows
  double label_noise =
      0.0;  // in [0, 0.5]; classification: probability of flipping a label; regression: noise std
  bool regression = false;  // labels = a^T w + noise instead of +-1
  std::uint64_t seed = 1;
};

/// Throws ef21::InputError (no location: the scenario layer, which knows where the values
/// came from, catches it and adds one) naming the bad field, e.g.
/// "synthetic density must be in (0, 1], got 1.5".
void validate(const SyntheticSpec& spec);

/// The dataset described by `spec` (validated first). Its name is "synthetic".
Dataset make_synthetic(const SyntheticSpec& spec);

/// Ground-truth model w_b of block `block` in [0, spec.workers) (d entries).
Eigen::VectorXd synthetic_model(const SyntheticSpec& spec, std::int64_t block);

/// What make_synthetic(spec) will hold in memory (memory_estimate.hpp), without generating it.
std::uint64_t synthetic_dataset_bytes(const SyntheticSpec& spec);

}  // namespace ef21::data
