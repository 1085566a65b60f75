#include "sim/net/dot_limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "models/support/input_error.hpp"

namespace ef21::sim {
namespace {

enum class TokenKind : std::uint8_t { open_brace, close_brace, edge_op, subgraph, id, other };

struct Token {
  std::size_t offset;  // of the token's first byte, for locating errors
  TokenKind kind;
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// One tag of an HTML string at text[p] == '<', as read_graphviz's xml_tag_token regex reads it:
/// '<', an optional '/', then anything but ! ? ' " (quoted runs '...' and "..." allowed) up to the
/// first '>' outside quotes; "/>" ends an empty tag. The offset past it and +1 (open), -1
/// (close) or 0 (empty), or nullopt when it is no tag.
std::optional<std::pair<std::size_t, int>> html_tag(std::string_view text, std::size_t p) {
  std::size_t q = p + 1;
  const bool close = q < text.size() && text[q] == '/';
  if (close) ++q;
  while (q < text.size()) {
    const char c = text[q];
    if (c == '/' && q + 1 < text.size() && text[q + 1] == '>') return std::pair{q + 2, close ? -1 : 0};
    if (c == '>') return std::pair{q + 1, close ? -1 : 1};
    if (c == '!' || c == '?') return std::nullopt;
    if (c == '\'' || c == '"') {
      const std::size_t end = text.find(c, q + 1);
      if (end == std::string_view::npos) return std::nullopt;
      q = end + 1;
    } else {
      ++q;
    }
  }
  return std::nullopt;
}

/// Past an HTML string starting at text[p] == '<', following read_graphviz step by step: text
/// between tags is skipped, each tag counts (open +1, close -1, empty 0) and the string ends
/// when the count is no longer positive; CDATA sections are skipped whole. When read_graphviz
/// would reject the string (unclosed, or no tag where one must be), nothing after it is parsed:
/// the text's end is returned.
std::size_t skip_html(std::string_view text, std::size_t p) {
  int count = 0;
  do {
    if (p >= text.size()) return text.size();
    if (text[p] != '<') {
      ++p;
      continue;
    }
    if (const auto tag = html_tag(text, p)) {
      p = tag->first;
      count += tag->second;
      continue;
    }
    if (text.substr(p).starts_with("<![CDATA[")) {
      const std::size_t end = text.find("]]>", p + 9);
      if (end == std::string_view::npos) return text.size();
      p = end + 3;
      continue;
    }
    return text.size();
  } while (count > 0);
  return p;
}

/// The tokens read_graphviz's tokenizer would see, reduced to what the limits need.
/// Comments, whitespace and backslash-newlines are skipped as it skips them.
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t p = 0;
  const std::size_t n = text.size();
  const auto at = [&](std::size_t i) { return i < n ? text[i] : '\0'; };
  while (p < n) {
    const char c = text[p];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++p;
    } else if (c == '/' && at(p + 1) == '/') {
      while (p < n && text[p] != '\n') ++p;
    } else if (c == '/' && at(p + 1) == '*') {
      const std::size_t end = text.find("*/", p + 2);
      p = end == std::string_view::npos ? n : end + 2;
    } else if (c == '#' && (p == 0 || text[p - 1] == '\n')) {  // a preprocessor line
      while (p < n && text[p] != '\n') ++p;
    } else if (c == '\\' && at(p + 1) == '\n') {
      p += 2;
    } else if (is_alpha(c)) {
      const std::size_t start = p;
      while (p < n && (is_alpha(text[p]) || is_digit(text[p]))) ++p;
      std::string word(text.substr(start, p - start));
      std::transform(word.begin(), word.end(), word.begin(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      });
      if (word == "subgraph")
        tokens.push_back({start, TokenKind::subgraph});
      else if (word == "graph" || word == "digraph" || word == "node" || word == "edge" || word == "strict")
        tokens.push_back({start, TokenKind::other});
      else
        tokens.push_back({start, TokenKind::id});
    } else if (c == '-' && (at(p + 1) == '-' || at(p + 1) == '>')) {
      tokens.push_back({p, TokenKind::edge_op});
      p += 2;
    } else if (c == '{' || c == '}') {
      tokens.push_back({p, c == '{' ? TokenKind::open_brace : TokenKind::close_brace});
      ++p;
    } else if (is_digit(c) || c == '-' || c == '.') {  // a number: -?(.d+ | d+(.d*)?)
      tokens.push_back({p, TokenKind::id});
      ++p;
      while (p < n && (is_digit(text[p]) || text[p] == '.')) ++p;
    } else if (c == '"') {  // "..." with backslash escapes
      tokens.push_back({p, TokenKind::id});
      ++p;
      while (p < n && text[p] != '"') p += text[p] == '\\' ? 2 : 1;
      p = std::min(p + 1, n);
    } else if (c == '<') {  // an HTML string
      tokens.push_back({p, TokenKind::id});
      p = skip_html(text, p);
    } else {  // other punctuation, or a character read_graphviz rejects
      tokens.push_back({p, TokenKind::other});
      ++p;
    }
  }
  return tokens;
}

SourceLocation locate(std::string_view text, std::size_t offset, const std::string& file) {
  const std::string_view before = text.substr(0, offset);
  const auto line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  const auto clamp = [](std::size_t v) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(v, std::numeric_limits<std::uint32_t>::max()));
  };
  return SourceLocation{file, clamp(line), clamp(offset - line_start + 1)};
}

}  // namespace

