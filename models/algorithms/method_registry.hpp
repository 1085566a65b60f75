#pragma once
// The method registry: every method declares its name, doc line, keys, theory stepsize,
// the compressors it accepts and what it composes with, once. The scenario loader, the
// resolved-scenario writer, `ef21sim list`, sweep validation and the key tables of
// scenarios/README.md read these declarations. Adding a method = its own files plus one
// line in method_registry.cpp.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/algorithms/guarantee.hpp"
#include "models/algorithms/method.hpp"
#include "models/support/params.hpp"

namespace ef21::algorithms {

/// What a method needs of its (uplink) compressor.
enum class CompressorNeed {
  unused,       // sends dense gradients; the compressor is ignored (GD)
  contractive,  // alpha (or an unbiased one with omega < 1): EF, the EF21 family
  unbiased,     // omega: DCGD, DIANA, MARINA
};

/// Everything a theory stepsize rule may read.
struct TheoryInputs {
  double L = 0.0;        // smoothness of f
  double L_tilde = 0.0;  // sqrt(mean L_i^2)
  double L_am = 0.0;     // mean L_i
  double L_max = 0.0;
  double mu = 0.0;                   // the regulariser's strong convexity (EF21+)
  std::size_t workers = 1;           // n
  std::optional<double> alpha;       // the compressor's contraction (Compressor::contraction)
  std::optional<double> omega;       // its variance, if unbiased
  std::optional<double> alpha_down;  // the downlink compressor's contraction
  double participation = 1.0;        // the fraction of workers per round
  bool stochastic = false;           // minibatch gradients
  const ParamSet* params = nullptr;  // the method's keys
};

/// A theory rule that does not apply to this run: the message says why and asks for an
/// absolute stepsize (the loader reports it at algorithm.stepsize).
class TheoryUnavailable : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct MethodInfo {
  std::string name;             // algorithm.kind
  std::string doc;              // one line: what it does
  std::string reference;        // the paper its update and theory stepsize follow
  std::vector<ParamDecl> keys;  // its own [algorithm] keys
  CompressorNeed compressor = CompressorNeed::contractive;
  bool minibatch = false;            // composes with [gradient] batch / batch_ratio
  bool requires_minibatch = false;   // needs them (EF21-PAGE)
  bool participation = false;        // composes with [participation] fraction < 1
  bool downlink_compressor = false;  // uses [compressor.down]
  std::string theory_doc;            // the stepsize rule, as text for the docs
  /// gamma before the multiplier; throws TheoryUnavailable where the rule does not apply.
  std::function<double(const TheoryInputs&)> theory_stepsize;
  std::function<std::unique_ptr<Method>(const MethodContext&)> make;
  /// Its convergence guarantee, where the method has one (guarantee.hpp): summary.json's
  /// "theory" object and `tools/plot --theory` check a run against it.
  /// (Default-initialised so that registrations without one need not name it.)
  std::optional<Guarantee> guarantee = std::nullopt;
};

/// Every registered method, in registration order (the order of `list` and the docs).
const std::vector<const MethodInfo*>& method_registry();
const MethodInfo* find_method(std::string_view name);
std::vector<std::string> method_names();

/// The EF21 paper's constants of a contraction alpha: theta = 1 - sqrt(1 - alpha),
/// beta = (1 - alpha)/(1 - sqrt(1 - alpha)), and sqrt(beta/theta) (0 at alpha = 1).
struct ContractionConstants {
  double alpha = 1.0;
  double theta = 1.0;
  double beta = 0.0;
};
ContractionConstants contraction_constants(double alpha);
/// The contraction of a theory input, or TheoryUnavailable naming the method.
double require_alpha(const TheoryInputs& in, std::string_view method);
double require_omega(const TheoryInputs& in, std::string_view method);

}  // namespace ef21::algorithms
