#include "tools/vendor_sandbox/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>

#include "plaudit/errno_message.h"
#include "plaudit/trim.h"

namespace plaudit::sandbox {
namespace {

constexpr size_t kMaxHeaderBytes = size_t{64} * 1024;
constexpr size_t kMaxBodyBytes = size_t{1024} * 1024;
constexpr int kReadTimeoutSeconds = 10;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Render(const HttpReply& reply) {
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) + "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : reply.headers) {
    if (Lower(name) == "content-type") has_type = true;
    out += name + ": " + value + "\r\n";
  }
  if (!has_type && !reply.body.empty()) out += "Content-Type: application/json\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += reply.body;
  return out;
}

HttpReply ErrorReply(int status, const std::string& message) {
  HttpReply reply;
  reply.status = status;
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  reply.body = "{\"error\":{\"code\":\"bad_request\",\"message\":\"" + escaped + "\"}}";
  return reply;
}

// Reads one request from fd. Returns false with *error_reply set when the request is malformed,
// or with error_reply->status == 0 when the peer went away.
bool ReadRequest(int fd, HttpRequest* request, HttpReply* error_reply) {
  std::string data;
  size_t header_end = std::string::npos;
  char buffer[8192];
  while (header_end == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_reply->status = 0;
      return false;
    }
    data.append(buffer, static_cast<size_t>(n));
    header_end = data.find("\r\n\r\n");
    if (header_end == std::string::npos && data.size() > kMaxHeaderBytes) {
      *error_reply = ErrorReply(431, "request headers exceed 64 KiB");
      return false;
    }
  }
  const std::string_view head(data.data(), header_end);
  const size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const size_t first_space = request_line.find(' ');
  const size_t second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos ||
      request_line.substr(second_space + 1).rfind("HTTP/1.", 0) != 0) {
    *error_reply = ErrorReply(400, "malformed request line");
    return false;
  }
  request->method = std::string(request_line.substr(0, first_space));
  request->target =
      std::string(request_line.substr(first_space + 1, second_space - first_space - 1));
  const size_t question = request->target.find('?');
  request->path = DecodeQueryComponent(request->target.substr(0, question));
  if (question != std::string::npos) {
    std::string_view query = std::string_view(request->target).substr(question + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const size_t eq = pair.find('=');
      const std::string key = DecodeQueryComponent(pair.substr(0, eq));
      const std::string value =
          eq == std::string_view::npos ? std::string() : DecodeQueryComponent(pair.substr(eq + 1));
      if (!key.empty()) request->query[key] = value;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      *error_reply = ErrorReply(400, "malformed header line");
      return false;
    }
    request->headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                  std::string(Trim(line.substr(colon + 1))));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 2);
  }
  if (request->Header("transfer-encoding")) {
    *error_reply = ErrorReply(411, "send the body with a Content-Length, not chunked");
    return false;
  }
  size_t length = 0;
  if (const auto value = request->Header("content-length")) {
    if (value->empty() || value->size() > 9 ||
        !std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      *error_reply = ErrorReply(400, "malformed Content-Length");
      return false;
    }
    length = std::stoul(*value);
    if (length > kMaxBodyBytes) {
      *error_reply = ErrorReply(413, "request body exceeds 1 MiB");
      return false;
    }
  }
  request->body = data.substr(header_end + 4);
  while (request->body.size() < length) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_reply->status = 0;
      return false;
    }
    request->body.append(buffer, static_cast<size_t>(n));
  }
  request->body.resize(length);
  return true;
}

}  // namespace

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

std::string DecodeQueryComponent(std::string_view text) {
  // A form-encoded '+' is a space; the %XX escapes are libcurl's to read (since 7.82 it needs no
  // handle). Done in this order, an escaped "%2B" stays a '+'.
  std::string plus_as_space(text);
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  int length = 0;
  std::unique_ptr<char, decltype(&curl_free)> decoded(
      curl_easy_unescape(nullptr, plus_as_space.data(), static_cast<int>(plus_as_space.size()),
                         &length),
      &curl_free);
  return decoded ? std::string(decoded.get(), static_cast<size_t>(length)) : std::string();
}

std::unique_ptr<HttpServer> HttpServer::Start(int port, Handler handler, std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "socket: " + ErrnoMessage(errno);
    return nullptr;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 64) != 0) {
    *error = "bind 127.0.0.1:" + std::to_string(port) + ": " + ErrnoMessage(errno);
    ::close(fd);
    return nullptr;
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::unique_ptr<HttpServer> server(
      new HttpServer(fd, ntohs(address.sin_port), std::move(handler)));
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

HttpServer::HttpServer(int listen_fd, int port, Handler handler)
    : listen_fd_(listen_fd), port_(port), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

std::string HttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !acceptor_.joinable()) return;
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  stopped_cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  std::map<uint64_t, std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
    finished_.clear();
  }
  for (auto& [id, worker] : workers) worker.join();
}

void HttpServer::ReapFinished() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (uint64_t id : finished_) {
      auto it = workers_.find(id);
      if (it == workers_.end()) continue;
      done.push_back(std::move(it->second));
      workers_.erase(it);
    }
    finished_.clear();
  }
  for (std::thread& worker : done) worker.join();
}

void HttpServer::AcceptLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    ReapFinished();
    pollfd listening{listen_fd_, POLLIN, 0};
    if (::poll(&listening, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{kReadTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    const uint64_t id = next_worker_++;
    workers_.emplace(id, std::thread([this, fd, id] {
                       Serve(fd);
                       std::lock_guard<std::mutex> done_lock(mu_);
                       open_fds_.erase(fd);
                       ::close(fd);
                       finished_.push_back(id);
                     }));
  }
}

bool HttpServer::Wait(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stopped_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void HttpServer::Serve(int fd) {
  HttpRequest request;
  HttpReply reply;
  if (!ReadRequest(fd, &request, &reply)) {
    if (reply.status != 0) WriteAll(fd, Render(reply));
    return;
  }
  reply = handler_(request);
  if (reply.delay_ms > 0 && !Wait(reply.delay_ms)) return;
  switch (reply.delivery) {
    case HttpReply::Delivery::kAnswer:
      WriteAll(fd, Render(reply));
      break;
    case HttpReply::Delivery::kClose:
    case HttpReply::Delivery::kHangThenClose:
      break;
  }
  ::shutdown(fd, SHUT_RDWR);
}

}  // namespace plaudit::sandbox
