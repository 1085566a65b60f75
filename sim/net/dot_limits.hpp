#pragma once
// Bounds checked on a DOT file's text before Boost.Graph's read_graphviz parses it.
//
// read_graphviz parses subgraphs recursively ({ ... } and `subgraph NAME { ... }`): about
// 18 000 nested braces overflow the stack. It also expands an edge whose end is a subgraph
// to one edge per member pair (`{a b c} -- {x y z}` is nine links), so a few kilobytes of
// subgraph edges can ask for billions of links. Both are refused here, with the location.
#include <cstddef>
#include <string>
#include <string_view>

namespace ef21::sim {

/// The deepest brace nesting accepted (the graph body is 1). Topologies use two or three.
inline constexpr std::size_t kMaxDotNesting = 100;
/// The most links that edges with a subgraph end may expand to, over the whole file (an
/// upper bound, counted from the members the subgraphs could have).
inline constexpr std::size_t kMaxDotSubgraphLinks = 100'000;

/// Throws InputError at FILE:LINE:COL of the brace nesting deeper than kMaxDotNesting, or of
/// the edge operator at which the subgraph expansion exceeds kMaxDotSubgraphLinks. Follows
/// read_graphviz's lexical rules (comments, quoted and HTML strings) to find braces and
/// edges; anything else malformed is left to read_graphviz. Linear time, no recursion.
void check_dot_limits(std::string_view text, const std::string& file);

}  // namespace ef21::sim
