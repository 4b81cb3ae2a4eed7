#pragma once
// What the commands that talk to a server share: connecting, path segments, and turning a
// response into a result or an error.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/http_client.h"

namespace wasmlet::cli {

// The client commands' HTTP, under their own names.
using util::ConnectError;
using util::HttpClient;
using util::HttpClientOptions;
using util::HttpHeaders;
using util::HttpResponse;
using util::parse_server_address;
using util::ServerAddress;
using util::TransportError;

// The server answered with an error status: the message is the server's own.
class ServerError : public Error {
 public:
  using Error::Error;
};

// "USER/NAME", as functions, workflows and state keys are named.
struct Name {
  std::string user, name;
  std::string str() const { return user + "/" + name; }
};
// Throws Error("expected USER/<what>, got ...") unless `text` is two non-empty parts.
Name parse_name(const std::string& text, const char* what);

// How to reach a server: its address ("HOST:PORT", "https://HOST:PORT"), the time to give up
// after (connecting included), the CAs to verify an https:// server against ("": the config
// file's "cacert", else the system's), and the API key to send ("": none).
struct ServerConnection {
  std::string server;
  double timeout_seconds = 600;
  std::string ca_file;
  std::string key;
};
HttpClient connect_server(const ServerConnection& connection);

// Valid names need no escaping; anything else is escaped so that the request stays well
// formed and the server can explain what is wrong with the name.
std::string escape_segment(std::string_view s);

// What the server said in an error response: {"message": ...} when JSON, else the text.
std::string error_message(const HttpResponse& r);

// The body as JSON; Error when it is not.
nlohmann::json parse_json(const HttpResponse& r);

// ServerError unless the status is 2xx.
void expect_ok(const HttpResponse& r);

}  // namespace wasmlet::cli
