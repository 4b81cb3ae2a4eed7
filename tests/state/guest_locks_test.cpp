// Guest state locks across hosts: two StateTiers (two "hosts", each with its own local tier and
// its own Redis client) on one real redis-server exclude each other, renew what they hold,
// get past a dead host's lock once its TTL passes, and a partial push writes dirty chunks only.
#include "state/guest_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "state/redis_state.h"
#include "state/state_tier.h"

namespace wasmlet {
namespace {

using namespace std::chrono_literals;
using state::GlobalState;
using state::GuestLocks;
using state::LockMode;
using state::StateSegment;
using state::StateTier;
using Clock = std::chrono::steady_clock;

// One host: its own Redis client and local tier.
struct Host {
  explicit Host(const std::string& url, state::RedisOptions options = {})
      : redis(url, options), tier(redis) {}
  state::RedisState redis;
  StateTier tier;
};

// A lock as StateBinding holds one: the segment pointer owning the global lease. Released
// like StateBinding::release does: the local lock, then the pointer.
class Held {
 public:
  Held(StateTier& tier, const void* call, const std::string& key, LockMode mode,
       const GuestLocks::StopCheck& stop = {})
      : mode_(mode),
        segment_(tier.guest_locks().acquire(call, "u", key, tier.segment("u", key), mode, stop)) {}
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() {
    if (mode_ == LockMode::Write) {
      segment_->guest_lock().unlock();
    } else {
      segment_->guest_lock().unlock_shared();
    }
  }
  StateSegment& segment() { return *segment_; }

 private:
  LockMode mode_;
  std::shared_ptr<StateSegment> segment_;
};

// Stops a wait once `limit` has passed.
GuestLocks::StopCheck after(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  return [deadline] { return Clock::now() >= deadline; };
}

bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 10s) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return check();
}

class GuestLocksTest : public ::testing::Test {
 protected:
  test::RedisServer redis_;
  Host a_{redis_.url()}, b_{redis_.url()};
  int call_a_ = 0, call_b_ = 0;  // their addresses name one call on each host
};

