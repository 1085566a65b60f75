#pragma once
// Topologies from Graphviz DOT files (DESIGN §6), read with Boost.Graph's read_graphviz.
//
// `graph` or `digraph`; every edge is one full-duplex link whatever its arrow. Edge
// attributes (values are unit strings, sim/core/units.hpp):
//   bandwidth      both directions, e.g. "1 Gbps" (or "inf")           } one of the two forms
//   bandwidth_fwd  tail -> head as written; bandwidth_rev head -> tail } is required
//   latency        e.g. "20us"; default 0
// Graphviz styling attributes (label, color, style, penwidth, ...) are ignored on edges, any
// attribute on nodes or the graph is ignored; any other edge attribute is an error (a typo
// such as "latncy" must not silently mean zero latency).
//
// Nodes: `server` and `w0`..`w{workers-1}` must exist; other names are switches. Node ids:
// server = 0, w{i} = 1 + i, then the other nodes in name order — routing tie-breaks
// (topology.hpp) follow these ids.
//
// Errors are ef21::InputError carrying the file, and the line where one can be found (Boost's
// parser reports no positions: syntax errors carry the file and Boost's message).
#include <cstddef>
#include <filesystem>

#include "sim/net/topology.hpp"

namespace ef21::sim {

Topology load_dot(const std::filesystem::path& file, std::size_t workers);

}  // namespace ef21::sim
