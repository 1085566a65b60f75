#pragma once
// Checks that a run directory can be written, before a simulation spends any time: an
// unwritable --out fails at once (exit 2), not after the run.
#include <filesystem>

namespace ef21::sim {

/// Throws InputError (located at `dir`) when a run directory cannot be created or written at
/// `dir`: it exists and is not a directory, a component of its path is a file, or the
/// directory (or, when it does not exist yet, its nearest existing ancestor) denies writing.
/// Creates nothing.
void check_output_directory(const std::filesystem::path& dir);

}  // namespace ef21::sim
