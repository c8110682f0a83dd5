#include "proxy/rfb_client_filter.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace sp::proxy {
namespace {

// Builders for client messages, big-endian as on the wire.
std::string Bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

std::string U16(uint16_t v) { return Bytes({v >> 8, v & 0xff}); }

std::string U32(uint32_t v) {
  return Bytes({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xff),
                static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}

std::string Handshake38(int shared = 0) { return "RFB 003.008\n" + Bytes({1, shared}); }

std::string SetPixelFormat() { return Bytes({0, 0, 0, 0}) + std::string(16, '\x07'); }

std::string SetEncodings(std::initializer_list<int32_t> encodings) {
  std::string s = Bytes({2, 0}) + U16(static_cast<uint16_t>(encodings.size()));
  for (int32_t e : encodings) s += U32(static_cast<uint32_t>(e));
  return s;
}

std::string UpdateRequest(bool incremental) {
  return Bytes({3, incremental ? 1 : 0}) + U16(0) + U16(0) + U16(800) + U16(600);
}

std::string KeyEvent(uint32_t keysym, bool down) {
  return Bytes({4, down ? 1 : 0, 0, 0}) + U32(keysym);
}

std::string PointerEvent(int mask, uint16_t x, uint16_t y) {
  return Bytes({5, mask}) + U16(x) + U16(y);
}

std::string CutText(std::string_view text) {
  return Bytes({6, 0, 0, 0}) + U32(static_cast<uint32_t>(text.size())) + std::string(text);
}

std::string QemuKey() { return Bytes({255, 0}) + U16(1) + U32(0x61) + U32(30); }

std::string ContinuousUpdates() { return Bytes({150, 1}) + U16(0) + U16(0) + U16(8) + U16(8); }

std::string Fence(std::string_view payload) {
  return Bytes({248, 0, 0, 0}) + U32(0x80000003) + Bytes({static_cast<int>(payload.size())}) +
         std::string(payload);
}

std::string Xvp() { return Bytes({250, 0, 1, 2}); }

std::string SetDesktopSize(int screens) {
  std::string s = Bytes({251, 0}) + U16(1024) + U16(768) + Bytes({screens, 0});
  for (int i = 0; i < screens; ++i) s += U32(static_cast<uint32_t>(i)) + std::string(12, '\x01');
  return s;
}

// A session with one of every message, as noVNC might send it.
std::string AllMessages() {
  return SetPixelFormat() + SetEncodings({0, 1, -223, -224, -308, -312}) + UpdateRequest(false) +
         KeyEvent(0xff0d, true) + KeyEvent(0xff0d, false) + PointerEvent(1, 10, 20) +
         PointerEvent(0, 11, 21) + CutText("hello, clipboard") + QemuKey() + ContinuousUpdates() +
         Fence("abc") + Fence("") + Xvp() + SetDesktopSize(2) + UpdateRequest(true);
}

// What the server should see from AllMessages() in view-only mode.
std::string AllMessagesViewOnly() {
  return SetPixelFormat() + SetEncodings({0, 1, -223, -224, -308, -312}) + UpdateRequest(false) +
         ContinuousUpdates() + Fence("abc") + Fence("") + UpdateRequest(true);
}

std::string FeedWhole(RfbClientFilter& filter, std::string_view in, bool* ok = nullptr) {
  std::string out;
  const bool result = filter.Feed(in, out);
  if (ok) *ok = result;
  return out;
}

std::string FeedByteByByte(RfbClientFilter& filter, std::string_view in, bool* ok = nullptr) {
  std::string out;
  bool result = true;
  for (char c : in) result = filter.Feed(std::string_view(&c, 1), out) && result;
  if (ok) *ok = result;
  return out;
}

TEST(RfbClientFilter, IsRfbVersionAcceptsOnlySupportedVersions) {
  EXPECT_TRUE(RfbClientFilter::IsRfbVersion("RFB 003.003\n"));
  EXPECT_TRUE(RfbClientFilter::IsRfbVersion("RFB 003.007\n"));
  EXPECT_TRUE(RfbClientFilter::IsRfbVersion("RFB 003.008\n"));
  EXPECT_FALSE(RfbClientFilter::IsRfbVersion("RFB 003.005\n"));
  EXPECT_FALSE(RfbClientFilter::IsRfbVersion("RFB 004.001\n"));
  EXPECT_FALSE(RfbClientFilter::IsRfbVersion("RFB 003.008"));
  EXPECT_FALSE(RfbClientFilter::IsRfbVersion("RFB 003.008\r\n"));
  EXPECT_FALSE(RfbClientFilter::IsRfbVersion("GET / HTTP/1"));
}

TEST(RfbClientFilter, ForcesSharedFlag) {
  RfbClientFilter filter(false);
  bool ok = false;
  EXPECT_EQ(FeedWhole(filter, Handshake38(/*shared=*/0), &ok), Handshake38(/*shared=*/1));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(filter.handshake_done());

  RfbClientFilter already_shared(false);
  EXPECT_EQ(FeedWhole(already_shared, Handshake38(/*shared=*/1)), Handshake38(/*shared=*/1));
  RfbClientFilter odd_value(false);
  EXPECT_EQ(FeedWhole(odd_value, Handshake38(/*shared=*/0x7f)), Handshake38(/*shared=*/1));
}

TEST(RfbClientFilter, ForwardsEveryMessageWhenInteractive) {
  RfbClientFilter filter(false);
  bool ok = false;
  EXPECT_EQ(FeedWhole(filter, Handshake38() + AllMessages(), &ok), Handshake38(1) + AllMessages());
  EXPECT_TRUE(ok);
}

TEST(RfbClientFilter, ByteByByteFeedingMatchesWholeBuffer) {
  for (bool view_only : {false, true}) {
    const std::string input = Handshake38() + AllMessages() + CutText(std::string(5000, 'x'));
    RfbClientFilter whole(view_only);
    RfbClientFilter bytes(view_only);
    bool whole_ok = false;
    bool bytes_ok = false;
    const std::string expected = FeedWhole(whole, input, &whole_ok);
    EXPECT_EQ(FeedByteByByte(bytes, input, &bytes_ok), expected) << "view_only=" << view_only;
    EXPECT_TRUE(whole_ok);
    EXPECT_TRUE(bytes_ok);
  }
}

TEST(RfbClientFilter, EverySplitPointGivesTheSameOutput) {
  const std::string input = Handshake38() + AllMessages();
  RfbClientFilter reference(true);
  const std::string expected = FeedWhole(reference, input);
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    RfbClientFilter filter(true);
    std::string out;
    ASSERT_TRUE(filter.Feed(std::string_view(input).substr(0, cut), out));
    ASSERT_TRUE(filter.Feed(std::string_view(input).substr(cut), out));
    EXPECT_EQ(out, expected) << "cut=" << cut;
  }
}

TEST(RfbClientFilter, ViewOnlyDropsInputButKeepsUpdateRequests) {
  RfbClientFilter filter(true);
  bool ok = false;
  EXPECT_EQ(FeedWhole(filter, Handshake38() + AllMessages(), &ok),
            Handshake38(1) + AllMessagesViewOnly());
  EXPECT_TRUE(ok);
}

TEST(RfbClientFilter, ViewOnlyCanBeToggledBetweenMessages) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  ASSERT_TRUE(filter.Feed(KeyEvent(0x61, true), out));
  EXPECT_EQ(out, KeyEvent(0x61, true));
  filter.SetViewOnly(true);
  out.clear();
  ASSERT_TRUE(filter.Feed(KeyEvent(0x61, false) + UpdateRequest(true), out));
  EXPECT_EQ(out, UpdateRequest(true));
  filter.SetViewOnly(false);
  out.clear();
  ASSERT_TRUE(filter.Feed(PointerEvent(0, 1, 2), out));
  EXPECT_EQ(out, PointerEvent(0, 1, 2));
}

