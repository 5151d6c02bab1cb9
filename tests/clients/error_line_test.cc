#include "clients/plaudit/error_line.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace plaudit::cli {
namespace {

grpc::Status WithBadRequest(const std::string& message,
                            std::vector<std::pair<std::string, std::string>> violations) {
  google::rpc::BadRequest bad_request;
  for (const auto& [field, description] : violations) {
    auto* violation = bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(description);
  }
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message, details.SerializeAsString());
}

TEST(ErrorLine, PrefixesTheProgramName) {
  EXPECT_EQ(ErrorLine("cannot read x.csv: No such file or directory"),
            "plaudit: cannot read x.csv: No such file or directory");
}

TEST(ErrorLine, FoldsLineBreaksIntoOneLine) {
  EXPECT_EQ(ErrorLine("yaml error:\n  line 3: bad indent\r\n"),
            "plaudit: yaml error: line 3: bad indent");
}

TEST(DescribeRpcFailure, UnavailableSaysTheServerCannotBeReached) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses");
  EXPECT_EQ(DescribeRpcFailure(status, "127.0.0.1:50051"),
            "cannot reach plauditd at 127.0.0.1:50051: cannot connect");
}

// The messages are gRPC 1.51's for an unknown host and for a port nobody listens on.
TEST(DescribeRpcFailure, UnknownHostIsHostNotFoundWithoutResolverInternals) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                      "DNS resolution failed for nohost.invalid:50051: C-ares status is not "
                      "ARES_SUCCESS qtype=A name=nohost.invalid is_balancer=0: Domain name not "
                      "found");
  EXPECT_EQ(DescribeRpcFailure(status, "nohost.invalid:50051"),
            "cannot reach plauditd at nohost.invalid:50051: host not found");
}

TEST(DescribeRpcFailure, RefusedConnectionAsksWhetherPlauditdRuns) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                      "failed to connect to all addresses; last error: UNKNOWN: "
                      "ipv4:127.0.0.1:1: Failed to connect to remote host: Connection refused");
  EXPECT_EQ(DescribeRpcFailure(status, "127.0.0.1:1"),
            "cannot reach plauditd at 127.0.0.1:1: connection refused \u2014 is plauditd running?");
}

// gRPC 1.51's messages for a server certificate the client does not trust, a TLS client at a
// plaintext server, and a closed connection (a TLS server reading plaintext, or a server that
// requires a client certificate).
TEST(DescribeRpcFailure, UntrustedServerCertificateAsksForTheCa) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                      "failed to connect to all addresses; last error: UNKNOWN: "
                      "ipv4:127.0.0.1:1: Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL "
                      "routines::certificate verify failed");
  EXPECT_EQ(DescribeRpcFailure(status, "https://127.0.0.1:1"),
            "cannot reach plauditd at https://127.0.0.1:1: TLS handshake failed (is --ca-file "
            "the CA that signed the server's certificate?)");
}

TEST(DescribeRpcFailure, TlsToAPlaintextServerSaysItDoesNotServeTls) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                      "failed to connect to all addresses; last error: UNKNOWN: "
                      "ipv4:127.0.0.1:1: Ssl handshake failed: SSL_ERROR_SSL: error:0A00010B:SSL "
                      "routines::wrong version number");
  EXPECT_EQ(DescribeRpcFailure(status, "https://127.0.0.1:1"),
            "cannot reach plauditd at https://127.0.0.1:1: TLS handshake failed (plauditd there "
            "does not seem to serve TLS; without tls, give the address without https://)");
}

TEST(DescribeRpcFailure, ClosedConnectionHintsAtTlsOrAClientCertificate) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                      "failed to connect to all addresses; last error: UNAVAILABLE: "
                      "ipv4:127.0.0.1:1: Socket closed");
  EXPECT_EQ(DescribeRpcFailure(status, "127.0.0.1:1"),
            "cannot reach plauditd at 127.0.0.1:1: the connection was closed; if plauditd there "
            "serves TLS, use https://127.0.0.1:1");
  EXPECT_EQ(DescribeRpcFailure(status, "https://127.0.0.1:1"),
            "cannot reach plauditd at https://127.0.0.1:1: the connection was closed; does "
            "plauditd there require a client certificate (--cert and --key)?");
}

TEST(DescribeRpcFailure, OtherUnavailableMessagesAreKept) {
  grpc::Status status(grpc::StatusCode::UNAVAILABLE, "plauditd is shutting down");
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"),
            "cannot reach plauditd at h:1: plauditd is shutting down");
}

TEST(DescribeRpcFailure, NotFoundGivesTheServersMessage) {
  grpc::Status status(grpc::StatusCode::NOT_FOUND, "program \"eotm\" not found");
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"), "program \"eotm\" not found");
}

TEST(DescribeRpcFailure, InvalidArgumentWithoutDetailsIsTheMessage) {
  grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, "period: expected YYYY-MM");
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"), "period: expected YYYY-MM");
}

TEST(DescribeRpcFailure, AppendsBadRequestFieldViolations) {
  grpc::Status status =
      WithBadRequest("program is invalid", {{"scorecard.metrics[0].weight", "must be positive"},
                                            {"time_zone", "unknown zone Mars/Olympus"}});
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"),
            "program is invalid (scorecard.metrics[0].weight: must be positive; "
            "time_zone: unknown zone Mars/Olympus)");
}

TEST(DescribeRpcFailure, SkipsViolationsTheMessageAlreadySays) {
  grpc::Status status =
      WithBadRequest("period: expected YYYY-MM", {{"period", "expected YYYY-MM"}});
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"), "period: expected YYYY-MM");
}

TEST(DescribeRpcFailure, IgnoresUnparsableDetails) {
  grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT, "bad", "\xff\xff not a proto");
  EXPECT_EQ(DescribeRpcFailure(status, "h:1"), "bad");
}

TEST(DescribeRpcFailure, EmptyMessageFallsBackToTheCode) {
  EXPECT_EQ(DescribeRpcFailure(grpc::Status(grpc::StatusCode::NOT_FOUND, ""), "h:1"), "not found");
}

TEST(DescribeRpcFailure, ServerFaultsNameTheCode) {
  EXPECT_EQ(DescribeRpcFailure(grpc::Status(grpc::StatusCode::INTERNAL, "disk full"), "h:1"),
            "internal error: disk full");
  EXPECT_EQ(DescribeRpcFailure(
                grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), "h:1"),
            "plauditd at h:1 did not answer in time: Deadline Exceeded");
}

}  // namespace
}  // namespace plaudit::cli
