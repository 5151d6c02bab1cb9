// The gRPC face of corrections: retracting events, disabling and enabling programs,
// deactivating agents, and reading what was corrected. Each correction needs an admin actor and
// a reason; the store records both with the time.
#ifndef PLAUDIT_CORE_API_CORRECTION_SERVICE_H_
#define PLAUDIT_CORE_API_CORRECTION_SERVICE_H_

#include <map>
#include <string>

#include "core/api/access_gate.h"
#include "core/domain/clock.h"
#include "core/store/store.h"
#include "plaudit/v1/corrections.grpc.pb.h"

namespace plaudit::api {

class CorrectionServiceImpl final : public v1::CorrectionService::Service {
 public:
  CorrectionServiceImpl(Store* store, Clock* clock, AccessGate* gate)
      : store_(store), clock_(clock), gate_(gate) {}
  grpc::Status RetractEvents(grpc::ServerContext*, const v1::RetractEventsRequest*,
                             v1::RetractEventsResponse*) override;
  grpc::Status DisableProgram(grpc::ServerContext*, const v1::ChangeProgramStateRequest*,
                              v1::ChangeProgramStateResponse*) override;
  grpc::Status EnableProgram(grpc::ServerContext*, const v1::ChangeProgramStateRequest*,
                             v1::ChangeProgramStateResponse*) override;
  grpc::Status DeactivateAgent(grpc::ServerContext*, const v1::DeactivateAgentRequest*,
                               v1::DeactivateAgentResponse*) override;
  grpc::Status ListCorrections(grpc::ServerContext*, const v1::ListCorrectionsRequest*,
                               v1::ListCorrectionsResponse*) override;
  grpc::Status GetProgramHistory(grpc::ServerContext*, const v1::GetProgramHistoryRequest*,
                                 v1::ProgramHistory*) override;

 private:
  // The admin making a correction to `method` with `reason`: the gate's refusals, or
  // INVALID_ARGUMENT without a reason.
  absl::StatusOr<std::string> Corrector(const grpc::ServerContext& context, std::string_view method,
                                        const std::string& reason) const;
  grpc::Status ChangeProgramState(grpc::ServerContext* context,
                                  const v1::ChangeProgramStateRequest& request, bool disabled,
                                  v1::ChangeProgramStateResponse* response);

  Store* store_;
  Clock* clock_;
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_CORRECTION_SERVICE_H_
