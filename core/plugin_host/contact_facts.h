// The "ingest.facts" host call in the contact ingest's terms: a plugin's request as a ContactBatch,
// and what the ingest made of it as the plugin's answer. Used by plauditd's plugin host and by
// tests that run a source plugin into the real contact ingest.
#ifndef PLAUDIT_CORE_PLUGIN_HOST_CONTACT_FACTS_H_
#define PLAUDIT_CORE_PLUGIN_HOST_CONTACT_FACTS_H_

#include "absl/status/statusor.h"
#include "core/ingest/contact_ingest.h"
#include "plaudit/plugin/v1/plugin.pb.h"

namespace plaudit {

ContactBatch ContactBatchFromRequest(const plugin::v1::IngestFactsRequest& request);

// The summary's counts and problems; a failed ingest as the answer's error (nothing stored).
plugin::v1::IngestFactsResponse FactsResponseFrom(const absl::StatusOr<ContactSummary>& summary);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PLUGIN_HOST_CONTACT_FACTS_H_
