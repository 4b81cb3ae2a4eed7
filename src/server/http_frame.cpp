#include "server/http_frame.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <unordered_map>

namespace wasmlet::server {

namespace {

constexpr std::string_view kMagic = "WSF1";
constexpr std::string_view kRequestMagic = "WSR1";
constexpr size_t kResponseFields = 3;  // kind, status, body

void put_u32(std::string& out, size_t value) {
  auto v = static_cast<uint32_t>(value);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(std::string_view in, size_t pos) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  }
  return v;
}

std::vector<std::string_view> split_items(std::string_view frame) {
  if (frame.size() < 8 || frame.substr(0, 4) != kMagic) {
    throw FrameError("the app's reply is not a Wasmlet web frame");
  }
  uint32_t count = get_u32(frame, 4);
  if (count > kMaxFrameItems) {
    throw FrameError(
        fmt::format("the app's reply has {} items (at most {})", count, kMaxFrameItems));
  }
  std::vector<std::string_view> items;
  size_t pos = 8;
  for (uint32_t i = 0; i < count; ++i) {
    if (frame.size() - pos < 4) throw FrameError("the app's reply is truncated");
    uint32_t length = get_u32(frame, pos);
    pos += 4;
    if (length > frame.size() - pos) throw FrameError("an item overruns the app's reply");
    items.push_back(frame.substr(pos, length));
    pos += length;
  }
  if (pos != frame.size()) {
    throw FrameError(fmt::format("{} bytes after the app's reply", frame.size() - pos));
  }
  return items;
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check_header(std::string_view name, std::string_view value) {
  if (name.empty()) throw FrameError("the app's reply has a header with an empty name");
  for (char c : name) {
    if (!is_token_char(c)) {
      throw FrameError(fmt::format("the app's reply has an invalid header name '{}'", name));
    }
  }
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      throw FrameError(fmt::format("header '{}' of the app's reply has a control character", name));
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> environ_headers(
    const std::vector<std::pair<std::string_view, std::string_view>>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());  // never exceeded: the names `at` views stay where they are
  std::unordered_map<std::string_view, size_t> at;
  for (const auto& [name, value] : headers) {
    std::string key;
    key.reserve(5 + name.size());
    for (char c : name) {
      key.push_back(c == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (key == "CONTENT_LENGTH") continue;
    if (key != "CONTENT_TYPE") key.insert(0, "HTTP_");
    if (auto it = at.find(key); it != at.end()) {
      std::string& joined = out[it->second].second;
      joined.push_back(',');
      joined.append(value);
      continue;
    }
    out.emplace_back(std::move(key), std::string(value));
    at.emplace(out.back().first, out.size() - 1);
  }
  return out;
}

std::string encode_web_request(const WebRequest& r) {
  const auto headers = environ_headers(r.headers);
  const std::array<std::string_view, 9> fields = {r.kind,  r.method,         r.scheme,
                                                  r.host,  r.script_name,    r.path,
                                                  r.query, r.remote_address, r.endpoint};
  const size_t count = fields.size() + 2 * headers.size() + 1;
  size_t size = 8 + 4 * count + r.body.size();
  for (auto f : fields) size += f.size();
  for (const auto& [name, value] : headers) size += name.size() + value.size();
  std::string out;
  out.reserve(size);
  out.append(kRequestMagic);
  put_u32(out, count);
  for (auto f : fields) put_u32(out, f.size());
  for (const auto& [name, value] : headers) {
    put_u32(out, name.size());
    put_u32(out, value.size());
  }
  put_u32(out, r.body.size());
  for (auto f : fields) out.append(f);
  for (const auto& [name, value] : headers) {
    out.append(name);
    out.append(value);
  }
  out.append(r.body);
  return out;
}

WebResponse decode_web_response(std::string_view frame) {
  auto items = split_items(frame);
  if (items.size() < kResponseFields || (items.size() - kResponseFields) % 2 != 0) {
    throw FrameError(
        fmt::format("the app's reply has {} items: kind, status, body and header "
                    "pairs expected",
                    items.size()));
  }
  WebResponse out;
  out.kind = std::string(items[0]);
  auto status = items[1];
  auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), out.status);
  // A final reply only: an informational status (1xx) is followed by another reply on the same
  // connection, so one carrying the app's body would let the app write replies of its own.
  if (ec != std::errc() || end != status.data() + status.size() || out.status < 200 ||
      out.status > 599) {
    throw FrameError(fmt::format("the app's reply has an invalid status '{}'", status));
  }
  out.body = std::string(items[2]);
  for (size_t i = kResponseFields; i < items.size(); i += 2) {
    check_header(items[i], items[i + 1]);
    out.headers.emplace_back(items[i], items[i + 1]);
  }
  return out;
}

}  // namespace wasmlet::server
