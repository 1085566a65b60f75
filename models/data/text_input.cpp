#include "models/data/text_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/lzma.hpp>
#include <boost/iostreams/filtering_streambuf.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>

#include "models/support/input_error.hpp"

namespace ef21::data::detail {
namespace {

namespace io = boost::iostreams;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

/// Bytes read from the file per call, and Boost.Iostreams' buffers: large enough that the
/// per-call overheads vanish, small enough to stay in L2.
constexpr std::size_t kChunk = std::size_t{1} << 16;

/// The longest line held (bytes): the buffer doubles up to it. A dense CSV row of a million
/// features is about 10 MB; a longer "line" is almost surely not text (or a decompression bomb
/// with no line end), and holding it would cost gigabytes before any check could run.
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 28;

/// The raw bytes of an open file; the bytes already read to tell the format come first.
class RawFile {
 public:
  RawFile(std::unique_ptr<std::FILE, FileCloser> file, std::string name, std::string prefix)
      : file_(std::move(file)), name_(std::move(name)), prefix_(std::move(prefix)) {}

  /// Up to n bytes into s; 0 only at the end of the file.
  std::size_t read(char* s, std::size_t n) {
    if (prefix_used_ < prefix_.size()) {
      const std::size_t take = std::min(n, prefix_.size() - prefix_used_);
      std::memcpy(s, prefix_.data() + prefix_used_, take);
      prefix_used_ += take;
      return take;
    }
    const std::size_t got = std::fread(s, 1, n, file_.get());
    if (got == 0 && std::ferror(file_.get())) {
      throw InputError(SourceLocation{name_, 0, 0}, fmt::format("cannot read {}: read error", name_));
    }
    return got;
  }

