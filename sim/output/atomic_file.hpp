#pragma once
// Files appear complete or not at all (DESIGN §5): content goes to "NAME.tmp" in the same
// directory, is flushed, then renamed over NAME (rename is atomic within a filesystem).
#include <filesystem>
#include <string_view>

namespace ef21::sim {

/// Throws std::runtime_error naming the file on any I/O failure (and removes the temporary).
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace ef21::sim
