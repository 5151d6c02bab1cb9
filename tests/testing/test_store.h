// A Store in a temp directory for tests, and agents to put in it.
#ifndef PLAUDIT_TESTS_TESTING_TEST_STORE_H_
#define PLAUDIT_TESTS_TESTING_TEST_STORE_H_

#include <memory>
#include <string>

#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::testing {

// An active agent `id` ("Agent <id>", <id>@example.com, team T) hired 2024-01-15.
inline Agent TestAgent(const std::string& id, Channel channel = Channel::kPhone) {
  Agent a;
  a.id = id;
  a.display_name = "Agent " + id;
  a.email = id + "@example.com";
  a.team = "T";
  a.channel = channel;
  a.hire_date = absl::CivilDay(2024, 1, 15);
  return a;
}

// The secrets key of test stores: the same every time, so a test may open its store again.
inline StateCipher TestCipher() { return *StateCipher::FromKey(std::string(32, 'k')); }

// A decision of eotm 2026-10 (program version 3): standings of a1 (eligible, rank 1) and a2
// (ineligible, two reasons), and one award to a1 with one leave_credit reward (8 hours, key k1).
inline DecisionRecord TestDecision() {
  DecisionRecord d;
  d.program_id = "eotm";
  d.period = "2026-10";
  d.program_version = 3;
  d.decided_us = 42;
  Standing s;
  s.agent_id = "a1";
  s.peer_group = "phone";
  s.eligible = true;
  s.rank = 1;
  s.score = 0.75;
  s.metrics.push_back(MetricStanding{"csat", 4.25, 30, 0.5});
  Standing t;
  t.agent_id = "a2";
  t.peer_group = "phone";
  t.reasons = {"inactive", "tenure 3 days < 30"};
  d.standings = {s, t};
  AwardRecord a;
  a.id = "eotm.2026-10.a1";
  a.program_id = "eotm";
  a.period = "2026-10";
  a.agent_id = "a1";
  a.rank = 1;
  a.program_version = 3;
  FulfilmentRecord f;
  f.id = a.id + ".leave_credit";
  f.award_id = a.id;
  f.agent_id = "a1";
  f.type = "leave_credit";
  f.params = {{"hours", "8"}};
  f.idempotency_key = "k1";
  a.fulfilments.push_back(f);
  d.awards.push_back(a);
  return d;
}

// Opens a fresh store in `dir`, failing the test if it cannot.
inline std::unique_ptr<Store> OpenTestStore(const TempDir& dir) {
  auto store = Store::Open(dir.File("plaudit.db"), TestCipher());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_TEST_STORE_H_
