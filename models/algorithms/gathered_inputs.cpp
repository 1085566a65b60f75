#include "models/algorithms/gathered_inputs.hpp"

#include <algorithm>

#include "models/support/check.hpp"
#include "models/support/parallel_chunks.hpp"

namespace ef21::algorithms {

void GatheredInputs::request(const Request& r) {
  EF21_CHECK(requests_.empty() || requests_.back().worker < r.worker,
             "gather requests must come in worker order");
  requests_.push_back(r);
}

void GatheredInputs::gather(ThreadPool* pool, const Eigen::Ref<const Eigen::VectorXd>& x,
                            const Eigen::Ref<const Eigen::VectorXd>& term) {
  EF21_CHECK(x.size() == term.size(), "x and the term must have the same dimension");
  if (requests_.empty()) return;
  if (inputs_.size() < requests_.size()) inputs_.resize(requests_.size());
  for (std::size_t j = 0; j < requests_.size(); ++j) {
    inputs_[j].x_on_columns.resize(requests_[j].columns.size());
    inputs_[j].term_on_support.resize(requests_[j].support.size());
  }
  const double* xp = x.data();
  const double* tp = term.data();
  for_each_chunk(pool, x.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
    // Worker after worker on the same chunk: the chunk of x and of the term stays in cache.
    for (std::size_t j = 0; j < requests_.size(); ++j) {
      const Request& r = requests_[j];
      const auto read = [from, to](std::span<const std::int32_t> at, const double* source, double* into) {
        const std::int32_t* a = at.data();
        auto p = static_cast<std::size_t>(std::lower_bound(at.begin(), at.end(), from) - at.begin());
        for (const std::size_t size = at.size(); p < size && a[p] < to; ++p) into[p] = source[a[p]];
      };
      read(r.columns, xp, inputs_[j].x_on_columns.data());
      read(r.support, tp, inputs_[j].term_on_support.data());
    }
  });
}

const GatheredInputs::Inputs* GatheredInputs::find(std::uint32_t worker) const {
  const auto it = std::lower_bound(requests_.begin(), requests_.end(), worker,
                                   [](const Request& r, std::uint32_t w) { return r.worker < w; });
  if (it == requests_.end() || it->worker != worker) return nullptr;
  return &inputs_[static_cast<std::size_t>(it - requests_.begin())];
}

}  // namespace ef21::algorithms
