#include "core/web/web_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/domain/log.h"
#include "core/web/http_listener.h"
#include "core/web/web_assets.h"
#include "nlohmann/json.hpp"

namespace plaudit::web {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kApiPath[] = R"(/api/v1/([A-Za-z0-9_.]+)/([A-Za-z0-9_]+))";

}  // namespace

WebServer::WebServer(const WebServerOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options), gateway_(std::move(channel), options.development_mode) {}

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Start(
    const WebServerOptions& options, std::shared_ptr<grpc::Channel> channel) {
  auto address = SplitListen("web.listen", options.listen);
  if (!address.ok()) return address.status();
  if (!IsLoopbackListen(options.listen) && (options.development_mode || !options.tls)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "web.listen: ", options.listen, " is not a loopback address; serving the pages to ",
        "other hosts needs ", options.tls ? "" : "tls (cert_file, key_file) ",
        options.tls || !options.development_mode ? "" : "and ",
        options.development_mode ? "auth (an OpenID Connect issuer)" : ""));
  }
  std::unique_ptr<WebServer> server(new WebServer(options, std::move(channel)));
  auto http = MakeHttpServer(options.tls);
  if (!http.ok()) return http.status();
  server->http_ = *std::move(http);
  if (options.tls) server->scheme_ = "https";
  // httplib also sets SO_REUSEPORT, which would let a second plauditd share a taken port. The
  // listening socket is kept, to lengthen its queue below.
  int listening = -1;
  server->http_->set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening = sock;
  });
  // A response goes out in more than one write; without this, Nagle's algorithm holds the last
  // one back for the client's delayed acknowledgement (about 40 ms a call).
  server->http_->set_tcp_nodelay(true);
  server->http_->new_task_queue = [threads = options.threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  // A browser keeps its connection for the page's calls; an idle one gives its thread back soon.
  server->http_->set_keep_alive_max_count(1000);
  server->http_->set_keep_alive_timeout(2);
  auto bound = BindHttpServer(*server->http_, "web.listen", options.listen);
  if (!bound.ok()) return bound.status();
  server->port_ = *bound;
  if (options.sign_in.has_value()) {
    if (!options.auth.has_value()) {
      return absl::FailedPreconditionError("web.sign_in: needs auth");
    }
    if (options.sign_in->public_url.empty() && !IsLoopbackListen(options.listen)) {
      return absl::FailedPreconditionError(
          absl::StrCat("web.sign_in.public_url: required when the pages listen on ", options.listen,
                       ", an address of other hosts: the issuer sends browsers back to it"));
    }
    const std::string& host = address->first;
    const std::string own_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    auto sign_in = SignIn::Create(
        *options.sign_in, *options.auth,
        absl::StrCat(server->scheme_, "://", own_host, ":", server->port_), options.data_dir);
    if (!sign_in.ok()) return sign_in.status();
    server->sign_in_ = *std::move(sign_in);
  }
  server->Route();
  // httplib (Debian's build) listens with a queue of 5 connections: a burst of browsers opening
  // theirs overflows it, and each one dropped retries a second later. Listening again on the same
  // socket lengthens the queue.
  if (listening >= 0) ::listen(listening, SOMAXCONN);
  // The option setter above refers to this function's `listening`; it is not to be called again.
  server->http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->thread_ = ServeHttp(*server->http_);
  return server;
}

void WebServer::Route() {
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });
  if (options_.development_mode) {
    // In the development mode anyone who reaches the port is trusted, so a page of another site
    // must not reach it through a name of its own that resolves to this host (DNS rebinding):
    // only loopback host names are answered.
    http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      // The name without its port: "[::1]:8080" -> "[::1]", "localhost:8080" -> "localhost".
      std::string host = req.get_header_value("Host");
      if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') + 1);
      } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
        host.resize(colon);
      }
      if (host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.")) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      res.status = 403;
      res.set_content(ErrorJson("PERMISSION_DENIED",
                                absl::StrCat("Host: \"", req.get_header_value("Host"),
                                             "\" is not a loopback name; in the development mode "
                                             "the pages answer localhost only")),
                      kJson);
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  http_->Post(kApiPath, [this](const httplib::Request& req, httplib::Response& res) {
    WebCredentials credentials;
    credentials.authorization = req.get_header_value("Authorization");
    credentials.actor = req.get_header_value("X-Plaudit-Actor");
    const std::string content_type = req.get_header_value("Content-Type");
    GatewayReply reply;
    // A signed-in browser's session stands for the Authorization header it does not send.
    std::optional<GatewayReply> session_refusal;
    if (credentials.authorization.empty() && sign_in_ != nullptr) {
      auto session = sign_in_->Open(req.get_header_value("Cookie"), absl::Now());
      if (session.ok()) {
        if (CsrfMatches(*session, req.get_header_value("X-CSRF-Token"))) {
          credentials.authorization = "Bearer " + session->access_token;
        } else {
          session_refusal = GatewayReply{
              403, ErrorJson("PERMISSION_DENIED",
                             "X-CSRF-Token is missing or not this session's (the page reads it "
                             "from GET /auth/session)")};
        }
      } else if (!absl::IsNotFound(session.status())) {
        session_refusal = GatewayReply{
            401, ErrorJson("UNAUTHENTICATED", std::string(session.status().message()))};
      }
    }
    // A page of another site can send a form or text/plain without asking; application/json
    // it cannot, so requiring it keeps other sites from calling the API in a user's name.
    if (session_refusal.has_value()) {
      reply = *std::move(session_refusal);
    } else if (!absl::StartsWithIgnoreCase(content_type, kJson)) {
      reply = {415, ErrorJson("INVALID_ARGUMENT",
                              absl::StrCat("Content-Type: expected application/json, got \"",
                                           content_type, "\""))};
    } else {
      reply = gateway_.Call(req.matches[1].str(), req.matches[2].str(), req.body, credentials);
    }
    res.status = reply.http_status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(reply.json, kJson);
  });
  RouteSignIn();
  auto wrong_method = [](const httplib::Request& req, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_header("Cache-Control", "no-store");
    res.set_content(ErrorJson("INVALID_ARGUMENT",
                              absl::StrCat(req.method, " ", req.path,
                                           ": the API takes POST with a JSON request body")),
                    kJson);
  };
  http_->Get(kApiPath, wrong_method);
  http_->Put(kApiPath, wrong_method);
  http_->Delete(kApiPath, wrong_method);
  http_->Patch(kApiPath, wrong_method);
  http_->Get(R"(/[A-Za-z0-9_\-./]*)", [](const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = FindWebAsset(req.path == "/" ? "/index.html" : req.path);
    if (asset == nullptr) {
      res.status = 404;
      res.set_content(absl::StrCat("no page at ", req.path, "\n"), "text/plain; charset=utf-8");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(asset->body.data(), asset->body.size(), std::string(asset->content_type));
  });
  // An exception in a handler is a bug; the caller gets 500 and nothing of its text.
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(ErrorJson("INTERNAL", "the request failed inside plauditd"), kJson);
      });
}

