// Award decisions, their histories, rewards' attempts and audit records as API messages: the one
// conversion every service that returns them uses.
#ifndef PLAUDIT_CORE_API_AWARD_PROTOS_H_
#define PLAUDIT_CORE_API_AWARD_PROTOS_H_

#include <string_view>

#include "core/store/store.h"
#include "plaudit/v1/audit.pb.h"
#include "plaudit/v1/awards.pb.h"
#include "plaudit/v1/fulfilments.pb.h"

namespace plaudit::api {

// The phrases of a sentence Plaudit wrote (see core/awards/phrases.h), appended to `out`.
void AddPhrases(std::string_view text,
                ::google::protobuf::RepeatedPtrField<::plaudit::v1::Phrase>* out);

void ToProto(const AwardRecord& award, ::plaudit::v1::Award* out);
void ToProto(const Standing& standing, ::plaudit::v1::Standing* out);
// Standings and awards of a decision (period and newly_committed are left to the caller).
void ToProto(const DecisionRecord& decision, ::plaudit::v1::EvaluateAwardsResponse* out);
void ToProto(const AwardTransition& transition, ::plaudit::v1::AwardTransition* out);
void ToProto(const FulfilmentAttempt& attempt, ::plaudit::v1::FulfilmentAttempt* out);
void ToProto(const AuditRecord& record, ::plaudit::v1::AuditRecord* out);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_AWARD_PROTOS_H_
