#include "cluster/bus_frame.hpp"

#include <random>

#include <gtest/gtest.h>

#include "cluster/node_id.hpp"

namespace hearth::cluster {
namespace {

TEST(BusFrame, RoundTripKeepsOrderAndBinaryBytes) {
  FrameWriter w("node-a", 0x0102030405060708ull);
  const std::string binary("\0\xff\r\n$*", 6);
  w.add("first");
  w.add("");
  w.add(binary);
  EXPECT_EQ(w.count(), 3u);
  const std::string frame(w.finish(42));
  w.clear();
  EXPECT_TRUE(w.empty());

  auto f = parse_frame(frame);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->origin, "node-a");
  EXPECT_EQ(f->incarnation, 0x0102030405060708ull);
  EXPECT_EQ(f->sequence, 42u);
  ASSERT_EQ(f->messages.size(), 3u);
  EXPECT_EQ(f->messages[0], "first");
  EXPECT_EQ(f->messages[1], "");
  EXPECT_EQ(f->messages[2], binary);
}

TEST(BusFrame, WriterStartsOverAfterClear) {
  FrameWriter w("b", 1);
  w.add("x");
  (void)w.finish(1);
  w.clear();
  w.add("y");
  const std::string frame(w.finish(2));  // the views point into it
  auto f = parse_frame(frame);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0], "y");
  EXPECT_EQ(f->sequence, 2u);
}

TEST(BusFrame, EmptyFrameParses) {
  FrameWriter w("b", 1);
  const std::string frame(w.finish(7));
  auto f = parse_frame(frame);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->messages.empty());
}

TEST(BusFrame, EveryTruncationIsRefused) {
  FrameWriter w("node-a", 9);
  w.add("hello");
  w.add("world");
  const std::string frame(w.finish(3));
  for (std::size_t n = 0; n < frame.size(); ++n) EXPECT_FALSE(parse_frame(frame.substr(0, n))) << n;
}

TEST(BusFrame, TrailingBytesAreRefused) {
  FrameWriter w("a", 1);
  w.add("m");
  auto f = parse_frame(std::string(w.finish(1)) + "x");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("after the last message"), std::string::npos);
}

TEST(BusFrame, BadHeaderFieldsAreRefused) {
  FrameWriter w("a", 1);
  w.add("m");
  std::string frame(w.finish(1));
  std::string bad_version = frame;
  bad_version[0] = 2;
  EXPECT_FALSE(parse_frame(bad_version));
  std::string bad_origin = frame;
  bad_origin[2] = 'A';  // not [a-z0-9-]
  EXPECT_FALSE(parse_frame(bad_origin));
  std::string huge_count = frame;
  const std::size_t count_at = 2 + 1 + 8 + 8;
  for (int i = 0; i < 4; ++i) huge_count[count_at + static_cast<std::size_t>(i)] = '\xff';
  auto f = parse_frame(huge_count);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("count"), std::string::npos);
}

TEST(BusFrame, FitsUpToTheCapAndALargerMessageAlone) {
  const std::size_t header = 2 + 6 + 8 + 8 + 4;
  FrameWriter w("node-a", 1, {.max_frame = header + 2 * (frame_message_overhead + 10)});
  EXPECT_TRUE(w.fits(1000));  // empty: anything goes, alone
  w.add(std::string(10, 'a'));
  EXPECT_TRUE(w.fits(10));
  EXPECT_FALSE(w.fits(11));
  w.add(std::string(10, 'b'));
  EXPECT_EQ(w.size(), header + 2 * (frame_message_overhead + 10));
  EXPECT_FALSE(w.fits(0));
  w.clear();
  w.add(std::string(1000, 'c'));  // larger than the cap, alone
  EXPECT_FALSE(w.fits(0));
  auto f = parse_frame(w.finish(1));
  ASSERT_TRUE(f);
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].size(), 1000u);
}