 private:
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string name_;
  std::string prefix_;
  std::size_t prefix_used_ = 0;
};

/// A Boost.Iostreams Source over a RawFile (Boost copies sources: this holds a pointer).
struct BoostSource {
  using char_type = char;
  using category = io::source_tag;
  RawFile* file;
  std::streamsize read(char* s, std::streamsize n) {
    const std::size_t got = file->read(s, static_cast<std::size_t>(n));
    return got == 0 ? -1 : static_cast<std::streamsize>(got);
  }
};

/// Why a decompressor gave up, in words (Boost's what() says only "gzip error" and the like).
std::string describe(const io::gzip_error& e) {
  if (e.error() == io::gzip::zlib_error) {
    if (e.zlib_error_code() == io::zlib::data_error) return "zlib: invalid compressed data";
    if (e.zlib_error_code() == io::zlib::buf_error) return "zlib: the data ends inside a compressed block";
    return fmt::format("zlib error {}", e.zlib_error_code());
  }
  if (e.error() == io::gzip::bad_crc) return "CRC mismatch";
  if (e.error() == io::gzip::bad_length) return "length mismatch";
  if (e.error() == io::gzip::bad_header) return "bad or missing gzip header";
  if (e.error() == io::gzip::bad_footer) return "the data ends before the gzip footer";
  if (e.error() == io::gzip::bad_method) return "unsupported compression method";
  return fmt::format("gzip error {}", e.error());
}

std::string describe(const io::bzip2_error& e) {
  if (e.error() == io::bzip2::unexpected_eof) return "the data ends inside a bzip2 stream";
  if (e.error() == io::bzip2::data_error) return "invalid compressed data";
  if (e.error() == io::bzip2::data_error_magic) return "bad bzip2 stream header";
  return fmt::format("libbz2 error {}", e.error());
}

std::string describe(const io::lzma_error& e) {
  if (e.error() == io::lzma::buf_error) return "the data ends inside an xz stream";
  if (e.error() == io::lzma::data_error) return "invalid compressed data";
  if (e.error() == io::lzma::mem_error) return "out of memory";
  return fmt::format("liblzma error {}", e.error());
}

/// What the first bytes of a file say it is. `unsupported` names a compressed format that
/// is recognised but not read (empty when none).
struct Sniffed {
  Compression compression = Compression::none;
  std::string_view unsupported;
  std::string_view decompress_with;
};

Sniffed sniff(std::string_view head) {
  const auto starts = [head](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  using namespace std::string_view_literals;
  if (starts("\x1f\x8b"sv)) return {Compression::gzip, {}, {}};
  // bzip2: "BZh" and the block size digit, so that a text beginning "BZh" stays text.
  if (starts("BZh"sv) && head.size() >= 4 && head[3] >= '1' && head[3] <= '9')
    return {Compression::bzip2, {}, {}};
  if (starts("\xfd\x37\x7a\x58\x5a\x00"sv)) return {Compression::xz, {}, {}};  // fd "7zXZ" 00
  if (starts("\x28\xb5\x2f\xfd"sv)) return {Compression::none, "zstd", "zstd -d"};
  if (starts("PK\x03\x04"sv)) return {Compression::none, "zip", "unzip"};
  if (starts("\x5d\x00\x00"sv))
    return {Compression::none, "lzma (the legacy .lzma format)", "xz -d --format=lzma"};
  return {};
}

}  // namespace

struct LineReader::Source {
  explicit Source(RawFile file) : raw(std::move(file)) {}
  RawFile raw;
  io::filtering_istreambuf decompressed;  // empty for a plain file
};

std::string_view to_string(Compression compression) {
  switch (compression) {
    case Compression::none:
      return "plain";
    case Compression::gzip:
      return "gzip";
    case Compression::bzip2:
      return "bzip2";
    case Compression::xz:
      return "xz";
  }
  return "?";
}

LineReader::LineReader(const std::filesystem::path& file, std::string_view missing_hint)
    : name_(file.string()) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    std::string message = fmt::format("cannot open {}: No such file", name_);
    if (!missing_hint.empty()) message += fmt::format("; {}", missing_hint);
    throw InputError(SourceLocation{name_, 0, 0}, message);
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw InputError(SourceLocation{name_, 0, 0}, fmt::format("cannot open {}: is a directory", name_));
  }
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(name_.c_str(), "rb"));
  if (!in) {
    throw InputError(SourceLocation{name_, 0, 0},
                     fmt::format("cannot open {}: {}", name_, std::generic_category().message(errno)));
  }
  // The format, from the first bytes (they are handed back to the decompressor or the text).
  char head[6];
  const std::size_t got = std::fread(head, 1, sizeof head, in.get());
  if (got < sizeof head && std::ferror(in.get())) {
    throw InputError(SourceLocation{name_, 0, 0}, fmt::format("cannot read {}: read error", name_));
  }
  const Sniffed format = sniff(std::string_view(head, got));
  if (!format.unsupported.empty()) {
    throw InputError(
        SourceLocation{name_, 0, 0},
        fmt::format("{} is {}-compressed, which ef21sim does not read (it reads plain text, gzip, bzip2 "
                    "and xz): decompress it first ({})",
                    name_, format.unsupported, format.decompress_with));
  }
  compression_ = format.compression;
  if (compression_ == Compression::none) {
    const auto size = std::filesystem::file_size(file, ec);
    plain_size_ = ec ? 0 : static_cast<std::uint64_t>(size);
  }
  source_ = std::make_unique<Source>(RawFile(std::move(in), name_, std::string(head, got)));
  switch (compression_) {
    case Compression::none:
      break;
    case Compression::gzip:
      source_->decompressed.push(io::gzip_decompressor(), kChunk);
      break;
    case Compression::bzip2:
      source_->decompressed.push(io::bzip2_decompressor(), kChunk);
      break;
    case Compression::xz:
      source_->decompressed.push(io::lzma_decompressor(), kChunk);
      break;
  }
  if (compression_ != Compression::none) source_->decompressed.push(BoostSource{&source_->raw}, kChunk);
  buffer_.resize(kChunk * 4);
}

LineReader::~LineReader() = default;

