#include "sim/net/dot_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/make_shared.hpp>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "models/support/input_error.hpp"
#include "sim/core/trace_file.hpp"
#include "sim/core/units.hpp"
#include "sim/net/dot_limits.hpp"

namespace ef21::sim {

namespace {

struct DotNode {
  std::string name;
};

struct DotEdge {
  std::string bandwidth;
  std::string bandwidth_fwd;
  std::string bandwidth_rev;
  std::string latency;
  std::string bandwidth_trace;
  std::string latency_trace;
};

/// Graphviz styling attributes accepted (and ignored) on edges.
constexpr std::array<std::string_view, 22> kCosmeticEdgeAttributes{
    "label",      "xlabel", "headlabel", "taillabel", "color",     "fillcolor", "fontcolor", "fontname",
    "fontsize",   "style",  "penwidth",  "arrowhead", "arrowtail", "arrowsize", "dir",       "weight",
    "constraint", "minlen", "len",       "tooltip",   "id",        "comment"};

/// One edge as read, independent of the graph's directedness.
struct RawEdge {
  std::string tail;
  std::string head;
  DotEdge attrs;
};

struct UnknownAttribute {
  std::string name;
  std::string tail;
  std::string head;
};

struct RawGraph {
  std::vector<std::string> nodes;  // in Boost's vertex order
  std::vector<RawEdge> edges;      // in Boost's edge order
  std::optional<UnknownAttribute> unknown;
};

/// Reads `text` into a Boost adjacency_list of the given directedness.
template <typename Directedness>
RawGraph read_as(const std::string& text) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, Directedness, DotNode, DotEdge>;
  using Edge = typename boost::graph_traits<Graph>::edge_descriptor;
  Graph g;
  RawGraph out;
  // Unknown attribute names reach this generator: ignore them on nodes and the graph, and
  // remember the first non-cosmetic one on an edge.
  const auto generate = [&g, &out](const std::string& name, const boost::any& key,
                                   const boost::any&) -> boost::shared_ptr<boost::dynamic_property_map> {
    if (key.type() == typeid(Edge) && !out.unknown &&
        std::find(kCosmeticEdgeAttributes.begin(), kCosmeticEdgeAttributes.end(), name) ==
            kCosmeticEdgeAttributes.end()) {
      const Edge e = boost::any_cast<Edge>(key);
      out.unknown = UnknownAttribute{name, g[boost::source(e, g)].name, g[boost::target(e, g)].name};
    }
    return nullptr;
  };
  boost::dynamic_properties dp(generate);
  dp.property("node_id", boost::get(&DotNode::name, g));
  dp.property("bandwidth", boost::get(&DotEdge::bandwidth, g));
  dp.property("bandwidth_fwd", boost::get(&DotEdge::bandwidth_fwd, g));
  dp.property("bandwidth_rev", boost::get(&DotEdge::bandwidth_rev, g));
  dp.property("latency", boost::get(&DotEdge::latency, g));
  dp.property("bandwidth_trace", boost::get(&DotEdge::bandwidth_trace, g));
  dp.property("latency_trace", boost::get(&DotEdge::latency_trace, g));
  boost::read_graphviz(text, g, dp, "node_id");
  for (const auto v : boost::make_iterator_range(boost::vertices(g))) out.nodes.push_back(g[v].name);
  for (const auto e : boost::make_iterator_range(boost::edges(g))) {
    out.edges.push_back(RawEdge{g[boost::source(e, g)].name, g[boost::target(e, g)].name, g[e]});
  }
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Column (0-based) of `token` as a whole word in `line`, if present.
std::optional<std::size_t> find_word(std::string_view line, std::string_view token) {
  for (std::size_t at = line.find(token); at != std::string_view::npos; at = line.find(token, at + 1)) {
    const bool left = at == 0 || !is_word_char(line[at - 1]);
    const bool right = at + token.size() >= line.size() || !is_word_char(line[at + token.size()]);
    if (left && right) return at;
  }
  return std::nullopt;
}

/// Locates errors in the file text, best effort: the first line holding every given word.
class Locator {
 public:
  Locator(std::filesystem::path file, const std::string& text) : file_(std::move(file)) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
  }

  SourceLocation file_only() const { return SourceLocation{file_.string(), 0, 0}; }

