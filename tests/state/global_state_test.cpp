// The global state tier: the same checks run on every backend (in-process memory, and Redis
// against a real redis-server), then Redis-only checks for URLs, the key scheme and outages.
#include "state/global_state.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "state/redis_client.h"
#include "state/redis_state.h"

namespace wasmlet {
namespace {

using namespace std::chrono_literals;
using state::GlobalState;
using state::KeyInfo;
using state::LockMode;
using state::StateUnavailable;
using Clock = std::chrono::steady_clock;

// Polls until check() holds or the limit passes: expiry is asserted to happen, never to happen
// at a particular moment.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 5s) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return check();
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(byte(rng));
  return out;
}

struct InMemoryBackend {
  static constexpr const char* name = "InMemory";
  void start() { state = std::make_unique<state::InMemoryState>(); }
  std::unique_ptr<GlobalState> state;
};

struct RedisBackend {
  static constexpr const char* name = "Redis";
  void start() {
    server = std::make_unique<test::RedisServer>();
    state = std::make_unique<state::RedisState>(server->url());
  }
  std::unique_ptr<test::RedisServer> server;
  std::unique_ptr<GlobalState> state;  // declared after the server, so destroyed before it
};

template <typename Backend>
class GlobalStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A missing redis-server fails the Redis tests rather than skipping them: ./run installs it.
    try {
      backend_.start();
    } catch (const std::exception& e) {
      FAIL() << "cannot start the " << Backend::name << " backend: " << e.what();
    }
  }
  GlobalState& state() { return *backend_.state; }

  Backend backend_;
};

struct BackendNames {
  template <typename Backend>
  static std::string GetName(int) {
    return Backend::name;
  }
};

using Backends = ::testing::Types<InMemoryBackend, RedisBackend>;
TYPED_TEST_SUITE(GlobalStateTest, Backends, BackendNames);

TYPED_TEST(GlobalStateTest, GetPutSizeRemove) {
  GlobalState& s = this->state();
  EXPECT_EQ(s.get("u", "k"), std::nullopt);
  EXPECT_EQ(s.size("u", "k"), 0u);
  s.put("u", "k", "hello");
  EXPECT_EQ(s.get("u", "k"), "hello");
  EXPECT_EQ(s.size("u", "k"), 5u);
  s.put("u", "k", "hi");
  EXPECT_EQ(s.get("u", "k"), "hi");
  s.put("u", "k", "");
  EXPECT_EQ(s.get("u", "k"), std::string());  // present but empty, unlike missing
  EXPECT_EQ(s.size("u", "k"), 0u);
  s.remove("u", "k");
  EXPECT_EQ(s.get("u", "k"), std::nullopt);
  s.remove("u", "never-there");  // removing a missing key is fine
}

TYPED_TEST(GlobalStateTest, ListsAUsersKeysOnly) {
  GlobalState& s = this->state();
  EXPECT_TRUE(s.list("u", 100).empty());
  s.put("u", "a", "12345");
  s.put("u", "b*", "");
  s.put("u*", "c", "x");  // a glob in another user's name matches nothing of u's
  s.put("uu", "d", "x");
  s.append("u", "only-appended", "x");  // not a value
  auto keys = s.list("u", 100);
  std::sort(keys.begin(), keys.end(),
            [](const KeyInfo& l, const KeyInfo& r) { return l.key < r.key; });
  EXPECT_EQ(keys, (std::vector<KeyInfo>{{"a", 5}, {"b*", 0}}));
  EXPECT_EQ(s.list("u*", 100), (std::vector<KeyInfo>{{"c", 1}}));
  EXPECT_EQ(s.list("u", 1).size(), 1u);
  s.remove("u", "a");
  EXPECT_EQ(s.list("u", 100), (std::vector<KeyInfo>{{"b*", 0}}));
}