void WebServer::RouteSignIn() {
  // Where the pages learn whether sign-in is on, who is signed in, and the session's CSRF token.
  http_->Get("/auth/session", [this](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json body = {{"sign_in", sign_in_ != nullptr}, {"signed_in", false}};
    if (sign_in_ != nullptr) {
      auto session = sign_in_->Open(req.get_header_value("Cookie"), absl::Now());
      if (session.ok()) {
        body["signed_in"] = true;
        body["subject"] = session->subject;
        body["csrf_token"] = session->csrf_token;
        body["expires_at"] =
            absl::FormatTime(absl::RFC3339_sec, session->expires, absl::UTCTimeZone());
      } else if (!absl::IsNotFound(session.status())) {
        body["problem"] = std::string(session.status().message());
        res.set_header("Set-Cookie", sign_in_->SignOutCookie());
      }
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(), kJson);
  });
  auto not_configured = [](httplib::Response& res) {
    res.status = 404;
    res.set_content(ErrorJson("NOT_FOUND", "signing in is not configured (web.sign_in)"), kJson);
  };
  // A failed sign-in goes back to the first page with one of a few fixed codes, which the page
  // words in its language (a free text there would let any link put words on this site); the
  // details go to the log.
  auto back_with_problem = [](httplib::Response& res, const absl::Status& status) {
    const bool unreachable = absl::IsUnavailable(status);
    const std::string line = absl::StrCat("sign-in failed: ", status.message());
    if (unreachable) {
      LogError("web", line);
    } else {
      LogInfo("web", line);
    }
    const char* code = unreachable                       ? "issuer_unreachable"
                       : absl::IsUnauthenticated(status) ? "refused"
                                                         : "failed";
    res.set_header("Cache-Control", "no-store");
    res.set_redirect(httplib::append_query_params("/", {{"sign_in_error", code}}), 303);
  };
  http_->Get("/auth/sign-in", [this, not_configured, back_with_problem](const httplib::Request& req,
                                                                        httplib::Response& res) {
    if (sign_in_ == nullptr) return not_configured(res);
    auto step = sign_in_->Begin(req.get_param_value("return"), absl::Now());
    if (!step.ok()) return back_with_problem(res, step.status());
    for (const std::string& cookie : step->set_cookies) res.set_header("Set-Cookie", cookie);
    res.set_header("Cache-Control", "no-store");
    res.set_redirect(step->location, 303);
  });
  http_->Get("/auth/callback", [this, not_configured, back_with_problem](
                                   const httplib::Request& req, httplib::Response& res) {
    if (sign_in_ == nullptr) return not_configured(res);
    std::string error = req.get_param_value("error");
    if (!error.empty() && req.has_param("error_description")) {
      absl::StrAppend(&error, ": ", req.get_param_value("error_description"));
    }
    auto step = sign_in_->Complete(req.get_param_value("code"), req.get_param_value("state"), error,
                                   req.get_header_value("Cookie"), absl::Now());
    if (!step.ok()) {
      res.set_header("Set-Cookie", sign_in_->ClearSignInCookie());
      return back_with_problem(res, step.status());
    }
    for (const std::string& cookie : step->set_cookies) res.set_header("Set-Cookie", cookie);
    res.set_header("Cache-Control", "no-store");
    res.set_redirect(step->location, 303);
  });
  http_->Post("/auth/sign-out", [this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (sign_in_ != nullptr) {
      auto session = sign_in_->Open(req.get_header_value("Cookie"), absl::Now());
      if (session.ok() && !CsrfMatches(*session, req.get_header_value("X-CSRF-Token"))) {
        res.status = 403;
        res.set_content(ErrorJson("PERMISSION_DENIED", "X-CSRF-Token is not this session's"),
                        kJson);
        return;
      }
      // Only a session signed out with its token, or a cookie that is not a session, is removed:
      // a form of another site (it comes without the Strict cookie) signs nobody out.
      if (!absl::IsNotFound(session.status())) {
        res.set_header("Set-Cookie", sign_in_->SignOutCookie());
      }
    }
    res.set_content(R"({"signed_in":false})", kJson);
  });
}

void WebServer::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

WebServer::~WebServer() { Stop(); }

}  // namespace plaudit::web