TEST(BusFrame, WrapPutsHeadAndTailAroundTheFrameInPlace) {
  FrameWriter w("node-a", 5, {.headroom = 8, .tailroom = 2});
  w.add("hello");
  const std::string frame(w.finish(9));
  const std::string_view wrapped = w.wrap("<head>", "\r\n");
  EXPECT_EQ(wrapped, "<head>" + frame + "\r\n");
  EXPECT_THROW((void)w.wrap("<head>", "\r\n"), std::logic_error);  // once
  EXPECT_THROW(w.add("more"), std::logic_error);                   // finished: clear() first
  w.clear();
  EXPECT_THROW((void)w.wrap("", ""), std::logic_error);  // not finished
  w.add("again");
  (void)w.finish(10);
  EXPECT_THROW((void)w.wrap("123456789", ""), std::logic_error);  // past the headroom
  EXPECT_THROW((void)w.wrap("", "abc"), std::logic_error);        // past the tailroom
  auto f = parse_frame(w.wrap("12345678", "\r\n").substr(8, w.size()));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->messages.at(0), "again");
}

// The buffer is kept from frame to frame (no new allocation once it fits a full frame), never grows past the
// layout's bound for messages that fit, and is given back once a lone large message grew it past that.
TEST(BusFrame, BufferIsReusedBoundedAndShrinksAfterALargeMessage) {
  const FrameLayout layout{.headroom = 91, .tailroom = 2, .max_frame = 63 * 1024};
  const std::size_t bound = layout.headroom + layout.max_frame + layout.tailroom;
  FrameWriter w("node-a", 1, layout);
  const std::string message(300, 'm');
  auto fill = [&] {
    while (w.fits(message.size())) w.add(message);
    EXPECT_LE(w.size(), layout.max_frame);
    EXPECT_GT(w.size() + frame_message_overhead + message.size(), layout.max_frame);
    EXPECT_LE(w.capacity(), bound);
    auto f = parse_frame(w.finish(1));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->messages.size(), w.count());
    (void)w.wrap(std::string(layout.headroom, 'h'), "\r\n");  // within what was reserved
    EXPECT_LE(w.capacity(), bound);
    w.clear();
  };
  fill();
  const std::size_t kept = w.capacity();
  EXPECT_GE(kept, layout.max_frame);
  for (int i = 0; i < 5; ++i) {
    fill();
    EXPECT_EQ(w.capacity(), kept);  // the same buffer
  }
  w.add(std::string(1 << 20, 'L'));
  EXPECT_GT(w.capacity(), bound);
  (void)w.finish(2);
  w.clear();
  EXPECT_LE(w.capacity(), bound);  // given back
  fill();
}

TEST(BusFrame, InvalidOriginIsAProgrammingError) { EXPECT_THROW(FrameWriter("Bad Id", 1), std::invalid_argument); }

// Until tests/fuzz has a target for it: seeded mutations of a valid frame never crash the parser (ASan build),
// and whatever parses re-encodes to the very same bytes.
TEST(BusFrame, MutatedFramesParseToWhatTheyEncode) {
  FrameWriter w("node-a", 0xfeedface);
  for (const char* m : {"offer", "", "candidate with more bytes", "x"}) w.add(m);
  const std::string valid(w.finish(77));
  std::mt19937 rng(12345);
  int parsed = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes = valid;
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      const std::size_t at = rng() % (bytes.size() + 1);
      switch (rng() % 3) {
        case 0:
          if (at < bytes.size()) bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes.insert(at, 1, static_cast<char>(rng()));
          break;
        default:
          bytes.erase(at, 1 + rng() % 8);
      }
    }
    auto f = parse_frame(bytes);
    if (!f) continue;
    ++parsed;
    FrameWriter again(f->origin, f->incarnation);
    for (auto m : f->messages) again.add(m);
    ASSERT_EQ(again.finish(f->sequence), bytes);
  }
  EXPECT_GT(parsed, 0);
}

TEST(NodeId, Rules) {
  EXPECT_TRUE(valid_node_id("node-1"));
  EXPECT_TRUE(valid_node_id(std::string(32, 'a')));
  EXPECT_FALSE(valid_node_id(std::string(33, 'a')));
  EXPECT_FALSE(valid_node_id(""));
  EXPECT_FALSE(valid_node_id("Node"));
  EXPECT_FALSE(valid_node_id("a_b"));
  EXPECT_FALSE(valid_node_id("a:b"));
}

}  // namespace
}  // namespace hearth::cluster
