#include "net/websocket_frame.hpp"

// What the server writes: frame headers (unmasked, FIN set, shortest length form), close frames, and the opening
// handshake's accept key and request checks.
#include <array>
#include <string>

#include <gtest/gtest.h>
#include <boost/beast/http/field.hpp>

namespace hearth::net::ws {
namespace {
using namespace std::string_literals;
using namespace std::string_view_literals;
namespace bhttp = boost::beast::http;

std::string header(Opcode op, std::size_t payload_size) {
  std::array<char, 10> out{};
  const std::size_t n = encode_header(out, op, payload_size);
  EXPECT_LE(n, out.size());
  return std::string(out.data(), n);
}

TEST(EncodeHeader, UsesTheShortestLengthForm) {
  EXPECT_EQ(header(Opcode::text, 0), "\x81\x00"s);
  EXPECT_EQ(header(Opcode::text, 1), "\x81\x01"s);
  EXPECT_EQ(header(Opcode::text, 125), "\x81\x7d"s);
  EXPECT_EQ(header(Opcode::text, 126), "\x81\x7e\x00\x7e"s);
  EXPECT_EQ(header(Opcode::text, 256), "\x81\x7e\x01\x00"s);
  EXPECT_EQ(header(Opcode::text, 65535), "\x81\x7e\xff\xff"s);
  EXPECT_EQ(header(Opcode::text, 65536), "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s);
  EXPECT_EQ(header(Opcode::text, 0x0102030405060708ULL), "\x81\x7f\x01\x02\x03\x04\x05\x06\x07\x08"s);
}

TEST(EncodeHeader, SetsFinAndTheOpcodeAndNeverMasks) {
  EXPECT_EQ(header(Opcode::text, 3)[0], '\x81');
  EXPECT_EQ(header(Opcode::binary, 3)[0], '\x82');
  EXPECT_EQ(header(Opcode::close, 3)[0], '\x88');
  EXPECT_EQ(header(Opcode::ping, 3)[0], '\x89');
  EXPECT_EQ(header(Opcode::pong, 3)[0], '\x8a');
  for (const std::size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    EXPECT_EQ(header(Opcode::binary, n)[1] & 0x80, 0) << n;  // servers must not mask
  }
}

TEST(EncodeFrame, IsTheHeaderThenThePayload) {
  EXPECT_EQ(encode_frame(Opcode::text, "Hello"), "\x81\x05Hello"s);  // RFC 6455 §5.7, unmasked text
  EXPECT_EQ(encode_frame(Opcode::pong, ""), "\x8a\x00"s);
  const std::string big(300, 'x');
  EXPECT_EQ(encode_frame(Opcode::binary, big), "\x82\x7e\x01\x2c"s + big);
}

TEST(EncodeClose, IsTheCodeBigEndianThenTheReason) {
  EXPECT_EQ(encode_close(1000, ""), "\x88\x02\x03\xe8"s);
  EXPECT_EQ(encode_close(1009, "too big"), "\x88\x09\x03\xf1too big"s);
  EXPECT_EQ(encode_close(4001, "x"), "\x88\x03\x0f\xa1x"s);
}

TEST(EncodeClose, CutsTheReasonToFitAControlFrame) {
  const std::string reason(200, 'r');
  EXPECT_EQ(encode_close(1001, reason), "\x88\x7d\x03\xe9"s + reason.substr(0, 123));
}

TEST(EncodeClose, NeverCutsInsideAUtf8Character) {
  const std::string reason = std::string(122, 'r') + "\xc3\xa9tait";  // an "é" across the 123-byte limit
  const std::string frame = encode_close(1001, reason);
  EXPECT_EQ(frame, "\x88\x7c\x03\xe9"s + std::string(122, 'r'));
  EXPECT_TRUE(valid_utf8(std::string_view(frame).substr(4)));
}

TEST(AcceptKey, MatchesPublishedExamples) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 §1.3
  EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

// --- check_upgrade ---

net::Request upgrade_request() {
  net::Request req{bhttp::verb::get, "/socket.io/?EIO=4&transport=websocket", 11};
  req.set(bhttp::field::host, "localhost");
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::connection, "Upgrade");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(bhttp::field::sec_websocket_version, "13");
  return req;
}

// The reason check_upgrade gives, or "accepted".
std::string verdict(const net::Request& req) { return check_upgrade(req).value_or("accepted"); }

TEST(CheckUpgrade, AcceptsAWellFormedRequest) { EXPECT_EQ(check_upgrade(upgrade_request()), std::nullopt); }

TEST(CheckUpgrade, RefusesOtherMethods) {
  for (const auto method : {bhttp::verb::post, bhttp::verb::head, bhttp::verb::put}) {
    auto req = upgrade_request();
    req.method(method);
    EXPECT_NE(verdict(req).find("GET"), std::string::npos) << verdict(req);
  }
}

TEST(CheckUpgrade, RefusesHttp10) {
  auto req = upgrade_request();
  req.version(10);
  EXPECT_NE(verdict(req).find("HTTP/1.1"), std::string::npos) << verdict(req);
}

TEST(CheckUpgrade, RefusesAMissingOrOtherVersion) {
  for (const std::string_view version : {""sv, "8"sv, "12"sv, "14"sv, "13, 8"sv}) {
    auto req = upgrade_request();
    if (version.empty()) {
      req.erase(bhttp::field::sec_websocket_version);
    } else {
      req.set(bhttp::field::sec_websocket_version, version);
    }
    EXPECT_NE(verdict(req).find("Sec-WebSocket-Version"), std::string::npos) << version << ": " << verdict(req);
  }
}

TEST(CheckUpgrade, RefusesAMissingWrongSizeOrNonBase64Key) {
  for (const std::string_view key :
       {""sv, "dGhlIHNhbXBsZSBub25jZQ="sv, "dGhlIHNhbXBsZSBub25jZQ==="sv, "c2hvcnQ="sv, "dGhlIHNhbXBsZSBub25jZQAA"sv,
        "dGhlIHNhbXBsZSBub25j!Q=="sv, "dGhlIHNhbXBsZSBub25j ZQ=="sv, "dGhlIHNhbXBsZSBub25jZ==="sv}) {
    auto req = upgrade_request();
    if (key.empty()) {
      req.erase(bhttp::field::sec_websocket_key);
    } else {
      req.set(bhttp::field::sec_websocket_key, key);
    }
    EXPECT_NE(verdict(req).find("Sec-WebSocket-Key"), std::string::npos) << key << ": " << verdict(req);
  }
}

}  // namespace
}  // namespace hearth::net::ws
