// simgrid_peer: the reference for ef21sim's flow network (DESIGN §6), run by the
// differential test. Reads a scenario file, simulates it with SimGrid 3.32 made plain
// max-min, and prints every message's completion time.
//
// Usage: simgrid_peer SCENARIO [--time] [--cfg=... SimGrid options]
//   --time: also print "simgrid_peer: run wall seconds <s>" on stderr: the wall time of
//   engine.run() alone (the simulation, not reading the scenario nor building the platform).
//
// Scenario (whitespace-separated text; bandwidths in bytes/s, times in seconds):
//   links L        then L lines:  <up bytes/s> <down bytes/s>     (up = the link's a -> b)
//   hosts H        (hosts are numbered 0..H-1)
//   routes R       then R lines:  <src> <dst> <k> then k pairs <link> <U|D>
//   messages M     then M lines:  <id> <src> <dst> <bytes> <start>
// `start` is the instant the bytes start to flow: the sender has already paid the route
// latency, so every SimGrid link has latency 0 (native CM02 would weight sharing by latency).
// One launcher actor starts a sender actor for each message at its start instant (so only the
// messages in flight have an actor: hundreds of thousands of messages fit in memory).
// Output: one line per message, "<id> <completion time in s>" with 17 significant digits.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace {

struct Message {
  long id;
  int src;
  int dst;
  std::uint64_t bytes;
  double start;
  double done = -1;
};

double read_bandwidth(std::istream& in) {
  std::string word;
  in >> word;
  if (word == "inf") return std::numeric_limits<double>::infinity();
  return std::stod(word);
}

/// prefix + decimal number (appended in place: GCC 12 misreports "s" + std::string as -Wrestrict).
std::string numbered(const char* prefix, long number) {
  std::string name(prefix);
  name += std::to_string(number);
  return name;
}

void expect(std::istream& in, const std::string& keyword) {
  std::string word;
  in >> word;
  if (word != keyword) throw std::runtime_error("scenario: expected '" + keyword + "', got '" + word + "'");
}

}  // namespace

int main(int argc, char** argv) {
  sg4::Engine engine(&argc, argv);  // consumes --cfg= and --log= options
  const bool time_it = argc == 3 && std::string(argv[2]) == "--time";
  if (argc != 2 && !time_it) {
    std::cerr << "usage: simgrid_peer SCENARIO [--time] [--cfg=...]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "simgrid_peer: cannot open " << argv[1] << "\n";
    return 2;
  }

  auto* zone = sg4::create_full_zone("net");
  std::size_t link_count = 0;
  expect(in, "links");
  in >> link_count;
  std::vector<sg4::SplitDuplexLink*> links;
  for (std::size_t i = 0; i < link_count; ++i) {
    const double up = read_bandwidth(in);
    const double down = read_bandwidth(in);
    // Each direction is its own resource. An infinite direction never appears in a route
    // (the scenario leaves it out), so any finite placeholder will do for it.
    const double placeholder = 1.0;
    auto* link = zone->create_split_duplex_link(numbered("L", i), std::isinf(up) ? placeholder : up);
    link->get_link_down()->set_bandwidth(std::isinf(down) ? placeholder : down);
    link->set_latency(0);
    link->seal();
    links.push_back(link);
  }
  std::size_t host_count = 0;
  expect(in, "hosts");
  in >> host_count;
  std::vector<sg4::Host*> hosts;
  for (std::size_t i = 0; i < host_count; ++i) hosts.push_back(zone->create_host(numbered("h", i), 1e9)->seal());
  std::size_t route_count = 0;
  expect(in, "routes");
  in >> route_count;
  for (std::size_t i = 0; i < route_count; ++i) {
    int src = 0;
    int dst = 0;
    std::size_t k = 0;
    in >> src >> dst >> k;
    std::vector<sg4::LinkInRoute> route;
    for (std::size_t j = 0; j < k; ++j) {
      std::size_t link = 0;
      std::string dir;
      in >> link >> dir;
      route.emplace_back(links.at(link), dir == "U" ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
    }
    zone->add_route(hosts.at(src)->get_netpoint(), hosts.at(dst)->get_netpoint(), nullptr, nullptr, route, false);
  }
  zone->seal();

  std::size_t message_count = 0;
  expect(in, "messages");
  in >> message_count;
  std::vector<Message> messages(message_count);
  for (Message& m : messages) in >> m.id >> m.src >> m.dst >> m.bytes >> m.start;
  if (!in) {
    std::cerr << "simgrid_peer: malformed scenario " << argv[1] << "\n";
    return 2;
  }

  std::vector<std::size_t> order(messages.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return messages[a].start < messages[b].start; });
  if (!messages.empty()) {
    sg4::Actor::create("launcher", hosts.at(0), [&messages, &order, &hosts] {
      for (const std::size_t i : order) {
        Message& m = messages[i];
        sg4::this_actor::sleep_until(m.start);
        sg4::Actor::create(numbered("m", m.id), hosts.at(m.src), [&m, &hosts] {
          sg4::Comm::sendto(hosts.at(m.src), hosts.at(m.dst), m.bytes);
          m.done = sg4::Engine::get_clock();
        });
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (time_it) std::fprintf(stderr, "simgrid_peer: run wall seconds %.9g\n", wall);

  for (const Message& m : messages) std::printf("%ld %.17g\n", m.id, m.done);
  return 0;
}