TEST(RfbClientFilter, ViewOnlyChangeMidMessageKeepsTheStreamInStep) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  const std::string cut = CutText("0123456789");
  ASSERT_TRUE(filter.Feed(std::string_view(cut).substr(0, 12), out));
  filter.SetViewOnly(true);  // the clipboard message already started: it is finished as begun
  ASSERT_TRUE(filter.Feed(cut.substr(12) + KeyEvent(0x62, true), out));
  EXPECT_EQ(out, cut);
}

TEST(RfbClientFilter, MessagesSplitAcrossFeeds) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed("RFB 00", out));
  EXPECT_EQ(out, "");  // nothing is forwarded before a unit is complete
  ASSERT_TRUE(filter.Feed("3.008\n", out));
  EXPECT_EQ(out, "RFB 003.008\n");
  ASSERT_TRUE(filter.Feed(Bytes({1}), out));
  ASSERT_TRUE(filter.Feed(Bytes({0}), out));
  EXPECT_EQ(out, Handshake38(1));
  out.clear();

  const std::string request = UpdateRequest(true);
  ASSERT_TRUE(filter.Feed(request.substr(0, 3), out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(filter.Feed(request.substr(3), out));
  EXPECT_EQ(out, request);  // forwarded as soon as the last byte arrived
  out.clear();

  // A fence header is complete only once its length byte says how long the payload is.
  const std::string fence = Fence("payload");
  ASSERT_TRUE(filter.Feed(fence.substr(0, 9), out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(filter.Feed(fence.substr(9), out));
  EXPECT_EQ(out, fence);
}

TEST(RfbClientFilter, LargeClipboardIsStreamedNotBuffered) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  const std::string text(size_t{3} * 1024 * 1024, 'z');
  const std::string message = CutText(text);
  ASSERT_TRUE(filter.Feed(std::string_view(message).substr(0, 100), out));
  EXPECT_EQ(out, message.substr(0, 100));  // header plus the payload seen so far
  ASSERT_TRUE(filter.Feed(std::string_view(message).substr(100), out));
  EXPECT_EQ(out, message);
}

TEST(RfbClientFilter, ExtendedClipboardNegativeLength) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  // Extended Clipboard "caps" message: length -8, then flags and one size.
  const std::string message = Bytes({6, 0, 0, 0}) + U32(static_cast<uint32_t>(-8)) +
                              U32(0x01000001) + U32(1024) + UpdateRequest(true);
  ASSERT_TRUE(filter.Feed(message, out));
  EXPECT_EQ(out, message);
}

TEST(RfbClientFilter, RejectsOversizeCutText) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  EXPECT_FALSE(filter.Feed(Bytes({6, 0, 0, 0}) + U32(RfbClientFilter::kMaxCutTextBytes + 1), out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(filter.Feed(UpdateRequest(true), out));  // the failure is final
  EXPECT_EQ(out, "");

  RfbClientFilter negative(true);
  ASSERT_TRUE(negative.Feed(Handshake38(), out));
  EXPECT_FALSE(negative.Feed(Bytes({6, 0, 0, 0}) + U32(0x80000000), out));

  RfbClientFilter at_limit(true);
  ASSERT_TRUE(at_limit.Feed(Handshake38(), out));
  EXPECT_TRUE(at_limit.Feed(Bytes({6, 0, 0, 0}) + U32(RfbClientFilter::kMaxCutTextBytes), out));
}

TEST(RfbClientFilter, RejectsBadVersion) {
  for (std::string_view version : {"RFB 003.005\n", "RFB 004.000\n", "GET / HTTP/1",
                                   "RFB 003.008\r", "\x16\x03\x01..TLS...."}) {
    RfbClientFilter filter(false);
    std::string out;
    EXPECT_FALSE(filter.Feed(version, out)) << version;
    EXPECT_EQ(out, "");
  }
  RfbClientFilter partial(false);
  std::string out;
  EXPECT_TRUE(partial.Feed("RFB 003", out));  // not decidable yet
  EXPECT_FALSE(partial.Feed(".009\n", out));
}

TEST(RfbClientFilter, RejectsSecurityOtherThanNone) {
  for (int type : {0, 2, 16, 19, 30}) {
    RfbClientFilter filter(false);
    std::string out;
    EXPECT_FALSE(filter.Feed("RFB 003.008\n" + Bytes({type}), out)) << type;
    EXPECT_EQ(out, "RFB 003.008\n");
  }
}

TEST(RfbClientFilter, Version37HandshakeSelectsSecurity) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed("RFB 003.007\n" + Bytes({1, 0}) + UpdateRequest(false), out));
  EXPECT_EQ(out, "RFB 003.007\n" + Bytes({1, 1}) + UpdateRequest(false));
}

