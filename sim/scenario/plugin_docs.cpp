#include "sim/scenario/plugin_docs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "models/algorithms/method_registry.hpp"
#include "models/compressors/compressor_registry.hpp"
#include "sim/cluster/protocol_registry.hpp"

namespace ef21::sim {
namespace {

std::string_view need_text(algorithms::CompressorNeed need) {
  switch (need) {
    case algorithms::CompressorNeed::unused:
      return "none (dense)";
    case algorithms::CompressorNeed::contractive:
      return "contractive (α, or ω < 1)";
    case algorithms::CompressorNeed::unbiased:
      return "unbiased (ω)";
  }
  return "?";
}

std::string compositions(const algorithms::MethodInfo& m) {
  std::vector<std::string> with;
  if (m.requires_minibatch)
    with.emplace_back("[gradient] (required)");
  else if (m.minibatch)
    with.emplace_back("[gradient]");
  if (m.participation) with.emplace_back("[participation]");
  if (m.downlink_compressor) with.emplace_back("[compressor.down]");
  return with.empty() ? "—" : fmt::format("{}", fmt::join(with, ", "));
}

std::string key_rows(const std::string& owner, const std::vector<ParamDecl>& keys) {
  std::string out;
  for (const ParamDecl& k : keys)
    out +=
        fmt::format("| `{}` | {} | {} | {} | {} |\n", k.name, owner, k.default_text(), k.range_text(), k.doc);
  return out;
}

}  // namespace

std::string methods_markdown() {
  std::string out =
      "| `kind` | what | compressor | composes with | theory stepsize | reference "
      "|\n|---|---|---|---|---|---|\n";
  for (const auto* m : algorithms::method_registry())
    out += fmt::format("| `\"{}\"` | {} | {} | {} | {} | {} |\n", m->name, m->doc, need_text(m->compressor),
                       compositions(*m), m->theory_doc, m->reference.empty() ? "—" : m->reference);
  out +=
      "\nMethod keys (in `[algorithm]`, only for the methods that declare them):\n\n"
      "| key | method | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const auto* m : algorithms::method_registry()) out += key_rows(m->name, m->keys);
  out +=
      "\nConvergence guarantees (summary.json's `theory` checks every run of these methods against "
      "its own; `tools/plot --theory` draws both sides):\n\n"
      "| method | guarantee | statement |\n|---|---|---|\n";
  for (const auto* m : algorithms::method_registry())
    if (m->guarantee)
      out += fmt::format("| `{}` | `{}` | {} |\n", m->name, m->guarantee->name, m->guarantee->statement);
  return out;
}

std::string compressors_markdown() {
  std::string out = "| `kind` | what | takes `k` |\n|---|---|---|\n";
  for (const auto* c : compressors::compressor_registry())
    out += fmt::format("| `\"{}\"` | {} | {} |\n", c->name, c->doc, c->takes_k ? "yes" : "no");
  out +=
      "\nCompressor keys (in `[compressor]` and `[compressor.down]`, only for the kinds that declare "
      "them):\n\n"
      "| key | kind | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const auto* c : compressors::compressor_registry()) out += key_rows(c->name, c->keys);
  return out;
}

std::string protocols_markdown() {
  std::string out =
      "| `kind` | what | server | messages | `ring` | partial participation | methods with their own "
      "broadcast |\n"
      "|---|---|---|---|---|---|---|\n";
  const auto yes = [](bool b) { return b ? "yes" : "no"; };
  for (const auto* p : protocol_registry())
    out += fmt::format("| `\"{}\"` | {} | {} | {} | {} | {} | {} |\n", p->name, p->doc,
                       p->needs_server ? "needed" : "none",
                       p->dense_only ? "dense only (identity, k = d)" : "any", yes(p->takes_ring),
                       yes(p->partial_participation), yes(p->method_broadcast));
  return out;
}

std::string plugins_text() {
  std::string out = "algorithms (algorithm.kind):\n";
  for (const auto* m : algorithms::method_registry()) {
    out += fmt::format("  {:<10} {}\n", m->name, m->doc);
    out += fmt::format("  {:<10}   compressor: {}; composes with: {}; theory stepsize: {}\n", "",
                       need_text(m->compressor), compositions(*m), m->theory_doc);
    if (m->guarantee)
      out += fmt::format("  {:<10}   guarantee {}: {}\n", "", m->guarantee->name, m->guarantee->statement);
    for (const ParamDecl& k : m->keys)
      out += fmt::format("  {:<10}   algorithm.{} = {} ({}): {}\n", "", k.name, k.default_text(),
                         k.range_text(), k.doc);
  }
  out += "protocols (protocol.kind):\n";
  for (const auto* p : protocol_registry()) out += fmt::format("  {:<14} {}\n", p->name, p->doc);
  out += "compressors (compressor.kind, compressor.down.kind):\n";
  for (const auto* c : compressors::compressor_registry()) {
    out += fmt::format("  {:<10} {}{}\n", c->name, c->doc, c->takes_k ? " [k | ratio]" : "");
    for (const ParamDecl& k : c->keys)
      out += fmt::format("  {:<10}   compressor.{} = {} ({}): {}\n", "", k.name, k.default_text(),
                         k.range_text(), k.doc);
  }
  return out;
}

}  // namespace ef21::sim