TYPED_TEST(GlobalStateTest, Ranges) {
  GlobalState& s = this->state();
  s.put("u", "k", "hello world");
  EXPECT_EQ(s.get_range("u", "k", 0, 5), "hello");
  EXPECT_EQ(s.get_range("u", "k", 6, 5), "world");
  EXPECT_EQ(s.get_range("u", "k", 6, 100), "world");  // past the end: fewer bytes
  EXPECT_EQ(s.get_range("u", "k", 10, 1), "d");
  EXPECT_EQ(s.get_range("u", "k", 11, 5), "");
  EXPECT_EQ(s.get_range("u", "k", 1000, 5), "");
  EXPECT_EQ(s.get_range("u", "k", SIZE_MAX, SIZE_MAX), "");
  EXPECT_EQ(s.get_range("u", "k", 0, SIZE_MAX), "hello world");
  EXPECT_EQ(s.get_range("u", "missing", 0, 5), "");

  s.put_range("u", "k", 6, "WORLD");
  EXPECT_EQ(s.get("u", "k"), "hello WORLD");
  s.put_range("u", "k", 9, "LDS!");  // overlaps the end
  EXPECT_EQ(s.get("u", "k"), "hello WORLDS!");
  s.put_range("u", "k", 15, "xy");  // past the end: the gap is zero-filled
  EXPECT_EQ(s.get("u", "k"), std::string("hello WORLDS!\0\0xy", 17));
  s.put_range("u", "new", 3, "ab");
  EXPECT_EQ(s.get("u", "new"), std::string("\0\0\0ab", 5));
  EXPECT_EQ(s.size("u", "new"), 5u);
}

TYPED_TEST(GlobalStateTest, ZeroLengthRanges) {
  GlobalState& s = this->state();
  s.put("u", "k", "abc");
  EXPECT_EQ(s.get_range("u", "k", 0, 0), "");
  EXPECT_EQ(s.get_range("u", "k", 2, 0), "");
  EXPECT_EQ(s.get_range("u", "k", 3, 0), "");
  s.put_range("u", "k", 1, "");  // inside: no change
  EXPECT_EQ(s.get("u", "k"), "abc");
  s.put_range("u", "k", 3, "");  // at the end: no change
  EXPECT_EQ(s.get("u", "k"), "abc");
  s.put_range("u", "k", 5, "");  // past the end: still zero-fills up to the offset
  EXPECT_EQ(s.get("u", "k"), std::string("abc\0\0", 5));
  s.put_range("u", "empty", 0, "");  // creates an empty value
  EXPECT_EQ(s.get("u", "empty"), std::string());
  s.put_range("u", "padded", 4, "");
  EXPECT_EQ(s.get("u", "padded"), std::string(4, '\0'));
}

TYPED_TEST(GlobalStateTest, AppendReadClear) {
  GlobalState& s = this->state();
  EXPECT_TRUE(s.read_appended("u", "list", 10).empty());
  s.append("u", "list", "one");
  s.append("u", "list", "");
  s.append("u", "list", std::string("t\0o", 3));
  EXPECT_EQ(s.read_appended("u", "list", 10),
            (std::vector<std::string>{"one", "", std::string("t\0o", 3)}));
  EXPECT_EQ(s.read_appended("u", "list", 2), (std::vector<std::string>{"one", ""}));
  EXPECT_TRUE(s.read_appended("u", "list", 0).empty());
  EXPECT_EQ(s.read_appended("u", "list", SIZE_MAX).size(), 3u);
  s.clear_appended("u", "list");
  EXPECT_TRUE(s.read_appended("u", "list", 10).empty());
  s.append("u", "list", "again");
  EXPECT_EQ(s.read_appended("u", "list", 10), (std::vector<std::string>{"again"}));
  s.clear_appended("u", "never-there");
}

TYPED_TEST(GlobalStateTest, AppendedListIsSeparateFromValue) {
  GlobalState& s = this->state();
  s.put("u", "k", "value");
  s.append("u", "k", "element");
  EXPECT_EQ(s.get("u", "k"), "value");
  EXPECT_EQ(s.size("u", "k"), 5u);
  s.clear_appended("u", "k");
  EXPECT_EQ(s.get("u", "k"), "value");
  s.append("u", "k", "element");
  s.remove("u", "k");  // remove drops both
  EXPECT_EQ(s.get("u", "k"), std::nullopt);
  EXPECT_TRUE(s.read_appended("u", "k", 10).empty());
}

