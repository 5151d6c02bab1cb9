// Two contact-centre platforms' REST APIs, played on loopback for the API pollers' tests and demos:
// Genesys Cloud's OAuth login and analytics conversation detail jobs, and Zendesk's cursor-based
// incremental ticket export, in their documented shapes, over records a test loads and revises.
//
// Genesys Cloud:
//   POST /oauth/token                 basic auth client_id:client_secret, body
//                                     grant_type=client_credentials -> {"access_token",
//                                     "token_type", "expires_in"}; wrong client: 401
//                                     {"error": "invalid_client"}
//   GET  .../details/jobs/availability          {"dataAvailabilityDate"}
//   POST .../details/jobs             {"interval": "<start>/<end>"} -> 202 {"jobId"}; the job
//                                     holds the conversations whose lifetime overlaps the
//                                     interval (conversationStart to conversationEnd, or on),
//                                     as they were when it was submitted
//   GET  .../details/jobs/{jobId}     {"state": "QUEUED" | "PENDING" | "FULFILLED", ...}
//   GET  .../details/jobs/{jobId}/results[?cursor=..&pageSize=..]
//                                     {"conversations": [...], "cursor": "..." (not on the
//                                     last page), "dataAvailabilityDate"}
//   (... is /api/v2/analytics/conversations.) API calls need "Authorization: Bearer <token>" of a
//   token issued and not expired: else 401.
// Zendesk:
//   GET /api/v2/incremental/tickets/cursor.json?start_time=<unix>|cursor=<c>[&include=metric_sets]
//                                     {"tickets": [...], "metric_sets": [...] (when included),
//                                     "after_cursor", "after_url", "before_cursor",
//                                     "before_url", "end_of_stream"}: the tickets changed since
//                                     the cursor, oldest change first, each as it is now; basic
//                                     auth "<email>/token:<api_token>" or a bearer OAuth token
// Both page by `page_size` records, so that paging is exercised with a few records.
//
// For tests (and, through the /_fake/ paths, for scripts):
//   POST /_fake/faults                {"status": 429, "count": 2, "retry_after": "3", "path":
//                                     "/api/v2/incremental"}: the next `count` API requests (whose
//                                     path starts with `path`, when given) are answered `status`
//                                     (with Retry-After when given); faults queue up
//   POST /_fake/genesys/conversations JSON lines: each adds a conversation, or replaces the one
//                                     with its conversationId (a revision)
//   POST /_fake/zendesk/tickets       JSON lines: each adds or replaces a ticket by id; a ticket
//                                     with an inline metric_set has it served as a sideload
//   POST /_fake/expire_tokens         every Genesys token issued so far is refused from now on
//   POST /_fake/expire_jobs           every Genesys job submitted so far is gone (404)
//   GET  /_fake/requests              {"requests": [{"method", "path", "target", "status",
//                                     "at_us"}]}
// Every API request is recorded with the time it came (by the fake's clock) and its answer.
//
// Thread-safe: Handle() runs on the server's threads; the other methods may be called at once.
#ifndef PLAUDIT_TOOLS_PLATFORM_FAKE_PLATFORM_FAKE_H_
#define PLAUDIT_TOOLS_PLATFORM_FAKE_PLATFORM_FAKE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/vendor_sandbox/http_server.h"

namespace plaudit::sandbox {

struct PlatformFakeOptions {
  std::string genesys_client_id = "plaudit-client";
  std::string genesys_client_secret = "genesys-secret";
  int64_t genesys_token_lifetime_s = 86399;
  std::string zendesk_email = "plaudit@example.com";
  std::string zendesk_api_token = "zendesk-token";
  // Accepted as a bearer token when not empty.
  std::string zendesk_oauth_token;
  // Records per page, both platforms (a Genesys request's pageSize overrides it).
  int page_size = 2;
  // Status checks of a job answered QUEUED, then PENDING, before it is FULFILLED.
  int job_checks_before_fulfilled = 1;
  // Genesys's dataAvailabilityDate is this long before now.
  int64_t availability_lag_ms = 0;
  // Microseconds since the epoch; the system clock when unset.
  std::function<int64_t()> now_us;
};

struct FakeRequest {
  std::string method;
  std::string path;
  // Path and query, as sent.
  std::string target;
  int status = 0;
  int64_t at_us = 0;
};

struct FakeFault {
  int status = 500;
  int count = 1;
  // Sent as the Retry-After header when not empty.
  std::string retry_after;
  // Only requests whose path starts with this are answered by the fault ("": every one).
  std::string path;
};

class PlatformFake {
 public:
  explicit PlatformFake(PlatformFakeOptions options = {});

  HttpReply Handle(const HttpRequest& request);

  // Adds a conversation, or replaces the one with its conversationId. False with *error when it
  // is not a JSON object with a conversationId and a readable conversationStart.
  bool PutConversation(std::string_view json_text, std::string* error);
  // Adds a ticket, or replaces the one with its id. False with *error when it is not a JSON
  // object with an id and a readable updated_at.
  bool PutTicket(std::string_view json_text, std::string* error);
  // Each non-blank line of a JSON-lines file; stops at the first bad line, naming it.
  bool LoadConversations(const std::string& path, std::string* error);
  bool LoadTickets(const std::string& path, std::string* error);

  void AddFault(const FakeFault& fault);
  static bool ParseFault(const std::string& body, FakeFault* fault, std::string* error);
  void ExpireTokens();
  // Every job submitted so far is forgotten (its status and results answer 404), as Genesys
  // Cloud does once a job's results expire.
  void ExpireJobs();

  // The API requests so far (not the /_fake/ ones), in the order they came.
  std::vector<FakeRequest> Requests() const;

 private:
  struct Conversation {
    std::string text;
    int64_t start_us = 0;
    int64_t end_us = -1;  // -1: not ended
  };
  struct Ticket {
    std::string text;  // without its metric_set
    std::string metric_set;
    int64_t updated_us = 0;
    int64_t id = 0;
  };
  struct Job {
    std::vector<std::string> conversations;
    int checks = 0;
  };

  int64_t Now() const;
  HttpReply Route(const HttpRequest& request, int64_t now_us);
  HttpReply Control(const HttpRequest& request);
  HttpReply Token(const HttpRequest& request, int64_t now_us);
  HttpReply Genesys(const HttpRequest& request, int64_t now_us);
  HttpReply Zendesk(const HttpRequest& request);
  bool GenesysAuthorized(const HttpRequest& request, int64_t now_us) const;
  bool ZendeskAuthorized(const HttpRequest& request) const;
  bool PutConversationLocked(std::string_view json_text, std::string* error);
  bool PutTicketLocked(std::string_view json_text, std::string* error);

  const PlatformFakeOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Conversation> conversations_;  // guarded by mu_; by conversationId
  std::map<int64_t, Ticket> tickets_;                  // guarded by mu_; by id
  std::map<std::string, Job> jobs_;                    // guarded by mu_; by jobId
  std::map<std::string, int64_t> tokens_;              // guarded by mu_; token -> expiry (us)
  std::deque<FakeFault> faults_;                       // guarded by mu_
  std::vector<FakeRequest> requests_;                  // guarded by mu_
  int64_t next_id_ = 1;                                // guarded by mu_
};

// The requests as the JSON body of GET /_fake/requests.
std::string RequestsJson(const std::vector<FakeRequest>& requests);

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_PLATFORM_FAKE_PLATFORM_FAKE_H_
