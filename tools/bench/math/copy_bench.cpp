// Memory bandwidth by copying: two arrays of --mib MiB each (default 512, far beyond the
// caches), best of --repeats copies. Prints JSON: bytes read + bytes written per second
// ("copy_gbs", the figure the math benchmark's memory floor divides by) and bytes read per
// second alone ("read_gbs" = copy_gbs / 2).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::size_t mib = 512;
  int repeats = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--mib") mib = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--repeats") repeats = std::atoi(argv[i + 1]);
  }
  const std::size_t n = mib * 1024 * 1024 / sizeof(double);
  std::vector<double> a(n), b(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<double>(i & 1023);
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t = std::chrono::steady_clock::now();
    std::memcpy(b.data(), a.data(), n * sizeof(double));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    best = std::min(best, s);
    a[r % n] += b[(r * 7919) % n];  // keep the copies observable
  }
  const double bytes = 2.0 * static_cast<double>(n) * sizeof(double);
  std::printf("{\"mib\": %zu, \"repeats\": %d, \"best_s\": %.6g, \"copy_gbs\": %.4g, \"read_gbs\": %.4g, \"check\": %g}\n", mib,
              repeats, best, bytes / best / 1e9, bytes / 2 / best / 1e9, b[n / 3]);
  return 0;
}
