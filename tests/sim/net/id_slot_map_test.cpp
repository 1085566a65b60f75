// IdSlotMap (the network's message id -> slot index) against std::map under random inserts
// and erases: a sliding window of ids with a few long-lived ones, as in-flight messages are.
// Randomized: prints its seed; set EF21SIM_TEST_SEED to replay.
#include "sim/net/id_slot_map.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include "models/support/rng.hpp"

using ef21::sim::IdSlotMap;

TEST_CASE("IdSlotMap finds exactly what std::map holds through inserts, erases and growth", "[net][random]") {
  const std::uint64_t seed =
      std::getenv("EF21SIM_TEST_SEED") ? std::strtoull(std::getenv("EF21SIM_TEST_SEED"), nullptr, 10) : 7;
  std::cout << "id_slot_map_test: seed " << seed << " (set EF21SIM_TEST_SEED to replay)\n";
  ef21::Rng rng(seed);
  IdSlotMap map;
  std::map<std::uint64_t, std::uint32_t> want;
  std::uint64_t next_id = 0;
  std::vector<std::uint64_t> live;
  for (int step = 0; step < 200'000; ++step) {
    // Grow to a few thousand entries, then hover: inserts and erases about equally likely.
    const bool insert = live.empty() || rng.uniform() < (live.size() < 3000 ? 0.6 : 0.5);
    if (insert) {
      const std::uint64_t id = next_id++;
      const auto slot = static_cast<std::uint32_t>(rng.below(1u << 20));
      map.reserve(live.size() + 1);  // as FlowNetwork does when it adds a slot
      map.insert(id, slot);
      want[id] = slot;
      live.push_back(id);
    } else {
      // Mostly the oldest few (in-order completions), sometimes any.
      const std::size_t k =
          rng.uniform() < 0.8 ? rng.below(std::min<std::size_t>(live.size(), 8)) : rng.below(live.size());
      const std::uint64_t id = live[k];
      live[k] = live.back();
      live.pop_back();
      map.erase(id);
      want.erase(id);
      map.erase(id);  // erasing an absent id changes nothing
    }
    if (step % 97 == 0) {
      REQUIRE(map.size() == want.size());
      for (const auto& [id, slot] : want) REQUIRE(map.find(id) == slot);
      for (int probe = 0; probe < 20; ++probe) {
        const std::uint64_t id = rng.below(next_id + 100);
        const auto it = want.find(id);
        REQUIRE(map.find(id) == (it == want.end() ? IdSlotMap::kAbsent : it->second));
      }
    }
  }
}