TEST(RfbClientFilter, Version33HandshakeHasNoSecuritySelection) {
  RfbClientFilter filter(false);
  std::string out;
  // 3.3: the server picks the security type; the client's next byte is already ClientInit.
  ASSERT_TRUE(filter.Feed("RFB 003.003\n" + Bytes({0}) + UpdateRequest(false), out));
  EXPECT_EQ(out, "RFB 003.003\n" + Bytes({1}) + UpdateRequest(false));
  EXPECT_TRUE(filter.handshake_done());
}

TEST(RfbClientFilter, RejectsUnknownMessages) {
  for (const std::string& message :
       {Bytes({1}), Bytes({7}), Bytes({127}), Bytes({249}), Bytes({255, 1, 0, 0}),
        Bytes({248, 0, 0, 0, 0, 0, 0, 0, 65})}) {
    RfbClientFilter filter(false);
    std::string out;
    ASSERT_TRUE(filter.Feed(Handshake38(), out));
    out.clear();
    EXPECT_FALSE(filter.Feed(UpdateRequest(true) + message, out))
        << static_cast<int>(static_cast<uint8_t>(message[0]));
    EXPECT_EQ(out, UpdateRequest(true));  // what came before the violation is intact
  }
}

TEST(RfbClientFilter, FenceWithMaximumPayload) {
  RfbClientFilter filter(false);
  std::string out;
  ASSERT_TRUE(filter.Feed(Handshake38(), out));
  out.clear();
  const std::string fence = Fence(std::string(RfbClientFilter::kMaxFencePayload, 'f'));
  ASSERT_TRUE(filter.Feed(fence, out));
  EXPECT_EQ(out, fence);
}

}  // namespace
}  // namespace sp::proxy
