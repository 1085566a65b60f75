#include "models/data/synthetic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "models/data/memory_estimate.hpp"
#include "models/data/split.hpp"
#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "models/support/rng.hpp"

namespace ef21::data {
namespace {

constexpr std::int64_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();

Eigen::VectorXd normal_vector(std::uint64_t seed, std::string_view purpose, std::uint64_t index,
                              Eigen::Index d) {
  Rng rng = Rng::stream(seed, purpose, index);
  Eigen::VectorXd v(d);
  for (Eigen::Index j = 0; j < d; ++j) v[j] = rng.normal();
  return v;
}

/// Nonzeros per row: max(1, round(density * d)), at most d.
std::int64_t nonzeros_per_row(const SyntheticSpec& spec) {
  if (spec.density >= 1.0) return spec.dim;
  const auto k = static_cast<std::int64_t>(std::llround(spec.density * static_cast<double>(spec.dim)));
  return std::clamp<std::int64_t>(k, 1, spec.dim);
}

}  // namespace

void validate(const SyntheticSpec& spec) {
  if (spec.rows < 1 || spec.rows > kMaxInt32) {
    throw InputError(fmt::format("synthetic rows must be in [1, {}], got {}", kMaxInt32, spec.rows));
  }
  if (spec.dim < 1 || spec.dim > kMaxInt32) {
    throw InputError(fmt::format("synthetic dim must be in [1, {}], got {}", kMaxInt32, spec.dim));
  }
  if (!(spec.density > 0.0 && spec.density <= 1.0)) {
    throw InputError(fmt::format("synthetic density must be in (0, 1], got {}", spec.density));
  }
  if (!(spec.heterogeneity >= 0.0 && spec.heterogeneity <= 1.0)) {
    throw InputError(fmt::format("synthetic heterogeneity must be in [0, 1], got {}", spec.heterogeneity));
  }
  if (!(spec.label_noise >= 0.0 && spec.label_noise <= 0.5)) {
    throw InputError(fmt::format("synthetic label_noise must be in [0, 0.5], got {}", spec.label_noise));
  }
  if (spec.workers < 1)
    throw InputError(fmt::format("synthetic workers must be at least 1, got {}", spec.workers));
  if (spec.workers > spec.rows) {
    throw InputError(
        fmt::format("synthetic workers ({}) must not exceed rows ({})", spec.workers, spec.rows));
  }
  const std::int64_t k = nonzeros_per_row(spec);
  if (spec.density < 1.0 && spec.rows > kMaxInt32 / k) {
    throw InputError(fmt::format("synthetic rows * nonzeros per row = {} * {} exceeds 2^31 - 1 stored values",
                                 spec.rows, k));
  }
  // Dense storage: rows * dim doubles; refuse what cannot even be counted in an Index.
  if (spec.density >= 1.0 && spec.rows > std::numeric_limits<Eigen::Index>::max() / spec.dim) {
    throw InputError(fmt::format("synthetic rows * dim = {} * {} is too large", spec.rows, spec.dim));
  }
}

std::uint64_t synthetic_dataset_bytes(const SyntheticSpec& spec) {
  validate(spec);
  if (spec.density >= 1.0) return dense_dataset_bytes(spec.rows, spec.dim);
  return sparse_dataset_bytes(spec.rows, spec.rows * nonzeros_per_row(spec));
}

Eigen::VectorXd synthetic_model(const SyntheticSpec& spec, std::int64_t block) {
  validate(spec);
  EF21_CHECK(block >= 0 && block < spec.workers, "synthetic_model: block out of range");
  const Eigen::Index d = spec.dim;
  const double h = spec.heterogeneity;
  // Exact at the ends: sqrt(1) = 1 and sqrt(0) = 0, so h = 0 gives w_shared bit for bit.
  Eigen::VectorXd w = std::sqrt(1.0 - h) * normal_vector(spec.seed, "synthetic.model.shared", 0, d);
  if (h > 0.0)
    w += std::sqrt(h) * normal_vector(spec.seed, "synthetic.model.own", static_cast<std::uint64_t>(block), d);
  return w;
}

Dataset make_synthetic(const SyntheticSpec& spec) {
  validate(spec);
  const Eigen::Index n = spec.rows;
  const Eigen::Index d = spec.dim;
  const bool dense = spec.density >= 1.0;
  const std::int64_t k = nonzeros_per_row(spec);
  const double scale = 1.0 / std::sqrt(static_cast<double>(k));

  // Rows come block by block, so one block's model at a time (n*d doubles otherwise), from
  // the shared part drawn once: the same arithmetic as synthetic_model, bit for bit.
  const double h = spec.heterogeneity;
  const Eigen::VectorXd shared = normal_vector(spec.seed, "synthetic.model.shared", 0, d);
  Eigen::VectorXd w;
  Eigen::Index model_block = -1;
  // Sparse rows read the block's model only at their nonzero columns (~ rows * k of d), so
  // the block's own part is drawn as its 2d uniforms (cheap) and turned into normals
  // (log, cos) only where read: w_stamp[c] == block marks w[c] as computed for this block.
  std::vector<double> own_uniforms;
  std::vector<Eigen::Index> w_stamp;
  const double shared_weight = std::sqrt(1.0 - h), own_weight = std::sqrt(h);
  const auto model_at = [&](std::int32_t c, Eigen::Index block) {
    const auto i = static_cast<std::size_t>(c);
    if (w_stamp[i] != block) {
      w[c] = shared_weight * shared[c];
      if (h > 0.0)
        w[c] += own_weight * Rng::normal_from_uniforms(own_uniforms[2 * i], own_uniforms[2 * i + 1]);
      w_stamp[i] = block;
    }
    return w[c];
  };
  if (!dense) {
    w.resize(d);
    w_stamp.assign(static_cast<std::size_t>(d), -1);
    own_uniforms.resize(2 * static_cast<std::size_t>(d));
  }
  const std::vector<Eigen::Index> sizes = shard_sizes(n, spec.workers);
  const Eigen::Index block_rows = sizes.front();  // all blocks but the last have this size

  Dataset out;
  out.name = "synthetic";
  out.labels.resize(n);
  DenseRowMatrix dense_features;
  std::vector<std::int32_t> outer, inner;
  std::vector<double> values;
  if (dense) {
    dense_features.resize(n, d);
  } else {
    outer.reserve(static_cast<std::size_t>(n) + 1);
    outer.push_back(0);
    inner.reserve(static_cast<std::size_t>(n * k));
    values.reserve(static_cast<std::size_t>(n * k));
  }
  std::vector<std::int32_t> columns;  // this row's nonzero columns
  std::vector<char> taken(dense ? 0 : static_cast<std::size_t>(d), 0);

  for (Eigen::Index r = 0; r < n; ++r) {
    const Eigen::Index block = std::min<Eigen::Index>(r / block_rows, spec.workers - 1);
    if (block != model_block) {
      if (dense) {
        w = shared_weight * shared;
        if (h > 0.0)
          w += own_weight *
               normal_vector(spec.seed, "synthetic.model.own", static_cast<std::uint64_t>(block), d);
      } else if (h > 0.0) {
        Rng own = Rng::stream(spec.seed, "synthetic.model.own", static_cast<std::uint64_t>(block));
        for (double& u : own_uniforms) u = own.uniform();
      }
      model_block = block;
    }
    Rng features_rng = Rng::stream(spec.seed, "synthetic.features", static_cast<std::uint64_t>(r));
    double margin = 0.0;  // a^T w_block
    if (dense) {
      for (Eigen::Index j = 0; j < d; ++j) {
        const double a = scale * features_rng.normal();
        dense_features(r, j) = a;
        margin += a * w[j];
      }
    } else {
      // Floyd's algorithm: k distinct columns out of d, uniformly, with k draws.
      columns.clear();
      for (std::int64_t j = d - k; j < d; ++j) {
        const auto t = static_cast<std::int64_t>(features_rng.below(static_cast<std::uint64_t>(j) + 1));
        const std::int64_t pick = taken[static_cast<std::size_t>(t)] ? j : t;
        taken[static_cast<std::size_t>(pick)] = 1;
        columns.push_back(static_cast<std::int32_t>(pick));
      }
      std::sort(columns.begin(), columns.end());
      for (const std::int32_t c : columns) {
        taken[static_cast<std::size_t>(c)] = 0;
        const double a = scale * features_rng.normal();
        inner.push_back(c);
        values.push_back(a);
        margin += a * model_at(c, block);
      }
      outer.push_back(static_cast<std::int32_t>(values.size()));
    }

    Rng labels_rng = Rng::stream(spec.seed, "synthetic.labels", static_cast<std::uint64_t>(r));
    if (spec.regression) {
      out.labels[r] = margin + spec.label_noise * labels_rng.normal();
    } else {
      const double y = margin >= 0.0 ? 1.0 : -1.0;
      out.labels[r] = labels_rng.uniform() < spec.label_noise ? -y : y;
    }
  }

  if (dense) {
    out.features = std::move(dense_features);
  } else {
    out.features = make_csr(n, d, outer, inner, values);
  }
  return out;
}

}  // namespace ef21::data