TYPED_TEST(GlobalStateTest, UsersAreSeparate) {
  GlobalState& s = this->state();
  s.put("alice", "k", "a");
  s.put("bob", "k", "b");
  EXPECT_EQ(s.get("alice", "k"), "a");
  EXPECT_EQ(s.get("bob", "k"), "b");
  s.remove("alice", "k");
  EXPECT_EQ(s.get("alice", "k"), std::nullopt);
  EXPECT_EQ(s.get("bob", "k"), "b");

  s.append("alice", "list", "a1");
  s.append("bob", "list", "b1");
  EXPECT_EQ(s.read_appended("alice", "list", 10), (std::vector<std::string>{"a1"}));
  s.clear_appended("bob", "list");
  EXPECT_EQ(s.read_appended("alice", "list", 10), (std::vector<std::string>{"a1"}));

  EXPECT_TRUE(s.try_lock("alice", "k", LockMode::Write, "x", 60s));
  EXPECT_TRUE(s.try_lock("bob", "k", LockMode::Write, "y", 60s));

  // Separators inside user or key names must not make two pairs collide.
  s.put("a:b", "c", "first");
  s.put("a", "b:c", "second");
  s.put("a:", "b:c", "third");
  EXPECT_EQ(s.get("a:b", "c"), "first");
  EXPECT_EQ(s.get("a", "b:c"), "second");
  EXPECT_EQ(s.get("a:", "b:c"), "third");
}

TYPED_TEST(GlobalStateTest, BinaryNamesAndValues) {
  GlobalState& s = this->state();
  const std::string user("us\0er\xff", 6);
  const std::string key("k\0e:y\n\r\x01", 8);
  const std::string value("\0\0abc\0\xfe\r\n", 9);
  s.put(user, key, value);
  EXPECT_EQ(s.get(user, key), value);
  EXPECT_EQ(s.size(user, key), value.size());
  EXPECT_EQ(s.get("us", key), std::nullopt);  // the NUL is part of the name, not an end
  EXPECT_EQ(s.get_range(user, key, 1, 4), std::string("\0abc", 4));
  s.put_range(user, key, 2, std::string("\0\0", 2));
  EXPECT_EQ(s.get(user, key), std::string("\0\0\0\0c\0\xfe\r\n", 9));
  s.append(user, key, value);
  EXPECT_EQ(s.read_appended(user, key, 1), (std::vector<std::string>{value}));
  const std::string owner("o\0wner", 6);
  EXPECT_TRUE(s.try_lock(user, key, LockMode::Write, owner, 60s));
  EXPECT_FALSE(s.try_lock(user, key, LockMode::Write, "o", 60s));
  s.unlock(user, key, LockMode::Write, owner);
  EXPECT_TRUE(s.try_lock(user, key, LockMode::Write, "o", 60s));
}

TYPED_TEST(GlobalStateTest, MebibyteValues) {
  GlobalState& s = this->state();
  constexpr size_t mib = 1 << 20;
  const std::string big = random_bytes(mib, 1);
  s.put("u", "big", big);
  EXPECT_EQ(s.size("u", "big"), mib);
  EXPECT_TRUE(s.get("u", "big") == big);  // no diff dump of a mebibyte on failure
  EXPECT_TRUE(s.get_range("u", "big", mib / 2, 4096) == big.substr(mib / 2, 4096));

  const std::string patch = random_bytes(mib, 2);
  s.put_range("u", "big", mib / 2, patch);  // half overwrites, half extends
  std::string expected = big.substr(0, mib / 2) + patch;
  EXPECT_EQ(s.size("u", "big"), expected.size());
  EXPECT_TRUE(s.get("u", "big") == expected);

  s.append("u", "list", big);
  s.append("u", "list", patch);
  std::vector<std::string> elements = s.read_appended("u", "list", 2);
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_TRUE(elements[0] == big);
  EXPECT_TRUE(elements[1] == patch);
}

TYPED_TEST(GlobalStateTest, LockCompatibility) {
  GlobalState& s = this->state();
  // Any number of readers; no writer beside them.
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Read, "a", 60s));
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Read, "b", 60s));
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Write, "c", 60s));
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Write, "a", 60s));  // b still reads

  // The only reader may upgrade; then nobody else gets in.
  s.unlock("u", "k", LockMode::Read, "b");
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Write, "a", 60s));
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Read, "c", 60s));
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Write, "c", 60s));
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Read, "a", 60s));   // the writer may also read
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Write, "a", 60s));  // and re-take (refresh) it

  // Only the holder releases a write lock.
  s.unlock("u", "k", LockMode::Write, "c");
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Read, "c", 60s));

  // Releasing the write lock leaves a's read lock: readers in, writers out.
  s.unlock("u", "k", LockMode::Write, "a");
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Write, "c", 60s));
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Read, "c", 60s));
  s.unlock("u", "k", LockMode::Read, "a");
  s.unlock("u", "k", LockMode::Read, "c");
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Write, "c", 60s));

  // Locks are per user and key.
  EXPECT_TRUE(s.try_lock("u", "other", LockMode::Write, "d", 60s));
  EXPECT_TRUE(s.try_lock("v", "k", LockMode::Write, "d", 60s));
  s.unlock("u", "k", LockMode::Write, "c");
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Write, "d", 60s));

  // Releasing what is not held is harmless.
  s.unlock("u", "none", LockMode::Read, "z");
  s.unlock("u", "none", LockMode::Write, "z");
}