void check_dot_limits(std::string_view text, const std::string& file) {
  const std::vector<Token> tokens = tokenize(text);

  // Brace nesting, and for each brace group an upper bound of the members its subgraph can
  // have: the ids inside it, plus every id of the file for each reference to a named
  // subgraph (`subgraph X` without a body: X may hold anything seen so far).
  const auto total_ids = static_cast<std::uint64_t>(
      std::count_if(tokens.begin(), tokens.end(), [](const Token& t) { return t.kind == TokenKind::id; }));
  std::vector<std::uint64_t> members(tokens.size(), 0);  // per open and close brace
  std::vector<std::size_t> open;                         // indices of the open braces
  std::vector<std::uint64_t> weight_at_open;
  std::uint64_t weight = 0;  // running member bound
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    switch (tokens[i].kind) {
      case TokenKind::open_brace:
        open.push_back(i);
        weight_at_open.push_back(weight);
        if (open.size() > kMaxDotNesting)
          throw InputError(
              locate(text, tokens[i].offset, file),
              fmt::format("braces nest more than {} deep (subgraphs within subgraphs); a topology "
                          "may nest at most {}",
                          kMaxDotNesting, kMaxDotNesting));
        break;
      case TokenKind::close_brace:
        if (!open.empty()) {
          members[open.back()] = members[i] = weight - weight_at_open.back();
          open.pop_back();
          weight_at_open.pop_back();
        }
        break;
      case TokenKind::id:
        ++weight;
        break;
      case TokenKind::subgraph: {
        const bool has_body = (i + 1 < tokens.size() && tokens[i + 1].kind == TokenKind::open_brace) ||
                              (i + 2 < tokens.size() && tokens[i + 1].kind == TokenKind::id &&
                               tokens[i + 2].kind == TokenKind::open_brace);
        if (!has_body) weight += total_ids;
        break;
      }
      default:
        break;
    }
  }

  // Edges with a subgraph end: read_graphviz makes one link per (tail member, head member).
  const auto kind = [&](std::size_t i) { return i < tokens.size() ? tokens[i].kind : TokenKind::other; };
  const auto subgraph_ref = [&](std::size_t id_index) {  // `subgraph X` without a body
    return id_index >= 1 && kind(id_index - 1) == TokenKind::subgraph;
  };
  std::uint64_t expanded = 0;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::edge_op) continue;
    std::uint64_t tail = 1;
    bool subgraph_end = false;
    if (kind(i - 1) == TokenKind::close_brace) {
      tail = members[i - 1];
      subgraph_end = true;
    } else if (kind(i - 1) == TokenKind::id && subgraph_ref(i - 1)) {
      tail = total_ids;
      subgraph_end = true;
    }
    std::uint64_t head = 1;
    if (kind(i + 1) == TokenKind::open_brace) {
      head = members[i + 1];
      subgraph_end = true;
    } else if (kind(i + 1) == TokenKind::subgraph) {
      subgraph_end = true;
      if (kind(i + 2) == TokenKind::open_brace)
        head = members[i + 2];
      else if (kind(i + 2) == TokenKind::id && kind(i + 3) == TokenKind::open_brace)
        head = members[i + 3];
      else
        head = total_ids;
    }
    if (!subgraph_end) continue;
    // Saturating: a factor above the limit alone exceeds it (when the other is not 0).
    const std::uint64_t links = tail > kMaxDotSubgraphLinks || head > kMaxDotSubgraphLinks
                                    ? (tail == 0 || head == 0 ? 0 : kMaxDotSubgraphLinks + 1)
                                    : tail * head;
    expanded += links;
    if (expanded > kMaxDotSubgraphLinks)
      throw InputError(
          locate(text, tokens[i].offset, file),
          fmt::format("edges with a subgraph end expand to one link per pair of members: here the "
                      "file reaches more than {} such links (write the links out instead)",
                      kMaxDotSubgraphLinks));
  }
}

}  // namespace ef21::sim
