#include "models/algorithms/method_registry.hpp"

#include <fmt/format.h>

#include <cmath>

#include "models/algorithms/dcgd.hpp"
#include "models/algorithms/diana.hpp"
#include "models/algorithms/ef.hpp"
#include "models/algorithms/ef21.hpp"
#include "models/algorithms/ef21_bc.hpp"
#include "models/algorithms/ef21_hb.hpp"
#include "models/algorithms/ef21_page.hpp"
#include "models/algorithms/ef21_plus.hpp"
#include "models/algorithms/ef21_sgdm.hpp"
#include "models/algorithms/ef21_w.hpp"
#include "models/algorithms/gd.hpp"
#include "models/algorithms/marina.hpp"
#include "models/support/check.hpp"

namespace ef21::algorithms {

const std::vector<const MethodInfo*>& method_registry() {
  // One line per method; each registration is defined in the method's own file.
  static const std::vector<const MethodInfo*> all{
      &gd_registration(),      &ef_registration(),      &ef21_registration(),      &ef21_plus_registration(),
      &ef21_hb_registration(), &ef21_bc_registration(), &ef21_sgdm_registration(), &ef21_page_registration(),
      &ef21_w_registration(),  &dcgd_registration(),    &diana_registration(),     &marina_registration(),
  };
  return all;
}

const MethodInfo* find_method(std::string_view name) {
  for (const MethodInfo* info : method_registry())
    if (info->name == name) return info;
  return nullptr;
}

std::vector<std::string> method_names() {
  std::vector<std::string> out;
  for (const MethodInfo* info : method_registry()) out.push_back(info->name);
  return out;
}

ContractionConstants contraction_constants(double alpha) {
  EF21_CHECK(alpha > 0.0 && alpha <= 1.0, "contraction parameter alpha must be in (0, 1]");
  ContractionConstants c;
  c.alpha = alpha;
  const double root = std::sqrt(1.0 - alpha);
  c.theta = 1.0 - root;
  c.beta = (1.0 - alpha) / (1.0 - root);
  return c;
}

double require_alpha(const TheoryInputs& in, std::string_view method) {
  if (!in.alpha)
    throw TheoryUnavailable(
        fmt::format("the theory stepsize of {} needs a contractive compressor (alpha, or omega < 1): give "
                    "algorithm.stepsize",
                    method));
  return *in.alpha;
}

double require_omega(const TheoryInputs& in, std::string_view method) {
  if (!in.omega)
    throw TheoryUnavailable(fmt::format(
        "the theory stepsize of {} needs an unbiased compressor (omega): give algorithm.stepsize", method));
  return *in.omega;
}

}  // namespace ef21::algorithms
