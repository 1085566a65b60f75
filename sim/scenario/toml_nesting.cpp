#include "sim/scenario/toml_nesting.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "models/support/input_error.hpp"

namespace ef21::sim {
namespace {

/// Walks the text once, tracking line and column (in code points, as toml++ counts them).
class NestingScanner {
 public:
  NestingScanner(std::string_view text, const std::string& source, std::size_t base_depth)
      : text_(text), source_(source), base_depth_(base_depth) {}

  void run();

 private:
  /// Where the statement is: a key (before '='), a value, or a [table] header.
  enum class Mode { statement_start, key, value, header, header_tail };

  /// An open array ('[') or inline table ('{') of a value, and its depth from the root.
  struct Frame {
    bool inline_table;
    std::size_t depth;
  };

  struct Position {
    std::size_t offset = 0;
    std::uint32_t line = 1;
    std::uint32_t column = 1;
  };

  bool at_end() const { return pos_.offset >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_.offset + ahead < text_.size() ? text_[pos_.offset + ahead] : '\0';
  }
  void advance() {
    const char c = text_[pos_.offset++];
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++pos_.column;
    }
  }
  void skip_comment() {
    while (!at_end() && peek() != '\n') advance();
  }
  void skip_string();
  void check_depth(std::size_t depth, const Position& at, std::string_view what) const;
  void start_key(std::size_t owner_depth) {
    mode_ = Mode::key;
    key_start_ = pos_;
    key_dots_ = 0;
    key_owner_depth_ = owner_depth;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t base_depth_;
  Position pos_;
  Mode mode_ = Mode::statement_start;
  std::vector<Frame> frames_;
  std::size_t table_depth_ = 0;  // depth of the current [table] or [[array]] element
  std::size_t header_dots_ = 0;
  std::size_t header_extra_ = 0;  // 1 for [[array of tables]]: the array, then its element
  Position key_start_;
  std::size_t key_dots_ = 0;
  std::size_t key_owner_depth_ = 0;
  std::size_t value_depth_ = 0;  // depth of a value written at the current position
};

void NestingScanner::skip_string() {
  const char quote = peek();
  const bool basic = quote == '"';
  const bool multiline = peek(1) == quote && peek(2) == quote;
  if (multiline) {
    for (int i = 0; i < 3; ++i) advance();
    while (!at_end()) {
      if (basic && peek() == '\\') {
        advance();
        if (!at_end()) advance();
        continue;
      }
      if (peek() == quote && peek(1) == quote && peek(2) == quote) {
        for (int i = 0; i < 3; ++i) advance();
        // Up to two more quotes belong to the content ("""a""""" is `a""`).
        for (int extra = 0; extra < 2 && peek() == quote; ++extra) advance();
        return;
      }
      advance();
    }
    return;
  }
  advance();
  while (!at_end() && peek() != '\n') {  // a one-line string never spans a newline
    if (basic && peek() == '\\') {
      advance();
      if (!at_end() && peek() != '\n') advance();
      continue;
    }
    const char c = peek();
    advance();
    if (c == quote) return;
  }
}

void NestingScanner::check_depth(std::size_t depth, const Position& at, std::string_view what) const {
  if (base_depth_ + depth <= kMaxTomlNesting) return;
  throw InputError(SourceLocation{source_, at.line, at.column},
                   fmt::format("{} nests {} tables or arrays deep; a scenario nests at most {}", what,
                               base_depth_ + depth, kMaxTomlNesting));
}

void NestingScanner::run() {
  while (!at_end()) {
    const char c = peek();
    if (c == '#') {
      skip_comment();
      continue;
    }
    if (c == '\n') {
      advance();
      // A newline ends a statement, except inside an array (arrays may span lines).
      if (frames_.empty()) mode_ = Mode::statement_start;
      continue;
    }
    if (c == '"' || c == '\'') {
      if (mode_ == Mode::statement_start) start_key(table_depth_);
      skip_string();
      continue;
    }
    switch (mode_) {
      case Mode::statement_start:
        if (c == ' ' || c == '\t' || c == '\r') break;
        if (c == '[') {
          mode_ = Mode::header;
          key_start_ = pos_;
          header_dots_ = 0;
          header_extra_ = peek(1) == '[' ? 1 : 0;
          break;
        }
        start_key(table_depth_);
        continue;  // the character is part of the key
      case Mode::header:
        if (c == '.') ++header_dots_;
        if (c == ']') {
          table_depth_ = header_dots_ + 1 + header_extra_;
          check_depth(table_depth_, key_start_, "this table header");
          mode_ = Mode::header_tail;
          if (header_extra_ && peek(1) == ']') advance();
        }
        break;
      case Mode::header_tail:
        break;  // only a comment may follow; toml++ reports anything else
      case Mode::key:
        if (c == '.') ++key_dots_;
        if (c == '}' && !frames_.empty()) {  // `{}`: an empty inline table
          frames_.pop_back();
          mode_ = Mode::value;
        }
        if (c == '=') {
          value_depth_ = key_owner_depth_ + key_dots_ + 1;
          check_depth(value_depth_, key_start_, "this key");
          mode_ = Mode::value;
        }
        break;
      case Mode::value:
        if (c == '[' || c == '{') {
          const Position at = pos_;
          frames_.push_back({c == '{', value_depth_});
          check_depth(value_depth_, at, c == '{' ? "this inline table" : "this array");
          if (c == '{') {
            advance();
            start_key(frames_.back().depth);
            continue;
          }
          value_depth_ = frames_.back().depth + 1;
        } else if ((c == ']' || c == '}') && !frames_.empty()) {
          frames_.pop_back();
        } else if (c == ',' && !frames_.empty()) {
          if (frames_.back().inline_table) {
            advance();
            start_key(frames_.back().depth);
            continue;
          }
          value_depth_ = frames_.back().depth + 1;
        }
        break;
    }
    advance();
  }
}

}  // namespace

void check_toml_nesting(std::string_view text, const std::string& source, std::size_t base_depth) {
  NestingScanner(text, source, base_depth).run();
}

}  // namespace ef21::sim
