#pragma once
// The documentation of the registered methods and compressors, generated from their
// declarations: `ef21sim list` prints it, and scenarios/README.md embeds the markdown
// between "<!-- BEGIN generated:NAME -->" and "<!-- END generated:NAME -->" (a test keeps
// the two identical; `ef21sim list --markdown` regenerates it).
#include <string>

namespace ef21::sim {

/// Markdown tables: every method (kind, what it does, compressor, compositions, theory
/// stepsize, reference) and every method key.
std::string methods_markdown();
/// Markdown tables: every compressor kind and every compressor key.
std::string compressors_markdown();
/// Markdown table: every round protocol and what it accepts.
std::string protocols_markdown();
/// Plain text for `ef21sim list`.
std::string plugins_text();

}  // namespace ef21::sim