TYPED_TEST(GlobalStateTest, LocksExpire) {
  GlobalState& s = this->state();
  // A write lock whose holder never unlocks frees itself. That it is held in between is only
  // checked when the check certainly ran before the expiry.
  auto start = Clock::now();
  ASSERT_TRUE(s.try_lock("u", "w", LockMode::Write, "crashed", 300ms));
  bool taken = s.try_lock("u", "w", LockMode::Write, "b", 60s);
  if (Clock::now() - start < 250ms) {
    EXPECT_FALSE(taken);
  }
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "w", LockMode::Write, "b", 60s); }));
  EXPECT_FALSE(s.try_lock("u", "w", LockMode::Write, "crashed", 60s));  // b holds it now

  // Same for an abandoned read lock holding off a writer...
  ASSERT_TRUE(s.try_lock("u", "r", LockMode::Read, "crashed", 100ms));
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "r", LockMode::Write, "b", 60s); }));

  // ...and for an abandoned write lock holding off readers.
  ASSERT_TRUE(s.try_lock("u", "wr", LockMode::Write, "crashed", 100ms));
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "wr", LockMode::Read, "b", 60s); }));

  // A live reader keeps its lock while another reader's expires.
  ASSERT_TRUE(s.try_lock("u", "mix", LockMode::Read, "short", 100ms));
  ASSERT_TRUE(s.try_lock("u", "mix", LockMode::Read, "long", 60s));
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "mix", LockMode::Write, "long", 60s); }));
  EXPECT_FALSE(s.try_lock("u", "mix", LockMode::Write, "short", 60s));
}

TYPED_TEST(GlobalStateTest, RenewExtendsOnlyALockStillHeld) {
  GlobalState& s = this->state();
  for (LockMode mode : {LockMode::Read, LockMode::Write}) {
    std::string key = mode == LockMode::Read ? "r" : "w";
    // Renewed past its first ttl, the lock still holds off a writer.
    auto start = Clock::now();
    ASSERT_TRUE(s.try_lock("u", key, mode, "a", 300ms));
    ASSERT_TRUE(s.renew("u", key, mode, "a", 60s));
    std::this_thread::sleep_for(400ms);
    EXPECT_FALSE(s.try_lock("u", key, LockMode::Write, "b", 60s));
    EXPECT_GE(Clock::now() - start, 300ms);
    // A renewal after the unlock (one racing it) takes nothing back.
    s.unlock("u", key, mode, "a");
    EXPECT_FALSE(s.renew("u", key, mode, "a", 60s));
    EXPECT_TRUE(s.try_lock("u", key, LockMode::Write, "b", 60s));
    // Nor does a renewal by an owner that never held it, or whose lock someone else took.
    EXPECT_FALSE(s.renew("u", key, mode, "a", 60s));
    s.unlock("u", key, LockMode::Write, "b");
  }
  // An expired lock is not revived. (The probe's read lock succeeds once the write lock
  // expired, and itself expires at once.)
  ASSERT_TRUE(s.try_lock("u", "x", LockMode::Write, "a", 50ms));
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "x", LockMode::Read, "probe", 1ms); }));
  EXPECT_FALSE(s.renew("u", "x", LockMode::Write, "a", 60s));
  EXPECT_TRUE(eventually([&] { return s.try_lock("u", "x", LockMode::Write, "b", 60s); }));
}

