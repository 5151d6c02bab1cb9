// Who may call what: the one policy table. Every RPC plauditd serves and every plugin query has a
// row naming, per role, how far the role reaches: nowhere, the caller's own resources, their
// teams' agents' resources, or everything. A method without a row is refused to everyone. The
// docs/security.md's roles table and the access test are both read against this table.
#ifndef PLAUDIT_CORE_API_ACCESS_POLICY_H_
#define PLAUDIT_CORE_API_ACCESS_POLICY_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace plaudit::api {

// How far a role reaches with a method, from none to all; a caller with several roles gets the
// widest reach any of them gives.
enum class Reach : int {
  kNone = 0,
  // Only the caller's own resources (their standings, awards, rewards, balance, codes).
  kSelf = 1,
  // The resources of agents in the caller's teams (the teams claim); all agents when the
  // caller's token names no teams.
  kTeam = 2,
  kAll = 3,
};
std::string_view ReachName(Reach reach);

// The built-in roles. Any other role a token carries is a task role (facilities, hr, ...): it
// reaches the manual tasks assigned to it.
inline constexpr std::string_view kAdminRole = "admin";
inline constexpr std::string_view kManagerRole = "manager";
inline constexpr std::string_view kAgentRole = "agent";
inline constexpr std::string_view kServiceRole = "service";
// A wall display (a kiosk's token): reads what the floor may see, nothing else.
inline constexpr std::string_view kDisplayRole = "display";

struct PolicyRow {
  // "plaudit.v1.AwardService/ApproveAward", or "plugin:gift_card/code" for a plugin query.
  std::string_view method;
  Reach admin;
  Reach manager;
  Reach agent;
  Reach service;
  // Any other role: a task role.
  Reach task;
  Reach display;
  // Whether each call is written to the audit trail: every change, and every read of a secret.
  bool audited;
  // How callers are known when they are not by a token: "open" (no credentials needed, e.g.
  // vendor callbacks, which carry an HMAC signature instead), or "" (token or certificate).
  std::string_view open;
};

// Every row, in service order.
std::span<const PolicyRow> PolicyTable();

// The row of `method`; nullptr when it has none (and so nobody may call it).
const PolicyRow* FindPolicy(std::string_view method);

// The widest reach `roles` give with `row`.
Reach ReachOf(const PolicyRow& row, const std::vector<std::string>& roles);

// The plugin-query method name of a plugin's query, as the table names it.
std::string PluginQueryMethod(std::string_view plugin, std::string_view query);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ACCESS_POLICY_H_
