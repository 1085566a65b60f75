#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// EF21+ (DESIGN §7): like EF21, but each worker moves g_i to whichever of the EF21
/// candidate g_i + C(grad - g_i) and the Markov candidate C(grad) lies closer to grad
/// (strict <, ties to EF21). Either way the message carries k values; what the server applies
/// is the increment g_i^t - g_i^{t-1} (dense when the Markov candidate wins).
class Ef21Plus final : public Method {
 public:
  explicit Ef21Plus(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

  /// How many worker rounds so far chose the Markov candidate (diagnostics).
  std::uint64_t markov_choices() const;
  std::vector<std::pair<std::string, std::uint64_t>> counters() const override {
    return {{"ef21_plus_markov_choices", markov_choices()}};
  }

 private:
  std::vector<Eigen::VectorXd> local_;
  std::vector<std::uint64_t> markov_choices_;  // per worker, so concurrent workers never share a counter
  Eigen::VectorXd global_;
  Eigen::VectorXd sum_;
};

const MethodInfo& ef21_plus_registration();

}  // namespace ef21::algorithms
