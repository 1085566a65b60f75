#pragma once
// Which objective each worker minimises, and its parameters (DESIGN §7).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ef21::problems {

enum class ProblemKind {
  logreg_nonconvex,  // the EF21 paper's: logistic loss + lambda * sum x^2 / (1 + x^2)
  logreg,            // convex: logistic loss + (lambda / 2) ||x||^2
  least_squares,     // (1 / 2m) ||A x - b||^2 + (lambda / 2) ||x||^2
};

struct ProblemSpec {
  ProblemKind kind = ProblemKind::logreg_nonconvex;
  double lambda = 0.1;  // regularisation weight; >= 0
};

std::string_view to_string(ProblemKind kind);
std::optional<ProblemKind> problem_kind_from_string(std::string_view name);
std::vector<std::string> problem_kind_names();

/// Whether the labels must be the two classes {-1, +1} (logistic problems) or any reals.
bool needs_binary_labels(ProblemKind kind);

/// A lower bound f_low on the objective, where one is known (the theory guarantees need
/// f(x^0) - f_low): 0 for every current kind, whose losses (logistic, squared) and
/// regularisers (lambda >= 0) are all nonnegative.
std::optional<double> loss_lower_bound(const ProblemSpec& spec);

/// Strong-convexity-like constant mu used by EF21+'s theory stepsize (DESIGN §7: mu = lambda).
inline double regularisation_mu(const ProblemSpec& spec) { return spec.lambda; }

}  // namespace ef21::problems
