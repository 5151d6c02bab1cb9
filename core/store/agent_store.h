// The agents: who competes, their teams, sites and channels, and whether they are active.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_AGENT_STORE_H_
#define PLAUDIT_CORE_STORE_AGENT_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class AgentStore {
 public:
  virtual ~AgentStore() = default;

  virtual absl::Status UpsertAgents(const std::vector<Agent>& agents) = 0;
  virtual absl::StatusOr<std::vector<Agent>> ListAgents() = 0;
  virtual absl::StatusOr<std::optional<Agent>> GetAgent(const std::string& id) = 0;
  // The agent whose email is `email`, compared without case; nullopt when none.
  virtual absl::StatusOr<std::optional<std::string>> FindAgentIdByEmail(
      const std::string& email) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListAgentIds() = 0;
  // Changes whenever agents are written, so callers can cache what they read.
  virtual int64_t agents_generation() const = 0;
  // Deactivates an agent (recorded as a correction); NOT_FOUND for an unknown agent. An
  // inactive agent competes in no period decided afterwards; importing the agent as active
  // again reactivates them.
  virtual absl::Status DeactivateAgent(const std::string& id, const std::string& actor,
                                       const std::string& reason, int64_t at_us) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AGENT_STORE_H_