TYPED_TEST(GlobalStateTest, ConcurrentDistinctKeysAndSharedList) {
  GlobalState& s = this->state();
  constexpr int threads = 8;
  constexpr int ops = 1000;
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (int i = 0; i < ops; ++i) {
          std::string tag = std::to_string(t) + ":" + std::to_string(i);
          if (i % 2 == 0) {
            s.put("u", "key-" + tag, "value-" + tag);
            if (s.get("u", "key-" + tag) != "value-" + tag) throw std::runtime_error("bad read");
          } else {
            s.append("u", "shared", tag);
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.emplace_back(e.what());
      }
    });
  }
  for (std::thread& w : workers) w.join();
  ASSERT_TRUE(errors.empty()) << errors.front();

  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < ops; i += 2) {
      std::string tag = std::to_string(t) + ":" + std::to_string(i);
      ASSERT_EQ(s.get("u", "key-" + tag), "value-" + tag);
    }
  }
  std::vector<std::string> list = s.read_appended("u", "shared", SIZE_MAX);
  ASSERT_EQ(list.size(), static_cast<size_t>(threads * ops / 2));
  EXPECT_EQ(std::set<std::string>(list.begin(), list.end()).size(), list.size());
  // Each thread's own elements keep their order.
  std::vector<int> last(threads, -1);
  for (const std::string& tag : list) {
    int t = std::stoi(tag.substr(0, tag.find(':')));
    int i = std::stoi(tag.substr(tag.find(':') + 1));
    EXPECT_GT(i, last[static_cast<size_t>(t)]) << tag;
    last[static_cast<size_t>(t)] = i;
  }
}

TYPED_TEST(GlobalStateTest, WriteLockExcludesConcurrentWriters) {
  GlobalState& s = this->state();
  constexpr int threads = 8;
  constexpr int increments = 25;
  s.put("u", "counter", "0");
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        std::string owner = "worker-" + std::to_string(t);
        for (int i = 0; i < increments; ++i) {
          while (!s.try_lock("u", "counter", LockMode::Write, owner, 60s)) {
            std::this_thread::yield();
          }
          if (inside.fetch_add(1) != 0) overlapped = true;
          int value = std::stoi(s.get("u", "counter").value_or("-1000000"));
          s.put("u", "counter", std::to_string(value + 1));
          inside.fetch_sub(1);
          s.unlock("u", "counter", LockMode::Write, owner);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.emplace_back(e.what());
      }
    });
  }
  for (std::thread& w : workers) w.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(s.get("u", "counter"), std::to_string(threads * increments));
}

// Redis only.

class RedisStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      server_ = std::make_unique<test::RedisServer>();
    } catch (const std::exception& e) {
      FAIL() << "cannot start redis-server: " << e.what();
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  std::unique_ptr<test::RedisServer> server_;
};

// Runs op, which must throw StateUnavailable naming the Redis address, within 2 s.
void expect_unavailable(const std::string& what, const std::string& address,
                        const std::function<void()>& op) {
  auto start = Clock::now();
  try {
    op();
    ADD_FAILURE() << what << " did not throw";
  } catch (const StateUnavailable& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(address), std::string::npos) << what << ": " << message;
  }
  EXPECT_LT(Clock::now() - start, 2s) << what;
}

TEST(InMemoryStateQuota, EachUserHasItsOwnLimitAndFreedBytesCountAgain) {
  using state::InMemoryState;
  const size_t a = InMemoryState::kValueOverhead + 1;  // a value under key "a", before its bytes
  const size_t limit = a + 100;
  InMemoryState s([&](const std::string& user) { return user == "small" ? limit : 10000u; });
  s.put("small", "a", std::string(60, 'a'));
  EXPECT_THROW(s.put("small", "b", std::string(1, 'b')), state::StateQuotaExceeded);
  EXPECT_FALSE(s.get("small", "b"));           // nothing written
  s.put("other", "b", std::string(900, 'b'));  // another user's limit
  // Growing in place, appending and ranged writes count; replacing counts the difference.
  s.put("small", "a", std::string(100, 'a'));
  EXPECT_THROW(s.append("small", "list", ""), state::StateQuotaExceeded);
  EXPECT_THROW(s.put_range("small", "a", 100, "x"), state::StateQuotaExceeded);
  EXPECT_EQ(s.bytes_used("small"), limit);
  s.put("small", "a", std::string(10, 'a'));
  s.append("small", "list", std::string(90 - InMemoryState::kElementOverhead, 'x'));
  EXPECT_EQ(s.bytes_used("small"), limit);
  s.clear_appended("small", "list");
  EXPECT_EQ(s.bytes_used("small"), a + 10);
  s.remove("small", "a");
  EXPECT_EQ(s.bytes_used("small"), 0u);
  EXPECT_EQ(s.bytes_used("other"), InMemoryState::kValueOverhead + 1 + 900);
}

