#include "core/plugin_host/contact_facts.h"

#include <string>
#include <utility>

namespace plaudit {

namespace pb = ::plaudit::plugin::v1;

ContactBatch ContactBatchFromRequest(const pb::IngestFactsRequest& request) {
  ContactBatch batch{request.source(),      {},
                     request.position(),    request.lag(),
                     request.taken(),       request.rejected(),
                     request.last_problem()};
  batch.contacts.reserve(request.contacts_size());
  for (const pb::ContactVersion& c : request.contacts()) {
    ContactInput contact{c.contact_id(), c.version_us(), {}, c.origin()};
    for (const pb::ContactFact& f : c.facts()) {
      ContactFactInput fact{f.participant(), f.occurred_us(), f.channel(), f.queue(), {}};
      for (const auto& metric : f.metrics()) {
        fact.metrics.emplace_back(metric.name(), metric.value());
      }
      contact.facts.push_back(std::move(fact));
    }
    batch.contacts.push_back(std::move(contact));
  }
  return batch;
}

pb::IngestFactsResponse FactsResponseFrom(const absl::StatusOr<ContactSummary>& summary) {
  pb::IngestFactsResponse response;
  if (!summary.ok()) {
    response.set_error(std::string(summary.status().message()));
    return response;
  }
  response.set_applied(summary->applied);
  response.set_unchanged(summary->unchanged);
  response.set_unmatched(summary->unmatched);
  for (const ContactProblem& problem : summary->problems) {
    pb::IngestFactsResponse::Problem* p = response.add_problems();
    p->set_origin(problem.origin);
    p->set_reason(problem.reason);
  }
  return response;
}

}  // namespace plaudit
