#pragma once
// Topologies from Graphviz DOT files (DESIGN §6), read with Boost.Graph's read_graphviz.
//
// `graph` or `digraph`; every edge is one full-duplex link whatever its arrow. Edge
// attributes (values are unit strings, sim/core/units.hpp):
//   bandwidth      both directions, e.g. "1 Gbps" (or "inf")           } one of the two forms
//   bandwidth_fwd  tail -> head as written; bandwidth_rev head -> tail } is required
//   latency        e.g. "20us"; default 0
//   bandwidth_trace  a trace file (sim/core/trace_file.hpp) of factors on both directions'
//                    bandwidth (the finite ones), e.g. "traces/uplink.txt"
//   latency_trace    a trace file of factors on the link's latency
// Trace paths are relative to the DOT file's directory.
// Graphviz styling attributes (label, color, style, penwidth, ...) are ignored on edges, any
// attribute on nodes or the graph is ignored; any other edge attribute is an error (a typo
// such as "latncy" must not silently mean zero latency).
//
// Nodes: `w0`..`w{workers-1}` must exist, and `server` unless require_server is false (the
// decentralised protocols); other names are switches. Node ids: server = 0 if present, then
// w{i} (1 + i with a server, i without), then the other nodes in name order — routing
// tie-breaks (topology.hpp) follow these ids: look nodes up by name. Every worker must reach
// the server (with require_server), or w0 (without; links are full duplex, so then every node
// named reaches every other).
//
// Errors are ef21::InputError carrying the file, and the line where one can be found (Boost's
// parser reports no positions: syntax errors carry the file and Boost's message). An error
// inside a trace file is located in it (FILE:LINE:COL), its message naming the DOT edge and
// line; a trace file that cannot be opened is located at the edge.
#include <cstddef>
#include <filesystem>

#include "sim/net/link_dynamics.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

/// A topology with a server and no link traces (a trace attribute is an error).
Topology load_dot(const std::filesystem::path& file, std::size_t workers);
/// The same, appending the edges' traces to `*dynamics` (null: a trace attribute is an error)
/// in edge order (a bandwidth_trace gives the a->b then the b->a direction), and without
/// requiring a server node when `require_server` is false.
Topology load_dot(const std::filesystem::path& file, std::size_t workers, LinkDynamics* dynamics,
                  bool require_server = true);

}  // namespace ef21::sim