void LineReader::fail_read(const std::string& reason) const {
  // The line being read when the data went bad: the one after the last complete line.
  throw InputError(SourceLocation{name_, to_position(line_number_ + 1), 0},
                   fmt::format("cannot read line {}: the {} data is corrupt or truncated ({})",
                               line_number_ + 1, to_string(compression_), reason));
}

void LineReader::fill() {
  // Keep the unread text, at the front of the buffer; grow the buffer when a line fills it.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    scanned_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) {
    if (end_ >= kMaxLineBytes) {
      throw InputError(
          SourceLocation{name_, to_position(line_number_ + 1), 0},
          fmt::format("line {} is longer than {} MiB without a line end: not a text data file, or "
                      "not one ef21sim can hold a line of",
                      line_number_ + 1, kMaxLineBytes >> 20));
    }
    buffer_.resize(buffer_.size() * 2);
  }
  char* const at = buffer_.data() + end_;
  const std::size_t room = buffer_.size() - end_;
  std::size_t got = 0;
  if (compression_ == Compression::none) {
    got = source_->raw.read(at, room);
  } else {
    try {
      const std::streamsize n = source_->decompressed.sgetn(at, static_cast<std::streamsize>(room));
      got = n > 0 ? static_cast<std::size_t>(n) : 0;
    } catch (const InputError&) {
      throw;  // a read error of the file itself, already located
    } catch (const io::gzip_error& e) {
      fail_read(describe(e));
    } catch (const io::bzip2_error& e) {
      fail_read(describe(e));
    } catch (const io::lzma_error& e) {
      fail_read(describe(e));
    } catch (const std::ios_base::failure& e) {
      fail_read(e.what());
    }
  }
  if (got == 0) eof_ = true;
  end_ += got;
  text_bytes_ += got;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    const char* const data = buffer_.data();
    const auto* nl = static_cast<const char*>(std::memchr(data + scanned_, '\n', end_ - scanned_));
    if (nl != nullptr || (eof_ && begin_ < end_)) {
      const char* const first = data + begin_;
      const char* last = nl != nullptr ? nl : data + end_;
      const std::size_t consumed = static_cast<std::size_t>(last - data) + (nl != nullptr ? 1 : 0);
      if (last > first && last[-1] == '\r') --last;
      line = std::string_view(first, static_cast<std::size_t>(last - first));
      begin_ = scanned_ = consumed;
      ++line_number_;
      return true;
    }
    if (eof_) return false;
    scanned_ = end_;
    fill();
  }
}

ParsedNumber parse_double(const char* first, const char* last) {
  ParsedNumber out;
  const char* start = first;
  // One leading '+' is allowed, but not "+-1" or "++1" (from_chars would take the '-').
  if (start != last && *start == '+') {
    ++start;
    if (start == last || *start == '+' || *start == '-') {
      out.stop = first;
      return out;
    }
  }
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(start, last, value, std::chars_format::general);
  out.stop = ptr;
  if (ec == std::errc::invalid_argument) {
    out.stop = first;
    out.status = NumberStatus::invalid;
    return out;
  }
  if (ec == std::errc::result_out_of_range) {
    out.status = NumberStatus::out_of_range;
    return out;
  }
  out.value = value;
  if (!std::isfinite(value)) {  // from_chars reads "nan", "inf", "infinity" (any case)
    out.status = NumberStatus::non_finite;
    return out;
  }
  out.status = (ptr == last) ? NumberStatus::ok : NumberStatus::trailing;
  return out;
}

std::string quote_token(const char* first, const char* last) {
  constexpr std::ptrdiff_t kMax = 32;
  if (last - first <= kMax)
    return fmt::format("'{}'", std::string_view(first, static_cast<std::size_t>(last - first)));
  return fmt::format("'{}...'", std::string_view(first, static_cast<std::size_t>(kMax)));
}

std::uint32_t to_position(std::int64_t one_based) {
  constexpr auto kMax = static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max());
  return static_cast<std::uint32_t>(one_based < 0 ? 0 : (one_based > kMax ? kMax : one_based));
}

}  // namespace ef21::data::detail
