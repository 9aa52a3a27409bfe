#include "http/compression.hpp"

// Compressed copies decompress to the original (zlib's and brotli's own decoders), and the coding chosen for an
// Accept-Encoding follows q-values, "*" and identity;q=0.
#include <string>

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

namespace hearth::http {
namespace {

std::string text() {
  std::string s;
  for (int i = 0; i < 500; ++i)
    s += "export function f" + std::to_string(i) + "() { return " + std::to_string(i) + "; }\n";
  return s;
}

std::string gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(Compression, GzipRoundTrips) {
  const auto original = text();
  const auto gz = gzip_compress(original);
  ASSERT_TRUE(gz);
  EXPECT_LT(gz->size(), original.size() / 4);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // a gzip member, not a zlib stream
  EXPECT_EQ(gunzip(*gz), original);
}

TEST(Compression, BrotliRoundTrips) {
  const auto original = text();
  const auto br = brotli_compress(original);
  ASSERT_TRUE(br);
  EXPECT_LT(br->size(), original.size() / 4);
  std::string out(original.size() + 16, '\0');
  std::size_t size = out.size();
  ASSERT_EQ(BrotliDecoderDecompress(br->size(), reinterpret_cast<const std::uint8_t*>(br->data()), &size,
                                    reinterpret_cast<std::uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  EXPECT_EQ(out, original);
}

TEST(Compression, EmptyInput) {
  EXPECT_EQ(gunzip(*gzip_compress("")), "");
  EXPECT_TRUE(brotli_compress(""));
}

TEST(ChooseCoding, FollowsAcceptEncoding) {
  using C = ContentCoding;
  EXPECT_EQ(choose_coding("", true, true), C::identity);  // no header: identity
  EXPECT_EQ(choose_coding("gzip, deflate, br", true, true), C::br);
  EXPECT_EQ(choose_coding("gzip, deflate, br", false, true), C::gzip);
  EXPECT_EQ(choose_coding("gzip, deflate, br", false, false), C::identity);
  EXPECT_EQ(choose_coding("GZIP", true, true), C::gzip);
  EXPECT_EQ(choose_coding("x-gzip", true, true), C::gzip);
  EXPECT_EQ(choose_coding("br;q=0.5, gzip;q=0.8", true, true), C::gzip);
  EXPECT_EQ(choose_coding("br;q=0, gzip;q=0", true, true), C::identity);
  EXPECT_EQ(choose_coding("*", true, true), C::br);
  EXPECT_EQ(choose_coding("*;q=0.5, br;q=0", true, true), C::gzip);
  EXPECT_EQ(choose_coding("identity", true, true), C::identity);
  EXPECT_EQ(choose_coding("gzip;q=0.1, identity;q=0.5", true, true), C::identity);
  EXPECT_EQ(choose_coding("br;q=banana", true, true), C::identity);  // malformed q refuses
  EXPECT_EQ(choose_coding("br;q=1.5", true, true), C::identity);
  EXPECT_EQ(choose_coding(" br ; q=0.9 ,gzip", true, true), C::gzip);
  EXPECT_EQ(choose_coding(",,;;,", true, true), C::identity);
}

}  // namespace
}  // namespace hearth::http
