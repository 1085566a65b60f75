// Fuzz target: DOT topology files, through load_dot as a scenario's `network.topology` loads
// them (with link traces read, as the run does).
//
// Input: the file's bytes. The scenario's worker count is one more than the largest worker
// node named (w0, w1, ...; at most 4096), so valid topologies load; a server node is
// required when the text names one (the parameter-server protocols) and not otherwise (the
// decentralised ones). The scratch directory holds the trace files the seeds name.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/net/dot_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

/// 1 + the largest N of a word `wN` in the text (1 if none), capped at 4096.
std::size_t workers_named(std::string_view text) {
  std::size_t largest = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != 'w' || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])))) continue;
    std::size_t n = 0, j = i + 1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) && n < 4096)
      n = n * 10 + static_cast<std::size_t>(text[j++] - '0');
    if (j > i + 1 && n < 4096 && n > largest) largest = n;
  }
  return largest + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = [] {
    ef21::fuzz::scratch().write("bw.trace", "0 s 1\n1 ms 0.5\nLOOPAFTER 2 ms\n");
    ef21::fuzz::scratch().write("lat.trace", "0 s 2\n");
    return true;
  }();
  (void)ready;
  const std::string_view text = ef21::fuzz::as_text(data, size);
  const auto file = ef21::fuzz::scratch().write("topology.dot", text);
  const bool require_server = text.find("server") != std::string_view::npos;
  ef21::fuzz::expect_only([&] {
    ef21::sim::LinkDynamics dynamics;
    (void)ef21::sim::load_dot(file, workers_named(text), &dynamics, require_server);
  });
  return 0;
}
