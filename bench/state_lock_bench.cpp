// The cost of a guest's state lock and unlock (what __faasm_lock_state_write/read and their
// unlocks do on the host): local only (the in-process global tier, one host), against the same
// with the global tier in a real redis-server on loopback, where each lock also takes and
// releases a Redis lock (two Lua scripts, one round trip each).
//   state_lock_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "redis_server.h"
#include "state/global_state.h"
#include "state/redis_state.h"
#include "state/state_tier.h"

namespace {

using namespace wasmlet;
using state::LockMode;

void lock_unlock(benchmark::State& s, state::GlobalState& global, LockMode mode) {
  state::StateTier tier(global);
  int call = 0;
  auto segment = tier.segment("u", "k");
  for (auto _ : s) {
    auto held = tier.guest_locks().acquire(&call, "u", "k", segment, mode, {});
    // As StateBinding releases it: the local lock, then the hold and its global lease.
    if (mode == LockMode::Write) {
      held->guest_lock().unlock();
    } else {
      held->guest_lock().unlock_shared();
    }
    held.reset();
  }
}

void BM_LocalOnly(benchmark::State& s) {
  state::InMemoryState memory;
  lock_unlock(s, memory, s.range(0) != 0 ? LockMode::Write : LockMode::Read);
}
BENCHMARK(BM_LocalOnly)->ArgName("write")->Arg(0)->Arg(1);

void BM_Redis(benchmark::State& s) {
  static test::RedisServer server;
  state::RedisState redis(server.url());
  lock_unlock(s, redis, s.range(0) != 0 ? LockMode::Write : LockMode::Read);
}
BENCHMARK(BM_Redis)->ArgName("write")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
