#include "models/data/split.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <numeric>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "models/support/rng.hpp"

namespace ef21::data {

std::string_view to_string(SplitKind kind) {
  switch (kind) {
    case SplitKind::sequential: return "sequential";
    case SplitKind::shuffled: return "shuffled";
    case SplitKind::label_skew: return "label-skew";
  }
  EF21_CHECK(false, "unknown SplitKind");
  return {};
}

std::optional<SplitKind> parse_split_kind(std::string_view text) {
  if (text == "sequential") return SplitKind::sequential;
  if (text == "shuffled") return SplitKind::shuffled;
  if (text == "label-skew" || text == "label_skew") return SplitKind::label_skew;
  return std::nullopt;
}

std::vector<Eigen::Index> shard_sizes(Eigen::Index rows, std::int64_t workers) {
  if (workers < 1) throw InputError(fmt::format("the number of workers must be at least 1, got {}", workers));
  if (workers > rows) throw InputError(fmt::format("{} workers but only {} samples", workers, rows));
  const Eigen::Index n = static_cast<Eigen::Index>(workers);
  std::vector<Eigen::Index> sizes(static_cast<std::size_t>(n), rows / n);
  sizes.back() += rows % n;
  return sizes;
}

std::vector<Eigen::Index> split_order(const Dataset& data, const SplitSpec& spec) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(data.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  switch (spec.kind) {
    case SplitKind::sequential: break;
    case SplitKind::shuffled: {
      // Fisher-Yates from the back: position i takes a uniform pick among 0..i.
      Rng rng = Rng::stream(spec.seed, "split.shuffle", 0);
      for (std::size_t i = order.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(rng.below(i));
        std::swap(order[i - 1], order[j]);
      }
      break;
    }
    case SplitKind::label_skew: {
      const Eigen::VectorXd& y = data.labels;
      std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b]; });
      break;
    }
  }
  return order;
}

Dataset gather_rows(const Dataset& data, std::span<const Eigen::Index> rows) {
  const Eigen::Index n = data.rows();
  const auto count = static_cast<Eigen::Index>(rows.size());
  for (const Eigen::Index r : rows) EF21_CHECK(r >= 0 && r < n, "gather_rows: row out of range");
  Dataset out;
  out.name = data.name;
  out.labels.resize(count);
  for (Eigen::Index i = 0; i < count; ++i) out.labels[i] = data.labels[rows[static_cast<std::size_t>(i)]];

  if (const auto* sparse = std::get_if<SparseRowMatrix>(&data.features)) {
    EF21_CHECK(sparse->isCompressed(), "Dataset sparse features are kept compressed");
    const std::int32_t* outer = sparse->outerIndexPtr();
    const std::int32_t* inner = sparse->innerIndexPtr();
    const double* values = sparse->valuePtr();
    std::vector<std::int32_t> new_outer(static_cast<std::size_t>(count) + 1, 0);
    std::int64_t nnz = 0;
    for (Eigen::Index i = 0; i < count; ++i) {
      const Eigen::Index r = rows[static_cast<std::size_t>(i)];
      nnz += outer[r + 1] - outer[r];
      EF21_CHECK(nnz <= std::numeric_limits<std::int32_t>::max(), "gathered rows exceed 2^31 - 1 stored values");
      new_outer[static_cast<std::size_t>(i) + 1] = static_cast<std::int32_t>(nnz);
    }
    std::vector<std::int32_t> new_inner(static_cast<std::size_t>(nnz));
    std::vector<double> new_values(static_cast<std::size_t>(nnz));
    for (Eigen::Index i = 0; i < count; ++i) {
      const Eigen::Index r = rows[static_cast<std::size_t>(i)];
      const auto dst = static_cast<std::size_t>(new_outer[static_cast<std::size_t>(i)]);
      std::copy(inner + outer[r], inner + outer[r + 1], new_inner.begin() + static_cast<std::ptrdiff_t>(dst));
      std::copy(values + outer[r], values + outer[r + 1], new_values.begin() + static_cast<std::ptrdiff_t>(dst));
    }
    out.features = make_csr(count, sparse->cols(), new_outer, new_inner, new_values);
  } else {
    const auto& dense = std::get<DenseRowMatrix>(data.features);
    DenseRowMatrix gathered(count, dense.cols());
    for (Eigen::Index i = 0; i < count; ++i) gathered.row(i) = dense.row(rows[static_cast<std::size_t>(i)]);
    out.features = std::move(gathered);
  }
  return out;
}

std::vector<Dataset> split_dataset(const Dataset& data, std::int64_t workers, const SplitSpec& spec) {
  const std::vector<Eigen::Index> sizes = shard_sizes(data.rows(), workers);
  std::vector<Dataset> shards;
  shards.reserve(sizes.size());
  if (spec.kind == SplitKind::sequential) {
    Eigen::Index begin = 0;
    for (const Eigen::Index size : sizes) {
      shards.push_back(data.row_block(begin, size));
      begin += size;
    }
    return shards;
  }
  const std::vector<Eigen::Index> order = split_order(data, spec);
  std::size_t begin = 0;
  for (const Eigen::Index size : sizes) {
    shards.push_back(gather_rows(data, std::span<const Eigen::Index>(order).subspan(begin, static_cast<std::size_t>(size))));
    begin += static_cast<std::size_t>(size);
  }
  return shards;
}

}  // namespace ef21::data
