// A small HTTP/1.1 server for test doubles: it listens on 127.0.0.1 only, serves each connection
// on its own thread, answers one request per connection (Connection: close) and hands every
// request to one handler. Requests need a Content-Length when they carry a body; chunked bodies
// are refused.
//
// A reply may also withhold its answer (close the connection, or hold it open for a while and
// then close it), which is how a test double plays a vendor that acted but was never heard.
//
// The handler is called from several threads at once and guards its own state. Stop() (or the
// destructor) stops accepting, cuts open connections and waits for every handler to return.
#ifndef PLAUDIT_TOOLS_VENDOR_SANDBOX_HTTP_SERVER_H_
#define PLAUDIT_TOOLS_VENDOR_SANDBOX_HTTP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace plaudit::sandbox {

struct HttpRequest {
  std::string method;
  // As sent: path and query.
  std::string target;
  std::string path;
  // Decoded query parameters.
  std::map<std::string, std::string> query;
  // Names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;
};

struct HttpReply {
  enum class Delivery {
    kAnswer,
    // Close the connection without a byte of answer.
    kClose,
    // Keep the connection open for delay_ms, then close it without answering.
    kHangThenClose,
  };

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Delivery delivery = Delivery::kAnswer;
  // Waited before answering (or, for kHangThenClose, before closing).
  int64_t delay_ms = 0;
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  // Binds 127.0.0.1:port (0 picks a free port) and starts serving. nullptr with *error when the
  // port cannot be bound.
  static std::unique_ptr<HttpServer> Start(int port, Handler handler, std::string* error);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT".
  std::string url() const;
  void Stop();

 private:
  HttpServer(int listen_fd, int port, Handler handler);
  void AcceptLoop();
  void Serve(int fd);
  // Waits up to `ms`, returning early (false) when the server stops.
  bool Wait(int64_t ms);
  void ReapFinished();

  int listen_fd_;  // closed (-1) once stopped
  const int port_;
  const Handler handler_;
  std::thread acceptor_;

  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;                    // guarded by mu_
  std::set<int> open_fds_;                   // guarded by mu_
  std::map<uint64_t, std::thread> workers_;  // guarded by mu_
  std::vector<uint64_t> finished_;           // guarded by mu_
  uint64_t next_worker_ = 0;                 // guarded by mu_
};

// Percent-decodes a query component ('+' is a space).
std::string DecodeQueryComponent(std::string_view text);

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_VENDOR_SANDBOX_HTTP_SERVER_H_
