// The local state tier over a real global tier (redis-server, and in process): the two tiers
// stay coherent when values are written from outside functions, shrink, and when a write to the
// global tier fails.
#include "state/state_tier.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "redis_server.h"
#include "state/global_state.h"
#include "state/redis_state.h"
#include "test_support.h"

namespace wasmlet {
namespace {

class StateTierTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      redis_ = std::make_unique<test::RedisServer>();
      global_ = std::make_unique<state::RedisState>(redis_->url());
    } else {
      global_ = std::make_unique<state::InMemoryState>();
    }
    tier_ = std::make_unique<state::StateTier>(*global_);
    view_ = std::make_unique<state::WriteThroughState>(*tier_);
  }
  std::unique_ptr<test::RedisServer> redis_;
  std::unique_ptr<state::GlobalState> global_;
  std::unique_ptr<state::StateTier> tier_;
  std::unique_ptr<state::WriteThroughState> view_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StateTierTest, ::testing::Values("memory", "redis"));

TEST_P(StateTierTest, WritesFromOutsideReachALocalSegment) {
  view_->put("u", "k", "old-value");
  auto seg = tier_->segment("u", "k");
  ASSERT_EQ(seg->read_all(), "old-value");
  view_->put("u", "k", "new");  // shorter: the old tail must not survive
  EXPECT_EQ(seg->read_all(), "new");
  EXPECT_EQ(seg->size(), 3u);
  view_->put_range("u", "k", 5, "XY");  // past the end: a zero-filled gap, as globally
  EXPECT_EQ(seg->read_all(), std::string("new\0\0XY", 7));
  EXPECT_EQ(global_->get("u", "k"), seg->read_all());
  view_->remove("u", "k");
  EXPECT_EQ(seg->size(), 0u);
  EXPECT_FALSE(global_->get("u", "k"));
}

TEST_P(StateTierTest, AWholeValueWriteShrinksBothTiers) {
  tier_->put("u", "k", "12345678");
  tier_->put("u", "k", "ab");
  EXPECT_EQ(tier_->segment("u", "k")->read_all(), "ab");
  EXPECT_EQ(global_->get("u", "k"), "ab");
  tier_->pull("u", "k");
  EXPECT_EQ(tier_->segment("u", "k")->size(), 2u);
}

TEST_P(StateTierTest, WritesFromOutsideDoNotCreateLocalSegments) {
  view_->put("u", "k", "v");
  EXPECT_FALSE(tier_->has_local("u", "k"));
  EXPECT_EQ(global_->get("u", "k"), "v");
}

TEST_P(StateTierTest, APartialPushStopsWhenAskedAndKeepsWhatItDidNotSend) {
  auto seg = tier_->segment("u", "k", 3 * state::StateSegment::kChunk);
  seg->write(0, "a");
  seg->mark_dirty(0, 1);
  seg->write(2 * state::StateSegment::kChunk, "c");  // two runs: chunk 0 and chunk 2
  seg->mark_dirty(2 * state::StateSegment::kChunk, 1);
  int checks = 0;
  auto stop_after_one = [&] { return ++checks > 1; };  // a deadline passing after one write
  EXPECT_THROW(tier_->push_partial("u", "k", stop_after_one), Error);
  EXPECT_EQ(global_->get_range("u", "k", 0, 1), "a");
  EXPECT_EQ(global_->size("u", "k"), state::StateSegment::kChunk);  // only the first run
  tier_->push_partial("u", "k");                                    // the rest is still dirty
  EXPECT_EQ(global_->get_range("u", "k", 2 * state::StateSegment::kChunk, 1), "c");
}

class StateTierRedisTest : public ::testing::Test {
 protected:
  test::RedisServer redis_;
  state::RedisState global_{redis_.url()};
  state::StateTier tier_{global_};
};

TEST_F(StateTierRedisTest, AFailedGlobalWriteIsNotServedLocally) {
  tier_.put("u", "k", "old");
  redis_.stop();
  EXPECT_THROW(tier_.put("u", "k", "new"), state::StateUnavailable);
  EXPECT_EQ(tier_.segment("u", "k")->read_all(), "old");
}

TEST_F(StateTierRedisTest, AFailedPushIsSentByTheNextPush) {
  auto seg = tier_.segment("u", "k", 8);
  seg->write(0, "abcdefgh");
  seg->mark_dirty(0, 8);
  redis_.stop();
  EXPECT_THROW(tier_.push_partial("u", "k"), state::StateUnavailable);
  redis_.start();  // empty again: only a push that still knows the dirty bytes restores them
  tier_.push_partial("u", "k");
  EXPECT_EQ(global_.get("u", "k"), "abcdefgh");

  seg->write(0, "ABCDEFGH");
  seg->mark_dirty(0, 8);
  redis_.stop();
  EXPECT_THROW(tier_.push("u", "k"), state::StateUnavailable);
  redis_.start();
  tier_.push_partial("u", "k");
  EXPECT_EQ(global_.get("u", "k"), "ABCDEFGH");
}

// Segments (a memfd and a mapping each) are bounded: past the limit the least recently used
// idle, clean ones go, and their values are read from the global tier again; a segment a call
// holds or one with writes not yet pushed stays.
TEST_P(StateTierTest, IdleCleanSegmentsAreEvictedPastTheLimit) {
  tier_->set_max_segments(1000, 4);
  global_->put("u", "warm-up", "");  // the Redis client's connection is not a segment's fd
  size_t fds_before = test::open_fd_count();
  for (int i = 0; i < 50; ++i) {
    std::string key = "k" + std::to_string(i);
    view_->put("u", key, "v" + std::to_string(i));
    EXPECT_EQ(tier_->segment("u", key)->read_all(), "v" + std::to_string(i));
  }
  EXPECT_LE(tier_->segment_count("u"), 4u);
  EXPECT_LE(test::open_fd_count(), fds_before + 4);
  // An evicted key reads its value again from the global tier.
  EXPECT_EQ(tier_->segment("u", "k0")->read_all(), "v0");

  auto held = tier_->segment("u", "held");  // a call holds it
  auto dirty = tier_->segment("u", "dirty");
  dirty->write(0, "local only");
  dirty->mark_dirty(0, 10);
  dirty.reset();
  for (int i = 0; i < 20; ++i) tier_->segment("u", "more" + std::to_string(i));
  EXPECT_LE(tier_->segment_count("u"), 4u);
  EXPECT_EQ(tier_->segment("u", "dirty")->read_all(), "local only");  // not dropped
  EXPECT_EQ(held, tier_->segment("u", "held"));                       // the same segment
  // Other users' segments are not this user's to evict.
  tier_->segment("other", "x");
  for (int i = 0; i < 20; ++i) tier_->segment("u", "again" + std::to_string(i));
  EXPECT_EQ(tier_->segment_count("other"), 1u);
}

}  // namespace
}  // namespace wasmlet
