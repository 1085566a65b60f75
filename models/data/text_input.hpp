#pragma once
// Low-level helpers shared by the text dataset readers (LIBSVM, CSV): a line reader that
// streams plain or compressed files with useful errors, and number parsing with
// std::from_chars (locale-independent, no iostreams).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ef21::data::detail {

/// How a file's bytes are stored, told by its first bytes (the magic numbers), never by its
/// name: gzip 1f 8b, bzip2 "BZh", xz fd '7zXZ' 00.
enum class Compression { none, gzip, bzip2, xz };

/// "plain", "gzip", "bzip2", "xz".
std::string_view to_string(Compression compression);

/// Reads a text file line by line, decompressing gzip, bzip2 and xz on the fly
/// (Boost.Iostreams over zlib, libbz2 and liblzma), so that neither the file nor its
/// decompressed text is ever held whole: memory is one buffer of at least the longest
/// line. Concatenated streams (pigz, pbzip2, `cat a.gz b.gz`) read as one text.
///
/// Lines end at '\n'; a '\r' just before it (or at the very end) is dropped; a final line
/// without '\n' is a line; the text after the last '\n' is not an extra empty line.
///
/// Every failure is an InputError located at the file: "cannot open PATH: REASON" (with
/// `missing_hint` appended, "; HINT", when the file does not exist) at no line; corrupt or
/// truncated compressed data at the line being read when the data went bad ("FILE:LINE:
/// error: cannot read line LINE: the bzip2 data is corrupt or truncated (...)"; bzip2 decodes
/// blocks of up to 900 kB, so LINE is the first of its block); formats that look compressed but
/// are not read (zstd, zip, lzma-alone) at no line, saying how to decompress them; a line of
/// 256 MiB or more (no line end: not text, or a decompression bomb) at that line.
class LineReader {
 public:
  LineReader(const std::filesystem::path& file, std::string_view missing_hint);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line (see above), valid until the next call; false at the end of the text.
  bool next(std::string_view& line);
  /// The 1-based number of the line `next` returned last (0 before the first).
  std::int64_t line_number() const { return line_number_; }
  /// Bytes of text (decompressed) read so far: 0 at the end means the text is empty.
  std::uint64_t text_bytes() const { return text_bytes_; }
  Compression compression() const { return compression_; }
  /// The file's size in bytes when it is plain (the text's size), else 0: a hint for reserve().
  std::uint64_t plain_size() const { return plain_size_; }

  struct Source;  // where the bytes come from (implementation detail)

 private:
  /// Appends at least one byte to the buffer, or sets eof_.
  void fill();
  [[noreturn]] void fail_read(const std::string& reason) const;

  std::string name_;
  Compression compression_ = Compression::none;
  std::uint64_t plain_size_ = 0;
  std::unique_ptr<Source> source_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;    // first byte of the unread text in buffer_
  std::size_t end_ = 0;      // one past the last byte read into buffer_
  std::size_t scanned_ = 0;  // [begin_, scanned_) has no '\n' (not searched again)
  bool eof_ = false;
  std::int64_t line_number_ = 0;
  std::uint64_t text_bytes_ = 0;
};

enum class NumberStatus {
  ok,
  invalid,       // does not start with a number
  trailing,      // a number followed by other characters; `stop` points at the first one
  out_of_range,  // magnitude beyond double (e.g. 1e999) or below its smallest subnormal
  non_finite,    // "nan", "inf", "infinity" in any case
};

struct ParsedNumber {
  double value = 0.0;
  NumberStatus status = NumberStatus::invalid;
  const char* stop = nullptr;  // one past the parsed number (== last when status is ok)
};

/// Parses [first, last) as a decimal or scientific double, accepting one leading '+'
/// (LIBSVM files write "+1"), which std::from_chars alone rejects.
ParsedNumber parse_double(const char* first, const char* last);

/// Spaces and tabs separate tokens; '\r' before '\n' is stripped by the line reader.
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// A token for messages: at most 32 characters, with "..." when cut.
std::string quote_token(const char* first, const char* last);

/// 1-based line and column numbers, saturated to the range of SourceLocation's fields.
std::uint32_t to_position(std::int64_t one_based);

}  // namespace ef21::data::detail
