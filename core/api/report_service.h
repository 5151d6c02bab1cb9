// The program report RPC (proto/plaudit/v1/reports.proto): core/reports builds the report from the
// store; this turns it into its message.
#ifndef PLAUDIT_CORE_API_REPORT_SERVICE_H_
#define PLAUDIT_CORE_API_REPORT_SERVICE_H_

#include "core/api/access_gate.h"
#include "core/awards/award_decider.h"
#include "core/store/store.h"
#include "plaudit/v1/reports.grpc.pb.h"

namespace plaudit::api {

class ReportServiceImpl final : public ::plaudit::v1::ReportService::Service {
 public:
  // `store`, `decider` (which reads programs) and `gate` must outlive the service.
  ReportServiceImpl(Store* store, AwardDecider* decider, AccessGate* gate)
      : store_(store), decider_(decider), gate_(gate) {}
  grpc::Status GetProgramReport(grpc::ServerContext*, const ::plaudit::v1::GetProgramReportRequest*,
                                ::plaudit::v1::ProgramReport*) override;

 private:
  Store* store_;
  AwardDecider* decider_;
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_REPORT_SERVICE_H_
