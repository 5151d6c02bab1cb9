#include "clients/plaudit/error_line.h"

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace plaudit::cli {
namespace {

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "cancelled";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out of range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal error";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown error";
  }
}

// The field violations of any google.rpc.BadRequest in the status details, as "field: why",
// leaving out those the message already spells out.
std::vector<std::string> FieldViolations(const grpc::Status& status) {
  std::vector<std::string> violations;
  if (status.error_details().empty()) return violations;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return violations;
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.Is<google::rpc::BadRequest>() || !detail.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      std::string text = violation.field().empty()
                             ? violation.description()
                             : violation.field() + ": " + violation.description();
      if (text.empty() || status.error_message().find(text) != std::string::npos) continue;
      violations.push_back(std::move(text));
    }
  }
  return violations;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Why a channel could not reach the server, from gRPC's UNAVAILABLE message, in words an
// administrator can act on; the resolver's and the transport's internals are left out.
// `server` is the address as given: "https://..." when the CLI spoke TLS.
std::string UnreachableReason(const std::string& message, std::string_view server) {
  const bool tls = server.starts_with("https://");
  if (Contains(message, "Ssl handshake failed") || Contains(message, "Handshake failed")) {
    if (Contains(message, "certificate verify failed") ||
        Contains(message, "CERTIFICATE_VERIFY_FAILED")) {
      return "TLS handshake failed (is --ca-file the CA that signed the server's certificate?)";
    }
    if (Contains(message, "wrong version number") || Contains(message, "WRONG_VERSION_NUMBER")) {
      return "TLS handshake failed (plauditd there does not seem to serve TLS; without tls, "
             "give the address without https://)";
    }
    return "TLS handshake failed";
  }
  if (Contains(message, "DNS resolution failed") || Contains(message, "Domain name not found") ||
      Contains(message, "ARES_ENOTFOUND") || Contains(message, "Name or service not known")) {
    return "host not found";
  }
  if (Contains(message, "Connection refused")) {
    return "connection refused \u2014 is plauditd running?";
  }
  if (Contains(message, "Network is unreachable") || Contains(message, "No route to host")) {
    return "network unreachable";
  }
  if (Contains(message, "Connection reset") || Contains(message, "Socket closed")) {
    // A TLS server closes a plaintext connection; a server requiring client certificates closes
    // a TLS connection without one.
    if (tls) {
      return "the connection was closed; does plauditd there require a client certificate "
             "(--cert and --key)?";
    }
    return "the connection was closed; if plauditd there serves TLS, use https://" +
           std::string(server);
  }
  if (Contains(message, "failed to connect to all addresses")) return "cannot connect";
  return message;
}

}  // namespace

std::string ErrorLine(std::string_view message) {
  std::string line = "plaudit: ";
  bool in_break = false;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      in_break = true;
      continue;
    }
    if (in_break && (c == ' ' || c == '\t')) continue;  // the next line's indentation
    if (in_break) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      line.push_back(' ');
      in_break = false;
    }
    line.push_back(c);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string DescribeRpcFailure(const grpc::Status& status, std::string_view server) {
  const std::string& message = status.error_message();
  auto with_message = [&](std::string prefix) {
    return message.empty() ? prefix : prefix + ": " + message;
  };
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "cannot reach plauditd at " + std::string(server) +
             (message.empty() ? "" : ": " + UnreachableReason(message, server));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return with_message("plauditd at " + std::string(server) + " did not answer in time");
    case grpc::StatusCode::UNIMPLEMENTED:
      return with_message("plauditd at " + std::string(server) + " does not support this call");
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED: {
      std::string text = message.empty() ? CodeName(status.error_code()) : message;
      std::vector<std::string> violations = FieldViolations(status);
      if (!violations.empty()) {
        text += " (";
        for (size_t i = 0; i < violations.size(); ++i) {
          if (i > 0) text += "; ";
          text += violations[i];
        }
        text += ")";
      }
      return text;
    }
    default:
      return with_message(CodeName(status.error_code()));
  }
}

}  // namespace plaudit::cli