TEST_F(GuestLocksTest, HostsThatShareRedisDoNotLoseUpdates) {
  // Each thread is a call that, like the state_counter guest, locks, pulls, increments the
  // local copy, pushes the dirty chunk and unlocks. Without the global lock two hosts read
  // the same value and one increment is lost.
  constexpr int kThreadsPerHost = 3, kRounds = 60;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (Host* host : {&a_, &b_}) {
    for (int t = 0; t < kThreadsPerHost; ++t) {
      threads.emplace_back([host, &failures] {
        int call = 0;
        try {
          for (int i = 0; i < kRounds; ++i) {
            Held held(host->tier, &call, "counter", LockMode::Write);
            host->tier.pull("u", "counter");
            uint64_t value = 0;
            std::string bytes = held.segment().read(0, sizeof value);
            std::memcpy(&value, bytes.data(), std::min(bytes.size(), sizeof value));
            ++value;
            held.segment().write(0, std::string_view(reinterpret_cast<char*>(&value), 8));
            held.segment().mark_dirty(0, sizeof value);
            host->tier.push_partial("u", "counter");
          }
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures, 0);
  std::string bytes = *a_.redis.get("u", "counter");
  uint64_t value = 0;
  ASSERT_EQ(bytes.size(), sizeof value);
  std::memcpy(&value, bytes.data(), sizeof value);
  EXPECT_EQ(value, uint64_t{2 * kThreadsPerHost * kRounds});
  EXPECT_EQ(a_.tier.guest_locks().held(&call_a_), 0u);
}

TEST_F(GuestLocksTest, ReadersShareAcrossHostsAndHoldOffWriters) {
  {
    Held ra(a_.tier, &call_a_, "k", LockMode::Read);
    {
      Held rb(b_.tier, &call_b_, "k", LockMode::Read);  // a reader on another host: shared
    }
    // Host a's reader holds off a writer on host b until the writer's deadline...
    EXPECT_THROW(Held(b_.tier, &call_b_, "k", LockMode::Write, after(200ms)), Error);
    // ...which gave back what it had taken.
    EXPECT_EQ(b_.tier.guest_locks().held(&call_b_), 0u);
  }
  // The reader gone, a writer on host b gets it at once.
  Held w(b_.tier, &call_b_, "k", LockMode::Write, after(2s));
  EXPECT_FALSE(a_.redis.try_lock("u", "k", LockMode::Read, "someone", 60s));
}

TEST_F(GuestLocksTest, ALockHeldOnAnotherHostFailsTheWaitAtTheDeadline) {
  Held wa(a_.tier, &call_a_, "k", LockMode::Write);
  auto start = Clock::now();
  try {
    Held wb(b_.tier, &call_b_, "k", LockMode::Write, after(300ms));
    FAIL() << "two hosts held one write lock";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another host"), std::string::npos) << e.what();
  }
  EXPECT_GE(Clock::now() - start, 300ms);
  // Host b's local lock was let go: another call there can take it (and then wait globally).
  EXPECT_TRUE(b_.tier.segment("u", "k")->guest_lock().try_lock());
  b_.tier.segment("u", "k")->guest_lock().unlock();
}

TEST_F(GuestLocksTest, ADeadHostsLockExpiresAfterItsTtl) {
  // A host that took the lock and died: nothing unlocks or renews it.
  state::RedisState dead(redis_.url());
  ASSERT_TRUE(dead.try_lock("u", "k", LockMode::Write, "dead-host:1", 400ms));
  auto start = Clock::now();
  Held wb(b_.tier, &call_b_, "k", LockMode::Write, after(10s));
  // The server's clock started the TTL before ours did; allow for the clock's granularity.
  EXPECT_GE(Clock::now() - start, 300ms);
}

TEST_F(GuestLocksTest, AHolderKeepsItsLockPastTheTtlByRenewing) {
  a_.tier.guest_locks().set_ttl(150ms);
  {
    Held wa(a_.tier, &call_a_, "k", LockMode::Write);
    // Four TTLs later host b still cannot take it, and host a was never told it lost it.
    auto until = Clock::now() + 600ms;
    while (Clock::now() < until) {
      EXPECT_FALSE(b_.redis.try_lock("u", "k", LockMode::Write, "b", 60s));
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_NO_THROW(a_.tier.guest_locks().check(&call_a_));
  }
  // Released at the end: host b gets it at once.
  EXPECT_TRUE(b_.redis.try_lock("u", "k", LockMode::Write, "b", 60s));
}

TEST_F(GuestLocksTest, ALockLostInAnOutageIsReported) {
  state::RedisOptions quick;
  quick.command_timeout = 100ms;
  Host c(redis_.url(), quick);
  c.tier.guest_locks().set_ttl(300ms);
  Held wc(c.tier, &call_a_, "k", LockMode::Write);
  // Redis hangs for longer than the TTL: renewals fail, and the lock may have expired.
  redis_.pause();
  bool lost = eventually([&] {
    try {
      c.tier.guest_locks().check(&call_a_);
      return false;
    } catch (const state::StateLockLost& e) {
      EXPECT_NE(std::string(e.what()).find("expired while this call held it"), std::string::npos)
          << e.what();
      return true;
    }
  });
  redis_.resume();
  EXPECT_TRUE(lost);
}

TEST(GuestLocksLocal, AnUnsharedTierTakesOnlyTheLocalLockAndBoundsLocksPerCall) {
  state::InMemoryState memory;
  StateTier tier(memory);
  int call = 0;
  std::vector<std::unique_ptr<Held>> held;
  for (size_t i = 0; i < GuestLocks::kMaxPerCall; ++i) {
    held.push_back(std::make_unique<Held>(tier, &call, "k", LockMode::Read));
  }
  EXPECT_TRUE(memory.try_lock("u", "k", LockMode::Write, "x", 1s));  // nothing taken globally
  EXPECT_THROW(Held(tier, &call, "k2", LockMode::Read), Error);
  EXPECT_EQ(tier.guest_locks().held(&call), GuestLocks::kMaxPerCall);
  held.clear();
  EXPECT_EQ(tier.guest_locks().held(&call), 0u);
}

// Counts what reaches the global tier, forwarding to a real RedisState.
class CountingState final : public GlobalState {
 public:
  explicit CountingState(GlobalState& inner) : inner_(inner) {}
  size_t puts = 0, range_puts = 0, bytes = 0;

  std::optional<std::string> get(const std::string& u, const std::string& k) override {
    return inner_.get(u, k);
  }
  void put(const std::string& u, const std::string& k, std::string v) override {
    ++puts;
    bytes += v.size();
    inner_.put(u, k, std::move(v));
  }
  size_t size(const std::string& u, const std::string& k) override { return inner_.size(u, k); }
  void remove(const std::string& u, const std::string& k) override { inner_.remove(u, k); }
  std::vector<state::KeyInfo> list(const std::string& u, size_t limit) override {
    return inner_.list(u, limit);
  }
  std::string get_range(const std::string& u, const std::string& k, size_t offset,
                        size_t length) override {
    return inner_.get_range(u, k, offset, length);
  }
  void put_range(const std::string& u, const std::string& k, size_t offset,
                 std::string_view data) override {
    ++range_puts;
    bytes += data.size();
    inner_.put_range(u, k, offset, data);
  }
  void append(const std::string& u, const std::string& k, std::string_view e) override {
    inner_.append(u, k, e);
  }
  std::vector<std::string> read_appended(const std::string& u, const std::string& k,
                                         size_t count) override {
    return inner_.read_appended(u, k, count);
  }
  void clear_appended(const std::string& u, const std::string& k) override {
    inner_.clear_appended(u, k);
  }
  bool try_lock(const std::string& u, const std::string& k, LockMode mode, const std::string& owner,
                std::chrono::milliseconds ttl) override {
    return inner_.try_lock(u, k, mode, owner, ttl);
  }
  void unlock(const std::string& u, const std::string& k, LockMode mode,
              const std::string& owner) override {
    inner_.unlock(u, k, mode, owner);
  }
  bool renew(const std::string& u, const std::string& k, LockMode mode, const std::string& owner,
             std::chrono::milliseconds ttl) override {
    return inner_.renew(u, k, mode, owner, ttl);
  }
  bool shared_across_hosts() const override { return inner_.shared_across_hosts(); }

 private:
  GlobalState& inner_;
};

TEST_F(GuestLocksTest, APartialPushWritesOnlyDirtyChunks) {
  constexpr size_t kChunk = StateSegment::kChunk;
  std::string value(16 * kChunk, 'a');
  a_.redis.put("u", "big", value);
  CountingState counting(a_.redis);
  StateTier tier(counting);
  Held held(tier, &call_a_, "big", LockMode::Write);
  // Two bytes in chunk 1 and one in chunk 9, the second flagged twice.
  held.segment().write(kChunk + 5, "XY");
  held.segment().mark_dirty(kChunk + 5, 2);
  held.segment().write(9 * kChunk, "Z");
  held.segment().mark_dirty(9 * kChunk, 1);
  held.segment().mark_dirty(9 * kChunk, 1);
  tier.push_partial("u", "big");
  EXPECT_EQ(counting.puts, 0u);
  EXPECT_EQ(counting.range_puts, 2u);
  EXPECT_EQ(counting.bytes, 2 * kChunk);
  value.replace(kChunk + 5, 2, "XY");
  value[9 * kChunk] = 'Z';
  EXPECT_EQ(a_.redis.get("u", "big"), value);
  // Nothing dirty since: the next push sends nothing.
  tier.push_partial("u", "big");
  EXPECT_EQ(counting.range_puts, 2u);
  EXPECT_EQ(counting.puts, 0u);
}

}  // namespace
}  // namespace wasmlet