  SourceLocation find(std::initializer_list<std::string_view> words) const {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      std::optional<std::size_t> first;
      bool all = true;
      for (const std::string_view w : words) {
        const auto col = find_word(lines_[i], w);
        if (!col) {
          all = false;
          break;
        }
        if (!first) first = col;
      }
      if (all)
        return SourceLocation{file_.string(), static_cast<std::uint32_t>(i + 1),
                              static_cast<std::uint32_t>(*first + 1)};
    }
    return file_only();
  }

  /// An edge statement: both endpoints, preferably with the attribute named.
  SourceLocation edge(std::string_view tail, std::string_view head, std::string_view attribute = {}) const {
    if (!attribute.empty()) {
      const SourceLocation with = find({tail, head, attribute});
      if (with.line != 0) return with;
    }
    const SourceLocation both = find({tail, head});
    return both.line != 0 ? both : find({tail});
  }

 private:
  std::filesystem::path file_;
  std::vector<std::string> lines_;
};

/// Worker index of a name of the form w<digits>, if it is one.
std::optional<std::size_t> worker_index(std::string_view name) {
  if (name.size() < 2 || name[0] != 'w') return std::nullopt;
  std::size_t index = 0;
  for (const char c : name.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    if (index > 1'000'000'000) return index;  // absurd: certainly out of range
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

}  // namespace

Topology load_dot(const std::filesystem::path& file, std::size_t workers) {
  return load_dot(file, workers, nullptr);
}

Topology load_dot(const std::filesystem::path& file, std::size_t workers, LinkDynamics* dynamics,
                  bool require_server) {
  const SourceLocation file_loc{file.string(), 0, 0};
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file_loc, "cannot open topology file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  check_dot_limits(text, file.string());  // before read_graphviz recurses and expands
  const Locator locate(file, text);

  RawGraph raw;
  try {
    try {
      raw = read_as<boost::undirectedS>(text);
    } catch (const boost::directed_graph_error&) {
      raw = read_as<boost::directedS>(text);
    }
  } catch (const boost::bad_graphviz_syntax& e) {
    throw InputError(file_loc, fmt::format("DOT syntax error: {}", e.what()));
  } catch (const boost::graph_exception& e) {
    throw InputError(file_loc, fmt::format("cannot read DOT graph: {}", e.what()));
  } catch (const std::runtime_error& e) {
    // read_graphviz's tokenizer is made of Boost.Regex searches, which give up (regex_error,
    // a runtime_error) on some inputs, e.g. a very long comment or string.
    throw InputError(file_loc, fmt::format("DOT syntax error: {}", e.what()));
  }

  if (raw.unknown) {
    throw InputError(locate.edge(raw.unknown->tail, raw.unknown->head, raw.unknown->name),
                     fmt::format("unknown edge attribute \"{}\" on link {} -- {} (known: bandwidth, "
                                 "bandwidth_fwd, bandwidth_rev, latency, bandwidth_trace, latency_trace)",
                                 raw.unknown->name, raw.unknown->tail, raw.unknown->head));
  }

  // Nodes: check names, then number server, w0.., the rest by name.
  std::vector<std::string> others;
  std::vector<bool> worker_seen(workers, false);
  bool server_seen = false;
  for (const std::string& name : raw.nodes) {
    if (name == "server") {
      server_seen = true;
    } else if (const auto index = worker_index(name)) {
      if (name != fmt::format("w{}", *index)) {
        throw InputError(locate.find({name}),
                         fmt::format("malformed worker node name \"{}\" (write w{})", name, *index));
      }
      if (*index >= workers) {
        throw InputError(locate.find({name}),
                         fmt::format("unknown node {}: scenario has {} workers (w0..w{})", name, workers,
                                     workers == 0 ? 0 : workers - 1));
      }
      worker_seen[*index] = true;
    } else {
      others.push_back(name);
    }
  }
  if (!server_seen && require_server) throw InputError(file_loc, "missing node server");
  for (std::size_t i = 0; i < workers; ++i) {
    if (!worker_seen[i])
      throw InputError(file_loc, fmt::format("missing node w{} (scenario has {} workers)", i, workers));
  }
  std::sort(others.begin(), others.end());
  Topology topo;
  if (server_seen) topo.add_node("server");
  for (std::size_t i = 0; i < workers; ++i) topo.add_node(fmt::format("w{}", i));
  for (std::string& name : others) topo.add_node(std::move(name));

  for (const RawEdge& e : raw.edges) {
    const std::string link = fmt::format("link {} -- {}", e.tail, e.head);
    if (e.tail == e.head)
      throw InputError(locate.edge(e.tail, e.head), fmt::format("{} connects a node to itself", link));
    const DotEdge& a = e.attrs;
    if (!a.bandwidth.empty() && (!a.bandwidth_fwd.empty() || !a.bandwidth_rev.empty())) {
      throw InputError(
          locate.edge(e.tail, e.head, "bandwidth"),
          fmt::format("{}: give either bandwidth or bandwidth_fwd and bandwidth_rev, not both", link));
    }
    const auto bandwidth = [&](const std::string& value, std::string_view attribute) {
      if (value.empty()) {
        throw InputError(locate.edge(e.tail, e.head),
                         fmt::format("{} has no {}: give bandwidth = \"1 Gbps\" (both directions) or "
                                     "bandwidth_fwd and bandwidth_rev",
                                     link, attribute));
      }
      try {
        return parse_bandwidth(value);
      } catch (const UnitError& error) {
        throw InputError(locate.edge(e.tail, e.head, attribute),
                         fmt::format("{}: {}: {}", link, attribute, error.what()));
      }
    };
    const double fwd = a.bandwidth.empty() ? bandwidth(a.bandwidth_fwd, "bandwidth_fwd")
                                           : bandwidth(a.bandwidth, "bandwidth");
    const double rev = a.bandwidth.empty() ? bandwidth(a.bandwidth_rev, "bandwidth_rev") : fwd;
    SimTime latency = 0;
    if (!a.latency.empty()) {
      try {
        latency = parse_duration(a.latency);
      } catch (const UnitError& error) {
        throw InputError(locate.edge(e.tail, e.head, "latency"),
                         fmt::format("{}: latency: {}", link, error.what()));
      }
    }
    const LinkId id = topo.add_link(*topo.find_node(e.tail), *topo.find_node(e.head), fwd, rev, latency);

    // Traces: paths relative to the DOT file; errors inside a trace are located in it (with
    // the edge named), the others at the edge's line.
    const auto trace = [&](const std::string& value, std::string_view attribute) {
      const std::filesystem::path path = file.parent_path() / value;
      if (!dynamics) {
        throw InputError(locate.edge(e.tail, e.head, attribute),
                         fmt::format("{}: {} is not supported by this use of the topology", link, attribute));
      }
      try {
        return read_trace_file(path, TraceDomain::positive_factor);
      } catch (const InputError& error) {
        if (error.where().line == 0) {
          throw InputError(
              locate.edge(e.tail, e.head, attribute),
              fmt::format("{}: {} \"{}\": {} ({})", link, attribute, value, error.message(), path.string()));
        }
        const SourceLocation edge = locate.edge(e.tail, e.head, attribute);
        throw InputError(error.where(), fmt::format("{} (the {} of {}, {})", error.message(), attribute, link,
                                                    format_location(edge)));
      }
    };
    if (!a.bandwidth_trace.empty()) {
      if (std::isinf(fwd) && std::isinf(rev)) {
        throw InputError(
            locate.edge(e.tail, e.head, "bandwidth_trace"),
            fmt::format("{}: bandwidth_trace on a link of infinite bandwidth (a factor leaves it infinite)",
                        link));
      }
      Trace t = trace(a.bandwidth_trace, "bandwidth_trace");
      // Both directions, the finite ones (an infinite one stays infinite).
      if (std::isfinite(fwd)) dynamics->bandwidth.emplace_back(2 * id, t);
      if (std::isfinite(rev)) dynamics->bandwidth.emplace_back(2 * id + 1, std::move(t));
    }
    if (!a.latency_trace.empty()) dynamics->latency.emplace_back(id, trace(a.latency_trace, "latency_trace"));
  }

  // Every worker must reach the server and be reached by it; without a server (decentralised
  // protocols), every worker must reach w0 (links are full duplex: then all reach each other).
  const auto check_reachable = [&](const auto& tree, NodeId w) {
    try {
      (void)topo.route(tree, w);
    } catch (const InputError& error) {
      throw InputError(locate.find({topo.node_name(w)}), error.message());
    }
  };
  const std::optional<NodeId> server = topo.find_node("server");
  const std::optional<NodeId> hub = require_server ? server : topo.find_node("w0");
  if (hub) {
    const RoutesTo to_hub = topo.routes_to(*hub);
    const RoutesFrom from_hub = topo.routes_from(*hub);
    for (std::size_t i = 0; i < workers; ++i) {
      const NodeId w = *topo.find_node(fmt::format("w{}", i));
      check_reachable(to_hub, w);
      check_reachable(from_hub, w);
    }
  }
  return topo;
}

}  // namespace ef21::sim
