#include "realtime/socketio/binary.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include <boost/json/serialize.hpp>

#include "core/buffers.hpp"
#include "realtime/socketio/json_check.hpp"

namespace hearth::realtime::socketio {
namespace {

// Buffers bigger than this are released between packets rather than kept for reuse, so one large upload does
// not pin memory for the life of the connection.
constexpr std::size_t kKeepCapacity = kKeptBufferCapacity;

// Copies `v` into `s`, dropping a large old buffer when `v` is small. Safe when `v` views `s`.
void assign_bounded(std::string& s, std::string_view v) {
  if (s.capacity() > kKeepCapacity && v.size() <= kKeepCapacity) {
    std::string(v).swap(s);
  } else {
    s.assign(v);
  }
}

Error illegal(std::string detail) {
  return make_error(errc::invalid_argument, "illegal attachments", std::move(detail));
}

std::optional<std::size_t> index_below(const boost::json::value& num, std::size_t count) noexcept {
  if (const auto* i = num.if_int64()) {
    if (*i >= 0 && static_cast<std::uint64_t>(*i) < count) return static_cast<std::size_t>(*i);
  } else if (const auto* u = num.if_uint64()) {
    if (*u < count) return static_cast<std::size_t>(*u);
  } else if (const auto* d = num.if_double()) {
    if (*d >= 0 && *d < static_cast<double>(count) && std::floor(*d) == *d) return static_cast<std::size_t>(*d);
  }
  return std::nullopt;
}

bool is_placeholder_object(const boost::json::object& o) noexcept {
  const boost::json::value* flag = o.if_contains("_placeholder");
  return flag != nullptr && flag->is_bool() && flag->get_bool();
}

// Visits placeholders in document order, collecting their buffers; when V is mutable, renumbers them too. Each
// buffer may be named once: a sender names every attachment exactly once (socket.io-client sends a buffer used
// twice twice), and a buffer named many times would be copied as many times (an amplification).
template <class V>
Result<void> walk(V& v, std::span<const std::string> buffers, std::vector<std::string_view>& out,
                  std::vector<bool>& named, std::size_t depth) {
  if (depth > kMaxJsonDepth) return illegal("nested too deeply");
  if (auto* array = v.if_array()) {
    for (auto& element : *array) {
      if (auto r = walk(element, buffers, out, named, depth + 1); !r) return r;
    }
  } else if (auto* object = v.if_object()) {
    if (is_placeholder_object(*object)) {
      const boost::json::value* num = object->if_contains("num");
      const auto index = num == nullptr ? std::nullopt : index_below(*num, buffers.size());
      if (!index) return illegal("placeholder num does not name an attachment");
      if (named[*index]) return illegal("an attachment is named by more than one placeholder");
      named[*index] = true;
      if constexpr (!std::is_const_v<V>) (*object)["num"] = out.size();
      out.push_back(buffers[*index]);
      return {};
    }
    for (auto& entry : *object) {
      if (auto r = walk(entry.value(), buffers, out, named, depth + 1); !r) return r;
    }
  }
  return {};
}

// The buffers of `data`'s placeholders, each attachment named at most once (with `all`, exactly once).
template <class V>
Result<std::vector<std::string_view>> collect(V& data, std::span<const std::string> buffers, bool all) {
  std::vector<std::string_view> out;
  std::vector<bool> named(buffers.size(), false);
  if (auto r = walk(data, buffers, out, named, 0); !r) return r.error();
  if (all && out.size() != buffers.size()) return illegal("an attachment is named by no placeholder");
  return out;
}

Result<OutgoingBinary> make_binary(PacketType type, std::string_view nsp, std::string_view name,
                                   std::optional<std::uint64_t> ack_id, boost::json::array args,
                                   std::span<const std::string> incoming) {
  boost::json::value data(std::move(args));
  auto attachments = deconstruct(data, incoming);
  if (!attachments) return std::move(attachments).error();
  const std::string array = boost::json::serialize(data);
  // "[a,b]" → "a,b": one raw argument text holding them all.
  const std::string_view inner = std::string_view(array).substr(1, array.size() - 2);
  const std::span<const std::string_view> raw(&inner, 1);
  OutgoingBinary out;
  out.text = type == PacketType::binary_ack ? encode_binary_ack(nsp, ack_id.value_or(0), raw, attachments->size())
                                            : encode_binary_event(nsp, name, raw, attachments->size(), ack_id);
  out.attachments = std::move(attachments).value();
  return out;
}

}  // namespace

Result<bool> BinaryReassembler::start(const Header& header) {
  if (collecting_) return fail(make_error(errc::invalid_argument, "text packet while collecting attachments"));
  if (!is_binary(header.type)) return fail(make_error(errc::invalid_argument, "not a binary packet"));
  if (header.attachments > limits_.max_attachments) {
    return fail(make_error(errc::payload_too_large, "too many binary attachments",
                           "limit " + std::to_string(limits_.max_attachments)));
  }
  const std::size_t bytes = header.nsp.size() + header.data.size();
  if (bytes > limits_.max_bytes) {
    return fail(make_error(errc::payload_too_large, "binary packet too large",
                           "limit " + std::to_string(limits_.max_bytes) + " bytes"));
  }
  // Copy before touching any state: `header` may view this reassembler's own buffers.
  assign_bounded(nsp_, header.nsp);
  assign_bounded(data_, header.data);
  type_ = header.type;
  ack_id_ = header.ack_id;
  expected_ = header.attachments;
  received_ = 0;
  bytes_ = bytes;
  collecting_ = expected_ > 0;
  return !collecting_;
}

Result<bool> BinaryReassembler::add(std::string_view attachment) {
  if (!collecting_) return fail(make_error(errc::invalid_argument, "binary message outside a binary packet"));
  if (attachment.size() > limits_.max_bytes - bytes_) {
    return fail(make_error(errc::payload_too_large, "binary packet too large",
                           "limit " + std::to_string(limits_.max_bytes) + " bytes"));
  }
  bytes_ += attachment.size();
  if (attachments_.size() == received_) attachments_.emplace_back();
  assign_bounded(attachments_[received_++], attachment);
  collecting_ = received_ < expected_;
  return !collecting_;
}

Header BinaryReassembler::header() const noexcept {
  Header h;
  h.type = type_;
  h.attachments = expected_;
  h.nsp = nsp_;
  h.ack_id = ack_id_;
  h.data = data_;
  return h;
}

void BinaryReassembler::reset() noexcept {
  collecting_ = false;
  ack_id_.reset();
  expected_ = 0;
  received_ = 0;
  bytes_ = 0;
  clear_and_shrink(nsp_);
  clear_and_shrink(data_);
  for (auto& a : attachments_) clear_and_shrink(a);
}

Result<bool> BinaryReassembler::fail(Error error) {
  reset();
  return error;
}

std::optional<std::size_t> placeholder_index(const boost::json::value& v) noexcept {
  const auto* object = v.if_object();
  if (object == nullptr || !is_placeholder_object(*object)) return std::nullopt;
  const boost::json::value* num = object->if_contains("num");
  return num == nullptr ? std::nullopt : index_below(*num, std::numeric_limits<std::size_t>::max());
}

boost::json::value make_placeholder(std::size_t num, boost::json::storage_ptr sp) {
  boost::json::object o(std::move(sp));
  o["_placeholder"] = true;
  o["num"] = num;
  return o;
}

Result<std::vector<std::string_view>> reconstruct(const boost::json::value& data,
                                                  std::span<const std::string> attachments) {
  return collect(data, attachments, true);
}

Result<std::string_view> attachment_of(const boost::json::value& placeholder,
                                       std::span<const std::string> attachments) {
  const auto index = placeholder_index(placeholder);
  if (!index) return illegal("not a placeholder");
  if (*index >= attachments.size()) return illegal("placeholder num does not name an attachment");
  return std::string_view(attachments[*index]);
}

Result<std::vector<std::string_view>> deconstruct(boost::json::value& data, std::span<const std::string> incoming) {
  return collect(data, incoming, false);
}

Result<OutgoingBinary> make_binary_event(std::string_view nsp, std::string_view name, boost::json::array args,
                                         std::span<const std::string> incoming, std::optional<std::uint64_t> ack_id) {
  return make_binary(PacketType::binary_event, nsp, name, ack_id, std::move(args), incoming);
}

Result<OutgoingBinary> make_binary_ack(std::string_view nsp, std::uint64_t ack_id, boost::json::array args,
                                       std::span<const std::string> incoming) {
  return make_binary(PacketType::binary_ack, nsp, {}, ack_id, std::move(args), incoming);
}

}  // namespace hearth::realtime::socketio
