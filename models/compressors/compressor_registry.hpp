#pragma once
// The compressor registry: every kind declares its name, doc line, keys and factory once;
// the scenario loader, the resolved-scenario writer, `ef21sim list` and the key tables of
// scenarios/README.md read these declarations. Adding a kind = its own files plus one line
// in compressor_registry.cpp.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/compressors/compressor.hpp"
#include "models/compressors/value_quantizer.hpp"
#include "models/support/params.hpp"

namespace ef21::compressors {

struct CompressorInfo {
  std::string name;  // compressor.kind
  std::string doc;   // one line: what it does, its alpha or omega, its bits
  /// Keeps k entries: `k` (or `ratio`, k = ceil(ratio d)) applies; otherwise neither does.
  bool takes_k = false;
  /// An element-wise quantizer that may follow a sparsifier (`compressor.then`).
  bool quantizer = false;
  std::vector<ParamDecl> keys;  // its own keys, beside kind, k | ratio and the bit accounting
  std::function<std::unique_ptr<Compressor>(const CompressorSpec& spec, Eigen::Index dim)> make;
  /// Quantizers only: the element-wise operator `then` applies to a sparsifier's kept values.
  std::function<std::unique_ptr<ValueQuantizer>()> make_quantizer = {};
};

/// Every registered kind, in registration order (the order `list` and the docs use).
const std::vector<const CompressorInfo*>& compressor_registry();
const CompressorInfo* find_compressor(std::string_view name);
std::vector<std::string> compressor_names();
/// Names of the kinds that may follow a sparsifier as `then`.
std::vector<std::string> quantizer_names();

}  // namespace ef21::compressors
