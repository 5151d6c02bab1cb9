// Award decisions as API messages: the one conversion every service that returns standings or
// awards uses.
#ifndef PLAUDIT_CORE_API_AWARD_PROTOS_H_
#define PLAUDIT_CORE_API_AWARD_PROTOS_H_

#include <string_view>

#include "core/store/store.h"
#include "plaudit/v1/awards.pb.h"

namespace plaudit::api {

// The phrases of a sentence Plaudit wrote (see core/awards/phrases.h), appended to `out`.
void AddPhrases(std::string_view text,
                ::google::protobuf::RepeatedPtrField<::plaudit::v1::Phrase>* out);

void ToProto(const AwardRecord& award, ::plaudit::v1::Award* out);
void ToProto(const Standing& standing, ::plaudit::v1::Standing* out);
// Standings and awards of a decision (period and newly_committed are left to the caller).
void ToProto(const DecisionRecord& decision, ::plaudit::v1::EvaluateAwardsResponse* out);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_AWARD_PROTOS_H_