// Empty values and elements take memory too: they count, so that a loop of empty appends or
// empty values under new keys meets the limit instead of taking the host's memory.
TEST(InMemoryStateQuota, EmptyValuesAndElementsAreNotFree) {
  using state::InMemoryState;
  InMemoryState s([](const std::string&) { return 10000u; });
  size_t appended = 0;
  try {
    for (; appended < 1000000; ++appended) s.append("u", "list", "");
  } catch (const state::StateQuotaExceeded&) {
  }
  EXPECT_EQ(appended, 10000 / InMemoryState::kElementOverhead);
  s.clear_appended("u", "list");
  EXPECT_EQ(s.bytes_used("u"), 0u);
  size_t keys = 0;
  try {
    for (; keys < 1000000; ++keys) s.put("u", "k" + std::to_string(keys), "");
  } catch (const state::StateQuotaExceeded&) {
  }
  EXPECT_LE(keys, 10000 / InMemoryState::kValueOverhead);
  EXPECT_GT(keys, 0u);
}

TEST(RedisStateUrl, RejectsMalformedUrls) {
  for (const char* url : {"", "127.0.0.1:6379", "http://127.0.0.1:6379", "redis://",
                          "redis://:6379", "redis://host:", "redis://host:0", "redis://host:65536",
                          "redis://host:12ab", "redis://host:-1", "redis://user:pw@host:6379",
                          "redis://host:6379/0", "redis://host:6379?x=1", "redis://::1:6379",
                          "redis://[::1", "redis://[::1]x", "redis://[]:6379"}) {
    try {
      state::RedisState s(url);
      ADD_FAILURE() << "accepted '" << url << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + std::string(url) + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(RedisStateUrl, ParsesHostAndPort) {
  EXPECT_EQ(state::RedisState("redis://localhost").address(), "localhost:6379");
  EXPECT_EQ(state::RedisState("redis://127.0.0.1:7000").address(), "127.0.0.1:7000");
  EXPECT_EQ(state::RedisState("redis://redis.example:7001/").address(), "redis.example:7001");
  EXPECT_EQ(state::RedisState("redis://[::1]:7002").address(), "[::1]:7002");
}

TEST_F(RedisStateTest, KeySchemeMatchesTheDocs) {
  state::RedisState s(server_->url());
  s.put("u:1", "k", "v");
  s.append("u:1", "k", "e");
  ASSERT_TRUE(s.try_lock("u:1", "k", LockMode::Read, "o", 60s));
  ASSERT_TRUE(s.try_lock("u:1", "k", LockMode::Write, "o", 60s));

  struct Free {
    void operator()(redisContext* c) const { redisFree(c); }
    void operator()(redisReply* r) const { freeReplyObject(r); }
  };
  std::unique_ptr<redisContext, Free> raw(redisConnect("127.0.0.1", server_->port()));
  ASSERT_TRUE(raw && raw->err == 0);
  std::unique_ptr<redisReply, Free> reply(
      static_cast<redisReply*>(redisCommand(raw.get(), "KEYS *")));
  ASSERT_TRUE(reply && reply->type == REDIS_REPLY_ARRAY);
  std::set<std::string> keys;
  for (size_t i = 0; i < reply->elements; ++i) {
    keys.emplace(reply->element[i]->str, reply->element[i]->len);
  }
  EXPECT_EQ(keys, (std::set<std::string>{"wl:v:3:u:1:k", "wl:a:3:u:1:k", "wl:r:3:u:1:k",
                                         "wl:w:3:u:1:k"}));
}

TEST_F(RedisStateTest, FieldPairsReadAHashAndRefuseAnythingButStrings) {
  state::RedisClient redis(server_->url());
  auto lease = redis.lease();
  lease.expect({"HSET", "h", "a", "1", "b", std::string_view("\0x", 2)}, {REDIS_REPLY_INTEGER});
  auto all = lease.expect({"HGETALL", "h"}, {REDIS_REPLY_ARRAY});
  auto pairs = lease.field_pairs(*all, "HGETALL");
  std::sort(pairs.begin(), pairs.end());
  EXPECT_EQ(pairs, (std::vector<std::pair<std::string, std::string>>{
                       {"a", "1"}, {"b", std::string("\0x", 2)}}));
  auto numbers = lease.expect({"EVAL", "return {1, 2}", "0"}, {REDIS_REPLY_ARRAY});
  try {
    lease.field_pairs(*numbers, "a script");
    ADD_FAILURE() << "integers were read as fields";
  } catch (const state::StateUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("a script gave an unexpected"), std::string::npos)
        << e.what();
  }
}

TEST_F(RedisStateTest, TwoClientsShareState) {
  // Two RedisStates stand for two hosts.
  state::RedisState a(server_->url());
  state::RedisState b(server_->url());
  a.put("u", "k", "from a");
  EXPECT_EQ(b.get("u", "k"), "from a");
  b.append("u", "list", "from b");
  EXPECT_EQ(a.read_appended("u", "list", 10), (std::vector<std::string>{"from b"}));
  EXPECT_TRUE(a.try_lock("u", "k", LockMode::Write, "host-a", 60s));
  EXPECT_FALSE(b.try_lock("u", "k", LockMode::Read, "host-b", 60s));
  a.unlock("u", "k", LockMode::Write, "host-a");
  EXPECT_TRUE(b.try_lock("u", "k", LockMode::Read, "host-b", 60s));
}

TEST_F(RedisStateTest, UnreachableServerFailsClearly) {
  state::RedisOptions options;
  options.connect_timeout = 500ms;
  options.command_timeout = 500ms;
  server_->stop();
  state::RedisState s(server_->url(), options);  // constructing does not connect
  expect_unavailable("ping", address(), [&] { s.ping(); });
  try {
    s.get("u", "k");
  } catch (const StateUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
  // A Redis that starts later is picked up by the same client.
  server_->start();
  s.put("u", "k", "late");
  EXPECT_EQ(s.get("u", "k"), "late");
}

TEST_F(RedisStateTest, SurvivesRedisGoingAwayAndComingBack) {
  state::RedisOptions options;
  options.connect_timeout = 500ms;
  options.command_timeout = 500ms;
  state::RedisState s(server_->url(), options);

  // Fills the pool with several connections, all of which an outage breaks.
  auto fill_pool = [&] {
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) s.put("u", "k" + std::to_string(t), std::to_string(i));
      });
    }
    for (std::thread& w : workers) w.join();
    EXPECT_EQ(s.get("u", "k0"), "199");
  };

  // A restart nobody called through: the pooled connections are stale, yet no call fails.
  fill_pool();
  server_->stop();
  server_->start();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(s.get("u", "k0"), std::nullopt);

  // An outage callers see: they fail fast, naming the server.
  fill_pool();
  server_->stop();
  expect_unavailable("get", address(), [&] { s.get("u", "k0"); });
  expect_unavailable("put", address(), [&] { s.put("u", "k0", "x"); });
  expect_unavailable("put_range", address(), [&] { s.put_range("u", "k0", 1, "x"); });
  expect_unavailable("append", address(), [&] { s.append("u", "l", "x"); });
  expect_unavailable("read_appended", address(), [&] { s.read_appended("u", "l", 1); });
  expect_unavailable("try_lock", address(),
                     [&] { s.try_lock("u", "k0", LockMode::Write, "o", 1s); });
  expect_unavailable("unlock", address(), [&] { s.unlock("u", "k0", LockMode::Write, "o"); });

  // Back on the same address (empty: it keeps nothing on disk). Every call works at once.
  server_->start();
  for (int i = 0; i < 20; ++i) {
    s.put("u", "k", std::to_string(i));
    ASSERT_EQ(s.get("u", "k"), std::to_string(i));
  }
  EXPECT_TRUE(s.try_lock("u", "k", LockMode::Write, "o", 60s));  // scripts reloaded as needed
  EXPECT_FALSE(s.try_lock("u", "k", LockMode::Read, "p", 60s));
}

TEST_F(RedisStateTest, HungServerTimesOut) {
  state::RedisOptions options;
  options.connect_timeout = 300ms;
  options.command_timeout = 300ms;
  state::RedisState s(server_->url(), options);
  s.put("u", "k", "before");

  server_->pause();
  auto start = Clock::now();
  try {
    s.get("u", "k");
    ADD_FAILURE() << "get from a hung server did not throw";
  } catch (const StateUnavailable& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(address()), std::string::npos) << message;
    EXPECT_NE(message.find("no reply within"), std::string::npos) << message;
  }
  EXPECT_LT(Clock::now() - start, 2s);
  // Only reads while hung: a write sent to a frozen server still lands once it thaws.
  expect_unavailable("size while hung", address(), [&] { s.size("u", "k"); });

  server_->resume();
  EXPECT_EQ(s.get("u", "k"), "before");
}

}  // namespace
}  // namespace wasmlet
